"""The family's rights over its data: download everything the platform holds about it (GDPR
art. 15 and 20), and keep its pré-demande alive from the confirmation link (no password: the
signed link is the credential, valid for the notice period)."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from sdsf.core import clock
from sdsf.families import interest
from sdsf.families.access import family_of, family_required
from sdsf.families.models import Family, PreApplication


def _date(value):
    return value.isoformat() if value else None


def _pre_application(pre: PreApplication) -> dict:
    return {
        "reference": pre.reference,
        "status": pre.status,
        "closed_reason": pre.closed_reason,
        "merged_into": pre.merged_into.reference if pre.merged_into_id else None,
        "filed_at_desk": pre.filed_by_id is not None,
        "parent": {
            "first_name": pre.parent_first_name,
            "last_name": pre.parent_last_name,
            "email": pre.email,
            "phone": pre.phone,
            "address": pre.address,
            "home_commune": {"code": pre.home_commune_id, "name": pre.home_commune.name},
        },
        "child": {
            "first_name": pre.child_first_name,
            "last_name": pre.child_last_name,
            "birth_date": _date(pre.child_birth_date),
            "expected_birth_date": _date(pre.expected_birth_date),
        },
        "need": {
            "wished_start": _date(pre.wished_start),
            "days": pre.days,
            "starts_at": _date(pre.starts_at),
            "ends_at": _date(pre.ends_at),
        },
        "situation": pre.situation,
        "insertion": pre.insertion,
        "consent_at": _date(pre.consent_at),
        "submitted_at": _date(pre.submitted_at),
        "confirmed_at": _date(pre.confirmed_at),
        "confirmation_requested_at": _date(pre.confirmation_requested_at),
        "created_at": _date(pre.created_at),
        "updated_at": _date(pre.updated_at),
        "wishes": [
            {
                "rank": wish.rank,
                "structure": wish.structure.name if wish.structure_id else None,
                "commune": (wish.structure.commune if wish.structure_id else wish.commune).name,
                "any_creche_of_commune": wish.commune_id is not None,
            }
            for wish in pre.wishes.all()
        ],
        "events": [
            {
                "at": _date(event.at),
                "kind": event.kind,
                "status": event.status,
                "by_agent": event.by_agent,
                "note": event.display_note,
            }
            for event in pre.events.all()
        ],
        "documents": [
            {
                "kind": document.kind,
                "name": document.original_name,
                "content_type": document.content_type,
                "size": document.size,
                "uploaded_at": _date(document.uploaded_at),
            }
            for document in pre.documents.all()
        ],
        "round_applications": [
            {
                "round": application.round.name,
                "commune": application.round.commune.name,
                "commission_date": _date(application.round.meets_on),
                "section": application.section,
                "submitted_on": _date(application.submitted_on),
                "criteria": application.criteria,
                "points": str(application.points),
                "proposed_structure": (
                    application.proposed_structure.name
                    if application.proposed_structure_id
                    else None
                ),
                "wish_rank": application.wish_rank,
                "explanation": application.explanation,
                "answer": application.answer,
                "answer_deadline": _date(application.answer_deadline),
                "answer_reason": application.answer_reason,
                "answered_at": _date(application.answered_at),
            }
            for application in pre.round_applications.all()
        ],
    }


def family_data(family: Family) -> dict:
    """Everything the platform holds about a family, in one JSON-ready document."""
    user = family.user
    pres = (
        PreApplication.objects.filter(family=family)
        .select_related("home_commune", "merged_into")
        .prefetch_related(
            "wishes__structure__commune",
            "wishes__commune",
            "events",
            "documents",
            "round_applications__round__commune",
            "round_applications__proposed_structure",
        )
        .order_by("created_at")
    )
    return {
        "generated_at": _date(clock.now()),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": family.phone,
            "created_at": _date(family.created_at),
            "email_verified_at": _date(family.email_verified_at),
            "last_login": _date(user.last_login),
        },
        "pre_applications": [_pre_application(pre) for pre in pres],
    }


@family_required
def my_data(request):
    """A readable summary page; ``?format=json`` downloads the whole as a JSON file."""
    data = family_data(family_of(request.user))
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="mes-donnees-sdsf.json"'
        return response
    return render(
        request,
        "families/privacy/my_data.html",
        {"data": data, "retention": settings.SDSF_FAMILY_RETENTION},
    )


def confirm_interest(request, token):
    pre = interest.from_token(token)
    confirmed = pre is not None and interest.confirm(pre)
    return render(
        request,
        "families/privacy/confirmed.html",
        {"pre": pre, "confirmed": confirmed, "valid": pre is not None},
        status=200 if pre is not None else 404,
    )
