"""Run axe-core (from node_modules) in a Playwright page and fail on WCAG 2.2 A/AA violations."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def run_axe(page, tags=WCAG_TAGS):
    """Inject axe-core once per document and return axe.run's results (violations only)."""
    if not AXE_PATH.is_file():
        raise AssertionError(f"axe-core not found at {AXE_PATH}: run `npm ci` so the accessibility checks can run")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by Playwright, not added as an inline <script>: the page's Content-Security-Policy refuses those.
        page.evaluate(AXE_PATH.read_text())
    return page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        list(tags),
    )


def format_violations(violations, where=""):
    lines = [f"{len(violations)} accessibility violation(s){' on ' + where if where else ''}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact'}): {violation['help']}"
            f"\n  {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    target: {target}")
            lines.append(f"      html: {node.get('html', '')[:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page, where=None):
    """Fail with each violation's id, help and target nodes if axe finds any WCAG A/AA problem."""
    results = run_axe(page)
    violations = results["violations"]
    assert not violations, format_violations(violations, where or page.url)
    return results
