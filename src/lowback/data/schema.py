"""The record tables' columns, closed vocabularies and pandera schemas.

Everything a record may say is declared here: which tables exist, which columns each
has, which kinds of entity and which relations between them are allowed. Each column's
checks are written once, as plain rules (:data:`TABLE_RULES`); the loader's fast path
reads them, and the pandera schemas (:func:`pandera_schemas`, also ``SCHEMAS``) are built
from them, importing pandera only when asked. The data dictionary in ``data/README.md``
documents the same vocabulary for people.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

from lowback.data.formats import FORMATS

#: The registries a source can be fetched from (``sources.csv``, column ``fetch``; see
#: :mod:`lowback.data.fetch`): empty for a file in the data folder.
FETCH_REGISTRIES: tuple[str, ...] = ("medquad",)

#: Kinds of entity, in the order the study presents them.
KINDS: tuple[str, ...] = (
    "pain_type",
    "symptom",
    "cause",
    "risk_factor",
    "treatment",
    "diagnostic",
    "prevention",
    "red_flag",
)

#: What a passage of a source document is.
TOPICS: tuple[str, ...] = ("article", "faq", "off_topic")

#: Triage levels, from least to most pressing; an assessment only ever moves up.
TRIAGE_LEVELS: tuple[str, ...] = ("self_care", "see_doctor", "urgent")

#: In ``triage.csv``'s ``raised_by``: the rule fires when the runner reports its red flag
#: itself. Otherwise ``raised_by`` lists sign ids (:data:`SIGN_KINDS`), separated by single
#: spaces, and the rule fires when the runner reports every one of them.
REPORTED = "reported"

#: How a claim says what it says (``claims.csv``, column ``modality``):
#:
#: - ``states``: a plain assertion ("Lumbar fatigue is ...").
#: - ``hedges``: a possibility, not a fact: could, may, can (possibility), might, chances
#:   are, likely, probably, in many cases, whether ... or, a question ("could be to blame?").
#: - ``recommends``: advice: should, experts recommend, seek ..., don't ..., is a good idea.
MODALITIES: tuple[str, ...] = ("states", "hedges", "recommends")

#: Who says it (``claims.csv``, column ``attributed``):
#:
#: - ``article``: the article's author, in their own voice.
#: - ``experts``: credited in the sentence to experts or a doctor ("according to",
#:   "experts recommend", "they say", "he says").
#: - ``faq``: the FAQ; every claim quoting a passage of topic ``faq``, and only those.
#: - ``publisher``: the publisher of a reference text, in its own voice (an NIH institute).
ATTRIBUTIONS: tuple[str, ...] = ("article", "experts", "faq", "publisher")

#: How the claim is read from its quote (``claims.csv``, column ``reading``):
#:
#: - ``literal``: the quote says the relation in so many words.
#: - ``inferred``: the curator links it (context, a pronoun, a definition); the note must
#:   say how. Every ``contradicts`` claim is inferred (an observation across two claims).
READINGS: tuple[str, ...] = ("literal", "inferred")

#: Where a triage rule's level comes from (``triage.csv``, column ``basis``):
#:
#: - ``literal``: the rule's quote itself names the level for that red flag; ``via`` is
#:   empty.
#: - ``inferred``: the level comes through a chain of claims, listed in ``via`` (never
#:   empty); a hedge in that chain never raises a level above ``see_doctor``.
BASES: tuple[str, ...] = ("literal", "inferred")

#: The highest level an inferred triage rule may raise when a ``hedges`` claim is in its
#: ``via``: a possibility never makes a sign urgent.
HEDGE_CEILING = "see_doctor"

#: Kinds of entity a triage rule's ``raised_by`` may name: the signs a runner reports.
SIGN_KINDS: tuple[str, ...] = ("symptom", "red_flag")

#: How a claim of one source reads against another collection of sources
#: (``comparisons.csv``, column ``verdict``):
#:
#: - ``agrees``: the other texts say the same, at a compatible strength.
#: - ``differs``: they say something that conflicts (the other direction, another level of
#:   urgency, another course).
#: - ``goes_beyond``: they address the point, but the claim says more than they support
#:   (more certain, more specific, more urgent, a mechanism they do not give).
#: - ``silent``: none of the other texts addresses it (``other`` is empty).
VERDICTS: tuple[str, ...] = ("agrees", "differs", "goes_beyond", "silent")

#: The verdict that names no claim of the other side.
SILENT = "silent"

#: What a comparison is about (``comparisons.csv``, column ``topic``), in the order the
#: study presents them.
COMPARISON_TOPICS: tuple[str, ...] = (
    "when_to_see_a_doctor",
    "imaging",
    "rest_and_activity",
    "disc_problems",
    "age",
    "treatments",
    "prevention",
    "causes",
    "risk_factors",
    "symptoms",
    "pain_types",
    "diagnosis",
    "course",
)

#: Marks a relation whose subject and object are claims rather than entities.
CLAIM = "claim"


@dataclass(frozen=True)
class Relation:
    """A relation of the claims vocabulary and the kinds it may link."""

    name: str
    subject_kinds: tuple[str, ...]
    object_kinds: tuple[str, ...]
    meaning: str


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation("type_of", ("pain_type",), ("pain_type",), "subject is a type of object"),
        Relation("symptom_of", ("symptom",), ("pain_type",), "subject is a symptom of object"),
        Relation("causes", ("cause",), ("pain_type",), "subject causes object"),
        Relation(
            "risk_factor_for",
            ("risk_factor",),
            ("pain_type", "cause"),
            "subject raises the risk of object",
        ),
        Relation("treats", ("treatment", "prevention"), ("pain_type",), "subject relieves object"),
        Relation("diagnoses", ("diagnostic",), ("pain_type",), "subject diagnoses object"),
        Relation(
            "prevents",
            ("prevention", "treatment"),
            ("pain_type", "risk_factor"),
            "subject prevents object or counters the risk factor",
        ),
        Relation(
            "red_flag_for",
            ("red_flag",),
            ("pain_type",),
            "subject is a warning sign, with object, to see a doctor",
        ),
        Relation(
            "worsens",
            ("treatment", "prevention", "risk_factor"),
            ("pain_type",),
            "subject makes existing pain of the object worse (not a risk of getting it)",
        ),
        Relation(
            "contradicts",
            (CLAIM,),
            (CLAIM,),
            "the subject claim contradicts the object claim (both are claim ids)",
        ),
    )
}

#: Ids, as whole values (matched with ``re.fullmatch``: no ``^...$``, whose ``$`` also
#: matches before a final newline, so "weak_core\n" would pass).
SNAKE_CASE = r"[a-z][a-z0-9_]*"
#: Empty, or snake_case ids separated by single spaces (``raised_by``, ``via``).
SPACED_IDS = r"([a-z][a-z0-9_]*( [a-z][a-z0-9_]*)*)?"
#: Empty, or one snake_case id.
OPTIONAL_ID = r"([a-z][a-z0-9_]*)?"
SHA256 = r"[0-9a-f]{64}"

#: Table name -> file name, in the order they are read and checked.
TABLE_FILES: dict[str, str] = {
    "sources": "sources.csv",
    "passages": "passages.csv",
    "entities": "entities.csv",
    "claims": "claims.csv",
    "skipped": "skipped.csv",
    "triage": "triage.csv",
    "comparisons": "comparisons.csv",
}

#: What an offset column (``start``, ``end``) expects, as its problems say it.
WHOLE_NUMBER = "a whole number"
AT_LEAST_0 = "a whole number >= 0"
SPAN = "start < end (a span of at least one character)"


@dataclass(frozen=True)
class ColumnRule:
    """What one column of a record table holds: the one description from which both the
    pandera schema (:func:`pandera_schemas`) and the loader's fast path
    (``tables._plainly_valid``) are built.

    At most one of ``pattern``, ``allowed`` and ``non_empty`` is set; ``expected`` words it
    as a problem says it.
    """

    expected: str = ""
    #: Each value matches it as a whole (``re.fullmatch``).
    pattern: str | None = None
    #: Each value is one of these.
    allowed: tuple[str, ...] | None = None
    #: Each value has at least one character.
    non_empty: bool = False
    unique: bool = False
    #: A whole number >= 0 (``start``, ``end``); a text column otherwise.
    offset: bool = False


@dataclass(frozen=True)
class TableRule:
    """A record table's columns, in file order, and whether each row's ``start`` is before
    its ``end``; no other column is allowed."""

    columns: dict[str, ColumnRule]
    span: bool = False


def _id(unique: bool = False) -> ColumnRule:
    expected = "a snake_case id (a-z, 0-9, _; starts with a letter)"
    return ColumnRule(expected, pattern=SNAKE_CASE, unique=unique)


def _text(required: bool = True) -> ColumnRule:
    return ColumnRule("a non-empty text", non_empty=True) if required else ColumnRule()


def _offset() -> ColumnRule:
    return ColumnRule(AT_LEAST_0, offset=True)


def _quoted_span() -> dict[str, ColumnRule]:
    """The columns that locate a quote in a source: checked against the text on load."""
    return {"quote": _text(), "start": _offset(), "end": _offset(), "passage": _id()}


def _sha256() -> ColumnRule:
    return ColumnRule("64 lowercase hex digits", pattern=SHA256)


def _one_of(values: tuple[str, ...] | list[str], expected: str | None = None) -> ColumnRule:
    return ColumnRule(expected or "one of: " + ", ".join(values), allowed=tuple(values))


TABLE_RULES: dict[str, TableRule] = {
    "sources": TableRule(
        {
            "id": _id(unique=True),
            "path": _text(),
            "title": _text(),
            "sha256": _sha256(),
            "format": _one_of(FORMATS),
            "fetch": _one_of(
                ("", *FETCH_REGISTRIES), "empty or one of: " + ", ".join(FETCH_REGISTRIES)
            ),
            "collection": _id(),
            "publisher": _text(),
            "institute": _text(required=False),
            "url": _text(required=False),
            "dataset": _text(required=False),
            "licence": _text(),
            "text_sha256": _sha256(),
        }
    ),
    "passages": TableRule(
        {
            "id": _id(unique=True),
            "source": _id(),
            "start": _offset(),
            "end": _offset(),
            "topic": _one_of(TOPICS),
            "heading": _text(required=False),
        },
        span=True,
    ),
    "entities": TableRule(
        {
            "id": _id(unique=True),
            "kind": _one_of(KINDS),
            "label": _text(),
            "description": _text(),
            "group": ColumnRule("empty or a snake_case group", pattern=OPTIONAL_ID),
        }
    ),
    "claims": TableRule(
        {
            "id": _id(unique=True),
            "source": _id(),
            "subject": _id(),
            "relation": _one_of(list(RELATIONS)),
            "object": _id(),
            **_quoted_span(),
            "modality": _one_of(MODALITIES),
            "attributed": _one_of(ATTRIBUTIONS),
            "reading": _one_of(READINGS),
            "note": _text(required=False),
        },
        span=True,
    ),
    "skipped": TableRule(
        {"id": _id(unique=True), "source": _id(), **_quoted_span(), "reason": _text()},
        span=True,
    ),
    "triage": TableRule(
        {
            "id": _id(unique=True),
            "level": _one_of(TRIAGE_LEVELS),
            "red_flag": ColumnRule("empty or a red_flag id", pattern=OPTIONAL_ID),
            "raised_by": ColumnRule(
                f"empty, '{REPORTED}' or sign ids (symptom or red_flag) separated by single spaces",
                pattern=SPACED_IDS,
            ),
            "basis": _one_of(BASES),
            "via": ColumnRule("empty or claim ids separated by single spaces", pattern=SPACED_IDS),
            "source": _id(),
            **_quoted_span(),
            "note": _text(required=False),
        },
        span=True,
    ),
    "comparisons": TableRule(
        {
            "id": _id(unique=True),
            "topic": _one_of(COMPARISON_TOPICS),
            "claim": _id(),
            "against": _id(),
            "other": ColumnRule("empty or a claim id", pattern=OPTIONAL_ID),
            "verdict": _one_of(VERDICTS),
            "note": _text(),
        }
    ),
}

#: Columns of each table, in file order.
COLUMNS: dict[str, list[str]] = {name: list(t.columns) for name, t in TABLE_RULES.items()}

#: The columns of offsets (whole numbers) of each table: ``start`` and ``end``.
OFFSET_COLUMNS: dict[str, list[str]] = {
    name: [c for c, rule in t.columns.items() if rule.offset] for name, t in TABLE_RULES.items()
}


# pandera takes a fifth of a second to import: a valid table never needs it (the loader's
# fast path reads TABLE_RULES), so it is imported only when a schema is asked for.
# Checks pass ignore_na=False: read_table reads every cell as text (empty, never
# missing), and pandera's scan of each column for missing values first was a sixth of
# the time to load 100,000 claims.


#: The name of the checks :func:`_str_matches` makes (``statistics["pattern"]``).
FULLMATCH = "str_fullmatch"


def all_match(values: pd.Series, pattern: str) -> bool:
    """Whether every value matches ``pattern`` as a whole, the column at once.

    pandera matches value by value with ``re.match`` (30 ms for a column of 100,000 ids);
    pandas' ``str.fullmatch`` on a text column runs in pyarrow (RE2, where ``$`` is the
    end of the text alone), a few milliseconds. The patterns here mean the same in both.
    """
    if values.empty:
        return True
    if not isinstance(values.dtype, pd.StringDtype):
        return False  # a value that is not text: matched value by value
    return bool(values.str.fullmatch(pattern).all())


def _str_matches(pattern: str, error: str) -> pa.Check:
    """Each value matches ``pattern`` as a whole (``re.fullmatch``; pandera's
    ``str_matches`` uses ``re.match``), the whole column in one pass when all values
    match (:func:`all_match`), value by value to find the rows when one does not."""
    import pandera.pandas as pa

    def matches(values: pd.Series) -> pd.Series:
        if all_match(values, pattern):
            return pd.Series(True, index=values.index)
        return values.str.fullmatch(pattern, na=False)

    return pa.Check(
        matches,
        error=error,
        ignore_na=False,
        name=FULLMATCH,
        statistics={"pattern": pattern},
    )


def _pandera_column(rule: ColumnRule) -> pa.Column:
    """The pandera column of a rule: its one check, its type (offsets coerced to int64)."""
    import pandera.pandas as pa

    checks: list[pa.Check] = []
    if rule.pattern is not None:
        checks.append(_str_matches(rule.pattern, error=rule.expected))
    if rule.allowed is not None:
        checks.append(pa.Check.isin(list(rule.allowed), error=rule.expected, ignore_na=False))
    if rule.non_empty:
        checks.append(pa.Check.str_length(min_value=1, error=rule.expected, ignore_na=False))
    if rule.offset:
        at_least_0 = pa.Check.ge(0, error=rule.expected, ignore_na=False)
        return pa.Column("int64", at_least_0, coerce=True, unique=rule.unique)
    return pa.Column(str, checks, unique=rule.unique)


def _start_before_end() -> pa.Check:
    import pandera.pandas as pa

    return pa.Check(lambda df: df["start"] < df["end"], error=SPAN, ignore_na=False)


@functools.cache
def pandera_schemas() -> dict[str, pa.DataFrameSchema]:
    """Each table's pandera schema, built from :data:`TABLE_RULES` (pandera imported on the
    first call; also importable as ``SCHEMAS``)."""
    import pandera.pandas as pa

    return {
        name: pa.DataFrameSchema(
            {column: _pandera_column(rule) for column, rule in table.columns.items()},
            checks=[_start_before_end()] if table.span else None,
            strict=True,
        )
        for name, table in TABLE_RULES.items()
    }


def __getattr__(name: str) -> object:
    """``SCHEMAS``, the pandera schemas, built on first use (PEP 562)."""
    if name == "SCHEMAS":
        return pandera_schemas()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Columns stored as pandas categoricals once a table has been validated.
CATEGORICAL: dict[str, dict[str, tuple[str, ...]]] = {
    "passages": {"topic": TOPICS},
    "entities": {"kind": KINDS},
    "claims": {
        "relation": tuple(RELATIONS),
        "modality": MODALITIES,
        "attributed": ATTRIBUTIONS,
        "reading": READINGS,
    },
    "triage": {"level": TRIAGE_LEVELS, "basis": BASES},
    "comparisons": {"topic": COMPARISON_TOPICS, "verdict": VERDICTS},
}
