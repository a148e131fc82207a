"""Accessibility checks with axe-core (vendored in vendor/axe-core, run offline in the page).

The page's Content-Security-Policy forbids injected script tags; Playwright's ``evaluate`` goes
through the DevTools protocol, which the policy does not govern, so axe runs on the page exactly
as served.
"""

from pathlib import Path

from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# WCAG 2.1 A and AA, the level of the RGAA (the French public-sector accessibility standard).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_violations(page: Page, tags=WCAG_TAGS) -> list[dict]:
    """axe's violations on the page's current state (one dict per rule, with its nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "options => window.axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]},
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page, impacts=BLOCKING) -> None:
    """Fails when axe finds a violation of a blocking impact (serious or critical)."""
    blocking = [v for v in axe_violations(page) if v["impact"] in impacts]
    assert not blocking, f"axe on {page.url}:\n{describe(blocking)}"
