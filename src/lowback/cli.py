"""The ``lowback`` command. The only module that prints.

Imports of heavy machinery (notebooks, plots) happen inside the sub-commands that
need them, so that quick commands start quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from lowback import __version__, config

DISCLAIMER = "lowback is for education, not diagnosis: it is not medical advice."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lowback",
        description="Lower back pain in runners: traceable records from one article. " + DISCLAIMER,
    )
    parser.add_argument("--version", action="version", version=f"lowback {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="check the records: schemas, references, quotes and sentence coverage",
        description="Check every record table and that each on-topic sentence is covered "
        "by a claim or skipped with a reason. Exit 1 on any problem.",
    )
    validate.add_argument(
        "data_dir",
        nargs="?",
        type=Path,
        default=config.DATA_DIR,
        metavar="DATA_DIR",
        help="a data folder with records/ and the sources (default: %(default)s)",
    )

    sources = commands.add_parser(
        "sources",
        help="list every source and the state of its file; `sources fetch` downloads "
        "the missing fetched ones",
        description="Every source of sources.csv with its publisher and the state of its "
        "file on this machine (present, missing, differs). The NIH texts are fetched, not "
        "committed: `lowback sources fetch` downloads the missing ones by URL and checks "
        "their sha256 (pooch), into the folder LOWBACK_DATA_DIR names, else a per-user "
        "cache. Exit 1 if a file differs or a fetch fails.",
    )
    sources.add_argument(
        "action", nargs="?", choices=("list", "fetch"), default="list", help="default: list"
    )
    sources.add_argument(
        "--data-dir", type=Path, default=config.DATA_DIR, help="default: %(default)s"
    )

    locate = commands.add_parser(
        "locate",
        help="find a quote in the sources and print its offsets, for writing a record",
        description="Print source, start, end and passage of every occurrence of QUOTE.",
    )
    locate.add_argument("quote", metavar="QUOTE", help="the exact text to find")
    locate.add_argument(
        "--data-dir", type=Path, default=config.DATA_DIR, help="default: %(default)s"
    )

    symptoms = commands.add_parser(
        "symptoms",
        help="list the signs a runner can report: id, label, pain type(s) and quote",
        description="Every symptom and reportable red flag, with the pain type(s) the "
        "material ties it to and the quote behind it. " + DISCLAIMER,
    )
    symptoms.add_argument("--json", action="store_true", help="print JSON")

    assess = commands.add_parser(
        "assess",
        help="assess symptoms: red-flag gate first, then the decision tree",
        description="Assess reported symptoms with the material's red-flag rules and a "
        "decision tree fitted on a simulated cohort. " + DISCLAIMER,
    )
    assess.add_argument(
        "--symptom",
        action="append",
        required=True,
        metavar="ID",
        help="a symptom or red flag id (repeat for several; see `lowback symptoms`)",
    )
    assess.add_argument("--age", type=float, metavar="YEARS", help="age in years (0 to 120)")
    assess.add_argument(
        "--risk-factor",
        action="append",
        default=[],
        metavar="ID",
        help="a risk factor id (repeatable)",
    )
    assess.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: pain_type, probabilities, triage, red_flags, advice, "
        "evidence, path, reasons, abstain_reason (the disclaimer goes to standard error)",
    )

    explore = commands.add_parser(
        "explore",
        help="the symptom explorer as an app with no code (Voila on 127.0.0.1, token auth)",
        description="Serve the symptom explorer with Voila on 127.0.0.1 only, with token "
        "authentication; open the printed address. Ctrl-C stops it. " + DISCLAIMER,
    )
    explore.add_argument("--port", type=int, default=8866, help="default: %(default)s")
    explore.add_argument(
        "--token",
        default=None,
        help="the access token (default: a new random one; one given here shows in `ps`)",
    )

    execute = commands.add_parser(
        "execute",
        help="re-run notebooks top to bottom and store their outputs in place",
        description="Run each notebook in a fresh kernel and store its outputs (no timestamps, "
        "no widget state), so that nbval can check them. The file changes only after a clean run.",
    )
    execute.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")

    slides = commands.add_parser(
        "slides",
        help="execute notebooks and write offline reveal.js slide decks",
        description="Execute each notebook top to bottom (the files are not modified) and write "
        "OUT/<notebook>.slides.html: one self-contained deck, reveal.js and plotly.js inlined, "
        "no network request. The cells' slideshow metadata choose the slides. Also writes "
        "OUT/lesson.slides.html, a 15-minute lesson assembled from the notebooks' cells by "
        "their lesson-NN tags (the outline: src/lowback/publish/lesson.toml).",
    )
    slides.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    slides.add_argument(
        "--no-lesson",
        action="store_true",
        help="write only the per-notebook decks (the lesson needs the cells of every notebook)",
    )
    slides.add_argument(
        "--out", type=Path, default=config.REPORTS_DIR, help="output folder (default: %(default)s)"
    )
    slides.add_argument(
        "--reveal-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="reveal.js installed by npm (default: .cache/slides/node_modules/reveal.js; "
        "`make slides` installs it)",
    )
    slides.add_argument("--timeout", type=int, default=600, help="seconds per cell (default: 600)")

    report = commands.add_parser(
        "report",
        help="execute notebooks and write offline HTML pages",
        description="Execute each notebook top to bottom (the files are not modified) and "
        "write OUT/<notebook>.html with plotly.js embedded once and no network request, "
        "the landing page OUT/index.html and the offline symptom explorer OUT/explorer.html.",
    )
    report.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    report.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output folder (default: {config.REPORTS_DIR}; with --assumptions, a subfolder "
        "named after the assumptions file)",
    )
    report.add_argument(
        "--assumptions",
        type=Path,
        default=None,
        metavar="TOML",
        help="run the notebooks that take parameters under another assumptions file; it is "
        "checked before any notebook runs, and the notebook files are never changed",
    )
    report.add_argument("--timeout", type=int, default=600, help="seconds per cell (default: 600)")
    return parser


def _load(data_dir: Path):
    """The knowledge base, each missing fetched source said once on stderr, in one line."""
    from lowback.data.records import load_knowledge_base

    kb = load_knowledge_base(data_dir, warn_missing=False)
    for missing in kb.missing:
        print(f"lowback: {missing}", file=sys.stderr)
    return kb


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


def _skip_slow_optional_imports() -> None:
    """Make jsonschema's optional ``rfc3987_syntax`` import fail fast in this process.

    The commands that run notebooks import nbformat, hence jsonschema, which imports
    ``rfc3987_syntax`` if installed: about 2 s spent building parsers for the "iri"
    formats, which no notebook schema uses. Only for this CLI process, never on ``import
    lowback``; the kernels get the same (see ``lowback.publish.execute.KERNEL_ARGUMENTS``).
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def _report(notebooks: list[Path], out: Path | None, timeout: int, assumptions: Path | None) -> int:
    _skip_slow_optional_imports()
    from lowback.errors import AssumptionError, RecordError

    parameters = {}
    try:  # the records first (a missing NIH text is said here, once): no notebook runs on bad ones
        kb = _load(config.DATA_DIR)
    except RecordError as err:
        print(f"report not written, no notebook run: {err}", file=sys.stderr)
        return 1
    if assumptions is not None:
        from lowback.study.assumptions import load_assumptions

        try:
            load_assumptions(kb, assumptions)
        except AssumptionError as err:
            print(f"report not written, no notebook run: {err}", file=sys.stderr)
            return 1
        parameters["ASSUMPTIONS"] = str(assumptions.resolve())
        out = out or config.REPORTS_DIR / assumptions.stem
    from lowback.errors import ReportError
    from lowback.publish.build import build_reports

    try:
        written = build_reports(
            notebooks,
            out or config.REPORTS_DIR,
            timeout=timeout,
            parameters=parameters,
            explorer=True,
        )
    except ReportError as err:
        print(f"report not written: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the kernels are shut down; no page is half-written
        folder = out or config.REPORTS_DIR
        print(f"report interrupted: {folder} has all this build's pages or none", file=sys.stderr)
        return 130
    for path in written:
        print(f"wrote {path}")
    return 0


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


def _quoted(quote: str, start: int, end: int, note: str = "", indent: int = 4) -> str:
    return " " * indent + f"“{quote}” [{start}:{end}]" + (f" {note}" if note else "")


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


def _explore(port: int, token: str | None) -> int:
    import shutil
    import subprocess

    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if voila is None:
        print("lowback explore needs Voila: run `make explore` (it installs it)", file=sys.stderr)
        return 1
    if not 1024 <= port <= 65535:
        print(f"lowback explore: --port must be 1024 to 65535, got {port}", file=sys.stderr)
        return 2
    from lowback.app.server import APP_DIR, explore_server

    command, environment = explore_server(voila, port, token)
    token = environment["JUPYTER_TOKEN"]
    # Voila runs in a session of its own: Ctrl-C reaches only this process, which stops
    # Voila with SIGTERM, its clean shutdown (SIGINT makes it print a traceback). It runs
    # in the app's folder, so that no voila.py or voila.json from elsewhere configures it.
    server = subprocess.Popen(command, start_new_session=True, env=environment, cwd=APP_DIR)
    print(f"Symptom explorer: http://127.0.0.1:{port}/?token={token}  (Ctrl-C stops it)")
    print(DISCLAIMER, flush=True)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        print("Symptom explorer stopped.")
        return 0


def _slides(
    notebooks: list[Path], out: Path, reveal_dir: Path | None, timeout: int, lesson: bool
) -> int:
    _skip_slow_optional_imports()
    from lowback.errors import ReportError
    from lowback.publish.slides import DEFAULT_REVEAL_DIR, build_slides

    try:
        written = build_slides(
            notebooks,
            out,
            reveal_dir=reveal_dir or DEFAULT_REVEAL_DIR,
            timeout=timeout,
            lesson=lesson,
        )
    except ReportError as err:
        print(f"slides not written: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the kernels are shut down; no deck is half-written
        print(f"slides interrupted: {out} has all this build's decks or none", file=sys.stderr)
        return 130
    for path in written:
        print(f"wrote {path}")
    return 0


def _execute(notebooks: list[Path]) -> int:
    _skip_slow_optional_imports()
    from lowback.errors import ReportError
    from lowback.publish.execute import store_outputs

    for path in notebooks:
        try:
            store_outputs(path)
        except ReportError as err:
            print(f"not stored: {err}", file=sys.stderr)
            return 1
        print(f"stored outputs of {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lowback`` command; return its exit code."""
    args = _parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args.data_dir)
    if args.command == "sources":
        return _sources(args.action, args.data_dir)
    if args.command == "locate":
        return _locate(args.quote, args.data_dir)
    if args.command == "symptoms":
        return _symptoms(args.json)
    if args.command == "explore":
        return _explore(args.port, args.token)
    if args.command == "slides":
        return _slides(args.notebooks, args.out, args.reveal_dir, args.timeout, not args.no_lesson)
    if args.command == "execute":
        return _execute(args.notebooks)
    if args.command == "assess":
        return _assess(args.symptom, args.age, args.risk_factor, args.json)
    return _report(args.notebooks, args.out, args.timeout, args.assumptions)
