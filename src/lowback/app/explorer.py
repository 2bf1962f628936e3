"""A live symptom explorer for JupyterLab (ipywidgets): tick signs, set an age, read the
assessment. Needs a running kernel; the static report shows a note in its place.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import jinja2

from lowback.errors import AssessmentInputError
from lowback.figures.style import TRIAGE_COLOURS
from lowback.study.gate import GATE_SCOPE
from lowback.study.triage import DISCLAIMER, Assessment, Assessor, default_assessor, modality_note

CONTROL_WIDTH = "400px"  # wide enough for the longest sign's label and the age readout

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    keep_trailing_newline=False,
)


def render_assessment(result: Assessment | None) -> str:
    """An assessment as HTML, every record text escaped (``None``: nothing ticked yet):
    the triage and its reasons (literal or inferred, each credited to its source's
    publisher), what the gate's sources do not cover, the pain type (or why none is named),
    the signs, the tree's path and the advice, each quote with its modality (hedged,
    recommendation)."""
    colour = None if result is None else TRIAGE_COLOURS[result.triage]
    labels = {} if result is None else {e.id: e.label for e in result.evidence}
    return _TEMPLATES.get_template("assessment.html.j2").render(
        result=result,
        colour=colour,
        labels=labels,
        disclaimer=DISCLAIMER,
        gate_scope=GATE_SCOPE,
        modality_note=modality_note,
    )


def symptom_explorer(assessor: Assessor | None = None) -> widgets.Widget:
    """Checkboxes for every sign, an age slider, and the assessment, updated live.

    ``assessor`` is the one to ask (a notebook passes its own, so the explorer shows the
    notebook's tree); by default :func:`~lowback.study.triage.default_assessor`, fitted on
    notebook 02's cohort.
    """
    assessor = default_assessor() if assessor is None else assessor
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
            out.value = render_assessment(None)

    for control in [*boxes.values(), age]:
        control.observe(update, names="value")
    update()
    signs = widgets.VBox(
        [widgets.HTML("<b>Signs the runner reports</b>"), *boxes.values(), age],
        layout=widgets.Layout(min_width=CONTROL_WIDTH),
    )
    return widgets.HBox([signs, out])
