"""Who is a family: the family account of a person, and the decorator of the family space.

A family is not territorial: it reaches only its own rows (``PreApplication.objects.of_family``,
its proposals), never through a role. Staff roles live in :mod:`sdsf.accounts.scope`.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sdsf.families.models import Family


def family_of(user) -> Family | None:
    """The family account of a logged-in person, or None (staff, anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.family
    except Family.DoesNotExist:
        return None


def family_required(view):
    """View decorator for the family space: anonymous → the families' login page; staff or a
    person without a family account → 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("families:login"))
        if family_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.sdsf_family = True
    return wrapped
