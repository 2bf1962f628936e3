"""A synthetic knowledge base of any size, for the knowledge-base load benchmark.

It has the layout and columns of ``data/`` and passes every load check, so
:func:`lowback.load_knowledge_base` reads it as it reads the real records; see
:func:`synthetic_knowledge_base`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

_WORDS = (
    "runner",
    "spine",
    "stride",
    "lumbar",
    "core",
    "hip",
    "mile",
    "pace",
    "disc",
    "muscle",
    "stretch",
    "rest",
    "ache",
    "bone",
    "plank",
    "form",
    "slope",
    "heel",
    "trail",
    "glute",
    "runner\u2019s",
    "long\u2013run",
    "posture",
    "warm",
    "cool",
    "tempo",
    "fatigue",
    "strain",
)  # two with a curly apostrophe and an en dash: offsets are code points, not bytes
#: The one source text, ``raw/<SOURCE_ID>.txt``, that every record quotes.
SOURCE_ID = "synthetic"
_PAIN_TYPES = ("low_back_pain", "muscle", "bone", "disc")
#: The relations between entities, by subject kind: (subject kind, relation, object kinds);
#: the claims cycle through them (``type_of``, between pain types, comes first).
_SUBJECT_RELATIONS = (
    ("symptom", "symptom_of", ("pain_type",)),
    ("cause", "causes", ("pain_type",)),
    ("risk_factor", "risk_factor_for", ("pain_type", "cause")),
    ("treatment", "treats", ("pain_type",)),
    ("diagnostic", "diagnoses", ("pain_type",)),
    ("prevention", "prevents", ("pain_type", "risk_factor")),
    ("red_flag", "red_flag_for", ("pain_type",)),
    ("treatment", "worsens", ("pain_type",)),
)
_SENTENCES_PER_PASSAGE = 20
_CONTRADICTS_EVERY = 500


def synthetic_knowledge_base(root: Path, n_claims: int, *, seed: int = 0) -> Path:
    """Write a valid synthetic data folder of ``n_claims`` claims for the load benchmark.

    The layout and columns are those of ``data/`` (see ``data/README.md``): one source
    text of about 50 characters per claim (5 MB for 100,000 claims) under ``raw/``, its
    sha256 in ``records/sources.csv``, passages tiling it (every tenth off-topic), one
    entity of each kind per 50 claims, each named by a claim, every quote a sentence
    of the text at its offsets, a skipped sentence per ten claims, a contradiction per
    500 claims and ten triage rules. The sentences are random words, so the folder
    passes every load check but not ``lowback validate``'s sentence coverage.

    Parameters
    ----------
    root : Path
        The folder to create (``root/raw``, ``root/records``).
    n_claims : int
        How many claims; at least 24 (two per relation between entities, and more).
    seed : int, optional
        Seed of the random words; the same seed writes the same bytes.

    Returns
    -------
    Path
        ``root``, ready for :func:`lowback.load_knowledge_base`.
    """
    import pandas as pd

    from lowback.data.schema import COLUMNS, KINDS, MODALITIES, TABLE_FILES

    if n_claims < 24:
        raise ValueError(f"n_claims: got {n_claims}; expected at least 24")
    rng = np.random.default_rng(seed)
    n_skipped = max(1, n_claims // 10)
    n_quoted = n_claims + n_skipped
    skipped_at = set(rng.choice(n_quoted, size=n_skipped, replace=False).tolist())

    words = rng.integers(0, len(_WORDS), size=(n_quoted * 2, 9))
    lengths = rng.integers(5, 10, size=n_quoted * 2)

    def sentence(k: int) -> str:
        text = " ".join(_WORDS[w] for w in words[k, : lengths[k]])
        return text[0].upper() + text[1:] + "."

    pieces: list[str] = []
    passages: list[dict] = []
    spans: list[tuple[int, int, str, str]] = []  # quoted sentences: start, end, passage, quote
    offset = made = quoted = 0
    while quoted < n_quoted:
        number = len(passages) + 1
        off_topic = number % 10 == 0
        count = 3 if off_topic else min(_SENTENCES_PER_PASSAGE, n_quoted - quoted)
        passage_id = f"{'offtopic' if off_topic else 'passage'}_{number:06d}"
        start = offset
        for position in range(count):
            said = sentence(made)
            made += 1
            if not off_topic:
                spans.append((offset, offset + len(said), passage_id, said))
                quoted += 1
            gap = " " if position < count - 1 else "\n\n"  # breaks belong to the passage
            pieces += [said, gap]
            offset += len(said) + len(gap)
        topic = "off_topic" if off_topic else ("faq" if number % 10 >= 8 else "article")
        heading = "Advert" if off_topic else ""
        passages.append(
            {
                "id": passage_id,
                "source": SOURCE_ID,
                "start": start,
                "end": offset,
                "topic": topic,
                "heading": heading,
            }
        )
    text = "".join(pieces)

    per_kind = max(2, n_claims // 50)
    entity_ids = {"pain_type": list(_PAIN_TYPES)}
    entities = [
        {
            "id": e,
            "kind": "pain_type",
            "label": e.replace("_", " ").capitalize(),
            "description": f"Synthetic pain type {e}.",
            "group": "",
        }
        for e in _PAIN_TYPES
    ]
    for kind in KINDS[1:]:
        entity_ids[kind] = [f"{kind}_{k:05d}" for k in range(per_kind)]
        entities += [
            {
                "id": e,
                "kind": kind,
                "label": f"{kind} {k}",
                "description": f"Synthetic {kind}.",
                "group": f"group_{k % 10}" if kind == "risk_factor" else "",
            }
            for k, e in enumerate(entity_ids[kind])
        ]

    relation_cycle = [("pain_type", "type_of", None), *_SUBJECT_RELATIONS]
    topic_of = {p["id"]: p["topic"] for p in passages}
    width = max(3, len(str(n_claims)))
    claim_spans = [s for k, s in enumerate(spans) if k not in skipped_at]
    claims = []
    linked = 0  # claims between entities so far: they cycle through the relations
    for i, (start, end, passage_id, quote) in enumerate(claim_spans):
        claim_id = f"c{i + 1:0{width}d}"
        inferred = i % 7 == 0 or i % _CONTRADICTS_EVERY == _CONTRADICTS_EVERY - 1
        if i % _CONTRADICTS_EVERY == _CONTRADICTS_EVERY - 1:  # the two claims before
            relation, subject, obj = "contradicts", f"c{i:0{width}d}", f"c{i - 1:0{width}d}"
        else:
            kind, relation, object_kinds = relation_cycle[linked % len(relation_cycle)]
            j = linked // len(relation_cycle)
            linked += 1
            if object_kinds is None:
                subject, obj = _PAIN_TYPES[1 + j % 3], _PAIN_TYPES[0]
            else:
                subject = entity_ids[kind][j % per_kind]
                object_kind = object_kinds[j % len(object_kinds)]
                obj = entity_ids[object_kind][j % len(entity_ids[object_kind])]
        claims.append(
            {
                "id": claim_id,
                "source": SOURCE_ID,
                "subject": subject,
                "relation": relation,
                "object": obj,
                "quote": quote,
                "start": start,
                "end": end,
                "passage": passage_id,
                "modality": MODALITIES[i % len(MODALITIES)],
                "attributed": "faq"
                if topic_of[passage_id] == "faq"
                else ("article", "experts")[i % 2],
                "reading": "inferred" if inferred else "literal",
                "note": "A synthetic note." if inferred else "",
            }
        )
    skipped = [
        {
            "id": f"s{k + 1:0{width}d}",
            "source": SOURCE_ID,
            "quote": quote,
            "start": start,
            "end": end,
            "passage": passage_id,
            "reason": "synthetic: no claim drawn",
        }
        for k, (start, end, passage_id, quote) in enumerate(
            s for k, s in enumerate(spans) if k in skipped_at
        )
    ]
    triage = []
    symptoms = entity_ids["symptom"]
    for k in range(10):
        start, end, passage_id, quote = claim_spans[k]
        baseline = k == 0
        # Odd rules: urgent, literal, raised when reported. Even ones: see_doctor (a hedge in
        # the chain allows no more), inferred through two claims, raised by two symptoms.
        literal = baseline or k % 2 == 1
        triage.append(
            {
                "id": f"t{k + 1:02d}",
                "level": "self_care" if baseline else ("see_doctor", "urgent")[k % 2],
                "red_flag": "" if baseline else entity_ids["red_flag"][k % per_kind],
                "raised_by": ""
                if baseline
                else (
                    "reported"
                    if literal
                    else f"{symptoms[k % per_kind]} {symptoms[(k + 1) % per_kind]}"
                ),
                "basis": "literal" if literal else "inferred",
                "via": "" if literal else f"{claims[k]['id']} {claims[k + 1]['id']}",
                "source": SOURCE_ID,
                "quote": quote,
                "start": start,
                "end": end,
                "passage": passage_id,
                "note": "",
            }
        )

    raw = root / "raw"
    records = root / "records"
    raw.mkdir(parents=True, exist_ok=True)
    records.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    (raw / f"{SOURCE_ID}.txt").write_bytes(data)
    sources = [
        {
            "id": SOURCE_ID,
            "path": f"raw/{SOURCE_ID}.txt",
            "title": "Synthetic material",
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": "text",
            "fetch": "",
            "collection": SOURCE_ID,
            "publisher": "Synthetic material",
            "url": "",
            "dataset": "",
            "licence": "generated for the benchmarks",
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
    ]
    tables = {
        "sources": sources,
        "passages": passages,
        "entities": entities,
        "claims": claims,
        "skipped": skipped,
        "triage": triage,
        "comparisons": [],
    }
    for name, rows in tables.items():
        pd.DataFrame(rows, columns=COLUMNS[name]).to_csv(records / TABLE_FILES[name], index=False)
    return root
