"""Synthetic co-financing ledger for the demo département, labelled "Données de démonstration".

Funders linked to the demo institutions, a programme shaped like a contrat enfance
départemental (funded coordination posts, shares 50/40/10), a parenting call for projects with
applications at every step, last year's call with its final report, and an aid computed by a
rule. Every amount is invented. Idempotent: the département's demo ledger is replaced.
"""

from datetime import timedelta
from decimal import Decimal

from sdsf.accounts.models import Institution
from sdsf.core import clock
from sdsf.funding import calls, rules
from sdsf.funding.ledger import operator_for_structure, record_grant, record_rule_aid
from sdsf.funding.models import (
    Application,
    Call,
    Criterion,
    FundedPost,
    Funder,
    FunderShare,
    Grant,
    Operator,
    PostYear,
    Programme,
    ProgrammeBudget,
)
from sdsf.observatory.models import DEMO_LABEL
from sdsf.offer.models import Structure
from sdsf.territories.models import Departement

GRID = [("Besoin identifié sur le territoire", 40), ("Qualité du projet", 40), ("Partenariats", 20)]


def _remove(departement: Departement) -> None:
    programmes = Programme.objects.filter(departement=departement, is_demo=True)
    Grant.objects.filter(programme__in=programmes).delete()
    Application.objects.filter(call__programme__in=programmes).delete()
    Call.objects.filter(programme__in=programmes).delete()
    FundedPost.objects.filter(programme__in=programmes).delete()
    programmes.delete()
    Operator.objects.filter(commune__departement=departement, is_demo=True).delete()


def _funders(departement: Departement) -> dict[str, Funder]:
    institutions = {
        i.kind: i
        for i in Institution.objects.filter(
            territory_code=departement.code,
            kind__in=[Institution.Kind.DEPARTEMENT, Institution.Kind.CAF],
        )
    }
    specs = {
        "departement": (f"Département {departement.name}", Funder.Kind.DEPARTEMENT),
        "caf": (f"CAF {departement.name}", Funder.Kind.CAF),
        "msa": (f"MSA {departement.name}", Funder.Kind.MSA),
    }
    funders = {}
    for key, (name, kind) in specs.items():
        funders[key], _ = Funder.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "institution": institutions.get(key), "is_demo": True},
        )
    return funders


def _programme(departement, code, name, kind, shares, budget, years, **fields) -> Programme:
    programme = Programme.objects.create(
        code=f"demo-{departement.code.lower()}-{code}",
        name=f"{name} ({DEMO_LABEL.lower()})",
        kind=kind,
        departement=departement,
        start_year=years[0],
        end_year=years[-1],
        source=DEMO_LABEL,
        is_demo=True,
        **fields,
    )
    for funder, pct in shares:
        FunderShare.objects.create(programme=programme, funder=funder, share_pct=Decimal(pct))
    for year in years:
        ProgrammeBudget.objects.create(programme=programme, year=year, amount_eur=Decimal(budget))
    return programme


def _operator(departement, commune, name, siren, institution=None) -> Operator:
    return Operator.objects.create(
        siren=siren,
        name=name,
        commune=commune,
        institution=institution,
        contact_name="Contact fictif",
        contact_email=f"contact-{siren}@example.org",
        is_demo=True,
    )


def _posts(programme, holders, years) -> int:
    grants = 0
    for n, holder in enumerate(holders):
        post = FundedPost.objects.create(
            programme=programme,
            holder=holder,
            title=f"Coordination petite enfance n° {n + 1}",
            kind=FundedPost.Kind.COORDINATION,
            is_demo=True,
        )
        for year in years:
            fte = Decimal("1.00") if n else Decimal("0.80")
            annual = Decimal(42000) * fte
            post_year = PostYear.objects.create(post=post, year=year, fte=fte, annual_eur=annual)
            for share in programme.shares.select_related("funder"):
                amount = (annual * share.share_pct / 100).quantize(Decimal("0.01"))
                paid = amount if year < clock.today().year else Decimal(0)
                record_grant(
                    programme=programme,
                    operator=holder,
                    funder=share.funder,
                    year=year,
                    committed_eur=amount,
                    paid_eur=paid,
                    origin=Grant.Origin.POST,
                    signed=True,
                    note=post.title,
                    post_year=post_year,
                )
                grants += 1
    return grants


