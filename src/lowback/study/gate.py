"""The red-flag gate: the material's triage rules, applied to the signs a runner reports.

The gate reads the triage rules of every source (the article and the NIH texts alike),
each rule attributed to its source; levels from different sources resolve as within one:
the most pressing level of the rules that fire stands.

Every rule is a record of ``data/records/triage.csv`` with its quote. A rule fires when
the runner reports its red flag (``raised_by`` is ``reported``), or when the runner reports
every sign its ``raised_by`` names; nothing else raises it. The verdict is the most
pressing level of the rules that fire, the baseline rule's when none does, and each rule
that fired is a :class:`Reason`: the sentence that gives the level, ``literal`` when the
sentence names the level itself, ``inferred`` through the claims listed in ``via``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lowback.data.records import KnowledgeBase
from lowback.data.schema import REPORTED, TRIAGE_LEVELS

#: A rule's basis when its own quote names the level.
LITERAL = "literal"

#: Said wherever the gate is shown: what its sources cover, and what they do not.
GATE_SCOPE = (
    "The warning signs come from the article and the NIH texts only: they do not list "
    "every warning sign a clinician would ask about. With any sign that worries you, "
    "see a doctor."
)


def _ids(cell: str) -> tuple[str, ...]:
    return tuple(cell.split())


@dataclass(frozen=True)
class Reason:
    """One triage rule that fired, with the sentence that gives its level.

    Attributes
    ----------
    rule : str
        The triage rule's id.
    red_flag : str
        The red flag it raises (empty for the baseline rule).
    label : str
        The red flag's label (empty for the baseline rule).
    level : str
        ``self_care``, ``see_doctor`` or ``urgent``.
    basis : str
        ``literal`` (the quote names the level) or ``inferred`` (through ``via``).
    raised_by : tuple of str
        The runner's signs that fired it: the red flag itself when reported, the signs
        the rule names otherwise; empty for the baseline.
    via : tuple of str
        The claim ids an inferred level comes through (empty when literal).
    quote, start, end : str, int, int
        The rule's sentence and where it stands in the material.
    note : str
        The curator's note: how an inferred rule is read.
    source, publisher : str
        The source the sentence is from, and who published it ("NIH MedlinePlus").
    """

    rule: str
    red_flag: str
    label: str
    level: str
    basis: str
    raised_by: tuple[str, ...]
    via: tuple[str, ...]
    quote: str
    start: int
    end: int
    note: str
    source: str = ""
    publisher: str = ""

    @property
    def attributed(self) -> str:
        """The sentence credited to its publisher: ``NIH MedlinePlus: "…"``."""
        return f"{self.publisher}: \u201c{self.quote}\u201d" if self.publisher else self.quote


@dataclass(frozen=True)
class GateVerdict:
    """The red-flag gate's verdict: the level, and the reasons, most pressing first."""

    level: str
    reasons: tuple[Reason, ...]

    @property
    def red_flags(self) -> tuple[str, ...]:
        """The red flags raised, each once, most pressing first."""
        return tuple(dict.fromkeys(r.red_flag for r in self.reasons if r.red_flag))


def reportable_red_flags(kb: KnowledgeBase) -> tuple[str, ...]:
    """The red flags a runner can report, in entity order: those a rule raises when
    reported, and those a rule names among the signs that raise it."""
    triage = kb.triage
    named = set(triage.loc[triage["raised_by"] == REPORTED, "red_flag"])
    for cell in triage.loc[triage["raised_by"] != REPORTED, "raised_by"]:
        named.update(_ids(cell))
    return tuple(f for f in kb.entities_of_kind("red_flag")["id"] if f in named)


class RedFlagGate:
    """The triage rules of a knowledge base, applied before any model.

    Parameters
    ----------
    kb : KnowledgeBase
    """

    def __init__(self, kb: KnowledgeBase):
        triage = kb.triage
        for column in ("level", "basis"):
            triage[column] = triage[column].astype(str)
        labels = dict(zip(kb.entities["id"], kb.entities["label"], strict=True))
        publishers = dict(zip(kb.sources["id"], kb.sources["publisher"], strict=True))
        self._rules: list[dict] = []
        self._baseline: dict | None = None
        for rule in triage.to_dict("records"):
            rule["signs"] = () if rule["raised_by"] == REPORTED else _ids(rule["raised_by"])
            rule["label"] = labels.get(rule["red_flag"], "")
            rule["publisher"] = publishers[rule["source"]]
            if rule["red_flag"]:
                self._rules.append(rule)
            elif self._baseline is None:
                self._baseline = rule
        if self._baseline is None:  # the records are validated: there is one
            raise ValueError("triage.csv has no baseline rule (a rule with no red flag)")
        self.reportable = reportable_red_flags(kb)

    @property
    def rules(self) -> tuple[dict, ...]:
        """The triage rules that name a red flag, in file order."""
        return tuple(self._rules)

    @property
    def baseline(self) -> dict:
        """The rule that stands when no other fires."""
        return self._baseline

    def fires(self, rule: dict, signs: set[str]) -> tuple[str, ...]:
        """The reported signs that fire ``rule``: its red flag when reported, every sign
        it names when all are reported; empty when it does not fire."""
        if rule["raised_by"] == REPORTED:
            return (rule["red_flag"],) if rule["red_flag"] in signs else ()
        named = rule["signs"]
        return named if named and all(s in signs for s in named) else ()

    def check(self, signs: Iterable[str]) -> GateVerdict:
        """Which rules the reported signs (symptoms and red flags) fire, and the level.

        The reasons come most pressing first; within a level, literal rules before
        inferred ones, then in file order. Without a rule that fires, the baseline rule
        is the one reason.
        """
        signs = set(signs)
        fired = [(rule, by) for rule in self._rules if (by := self.fires(rule, signs))]
        fired.sort(
            key=lambda pair: (-TRIAGE_LEVELS.index(pair[0]["level"]), pair[0]["basis"] != LITERAL)
        )
        reasons = tuple(_reason(rule, by) for rule, by in fired) or (_reason(self._baseline, ()),)
        level = max([self._baseline["level"], *(r.level for r in reasons)], key=TRIAGE_LEVELS.index)
        return GateVerdict(level, reasons)


def _reason(rule: dict, raised_by: tuple[str, ...]) -> Reason:
    return Reason(
        rule=rule["id"],
        red_flag=rule["red_flag"],
        label=rule["label"],
        level=rule["level"],
        basis=rule["basis"],
        raised_by=raised_by,
        via=_ids(rule["via"]),
        quote=rule["quote"],
        start=int(rule["start"]),
        end=int(rule["end"]),
        note=rule["note"],
        source=rule["source"],
        publisher=rule["publisher"],
    )
