"""``lowback validate``, ``sources``, ``locate`` and ``symptoms``: the records, checked and
looked up."""

from __future__ import annotations

import sys
from pathlib import Path

from lowback.cli.shared import DISCLAIMER, _load, _quoted


def _validate(data_dir: Path) -> int:
    from lowback.data.coverage import sentence_coverage, unweighed_claims
    from lowback.errors import RecordError

    try:
        kb = _load(data_dir)
    except RecordError as err:
        print(err, file=sys.stderr)
        return 1
    coverage = sentence_coverage(kb)
    uncovered = coverage[coverage["status"] == "uncovered"]
    unweighed = unweighed_claims(kb)
    for claim in unweighed.itertuples(index=False):
        print(
            f"claim {claim.claim} ({claim.source}) is weighed against '{claim.against}' by no "
            f"row of comparisons.csv: {claim.quote!r}",
            file=sys.stderr,
        )
    for sentence in uncovered.itertuples(index=False):
        print(
            f"{sentence.source} [{sentence.start}:{sentence.end}] in passage '{sentence.passage}': "
            f"no claim quotes this on-topic sentence and skipped.csv does not list it: "
            f"{sentence.sentence!r}",
            file=sys.stderr,
        )
    kinds = kb.entities["kind"].value_counts(sort=False)
    by_kind = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    counts = coverage["status"].value_counts()
    skipped = f" ({len(kb.missing)} missing, not checked)" if kb.missing else ""
    complete = uncovered.empty and unweighed.empty
    print(
        f"{'OK' if complete else 'INCOMPLETE'}: {len(kb.sources)} source(s){skipped}, "
        f"{len(kb.passages)} passages, {len(kb.entities)} entities ({by_kind}), "
        f"{len(kb.claims)} claims; on-topic sentences: {len(coverage)} "
        f"({counts['claim']} by claims, {counts['skipped']} skipped, "
        f"{counts['uncovered']} uncovered); comparisons: {len(kb.comparisons)} "
        f"({len(unweighed)} claims unweighed)"
    )
    return 0 if complete else 1


def _locate(quote: str, data_dir: Path) -> int:
    from lowback.errors import RecordError

    if not quote:  # it would be found at every offset of every source
        print("lowback locate: QUOTE is empty; give the exact text to find", file=sys.stderr)
        return 2
    try:
        kb = _load(data_dir)
    except RecordError as err:
        print(err, file=sys.stderr)
        return 1
    passages = kb.passages
    found = 0
    print("source,start,end,passage,topic")
    for source, text in kb.texts.items():
        start = text.find(quote)
        while start >= 0:
            end = start + len(quote)
            inside = passages[
                (passages["source"] == source)
                & (passages["start"] <= start)
                & (passages["end"] >= end)
            ]
            passage, topic = (
                (inside["id"].iloc[0], inside["topic"].iloc[0])
                if len(inside)
                else ("", "spans passages")
            )
            print(f"{source},{start},{end},{passage},{topic}")
            found += 1
            start = text.find(quote, start + 1)
    if not found:
        print(f"not found in any source: {quote!r}", file=sys.stderr)
        return 1
    return 0


def _sources(action: str, data_dir: Path) -> int:
    from lowback.data.fetch import DATA_DIR_ENV, FetchError, cache_dir, fetch
    from lowback.data.records import source_states
    from lowback.errors import RecordError

    try:
        states = source_states(data_dir)
    except RecordError as err:
        print(err, file=sys.stderr)
        return 1
    if action == "fetch":
        wanted = states[(states["state"] == "missing") & (states["fetch"] != "")]
        for registry_name, group in wanted.groupby("fetch"):
            try:
                fetched = fetch(str(registry_name), group["path"].tolist())
            except FetchError as err:
                print(f"lowback sources fetch: {err}", file=sys.stderr)
                return 1
            for item in fetched:
                print(f"fetched {item.path} -> {item.local}")
        states = source_states(data_dir)
    where = "" if not (states["fetch"] != "").any() else f" (fetched into {cache_dir()})"
    print(f"{len(states)} source(s){where}:")
    for row in states.itertuples(index=False):
        print(f"  {row.state:8} {row.id}  ({row.publisher})  {row.local}")
    missing = states[states["state"] == "missing"]
    differs = states[states["state"] == "differs"]
    for row in missing.itertuples(index=False):
        how = (
            f"run `lowback sources fetch`, or set {DATA_DIR_ENV} to a folder holding it"
            if row.fetch
            else "it belongs in the data folder"
        )
        print(f"lowback: source '{row.id}' is missing ({row.local}): {how}", file=sys.stderr)
    for row in differs.itertuples(index=False):
        print(
            f"lowback: source '{row.id}': {row.local} is not the recorded file (its sha256 "
            "differs); it is never used: delete it and fetch it again",
            file=sys.stderr,
        )
    return 1 if len(differs) else 0


def _symptoms(as_json: bool) -> int:
    import json

    from lowback.study.gate import GATE_SCOPE
    from lowback.study.triage import default_assessor, modality_note

    assessor = default_assessor()

    def ties(claims):
        return claims[claims["relation"].isin(["symptom_of", "red_flag_for"])]

    # What the study's claims tie a sign to; a sign only another source names (the NIH's),
    # what that source's claims tie it to.
    study, every = ties(assessor.kb.claims), ties(assessor.all_records.claims)
    listed = []
    for sign in assessor.signs:
        evidence = assessor.sign_evidence(sign)
        listed.append(
            {
                "id": sign,
                "kind": evidence.kind,
                "label": evidence.label,
                # What the claims tie the sign to: pain types, or low back pain in general.
                "pain_types": sorted(
                    set(study.loc[study["subject"] == sign, "object"])
                    or set(every.loc[every["subject"] == sign, "object"])
                ),
                "quote": evidence.quote,
                "start": evidence.start,
                "end": evidence.end,
                "record": evidence.record,
                "modality": evidence.modality,
                "source": evidence.source,
                "publisher": assessor.all_records.publisher(evidence.source),
            }
        )
    if as_json:
        print(json.dumps(listed, ensure_ascii=False, indent=2))
        print(DISCLAIMER, file=sys.stderr)
        return 0
    for item in listed:
        kind = "red flag" if item["kind"] == "red_flag" else "symptom"
        print(
            f"{item['id']}  ({kind}: {item['label']}; {', '.join(item['pain_types'])}; "
            f"{item['publisher']})"
        )
        print(_quoted(item["quote"], item["start"], item["end"], modality_note(item["modality"])))
    print(GATE_SCOPE)
    print(DISCLAIMER)
    return 0
