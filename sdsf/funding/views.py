"""Pages of the co-financing ledger. Thin: rights through the gate and the managers'
``visible_to``/``writable_by``, rules in :mod:`sdsf.funding.calls`, sums in
:mod:`sdsf.funding.queries`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sdsf.accounts.scope import Permission, can, permission_required
from sdsf.audit.log import read_personal
from sdsf.core import clock
from sdsf.core.downloads import file_response, pdf_response, table_file, workbook_file
from sdsf.funding import calls, queries
from sdsf.funding.aids import simulate
from sdsf.funding.forms import (
    AidForm,
    ApplicationForm,
    DateForm,
    DecisionForm,
    InstructionForm,
    ReportForm,
    TerritoryForm,
)
from sdsf.funding.models import (
    Application,
    Call,
    FundedPost,
    Grant,
    Operator,
    Payment,
    PostYear,
    Programme,
    SupportingDocument,
)
from sdsf.funding.statement import FUNDER_COLUMNS, GRANT_COLUMNS, statement
from sdsf.observatory.models import DEMO_LABEL
from sdsf.observatory.svgmap import choropleth
from sdsf.territories.models import Commune

VIEW, INSTRUCT, APPLY = (
    Permission.FUNDING_VIEW,
    Permission.FUNDING_INSTRUCT,
    Permission.FUNDING_APPLY,
)
LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
OPEN_DATA_COLUMNS = [
    "annee",
    "programme",
    "financeur",
    "porteur",
    "siren",
    "code_commune",
    "commune",
    "objet",
    "montant_engage_eur",
    "montant_verse_eur",
    "donnees_de_demonstration",
    "licence",
]


def _fail(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@permission_required(VIEW)
def index(request):
    programmes = (
        Programme.objects.visible_to(request.user, VIEW)
        .select_related("departement")
        .prefetch_related("shares__funder")
    )
    operators = Operator.objects.acting_for(request.user) if can(request.user, APPLY) else []
    return render(
        request,
        "funding/index.html",
        {
            "programmes": programmes,
            "operators": operators,
            "territory_form": TerritoryForm(initial={"year": clock.today().year}),
            "demo_label": DEMO_LABEL,
        },
    )


def _programme(request, pk) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user, VIEW), pk=pk)


@permission_required(VIEW)
def programme(request, programme):
    programme = _programme(request, programme)
    grants = programme.grants.exclude(status=Grant.Status.CANCELLED)
    budgets = {b.year: b.amount_eur for b in programme.budgets.all()}
    by_year = {r["year"]: r for r in queries.totals(grants, "year")}
    years = [{"year": y, "budget": budgets.get(y), **by_year.get(y, {})} for y in programme.years]
    posts = (
        FundedPost.objects.filter(programme=programme)
        .select_related("holder")
        .prefetch_related(Prefetch("years", queryset=PostYear.objects.order_by("year")))
    )
    return render(
        request,
        "funding/programme.html",
        {
            "programme": programme,
            "shares": programme.shares.select_related("funder"),
            "years": years,
            "by_funder": queries.totals(grants, "funder__name"),
            "calls": programme.calls.all(),
            "applications": Application.objects.visible_to(request.user, VIEW)
            .filter(call__programme=programme)
            .select_related("call", "operator"),
            "posts": posts,
            "demo_label": DEMO_LABEL,
        },
    )


@permission_required(VIEW)
def statement_file(request, programme, year, fmt):
    programme = _programme(request, programme)
    if not programme.start_year <= year <= programme.end_year:
        raise Http404
    data = statement(programme, year)
    name = f"etat-cofinancement-{programme.code}-{year}"
    if fmt == "pdf":
        return pdf_response(
            "funding/statement_pdf.html", {"s": data, "demo_label": DEMO_LABEL}, name
        )
    content = workbook_file(
        [
            ("Financeurs", FUNDER_COLUMNS, data.funder_rows()),
            ("Subventions", GRANT_COLUMNS, data.grant_rows()),
        ]
    )
    return file_response(content, name, "xlsx")


@permission_required(VIEW)
def territory(request):
    form = TerritoryForm(request.GET or None)
    context = {"form": form}
    if form.is_valid():
        level, code, year = (form.cleaned_data[k] for k in ("level", "code", "year"))
        model = queries.LEVEL_MODELS[level]
        place = model.objects.filter(code=code.strip().upper()).first()
        if place is None:
            form.add_error("code", "Territoire inconnu à ce niveau.")
        else:
            grants = queries.in_territory(
                Grant.objects.visible_to(request.user, VIEW).filter(year=year), level, place.code
            ).exclude(status=Grant.Status.CANCELLED)
            operators = (
                Operator.objects.filter(grants__in=grants)
                .select_related("commune")
                .distinct()
                .order_by("name")
            )
            context.update(
                place=place,
                year=year,
                overall=queries.overall(grants),
                by_funder=queries.totals(grants, "funder__name"),
                by_programme=queries.totals(grants, "programme__name"),
                beneficiaries=queries.beneficiaries(grants),
                operators=operators,
                map=_map(level, place.code, {o.commune_id for o in operators}),
                demo=grants.filter(is_demo=True).exists(),
                demo_label=DEMO_LABEL,
            )
    return render(request, "funding/territory.html", context)


FUNDED, NOT_FUNDED = "#6a6af4", "#e5e5e5"


def _map(level: str, code: str, funded: set[str]) -> str:
    """The territory's communes, those with a funded operator filled (SVG, drawn on the server;
    the same operators are listed in the table beside it)."""
    communes = Commune.objects.filter(**{queries.COMMUNE_FILTERS[level]: code}).values_list(
        "name", "geometry", "code"
    )
    return choropleth(
        (name, geometry, FUNDED if c in funded else NOT_FUNDED) for name, geometry, c in communes
    )


def _operator(request, pk) -> Operator:
    return get_object_or_404(
        Operator.objects.visible_to(request.user, VIEW).select_related("commune"), pk=pk
    )


@permission_required(VIEW)
def operator(request, operator):
    operator = _operator(request, operator)
    if operator.contact_name or operator.contact_email or operator.contact_phone:
        read_personal(request, operator)
    applications = Application.objects.visible_to(request.user, VIEW).filter(operator=operator)
    grants = (
        Grant.objects.visible_to(request.user, VIEW)
        .filter(operator=operator)
        .select_related("programme", "funder")
        .prefetch_related("payments")
    )
    return render(
        request,
        "funding/operator.html",
        {
            "operator": operator,
            "applications": applications.select_related("call", "final_report"),
            "grants": grants,
            "demo_label": DEMO_LABEL,
        },
    )


def call_list(request):
    """Public: the published calls for projects."""
    today = clock.today()
    published = Call.objects.public().select_related("programme")
    return render(
        request,
        "funding/calls.html",
        {
            "open": [c for c in published if c.opens_on <= today <= c.closes_on],
            "others": [c for c in published if not c.opens_on <= today <= c.closes_on],
            "demo_label": DEMO_LABEL,
        },
    )


def call(request, slug):
    """Public: a call's criteria, dates and scoring grid."""
    found = get_object_or_404(Call.objects.public().select_related("programme"), slug=slug)
    return render(
        request,
        "funding/call.html",
        {
            "call": found,
            "grid": found.grid.all(),
            "shares": found.programme.shares.select_related("funder"),
            "is_open": calls.is_open(found),
            "may_apply": can(request.user, APPLY),
            "demo_label": DEMO_LABEL,
        },
    )


