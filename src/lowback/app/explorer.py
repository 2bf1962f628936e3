"""A live symptom explorer for JupyterLab (ipywidgets): tick signs, set an age, read the
assessment. Needs a running kernel; the static report shows a note in its place, and
``reports/explorer.html`` (:mod:`lowback.publish.explorer_page`) answers the same with no
kernel at all.

Both explorers say the same plain words (:mod:`lowback.study.plain_words`): the signs a
runner feels apart from the conditions a runner suspects, why each warning was raised,
and the kind of pain or why none is named; record ids, character offsets and leaf numbers
only with the details switch on.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets
import jinja2

from lowback.errors import AssessmentInputError
from lowback.figures.style import TRIAGE_COLOURS
from lowback.study import plain_words
from lowback.study.gate import GATE_SCOPE
from lowback.study.triage import DISCLAIMER, Assessment, Assessor, default_assessor, modality_note

CONTROL_WIDTH = "460px"  # the longest sign's label at 18 px, and the age field

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    keep_trailing_newline=False,
)


def render_assessment(
    result: Assessment | None,
    *,
    details: bool = False,
    publishers: Mapping[str, str] | None = None,
) -> str:
    """An assessment as HTML, every record text escaped (``None``: nothing ticked yet).

    In plain words (:mod:`lowback.study.plain_words`): the triage, named and marked as
    well as coloured, and why each rule fired, each sentence credited to its source's
    publisher; what the gate's sources do not cover; the kind of pain, or why none is
    named; the signs, those felt apart from those suspected; the tree's path; the advice,
    each quote with its modality (hedged, recommendation). With ``details``: each rule's
    id and basis (literal, or inferred via its claims) with the curator's note, record
    ids, character offsets, the leaf's number and shares.

    Parameters
    ----------
    result : Assessment or None
    details : bool, optional
        Show ids, offsets and leaf numbers.
    publishers : Mapping[str, str], optional
        Source id -> publisher, to credit the quotes of the signs and advice.
    """
    colour = None if result is None else TRIAGE_COLOURS[result.triage]
    labels = {} if result is None else {e.id: e.label for e in result.evidence}
    felt, suspected = plain_words.sign_groups(() if result is None else labels)
    groups = [
        (heading, [e for e in result.evidence if e.id in ids])
        for heading, ids in (
            (plain_words.FELT_HEADING, felt),
            (plain_words.SUSPECTED_HEADING, suspected),
        )
        if ids
    ]
    return _TEMPLATES.get_template("assessment.html.j2").render(
        result=result,
        colour=colour,
        labels=labels,
        groups=groups,
        details=details,
        publishers=publishers or {},
        words=plain_words,
        reasons=[]
        if result is None
        else [(r, plain_words.reason_words(r, labels)) for r in result.reasons],
        path=[]
        if result is None or details
        else plain_words.path_words(result.path, result.probabilities),
        disclaimer=DISCLAIMER,
        gate_scope=GATE_SCOPE,
        modality_note=modality_note,
    )


def symptom_explorer(assessor: Assessor | None = None) -> widgets.Widget:
    """Checkboxes for every sign (those felt, then those suspected), an age field, a
    details switch, and the assessment, updated live.

    ``assessor`` is the one to ask (a notebook passes its own, so the explorer shows the
    notebook's tree); by default :func:`~lowback.study.triage.default_assessor`, fitted on
    notebook 02's cohort.
    """
    assessor = default_assessor() if assessor is None else assessor
    sources = assessor.all_records.sources
    publishers = dict(zip(sources["id"], sources["publisher"], strict=True))
    boxes = {
        sign: widgets.Checkbox(
            description=assessor.sign_evidence(sign).label,
            indent=False,
            layout=widgets.Layout(width=CONTROL_WIDTH),
        )
        for sign in assessor.signs
    }
    # A number field, not a slider: ipywidgets' slider handle has no accessible name (axe:
    # aria-input-field-name), while the field's label is tied to its input.
    age = widgets.BoundedIntText(
        value=40,
        min=0,
        max=120,
        description="Age (years)",
        style={"description_width": "initial"},
        layout=widgets.Layout(width=CONTROL_WIDTH),
    )
    details = widgets.Checkbox(
        description=plain_words.DETAILS_LABEL,
        indent=False,
        layout=widgets.Layout(width=CONTROL_WIDTH),
    )
    out = widgets.HTML()

    def update(_change=None) -> None:
        ticked = [sign for sign, box in boxes.items() if box.value]
        try:
            result = assessor.assess(ticked, age=age.value)
        except AssessmentInputError:
            result = None
        out.value = render_assessment(result, details=details.value, publishers=publishers)

    for control in [*boxes.values(), age, details]:
        control.observe(update, names="value")
    update()
    felt, suspected = plain_words.sign_groups(assessor.signs)
    column = [
        widgets.HTML(f"<b>{html.escape(plain_words.FELT_HEADING)}</b>"),
        *(boxes[s] for s in felt),
        widgets.HTML(f"<b>{html.escape(plain_words.SUSPECTED_HEADING)}</b>"),
        *(boxes[s] for s in suspected),
        age,
        details,
    ]
    signs = widgets.VBox(column, layout=widgets.Layout(min_width=CONTROL_WIDTH))
    return widgets.HBox([signs, out])
