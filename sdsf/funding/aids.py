"""The rule-based aids a structure may receive, computed from one form (each aid whose inputs
are given), each explained line by line by :mod:`sdsf.funding.rules`."""

from sdsf.funding import rules


def simulate(data: dict) -> list[tuple[str, rules.RuleResult | None, str]]:
    """(aid, result or None, French error) for each aid the data asks for."""
    on, places, psu = data["on"], data["places"], data["psu_funded"]
    psu_funded = psu and not data["micro_creche"]
    asked = []
    if data.get("average_hourly_contribution") is not None:
        asked.append(
            (
                rules.MIXITE,
                lambda: rules.bonus_mixite_sociale(
                    on, places, data["average_hourly_contribution"], psu_funded=psu_funded
                ),
            )
        )
    if data.get("children_enrolled") and data.get("yearly_costs") is not None:
        asked.append(
            (
                rules.INCLUSION,
                lambda: rules.bonus_inclusion_handicap(
                    on,
                    places,
                    data["children_enrolled"],
                    data.get("children_aeeh") or 0,
                    data["yearly_costs"],
                    psu_funded=psu_funded,
                ),
            )
        )
    if data.get("closure_category") and data.get("closed_places") and data.get("closed_days"):
        asked.append(
            (
                rules.EXCEPTIONAL_AID,
                lambda: rules.exceptional_closure_aid(
                    on, data["closure_category"], data["closed_places"], data["closed_days"]
                ),
            )
        )
    if data.get("plan_budget") is not None:
        factors = [line.strip() for line in (data.get("factors") or "").splitlines()]
        asked.append(
            (
                rules.DIFFICULTY_AID,
                lambda: rules.structures_in_difficulty_aid(
                    on,
                    data["plan_budget"],
                    psu_funded=psu,
                    micro_creche=data["micro_creche"],
                    plan_cosigned=data["plan_cosigned"],
                    destabilising_factors=[f for f in factors if f],
                ),
            )
        )
    results = []
    for name, compute in asked:
        try:
            results.append((name, compute(), ""))
        except rules.RuleError as error:
            results.append((name, None, str(error)))
    return results