def _call(programme, slug, title, opens_on, closes_on) -> Call:
    call = Call.objects.create(
        programme=programme,
        slug=slug,
        title=f"{title} ({DEMO_LABEL.lower()})",
        summary=(
            "Soutenir les actions d'accompagnement à la parentalité portées par les "
            "associations, les communes et les intercommunalités du département."
        ),
        criteria=(
            "Porteur : association, commune, EPCI ou gestionnaire d'une structure du registre.\n"
            "Action ouverte à toutes les familles, gratuite ou à faible coût.\n"
            "Budget prévisionnel équilibré, cofinancements recherchés."
        ),
        opens_on=opens_on,
        closes_on=closes_on,
        committee_on=closes_on + timedelta(days=21),
        max_amount_eur=Decimal(15000),
        indicator="Familles touchées par une action de parentalité",
        published=True,
    )
    for position, (label, points) in enumerate(GRID, start=1):
        Criterion.objects.create(call=call, position=position, label=label, max_points=points)
    return call


def _application(call, operator, title, amount, beneficiaries, when) -> Application:
    return Application.objects.create(
        call=call,
        operator=operator,
        title=title,
        description="Projet fictif créé pour la démonstration.",
        requested_eur=Decimal(amount),
        planned_beneficiaries=beneficiaries,
        submitted_at=when,
        is_demo=True,
    )


def _scored(application, points) -> None:
    calls.instruct(
        application,
        eligible=True,
        note="Dossier complet.",
        points=dict(zip(application.call.grid.values_list("pk", flat=True), points, strict=True)),
    )


def _granted(application, funders, amounts, decided_on) -> None:
    calls.decide(
        application,
        decided_on=decided_on,
        minutes="Comité des financeurs : projet retenu à l'unanimité.",
        amounts={funders[k]: Decimal(v) for k, v in amounts.items()},
    )


