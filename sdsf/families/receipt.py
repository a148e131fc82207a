"""The receipt of a submitted pré-demande: a PDF the family keeps, and the e-mail it receives.

Both say what was filed, the points computed so far in each wished commune and the date of the
next commission. The e-mail's subject names only the reference: no child data in a subject line,
which mail servers and notification screens show to anyone.
"""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from sdsf.core.downloads import pdf_response
from sdsf.families import applications, commission
from sdsf.families.models import PreApplication

TEMPLATE = "families/application/receipt.html"


def receipt_context(pre: PreApplication) -> dict:
    scores = commission.points_so_far(pre)
    return {
        "pre": pre,
        "wishes": applications.wish_targets(pre),
        "points": scores,
        "next_commission": commission.earliest_commission(scores),
        "missing_documents": [
            str(label)
            for kind, label in pre.documents.model.Kind.choices
            if kind in applications.missing_documents(pre)
        ],
    }


def receipt_response(pre: PreApplication):
    return pdf_response(TEMPLATE, receipt_context(pre), f"recepisse-{pre.reference}")


def send_receipt(request, pre: PreApplication) -> bool:
    """E-mails the receipt to the address of the pré-demande (an agent may file without one).

    The link to the status page is given only when a family account follows the application.
    """
    if not pre.email:
        return False
    context = receipt_context(pre)
    if pre.family_id:
        context["link"] = request.build_absolute_uri(
            reverse("families:application", kwargs={"reference": pre.reference})
        )
    send_mail(
        _("Pré-demande %(reference)s enregistrée") % {"reference": pre.reference},
        render_to_string("families/application/receipt_email.txt", context),
        None,
        [pre.email],
    )
    return True
