"""The record tables' columns, closed vocabularies and pandera schemas.

Everything a record may say is declared here: which tables exist, which columns each
has, which kinds of entity and which relations between them are allowed. The data
dictionary in ``data/README.md`` documents the same vocabulary for people.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
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


# Checks below pass ignore_na=False: read_table reads every cell as text (empty, never
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


def _id(unique: bool = False) -> pa.Column:
    return pa.Column(
        str,
        _str_matches(SNAKE_CASE, error="a snake_case id (a-z, 0-9, _; starts with a letter)"),
        unique=unique,
    )


def _text(required: bool = True) -> pa.Column:
    non_empty = pa.Check.str_length(min_value=1, error="a non-empty text", ignore_na=False)
    checks = [non_empty] if required else []
    return pa.Column(str, checks)


def _offset() -> pa.Column:
    at_least_0 = pa.Check.ge(0, error=AT_LEAST_0, ignore_na=False)
    return pa.Column("int64", at_least_0, coerce=True)


def _quoted_span() -> dict[str, pa.Column]:
    """The columns that locate a quote in a source: checked against the text on load."""
    return {"quote": _text(), "start": _offset(), "end": _offset(), "passage": _id()}


def _sha256() -> pa.Column:
    return pa.Column(str, _str_matches(SHA256, error="64 lowercase hex digits"))


def _one_of(values: tuple[str, ...] | list[str]) -> pa.Column:
    error = "one of: " + ", ".join(values)
    return pa.Column(str, pa.Check.isin(list(values), error=error, ignore_na=False))


def _start_before_end() -> pa.Check:
    return pa.Check(
        lambda df: df["start"] < df["end"],
        error=SPAN,
        ignore_na=False,
    )


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "sources": pa.DataFrameSchema(
        {
            "id": _id(unique=True),
            "path": _text(),
            "title": _text(),
            "sha256": _sha256(),
            "format": _one_of(FORMATS),
            "fetch": pa.Column(
                str,
                pa.Check.isin(
                    ["", *FETCH_REGISTRIES], error="empty or one of: " + ", ".join(FETCH_REGISTRIES)
                ),
            ),
            "collection": _id(),
            "publisher": _text(),
            "institute": _text(required=False),
            "url": _text(required=False),
            "dataset": _text(required=False),
            "licence": _text(),
            "text_sha256": _sha256(),
        },
        strict=True,
        ordered=False,
    ),
    "passages": pa.DataFrameSchema(
        {
            "id": _id(unique=True),
            "source": _id(),
            "start": _offset(),
            "end": _offset(),
            "topic": _one_of(TOPICS),
            "heading": _text(required=False),
        },
        checks=[_start_before_end()],
        strict=True,
    ),
    "entities": pa.DataFrameSchema(
        {
            "id": _id(unique=True),
            "kind": _one_of(KINDS),
            "label": _text(),
            "description": _text(),
            "group": pa.Column(
                str,
                _str_matches(OPTIONAL_ID, error="empty or a snake_case group"),
            ),
        },
        strict=True,
    ),
    "claims": pa.DataFrameSchema(
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
        checks=[_start_before_end()],
        strict=True,
    ),
    "skipped": pa.DataFrameSchema(
        {
            "id": _id(unique=True),
            "source": _id(),
            **_quoted_span(),
            "reason": _text(),
        },
        checks=[_start_before_end()],
        strict=True,
    ),
}

SCHEMAS["triage"] = pa.DataFrameSchema(
    {
        "id": _id(unique=True),
        "level": _one_of(TRIAGE_LEVELS),
        "red_flag": pa.Column(
            str,
            _str_matches(OPTIONAL_ID, error="empty or a red_flag id"),
        ),
        "raised_by": pa.Column(
            str,
            _str_matches(
                SPACED_IDS,
                error=f"empty, '{REPORTED}' or sign ids (symptom or red_flag) separated by "
                "single spaces",
            ),
        ),
        "basis": _one_of(BASES),
        "via": pa.Column(
            str,
            _str_matches(SPACED_IDS, error="empty or claim ids separated by single spaces"),
        ),
        "source": _id(),
        **_quoted_span(),
        "note": _text(required=False),
    },
    checks=[_start_before_end()],
    strict=True,
)

SCHEMAS["comparisons"] = pa.DataFrameSchema(
    {
        "id": _id(unique=True),
        "topic": _one_of(COMPARISON_TOPICS),
        "claim": _id(),
        "against": _id(),
        "other": pa.Column(str, _str_matches(OPTIONAL_ID, error="empty or a claim id")),
        "verdict": _one_of(VERDICTS),
        "note": _text(),
    },
    strict=True,
)

#: Columns of each table, in file order.
COLUMNS: dict[str, list[str]] = {name: list(s.columns) for name, s in SCHEMAS.items()}

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
