"""An assessment in plain words: what both symptom explorers say to a runner.

The live explorer (:mod:`lowback.app.explorer`) and the offline one
(``reports/explorer.html``, from :mod:`lowback.study.explorer_data`) show the same words,
taken from here: the triage level in words (and a mark, so it is never told by colour
alone), why each warning was raised, the kind of pain or why none is named, and the tree's
last step without its leaf number. Record ids, character offsets and leaf numbers are
details, shown only when the reader asks for them.

Signs are shown in two groups: what a runner *feels* and what a runner *suspects* ("I think
I have a herniated disc"). The records hold no field for this; a suspicion is a sign whose
id starts with :data:`SUSPICION_PREFIX` (``suspected_``), the naming the red flags of
``data/records/entities.csv`` follow for every sign that names a condition the runner
thinks they have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from lowback.study.gate import Reason

#: The id prefix of a sign that names a suspicion ("you think you have ...").
SUSPICION_PREFIX = "suspected_"

#: The headings of the two groups of signs: what a runner feels, what a runner suspects.
FELT_HEADING = "What you feel"
SUSPECTED_HEADING = "What you think you may have"

#: Each triage level in a few words, as the answer's headline.
LEVEL_WORDS: Mapping[str, str] = {
    "self_care": "Self-care at home comes first",
    "see_doctor": "See a doctor",
    "urgent": "Get medical attention now",
}
#: Each level as the action the material asks for, inside a sentence.
LEVEL_ACTIONS: Mapping[str, str] = {
    "self_care": "self-care at home comes first",
    "see_doctor": "see a doctor",
    "urgent": "get medical attention straight away",
}
#: A mark for each level, shown beside the level's name, so that no reader needs its colour.
LEVEL_MARKS: Mapping[str, str] = {"self_care": "\u25cb", "see_doctor": "\u25b2", "urgent": "\u25a0"}

#: The label of the switch that shows the details.
DETAILS_LABEL = "Show details (rule and record ids, character offsets, leaf numbers)"
#: What the tree's numbers describe.
SIMULATED_NOTE = (
    "The kind of pain comes from a decision tree fitted on simulated runners, not on "
    "patients: it shows how the article's rules sort runners if its assumptions hold."
)
#: Shown before any sign is ticked.
NOTHING_TICKED = "Tick at least one sign."


def is_suspicion(sign: str) -> bool:
    """Whether a sign names a condition the runner suspects (:data:`SUSPICION_PREFIX`).

    Examples
    --------
    >>> is_suspicion("suspected_herniated_disc"), is_suspicion("pain_radiates_to_legs")
    (True, False)
    """
    return sign.startswith(SUSPICION_PREFIX)


def sign_groups(signs: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The signs a runner feels and those a runner suspects, each in the order given.

    Examples
    --------
    >>> sign_groups(["pain_beside_spine", "suspected_arthritis", "severe_pain"])
    (('pain_beside_spine', 'severe_pain'), ('suspected_arthritis',))
    """
    signs = tuple(signs)
    return (
        tuple(s for s in signs if not is_suspicion(s)),
        tuple(s for s in signs if is_suspicion(s)),
    )


def badge(level: str) -> str:
    """A triage level as its badge names it: ``URGENT``, ``SEE DOCTOR``, ``SELF CARE``."""
    return level.replace("_", " ").upper()


def _quoted(label: str) -> str:
    return f"\u201c{label}\u201d"


def _joined(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def reason_words(reason: Reason, labels: Mapping[str, str]) -> str:
    """Why a triage rule fired, in plain words, without ids or offsets.

    Parameters
    ----------
    reason : Reason
        A rule that fired (or the baseline rule, which has no red flag).
    labels : Mapping[str, str]
        Sign id -> label, for the signs that raised it.

    Examples
    --------
    >>> from lowback.study.triage import default_assessor
    >>> verdict = default_assessor().gate.check({"pain_radiates_to_toes"})
    >>> reason_words(verdict.reasons[-1], {"pain_radiates_to_toes": "Pain radiating to the toes"})
    'You ticked “Pain radiating to the toes”. The web article names it: see a doctor.'
    """
    who = reason.publisher or "The material"
    action = LEVEL_ACTIONS.get(reason.level, reason.level.replace("_", " "))
    if not reason.red_flag:
        return (
            "None of the warning signs the texts name is among the signs you ticked: "
            f"{who} says {action}."
        )
    if reason.raised_by == (reason.red_flag,):
        ticked = f"You ticked {_quoted(reason.label)}."
        if reason.basis == "literal":
            return f"{ticked} {who} names it: {action}."
        return (
            f"{ticked} {who}'s sentence does not name it word for word; read with the text "
            f"around it, it means: {action}."
        )
    signs = _joined([_quoted(labels.get(s, s)) for s in reason.raised_by])
    return (
        f"You ticked {signs}: {who} describes this as {_quoted(reason.label)}, and for that "
        f"it says: {action}."
    )


def leaf_words(probabilities: Mapping[str, float]) -> str:
    """The tree's last step without its leaf number: the mix of simulated runners there.

    Examples
    --------
    >>> leaf_words({"muscle": 0.0692, "bone": 0.0856, "disc": 0.8452})
    'Simulated runners who answer these questions the same way: 85% disc, 9% bone, 7% muscle.'
    """
    ranked = sorted(probabilities.items(), key=lambda item: -item[1])
    mix = ", ".join(f"{share:.0%} {pain}" for pain, share in ranked)
    return f"Simulated runners who answer these questions the same way: {mix}."


def path_words(path: Sequence[str], probabilities: Mapping[str, float]) -> list[str]:
    """The tree's path in plain words: its questions as they are, the leaf as
    :func:`leaf_words` says it."""
    return [*path[:-1], leaf_words(probabilities)]


def pain_type_words(pain_type: str, abstain_reason: str) -> str:
    """The kind of pain in a sentence, or why none is named.

    Examples
    --------
    >>> pain_type_words("disc", "")
    'Most likely kind of pain, among simulated runners like you: disc pain.'
    >>> pain_type_words("undetermined", "too few simulated runners like you")
    'Kind of pain: not determined, because too few simulated runners like you.'
    """
    if abstain_reason:
        return f"Kind of pain: not determined, because {abstain_reason}."
    return f"Most likely kind of pain, among simulated runners like you: {pain_type} pain."
