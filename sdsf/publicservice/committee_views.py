"""Pages of the comité départemental des services aux familles and of the scheme's renewal."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal
from sdsf.core import clock
from sdsf.core.downloads import pdf_response
from sdsf.publicservice import committee, renewal, timetable
from sdsf.publicservice.forms import DecisionForm, MeetingForm, MemberForm, RenewalForm
from sdsf.publicservice.models import College, Decision, Meeting, Member
from sdsf.publicservice.schemas import current_scheme
from sdsf.steering.models import Scheme

VIEW, MANAGE = Permission.COMMITTEE_VIEW, Permission.COMMITTEE_MANAGE


def _departement(request, code: str, permission: Permission = VIEW):
    return get_object_or_404(scope.departements(request.user, permission), code=code)


def _meeting(request, pk, permission: Permission = VIEW) -> Meeting:
    return get_object_or_404(Meeting.objects.writable_by(request.user, permission), pk=pk)


def _calendar() -> dict:
    today = clock.today()
    elections = timetable.last_elections(today)
    return {
        "elections": elections,
        "deadline": timetable.renewal_deadline(elections),
        "period": timetable.next_period(elections),
        "steps": timetable.steps(elections, today),
    }


@permission_required(Permission.COMMITTEE_VIEW)
def committee_page(request, code):
    departement = _departement(request, code)
    order = {key: i for i, key in enumerate(College.values)}  # the State's college first
    members = sorted(
        Member.objects.visible_to(request.user, VIEW).filter(departement=departement),
        key=lambda m: (order[m.college], m.name),
    )
    if members:
        read_personal(request, members)
    today = clock.today()
    return render(
        request,
        "publicservice/committee.html",
        {
            "departement": departement,
            "members": members,
            "today": today,
            "meetings": Meeting.objects.filter(departement=departement).prefetch_related(
                "decisions", "attendees"
            ),
            "calendar": _calendar(),
            "scheme": current_scheme(departement.code),
            "years": sorted({today.year, today.year - 1}, reverse=True),
            "manages": scope.can(request.user, MANAGE),
            "renews": scope.can(request.user, Permission.STEERING_COORDINATE),
        },
    )


@permission_required(Permission.COMMITTEE_MANAGE)
def member_add(request, code):
    departement = _departement(request, code, MANAGE)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.departement = departement
        form.save()
        messages.success(request, f"{form.instance.name} ajouté(e) au comité.")
        return redirect("publicservice:committee", code=departement.code)
    return render(
        request,
        "publicservice/form.html",
        {"title": "Ajouter un membre du comité", "form": form, "departement": departement},
    )


@permission_required(Permission.COMMITTEE_MANAGE)
def meeting_add(request, code):
    departement = _departement(request, code, MANAGE)
    form = MeetingForm(request.POST or None, departement_code=departement.code)
    if request.method == "POST" and form.is_valid():
        form.instance.departement = departement
        meeting = form.save()
        messages.success(request, "Réunion enregistrée.")
        return redirect("publicservice:meeting", meeting=meeting.pk)
    return render(
        request,
        "publicservice/form.html",
        {"title": "Nouvelle réunion du comité", "form": form, "departement": departement},
    )


@permission_required(Permission.COMMITTEE_VIEW)
def meeting(request, meeting):
    found = _meeting(request, meeting)
    scheme = current_scheme(found.departement_id)
    return render(
        request,
        "publicservice/meeting.html",
        {
            "meeting": found,
            "attendees": found.attendees.all(),
            "decisions": found.decisions.prefetch_related("actions"),
            "documents": [line.strip() for line in found.documents.splitlines() if line.strip()],
            "manages": Meeting.objects.writable_by(request.user, MANAGE)
            .filter(pk=found.pk)
            .exists(),
            "decision_form": DecisionForm(scheme=scheme),
        },
    )


@permission_required(Permission.COMMITTEE_MANAGE)
def meeting_edit(request, meeting):
    found = _meeting(request, meeting, MANAGE)
    form = MeetingForm(request.POST or None, instance=found, departement_code=found.departement_id)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Réunion enregistrée.")
        return redirect("publicservice:meeting", meeting=found.pk)
    return render(
        request,
        "publicservice/form.html",
        {"title": f"Modifier la réunion : {found}", "form": form, "meeting": found},
    )


@permission_required(Permission.COMMITTEE_MANAGE)
@require_POST
def decision_add(request, meeting):
    found = _meeting(request, meeting, MANAGE)
    form = DecisionForm(request.POST, scheme=current_scheme(found.departement_id))
    if form.is_valid():
        with transaction.atomic():
            decision = Decision.objects.create(
                meeting=found, position=found.decisions.count() + 1, text=form.cleaned_data["text"]
            )
            decision.actions.set(form.cleaned_data["actions"])
        messages.success(request, "Décision enregistrée.")
    else:
        messages.error(request, "Écrivez le texte de la décision.")
    return redirect("publicservice:meeting", meeting=found.pk)


def _summary(request, code, year):
    departement = _departement(request, code)
    if not 2015 <= year <= clock.today().year + 1:
        raise Http404
    return committee.yearly_summary(departement, year)


@permission_required(Permission.COMMITTEE_VIEW)
def summary(request, code, year):
    return render(request, "publicservice/summary.html", {"summary": _summary(request, code, year)})


@permission_required(Permission.COMMITTEE_VIEW)
def summary_pdf(request, code, year):
    found = _summary(request, code, year)
    return pdf_response(
        "publicservice/summary_pdf.html",
        {"summary": found},
        f"cdsf-{found.departement.code}-bilan-{year}",
    )


@permission_required(Permission.STEERING_COORDINATE)
def renewal_page(request, scheme):
    found = get_object_or_404(
        Scheme.objects.writable_by(request.user, Permission.STEERING_COORDINATE), pk=scheme
    )
    calendar = _calendar()
    form = RenewalForm(request.POST or None, initial={"start_year": calendar["period"][0]})
    if request.method == "POST" and form.is_valid():
        try:
            new = renewal.renew(found, form.cleaned_data["start_year"], request.user)
        except renewal.AlreadyRenewed as exc:
            form.add_error("start_year", str(exc))
        else:
            messages.success(request, f"Le schéma {new} est créé à partir de {found}.")
            return redirect("steering:scheme", scheme=new.pk)
    return render(
        request,
        "publicservice/renewal.html",
        {
            "scheme": found,
            "form": form,
            "calendar": calendar,
            "diagnostic": renewal.diagnostic(found),
            "conclusions": renewal.conclusions(found),
            "renewals": found.renewals.select_related("scheme"),
        },
    )