@permission_required(APPLY)
def apply(request, slug):
    found = get_object_or_404(Call.objects.public(), slug=slug)
    operators = Operator.objects.acting_for(request.user)
    form = ApplicationForm(request.POST or None, request.FILES or None, operators=operators)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("operator", "documents")}
        try:
            application = calls.submit(
                found,
                form.cleaned_data["operator"],
                request.user,
                data,
                request.FILES.getlist("documents"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Candidature déposée.")
            return redirect("funding:application", application=application.pk)
    return render(request, "funding/apply.html", {"call": found, "form": form})


def _application(request, pk, permission=VIEW) -> Application:
    return get_object_or_404(
        Application.objects.visible_to(request.user, VIEW).select_related(
            "call__programme", "operator__commune"
        ),
        pk=pk,
    )


def _writable(request, application: Application, permission) -> Application:
    writable = Application.objects.writable_by(request.user, permission)
    if not writable.filter(pk=application.pk).exists():
        raise PermissionDenied
    return application


def _may(request, application, permission) -> bool:
    if not can(request.user, permission):
        return False
    return (
        Application.objects.writable_by(request.user, permission).filter(pk=application.pk).exists()
    )


@permission_required(VIEW)
def application(request, application):
    application = _application(request, application)
    instructs = _may(request, application, INSTRUCT)
    applies = _may(request, application, APPLY)
    criteria = list(application.call.grid.all())
    funders = [s.funder for s in application.call.programme.shares.select_related("funder")]
    grants = application.grants.select_related("funder").prefetch_related("payments")
    given, possible = calls.total_score(application)
    return render(
        request,
        "funding/application.html",
        {
            "application": application,
            "documents": application.documents.all(),
            "scores": application.scores.select_related("criterion"),
            "given": given,
            "possible": possible,
            "grants": grants,
            "report": getattr(application, "final_report", None),
            "instructs": instructs,
            "applies": applies,
            "instruction_form": InstructionForm(criteria=criteria),
            "decision_form": DecisionForm(funders=funders, initial={"decided_on": clock.today()}),
            "date_form": DateForm(initial={"on": clock.today()}),
            "report_form": ReportForm(),
            "demo_label": DEMO_LABEL,
        },
    )


@permission_required(INSTRUCT)
@require_POST
def instruct(request, application):
    application = _writable(request, _application(request, application), INSTRUCT)
    form = InstructionForm(request.POST, criteria=list(application.call.grid.all()))
    if not form.is_valid():
        messages.error(
            request, "Instruction non enregistrée : vérifiez la recevabilité et les points."
        )
    else:
        try:
            calls.instruct(
                application,
                eligible=form.cleaned_data["eligible"],
                note=form.cleaned_data["note"],
                points=form.points(),
            )
            messages.success(request, "Instruction enregistrée.")
        except ValidationError as error:
            _fail(request, error)
    return redirect("funding:application", application=application.pk)


@permission_required(INSTRUCT)
@require_POST
def decide(request, application):
    application = _writable(request, _application(request, application), INSTRUCT)
    funders = [s.funder for s in application.call.programme.shares.select_related("funder")]
    form = DecisionForm(request.POST, funders=funders)
    if not form.is_valid():
        messages.error(
            request,
            "Décision non enregistrée : "
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    else:
        try:
            calls.decide(
                application,
                decided_on=form.cleaned_data["decided_on"],
                minutes=form.cleaned_data["minutes"],
                amounts=form.amounts(),
                refusal_reason=form.cleaned_data["refusal_reason"],
            )
            messages.success(request, "Décision du comité enregistrée.")
        except ValidationError as error:
            _fail(request, error)
    return redirect("funding:application", application=application.pk)


@permission_required(INSTRUCT)
@require_POST
def sign(request, application):
    application = _writable(request, _application(request, application), INSTRUCT)
    form = DateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Date de signature invalide.")
    else:
        try:
            calls.sign(application, form.cleaned_data["on"])
            messages.success(request, "Convention signée : l'avance est à verser.")
        except ValidationError as error:
            _fail(request, error)
    return redirect("funding:application", application=application.pk)


@permission_required(APPLY)
@require_POST
def report(request, application):
    application = _writable(request, _application(request, application), APPLY)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Bilan non enregistré : vérifiez les nombres saisis.")
    else:
        try:
            calls.report(application, form.cleaned_data)
            messages.success(request, "Bilan final remis : le solde peut être versé.")
        except ValidationError as error:
            _fail(request, error)
    return redirect("funding:application", application=application.pk)


@permission_required(INSTRUCT)
@require_POST
def pay(request, payment):
    payment = get_object_or_404(
        Payment.objects.select_related("grant__application"),
        pk=payment,
        grant__in=Grant.objects.writable_by(request.user, INSTRUCT),
    )
    form = DateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Date de versement invalide.")
    else:
        try:
            calls.pay(payment, form.cleaned_data["on"])
            messages.success(request, "Versement enregistré.")
        except ValidationError as error:
            _fail(request, error)
    if payment.grant.application_id:
        return redirect("funding:application", application=payment.grant.application_id)
    return redirect("funding:operator", operator=payment.grant.operator_id)


@permission_required(VIEW)
def convention(request, application):
    application = _application(request, application)
    if application.status not in ("granted", "signed", "reported"):
        raise Http404
    return pdf_response(
        "funding/convention_pdf.html",
        {
            "application": application,
            "grants": application.grants.select_related("funder"),
            "demo_label": DEMO_LABEL,
        },
        f"convention-{application.pk}",
    )


@permission_required(VIEW)
def document(request, document):
    found = get_object_or_404(
        SupportingDocument.objects.select_related("application"),
        pk=document,
        application__in=Application.objects.visible_to(request.user, VIEW),
    )
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )


@permission_required(VIEW)
def aids(request):
    form = AidForm(request.GET or None, initial={"on": clock.today()})
    results = simulate(form.cleaned_data) if form.is_bound and form.is_valid() else None
    return render(request, "funding/aids.html", {"form": form, "results": results})


def open_data(request):
    """Public: grants whose convention is signed, with the licence (no contact, no person)."""
    grants = (
        Grant.objects.public()
        .exclude(status=Grant.Status.CANCELLED)
        .select_related("programme", "funder", "operator__commune")
        .order_by("-year", "programme__name", "operator__name", "funder__name")
    )
    rows = (
        [
            g.year,
            g.programme.name,
            g.funder.name,
            g.operator.name,
            g.operator.siren,
            g.operator.commune_id,
            g.operator.commune.name,
            g.note,
            g.committed_eur,
            g.paid_eur,
            "oui" if g.is_demo else "non",
            LICENCE,
        ]
        for g in grants.iterator(chunk_size=2000)
    )
    content = table_file(OPEN_DATA_COLUMNS, rows, "csv", sheet="Subventions")
    return file_response(content, "subventions-signees", "csv")
