"""Many runners' profiles at once: read a CSV of profiles, assess each, flatten the result.

An analyst's file of profiles holds one runner a row: ``symptoms`` (sign ids separated by
``;``), ``age`` (years; may be empty), and optionally ``risk_factors`` (ids separated by
``;``) and ``id``. Each row is checked before it is assessed; a bad row (an unknown id, a
bad age, no symptom, too many or too few fields) gets :class:`~lowback.errors.Problem`\\ s
naming the file, the row's line in the CSV (the header is line 1), the column and what was
expected, and the other rows are still assessed. Nothing here prints: ``lowback assess
--from`` prints. The ids a profile may use are :func:`usable_entities`.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lowback.data.records import KnowledgeBase
from lowback.errors import AssessmentInputError, Problem
from lowback.study.assumptions import study_records
from lowback.study.gate import reportable_red_flags
from lowback.study.rulebook import Rulebook
from lowback.study.triage import MAX_AGE, MODEL_SEED, Assessment, Assessor, default_assessor

__all__ = [
    "COLUMNS",
    "SEPARATOR",
    "Batch",
    "BatchResult",
    "Profile",
    "usable_entities",
]

#: The columns a profiles file may have; ``symptoms`` is the one it must have.
COLUMNS = ("id", "symptoms", "age", "risk_factors")
#: What separates the ids in one cell.
SEPARATOR = ";"


@dataclass(frozen=True)
class Profile:
    """One row of a profiles file, as read.

    Attributes
    ----------
    line : int
        The row's line in the CSV file (the header is line 1).
    id : str
        The ``id`` cell, or the line number when the file has none or the cell is empty.
    symptoms, risk_factors : tuple of str
        The ids of the cell, in the order given, blanks dropped.
    age : float or None
        The age in years; None when not given, or when ``age_text`` is not an age.
    age_text : str
        The ``age`` cell as written.
    problems : tuple of Problem
        Everything wrong with the row; empty when it can be assessed.
    """

    line: int
    id: str
    symptoms: tuple[str, ...]
    age: float | None
    age_text: str
    risk_factors: tuple[str, ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class BatchResult:
    """A profile and its assessment (None when the row has problems)."""

    profile: Profile
    assessment: Assessment | None

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.profile.problems


class Batch:
    """Assess a file of profiles with one assessor, and say which assessor it was.

    Parameters
    ----------
    assessor : Assessor, optional
        The one to ask; by default :func:`~lowback.study.triage.default_assessor`, whose
        tree is seeded with ``MODEL_SEED``.
    seed : int, optional
        The seed ``assessor``'s cohort and tree were drawn with, echoed in every record
        (``MODEL_SEED`` for the default assessor; None, said as such, if not given).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "p.csv").write_text("id,symptoms,age\\nr1,pain_radiates_to_toes,50\\n")
    >>> [result] = Batch().assess(folder / "p.csv")
    >>> result.assessment.triage, Batch().record(result)["id"]
    ('urgent', 'r1')
    """

    def __init__(self, assessor: Assessor | None = None, *, seed: int | None = None):
        self.assessor = assessor or default_assessor()
        self.seed = MODEL_SEED if assessor is None else seed
        #: The sources the tree and its rulebook read, and every source the gate read.
        self.sources = tuple(self.assessor.kb.sources["id"])
        self.gate_sources = tuple(self.assessor.all_records.sources["id"])
        self._pain_types = tuple(self.assessor.rules.pain_types)
        self._texts: dict[object, str] = {}

    # ------------------------------------------------------------------------ reading

    def read(self, path: Path | str) -> Iterator[Profile]:
        """The profiles of a CSV file, one by one, each checked.

        Raises
        ------
        OSError
            If the file cannot be read.
        AssessmentInputError
            If its header lacks ``symptoms``, repeats a column or names one not in
            :data:`COLUMNS` (with a did-you-mean); nothing is read then.
        """
        path = Path(path)
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [name.strip() for name in next(reader, [])]
            _check_header(path, header)
            end = reader.line_num
            for fields in reader:
                line, end = end + 1, reader.line_num
                if fields:  # a blank line is no runner
                    yield self._profile(path, line, header, fields)

    def _profile(self, path: Path, line: int, header: list[str], fields: list[str]) -> Profile:
        problems: list[Problem] = []

        def problem(column: str | None, value: object, expected: str) -> None:
            problems.append(Problem(str(path), expected, row=line, column=column, value=value))

        if len(fields) > len(header):
            problem(
                None,
                SEPARATOR.join(fields[len(header) :]),
                f"{len(header)} fields, as the header has ({', '.join(header)}); "
                f"got {len(fields)}: quote a cell that holds a comma",
            )
        cells = dict(zip(header, fields, strict=False))
        for column in header[len(fields) :]:
            problem(column, None, f"a cell: the row has {len(fields)} of {len(header)} fields")
        symptoms = _ids(cells.get("symptoms", ""))
        if "symptoms" in cells and not symptoms:
            problem("symptoms", cells["symptoms"], "at least one sign id, separated by ';'")
        risk_factors = _ids(cells.get("risk_factors", ""))
        signs, factors = self.assessor.signs, self.assessor.rules.risk_factors
        for value in symptoms:
            if value not in signs:
                other = " (a risk factor: it goes in risk_factors)" if value in factors else ""
                problem("symptoms", value, "a sign id" + other + _did_you_mean(value, signs))
        for value in risk_factors:
            if value not in factors:
                other = " (a sign: it goes in symptoms)" if value in signs else ""
                problem(
                    "risk_factors",
                    value,
                    "a risk factor id" + other + _did_you_mean(value, factors),
                )
        age_text = cells.get("age", "").strip()
        age = None
        if age_text:
            try:
                age = float(age_text)
            except ValueError:
                age = math.nan
            if not 0 <= age <= MAX_AGE:  # NaN fails too
                problem("age", age_text, f"a number of years from 0 to {MAX_AGE}, or empty")
                age = None
        return Profile(
            line=line,
            id=cells.get("id", "").strip() or str(line),
            symptoms=symptoms,
            age=age,
            age_text=age_text,
            risk_factors=risk_factors,
            problems=tuple(problems),
        )

    # ------------------------------------------------------------------------ assessing

    def assess(self, path: Path | str) -> Iterator[BatchResult]:
        """Each profile of the file with its assessment, in the file's order.

        A profile that has problems comes with no assessment; the same inputs are
        assessed once. Raises as :meth:`read` does.
        """
        seen: dict[tuple, Assessment] = {}
        for profile in self.read(path):
            if profile.problems:
                yield BatchResult(profile, None)
                continue
            key = (frozenset(profile.symptoms), profile.age, frozenset(profile.risk_factors))
            if key not in seen:
                if len(seen) >= _REMEMBERED:  # a bound on memory, whatever the file's length
                    seen.clear()
                seen[key] = self.assessor.assess(
                    profile.symptoms, age=profile.age, risk_factors=profile.risk_factors
                )
            yield BatchResult(profile, seen[key])

    # ------------------------------------------------------------------------ records

    def _echo(self, profile: Profile) -> dict:
        bad_age = any(p.column == "age" for p in profile.problems)
        return {
            "id": profile.id,
            "line": profile.line,
            "symptoms": list(profile.symptoms),
            "age": profile.age_text if bad_age else profile.age,
            "risk_factors": list(profile.risk_factors),
        }

    def _about(self, result: BatchResult) -> dict:
        return {
            "sources": list(self.sources),
            "gate_sources": list(self.gate_sources),
            "seed": self.seed,
            "problems": [str(p) for p in result.problems],
        }

    def record(self, result: BatchResult) -> dict:
        """One profile as JSON-ready data: its inputs echoed, the assessment's public keys
        (``Assessment.to_dict``; None each for a row with problems), the sources the
        assessor read, the model's seed and the row's problems."""
        if result.assessment is None:
            assessed = dict.fromkeys(f.name for f in _PUBLIC)
        else:
            assessed = {f.name: _plain(getattr(result.assessment, f.name)) for f in _PUBLIC}
        return {**self._echo(result.profile), **assessed, **self._about(result)}

    @property
    def flat_columns(self) -> tuple[str, ...]:
        """The columns of :meth:`flat_record`, in order."""
        shares = tuple(f"probability_{t}" for t in self._pain_types)
        return (*_ECHO, *_FLAT, *shares, "sources", "gate_sources", "seed", "problems")

    def flat_record(self, result: BatchResult) -> dict:
        """One profile as one flat row: inputs echoed (lists joined by ``;``), triage,
        pain type, red flags, the first reason's rule, basis and quote, the abstention's
        reason, the leaf's shares, sources, seed and problems (joined by `` | ``)."""
        echo = self._echo(result.profile)
        row: dict[str, object] = {
            **echo,
            "symptoms": SEPARATOR.join(echo["symptoms"]),
            "risk_factors": SEPARATOR.join(echo["risk_factors"]),
            "age": "" if echo["age"] is None else echo["age"],
        }
        found = result.assessment
        row.update(dict.fromkeys(_FLAT, ""))
        row.update({f"probability_{t}": "" for t in self._pain_types})
        if found is not None:
            reason = found.reasons[0]
            row.update(
                triage=found.triage,
                pain_type=found.pain_type,
                red_flags=SEPARATOR.join(found.red_flags),
                reason_rule=reason.rule,
                reason_basis=reason.basis,
                reason_quote=reason.quote,
                reason_source=reason.source,
                abstain_reason=found.abstain_reason,
            )
            row.update({f"probability_{t}": found.probabilities[t] for t in self._pain_types})
        about = self._about(result)
        row.update(
            sources=SEPARATOR.join(about["sources"]),
            gate_sources=SEPARATOR.join(about["gate_sources"]),
            seed="" if self.seed is None else self.seed,
            problems=" | ".join(about["problems"]),
        )
        return row

    def json_line(self, result: BatchResult) -> str:
        """:meth:`record` as one line of JSON (no newline), the quotes and rules that recur
        row after row encoded once each: ``json.loads(batch.json_line(r)) ==
        batch.record(r)``."""
        data = self.record(result) if result.assessment is None else None
        if data is not None:
            return json.dumps(data, ensure_ascii=False)
        found = result.assessment
        parts = [json.dumps(self._echo(result.profile), ensure_ascii=False)[:-1]]
        for f in _PUBLIC:
            value = getattr(found, f.name)
            if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
                text = "[" + ", ".join(self._encoded(v) for v in value) + "]"
            else:
                text = json.dumps(_plain(value), ensure_ascii=False)
            parts.append(f'"{f.name}": {text}')
        parts.append(json.dumps(self._about(result), ensure_ascii=False)[1:])
        return ", ".join(parts)

    def _encoded(self, value) -> str:
        """A quote object's JSON, encoded once per distinct value (frozen: hashable)."""
        text = self._texts.get(value)
        if text is None:
            text = self._texts[value] = json.dumps(_plain(value), ensure_ascii=False)
        return text


