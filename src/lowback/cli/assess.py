"""``lowback assess`` (one profile, or a CSV of them) and ``lowback entities``."""

from __future__ import annotations

import sys
from pathlib import Path

from lowback import config
from lowback.cli.shared import DISCLAIMER, _load, _quoted


def _assess_file(profiles: Path, as_csv: bool, out: Path | None) -> int:
    import csv
    import io

    from lowback.errors import AssessmentInputError
    from lowback.study.batch import Batch

    batch = Batch()
    buffer = io.StringIO() if out is not None else None
    sink = buffer if buffer is not None else sys.stdout
    writer = csv.DictWriter(sink, fieldnames=batch.flat_columns, lineterminator="\n")
    failed = 0
    try:
        results = batch.assess(profiles)
        for index, result in enumerate(results):
            if index == 0 and as_csv:
                writer.writeheader()
            for problem in result.problems:
                print(f"lowback assess: {problem}", file=sys.stderr)
            failed += bool(result.problems)
            if as_csv:
                writer.writerow(batch.flat_record(result))
            else:
                sink.write(batch.json_line(result) + "\n")
    except OSError as err:
        if isinstance(err, BrokenPipeError):
            raise
        print(
            f"lowback assess: cannot read the profiles {profiles}: {err.strerror}", file=sys.stderr
        )
        return 2
    except AssessmentInputError as err:
        print(f"lowback assess: {err}", file=sys.stderr)
        return 2
    if buffer is not None:
        from lowback.publish.fileset import write_atomic

        write_atomic(out, buffer.getvalue())
    if failed:
        print(f"lowback assess: {failed} row(s) of {profiles} not assessed", file=sys.stderr)
    print(DISCLAIMER, file=sys.stderr)
    return 1 if failed else 0


def _entities(kind: str | None, as_json: bool) -> int:
    from lowback.data.schema import KINDS
    from lowback.study.batch import usable_entities

    if kind is not None and kind not in KINDS:
        print(
            f"lowback entities: unknown kind '{kind}'; valid kinds: {', '.join(KINDS)}",
            file=sys.stderr,
        )
        return 2
    rows = [r for r in usable_entities(_load(config.DATA_DIR)) if kind in (None, r["kind"])]
    if as_json:
        import json

        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    header = {
        "id": "id",
        "kind": "kind",
        "label": "label",
        "sign": "sign",
        "risk_factor": "risk factor",
    }
    cells = [header] + [
        {**r, "sign": "yes" if r["sign"] else "", "risk_factor": "yes" if r["risk_factor"] else ""}
        for r in rows
    ]
    widths = {key: max(len(str(c[key])) for c in cells) for key in header}
    for c in cells:
        print("  ".join(f"{c[key]!s:{widths[key]}}" for key in header).rstrip())
    return 0


def _assess(symptoms: list[str], age: float | None, risk_factors: list[str], as_json: bool) -> int:
    from lowback.errors import AssessmentInputError
    from lowback.study.gate import GATE_SCOPE
    from lowback.study.triage import assess, modality_note

    try:
        result = assess(symptoms, age=age, risk_factors=risk_factors)
    except AssessmentInputError as err:
        print(f"lowback assess: {err}", file=sys.stderr)
        return 2
    if as_json:
        import json

        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        print(DISCLAIMER, file=sys.stderr)
        return 0
    from lowback.study.triage import default_assessor

    assessor = default_assessor()  # the one assess() asked: cached
    studied = set(assessor.kb.sources["id"])
    publisher = assessor.all_records.publisher
    print(DISCLAIMER)
    print(f"triage: {result.triage.replace('_', ' ').upper()}")
    print("because (most pressing first):")
    labels = {item.id: item.label for item in result.evidence}  # the signs reported
    for reason in result.reasons:
        basis = f"inferred via {', '.join(reason.via)}" if reason.via else reason.basis
        print(f"  {basis}, {reason.publisher}: “{reason.quote}” [{reason.start}:{reason.end}]")
        level = reason.level.replace("_", " ")
        if reason.red_flag:
            by = (
                "reported"
                if reason.raised_by == (reason.red_flag,)
                else "raised by " + " + ".join(labels[s] for s in reason.raised_by)
            )
            print(f"    rule {reason.rule}, {level}: {reason.label} ({by})")
        else:
            print(f"    rule {reason.rule}, {level}: no rule fires (the baseline)")
    print(f"  {GATE_SCOPE}")
    shares = ", ".join(f"{t} {p:.0%}" for t, p in result.probabilities.items())
    print(f"pain type: {result.pain_type}  (simulated runners in the same leaf: {shares})")
    if result.abstain_reason:
        print(f"  no type named: {result.abstain_reason}")
    print("signs reported:")
    for item in result.evidence:
        kind = "red flag" if item.kind == "red_flag" else "symptom"
        # A sign only another source names (the NIH's) says whose sentence it is.
        whose = "" if item.source in studied else f", {publisher(item.source)}"
        print(f"  {item.label} ({kind}, {item.record}{whose}):")
        print(_quoted(item.quote, item.start, item.end, modality_note(item.modality)))
    print("the tree's path:")
    for step in result.path:
        print(f"  {step}")
    if result.advice:
        print("what the material suggests:")
        for item in result.advice:
            target = item.target.replace("_", " ")
            print(f"  {item.label} ({item.relation} {target}, {item.claim}):")
            print(_quoted(item.quote, item.start, item.end, modality_note(item.modality)))
            for counter in item.countered_by:
                via = f", {counter.via}" if counter.via else ""
                print(f"      but the material also says ({counter.claim}{via}):")
                note = modality_note(counter.modality)
                print(_quoted(counter.quote, counter.start, counter.end, note, indent=8))
    return 0
