"""A live symptom explorer for JupyterLab (ipywidgets): tick signs, set an age, read the
assessment. Needs a running kernel; the static report shows a note in its place.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from lowback.errors import AssessmentInputError
from lowback.study.triage import DISCLAIMER, Assessment, default_assessor

CONTROL_WIDTH = "400px"  # wide enough for the longest sign's label and the age readout
_TRIAGE_STYLE = {"self_care": "#009E73", "see_doctor": "#E69F00", "urgent": "#D55E00"}


def _quoted(item) -> str:
    return f"“{html.escape(item.quote)}” <small>[{item.start}:{item.end}]</small>"


def render_assessment(result: Assessment) -> str:
    """An assessment as HTML (every record text escaped)."""
    colour = _TRIAGE_STYLE[result.triage]
    flags = "".join(
        f"<li><b>{html.escape(e.label)}</b> ({e.level.replace('_', ' ')}): {_quoted(e)}</li>"
        for e in result.evidence
        if e.kind == "red_flag"
    )
    signs = "".join(
        f"<li>{html.escape(e.label)}: {_quoted(e)}</li>"
        for e in result.evidence
        if e.kind == "symptom"
    )
    path = "".join(f"<li>{html.escape(step)}</li>" for step in result.path)
    shares = ", ".join(f"{t} {p:.0%}" for t, p in result.probabilities.items())
    return (
        f"<div style='font-size:15px'><p><i>{html.escape(DISCLAIMER)}</i></p>"
        f"<p style='font-size:20px'>Triage: <b style='color:{colour}'>"
        f"{result.triage.replace('_', ' ').upper()}</b></p>"
        + (f"<p>Red flags (checked before any model):</p><ul>{flags}</ul>" if flags else "")
        + f"<p>Pain type: <b>{html.escape(result.pain_type)}</b> "
        f"<small>(simulated runners in the same leaf: {shares})</small></p>"
        + (f"<p>Signs used:</p><ul>{signs}</ul>" if signs else "")
        + f"<p>The tree's path:</p><ol>{path}</ol></div>"
    )


def symptom_explorer() -> widgets.Widget:
    """Checkboxes for every sign, an age slider, and the assessment, updated live."""
    assessor = default_assessor()
    boxes = {
        sign: widgets.Checkbox(
            description=assessor.sign_evidence(sign).label,
            indent=False,
            layout=widgets.Layout(width=CONTROL_WIDTH),
        )
        for sign in assessor.signs
    }
    age = widgets.IntSlider(
        value=40,
        min=0,
        max=120,
        description="Age (years)",
        style={"description_width": "initial"},
        layout=widgets.Layout(width=CONTROL_WIDTH),
    )
    out = widgets.HTML()

    def update(_change=None) -> None:
        ticked = [sign for sign, box in boxes.items() if box.value]
        try:
            out.value = render_assessment(assessor.assess(ticked, age=age.value))
        except AssessmentInputError:
            out.value = f"<p><i>{html.escape(DISCLAIMER)}</i></p><p>Tick at least one sign.</p>"

    for control in [*boxes.values(), age]:
        control.observe(update, names="value")
    update()
    signs = widgets.VBox(
        [widgets.HTML("<b>Signs the runner reports</b>"), *boxes.values(), age],
        layout=widgets.Layout(min_width=CONTROL_WIDTH),
    )
    return widgets.HBox([signs, out])