def _plain(value):
    """``Assessment.to_dict``'s conversion: dataclasses to dicts, tuples to lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


#: How many distinct profiles' assessments a batch keeps for the rows that repeat them.
_REMEMBERED = 4_096

#: The assessment's public fields, in the order of ``Assessment.to_dict``.
_PUBLIC = tuple(f for f in dataclasses.fields(Assessment) if f.name != "disclaimer")
_ECHO = ("id", "line", "symptoms", "age", "risk_factors")
_FLAT = (
    "triage",
    "pain_type",
    "red_flags",
    "reason_rule",
    "reason_basis",
    "reason_quote",
    "reason_source",
    "abstain_reason",
)


def _ids(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(SEPARATOR) if part.strip())


def _did_you_mean(value: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(valid), n=1)
    return f"; did you mean '{close[0]}'?" if close else " (`lowback entities` lists them)"


def _check_header(path: Path, header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    lines = []
    for name in unknown:
        close = difflib.get_close_matches(name, COLUMNS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        lines.append(f"{path}, line 1: unknown column '{name}'{hint}")
    lines += [f"{path}, line 1: column '{name}' appears more than once" for name in repeated]
    if "symptoms" not in header and not any(
        difflib.get_close_matches(name, ["symptoms"], n=1) for name in unknown
    ):
        lines.append(f"{path}, line 1: no 'symptoms' column")
    if lines:
        expected = f"expected a header of {', '.join(COLUMNS)} (symptoms required)"
        raise AssessmentInputError("\n".join([*lines, expected]))


def usable_entities(kb: KnowledgeBase) -> list[dict]:
    """Every entity of ``kb``, with whether ``lowback assess`` takes it as a sign (a
    symptom of the study's rulebook or a red flag the gate can be told) and as a risk
    factor (one of the study's rulebook).

    The same ids the default assessor accepts, without fitting its tree.

    Examples
    --------
    >>> from lowback import load_knowledge_base
    >>> rows = usable_entities(load_knowledge_base())
    >>> next(r for r in rows if r["id"] == "weak_core")["risk_factor"]
    True
    """
    rules = Rulebook.of(study_records(kb))
    signs = {*rules.symptoms, *reportable_red_flags(kb)}
    factors = set(rules.risk_factors)
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "label": e.label,
            "sign": e.id in signs,
            "risk_factor": e.id in factors,
        }
        for e in kb.entities.itertuples(index=False)
    ]
