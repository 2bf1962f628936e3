"""axe-core in a page under test: WCAG 2.1 A and AA rules, serious and critical findings.

axe-core (Deque's accessibility engine, pinned in package.json and installed with reveal.js)
is injected into the page as a script, so it runs offline like the page itself. The rules
are axe's tags ``wcag2a``, ``wcag2aa``, ``wcag21a`` and ``wcag21aa``; a finding counts if
its impact is ``serious`` or ``critical`` (axe's own grading).

plotly's drawn SVG layers (``svg.main-svg``, thousands of shapes in the tree) are left out
of the scan: a figure's text alternative is its ``<figure>``'s label, summary and data
table, which are scanned, as are plotly's toolbar buttons and menus.
"""

from __future__ import annotations

import json

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("serious", "critical")

#: What axe leaves out of every scan (see the module's docstring).
EXCLUDED = ".js-plotly-plot svg.main-svg"

_RUN_JS = """
async ([include, exclude, tags]) => {
  const context = {include: [include || 'html'], exclude: [exclude]};
  const result = await axe.run(context, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}
"""


def inject_axe(page, axe_source: str) -> None:
    """Load axe-core into ``page`` (once; a second call is a no-op)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)


def blocking_violations(page, axe_source: str, include: str | None = None) -> list[dict]:
    """The serious and critical WCAG 2.1 AA violations axe finds in ``page`` (or in the
    elements matching the CSS selector ``include``), each with its nodes."""
    inject_axe(page, axe_source)
    found = page.evaluate(_RUN_JS, [include, EXCLUDED, list(WCAG_TAGS)])
    return [v for v in found if v["impact"] in BLOCKING]


def describe(violations: list[dict], limit: int = 5) -> str:
    """The violations as lines a failing test can print: rule, impact, help, first nodes."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:limit]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"    {node['target']}: {summary}")
        if len(v["nodes"]) > limit:
            lines.append(f"    ... and {len(v['nodes']) - limit} more node(s)")
    return "\n".join(lines) or json.dumps(violations)
