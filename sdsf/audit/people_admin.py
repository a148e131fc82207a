"""Managing people's accounts: invite, give and withdraw roles, deactivate.

The rules are :mod:`sdsf.accounts.administration`'s; these pages sit in the audit app because
every change, and every read of a person's page, is recorded here.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sdsf.accounts import administration, invitations, scope
from sdsf.accounts.models import Assignment, Role, label_scopes
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal, record
from sdsf.audit.models import AuditEvent
from sdsf.audit.people_forms import InviteForm, RoleForm

Action = AuditEvent.Action


def _person(request, pk):
    """A person the administrator sees (a role overlapping their territory), or 404."""
    return get_object_or_404(scope.people(request.user), pk=pk)


def _describe(role: str, institution, territory_label: str) -> str:
    return f"{Role(role).label} — {institution} ({territory_label})"


def _label(level: str, code: str) -> str:
    return Assignment(scope_level=level, scope_code=code).scope_label


@permission_required(Permission.PEOPLE_MANAGE)
def invite(request):
    form = InviteForm(request.user, None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person = administration.invite(
                    request.user,
                    data["email"],
                    data["first_name"],
                    data["last_name"],
                    data["institution"],
                    data["role"],
                    *data["territory"],
                )
                detail = _describe(data["role"], data["institution"], _label(*data["territory"]))
                record(request, Action.CREATE, person, detail=f"invitation : {detail}")
                invitations.send(person, request.user)
        except administration.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Invitation envoyée à {person.email}.")
            return redirect("people:person", person=person.pk)
    return render(request, "audit/invite.html", {"form": form})


@permission_required(Permission.PEOPLE_MANAGE)
def person(request, person):
    item = _person(request, person)
    read_personal(request, item)
    roles = list(item.assignments.all())
    label_scopes(roles)
    return render(
        request,
        "audit/person.html",
        {
            "item": item,
            "roles": roles,
            "manages": administration.manages(request.user, item),
            "is_self": item.pk == request.user.pk,
            "form": RoleForm(request.user, item),
        },
    )


def _refused(request, refused, item):
    messages.error(request, str(refused))
    return redirect("people:person", person=item.pk)


@permission_required(Permission.PEOPLE_MANAGE)
@require_POST
def role_add(request, person):
    item = _person(request, person)
    form = RoleForm(request.user, item, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("people:person", person=item.pk)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            administration.give_role(
                request.user, item, data["institution"], data["role"], *data["territory"]
            )
            detail = _describe(data["role"], data["institution"], _label(*data["territory"]))
            record(request, Action.UPDATE, item, detail=f"rôle donné : {detail}")
    except administration.Refused as refused:
        return _refused(request, refused, item)
    messages.success(request, "Rôle donné.")
    return redirect("people:person", person=item.pk)


@permission_required(Permission.PEOPLE_MANAGE)
@require_POST
def role_withdraw(request, person, assignment):
    item = _person(request, person)
    role = get_object_or_404(item.assignments.select_related("institution"), pk=assignment)
    detail = _describe(role.role, role.institution, role.scope_label)
    try:
        with transaction.atomic():
            # Recorded first: the event concerns the départements the person had this role in.
            record(request, Action.UPDATE, item, detail=f"rôle retiré : {detail}")
            administration.withdraw_role(request.user, role)
    except administration.Refused as refused:
        return _refused(request, refused, item)
    messages.success(request, "Rôle retiré.")
    return redirect("people:person", person=item.pk)


@permission_required(Permission.PEOPLE_MANAGE)
@require_POST
def person_active(request, person):
    item = _person(request, person)
    active = request.POST.get("active") == "1"
    try:
        with transaction.atomic():
            administration.set_active(request.user, item, active)
            detail = "compte réactivé" if active else "compte désactivé"
            record(request, Action.UPDATE, item, detail=detail)
    except administration.Refused as refused:
        return _refused(request, refused, item)
    messages.success(request, "Compte réactivé." if active else "Compte désactivé.")
    return redirect("people:person", person=item.pk)


@permission_required(Permission.PEOPLE_MANAGE)
@require_POST
def resend(request, person):
    """A new invitation link, for a person who has not chosen a password yet."""
    item = _person(request, person)
    if item.has_usable_password() or not item.is_active:
        messages.error(
            request, "Cette personne a déjà choisi son mot de passe, ou son compte est désactivé."
        )
        return redirect("people:person", person=item.pk)
    with transaction.atomic():
        record(request, Action.UPDATE, item, detail="invitation renvoyée")
        invitations.send(item, request.user)
    messages.success(request, f"Invitation renvoyée à {item.email}.")
    return redirect("people:person", person=item.pk)