def create_funding(departement: Departement) -> list[str]:
    """Replaces the département's demo ledger (idempotent)."""
    _remove(departement)
    today, year = clock.today(), clock.today().year
    now = clock.now()
    years = list(range(year - 1, year + 2))
    funders = _funders(departement)
    chef_lieu = departement.communes.get(code=departement.chef_lieu)
    institutions = {
        i.kind: i
        for i in Institution.objects.filter(
            territory_code=chef_lieu.code,
            kind__in=[Institution.Kind.COMMUNE, Institution.Kind.MANAGER],
        )
    }
    communes = list(departement.communes.exclude(population=None).order_by("-population")[:6])
    town = _operator(
        departement,
        chef_lieu,
        f"Ville de {chef_lieu.name}",
        "900000101",
        institutions.get(Institution.Kind.COMMUNE),
    )
    manager = _operator(
        departement,
        chef_lieu,
        f"Association Petite enfance {chef_lieu.name} (démonstration)",
        "900000102",
        institutions.get(Institution.Kind.MANAGER),
    )
    associations = [
        _operator(
            departement, c, f"Association des familles de {c.name} (fictive)", f"9000002{n:02d}"
        )
        for n, c in enumerate(communes[1:5])
    ]
    ced = _programme(
        departement,
        "contrat-enfance",
        "Contrat enfance départemental",
        Programme.Kind.POSTS,
        [(funders["departement"], 50), (funders["caf"], 40), (funders["msa"], 10)],
        240000,
        years,
        description="Postes de coordination petite enfance financés chaque année par les trois "
        "financeurs, selon leurs parts.",
    )
    post_grants = _posts(ced, [town, *associations[:2]], [year - 1, year])
    parenting = _programme(
        departement,
        "parentalite",
        "Appel à projets parentalité",
        Programme.Kind.CALL,
        [(funders["caf"], 70), (funders["departement"], 30)],
        60000,
        years,
    )
    last = _call(
        parenting,
        f"demo-{departement.code.lower()}-parentalite-{year - 1}",
        f"Parentalité {year - 1}",
        today.replace(year=year - 1, month=2, day=1),
        today.replace(year=year - 1, month=3, day=31),
    )
    done = _application(
        last, associations[2], "Café des parents itinérant", 9000, 120, now - timedelta(days=330)
    )
    _scored(done, [35, 30, 15])
    _granted(done, funders, {"caf": 6000, "departement": 3000}, today - timedelta(days=300))
    calls.sign(done, today - timedelta(days=280))
    calls.report(
        done,
        {
            "beneficiaries": 140,
            "families_reached": 95,
            "actions_held": 24,
            "summary": "Bilan fictif : 24 rencontres dans 6 communes.",
        },
    )
    for payment in done.grants.get(funder=funders["caf"]).payments.all():
        calls.pay(payment, today - timedelta(days=30))
    current = _call(
        parenting,
        f"demo-{departement.code.lower()}-parentalite-{year}",
        f"Parentalité {year}",
        today - timedelta(days=20),
        today + timedelta(days=25),
    )
    _application(
        current, manager, "Ateliers parents-enfants en crèche", 7500, 60, now - timedelta(days=10)
    )
    scored = _application(
        current, associations[3], "Groupe de parole de pères", 4000, 30, now - timedelta(days=12)
    )
    _scored(scored, [30, 28, 10])
    signed = _application(
        current, town, "Ludothèque familiale", 12000, 200, now - timedelta(days=18)
    )
    _scored(signed, [38, 34, 18])
    _granted(signed, funders, {"caf": 8400, "departement": 3600}, today - timedelta(days=5))
    calls.sign(signed, today - timedelta(days=2))
    for grant in signed.grants.all():
        calls.pay(grant.payments.get(kind="advance"), today - timedelta(days=1))
    refused = _application(
        current, associations[0], "Sorties familiales", 15000, 40, now - timedelta(days=15)
    )
    _scored(refused, [12, 15, 5])
    calls.decide(
        refused,
        decided_on=today - timedelta(days=5),
        minutes="Comité des financeurs.",
        amounts={},
        refusal_reason="Projet hors du champ de la parentalité (loisirs).",
    )
    aids = _programme(
        departement,
        "aides-regle",
        "Aides CAF à règle de calcul",
        Programme.Kind.RULE,
        [(funders["caf"], 100)],
        50000,
        years,
    )
    structure = (
        Structure.objects.filter(
            commune__departement=departement, is_demo=True, kind="eaje", funding="psu"
        )
        .exclude(category="micro_creche")
        .order_by("identifier")
        .first()
    )
    aid_line = []
    if structure is not None:
        result = rules.structures_in_difficulty_aid(
            today,
            Decimal(18000),
            psu_funded=True,
            micro_creche=False,
            plan_cosigned=True,
            destabilising_factors=["taux d'occupation en baisse (fictif)"],
        )
        operator = operator_for_structure(structure, siren="900000301")
        Operator.objects.filter(pk=operator.pk).update(is_demo=True)
        record_rule_aid(
            programme=aids,
            operator=operator,
            funder=funders["caf"],
            year=year,
            result=result,
            signed=True,
        )
        aid_line = [f"  aide aux structures fragilisées : {structure.name}, {result.amount} €"]
    applications = Application.objects.filter(call__programme=parenting).count()
    return [
        f"Financements ({DEMO_LABEL}) :",
        f"  {ced.name} : 3 postes, {post_grants} subventions (parts 50/40/10)",
        f"  {parenting.name} : 2 appels, {applications} candidatures",
        *aid_line,
    ]
