"""The ``lowback`` command's arguments: every sub-command, its options and its help."""

from __future__ import annotations

import argparse
from pathlib import Path

from lowback import __version__, config
from lowback.cli.figures import add_figures_parser
from lowback.cli.shared import DISCLAIMER, OUT_DIR_HELP

#: Where a build may write, as :func:`lowback.publish.folders.check_out_dir` checks it.
_OUT_RULE = (
    "never /, the home folder or the project's own folders (data, notebooks, src, tests, "
    "docs), and an existing folder only if it is empty or lowback's (it holds .lowback-built)"
)

#: The fewest simulated runners ``lowback report --size`` takes. Notebook 02 asserts that
#: its cross-validated depth curve chooses the depth every lowback tree is fitted at: at
#: 1,000 runners that fails, at 2,000 and 5,000 it fails under seed 7, at 10,000 it held
#: under every seed tried (0, 1, 3, 7, 2026). Its noise sweep simulates 10,000 too.
MIN_COHORT_SIZE = 10_000


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of at least {minimum:,}, got {text!r}"
        )
    return value


def _seed(text: str) -> int:
    """``--seed``: a whole number >= 0."""
    return _whole_number(text, 0)


def _cohort_size(text: str) -> int:
    """``--size``: a whole number of at least :data:`MIN_COHORT_SIZE`."""
    return _whole_number(text, MIN_COHORT_SIZE)


def _existing_folder(text: str) -> Path:
    """``--data-dir``: a folder that exists."""
    path = Path(text)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"expected an existing folder, but {text!r} {what}")
    return path


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
    assess.add_argument(
        "--from",
        dest="profiles",
        type=Path,
        metavar="CSV",
        help="assess every row of a CSV of profiles instead: columns symptoms (ids separated "
        "by ';'), age (may be empty), optional risk_factors (';') and id; writes one JSON "
        "object a row (JSON Lines): the inputs, the assessment, the sources and the model's "
        "seed. A bad row is named on standard error (line, column, what was expected) and "
        "the others are still assessed: exit 1 if any row failed",
    )
    assess.add_argument(
        "--csv", action="store_true", help="with --from: one flat CSV row a profile instead"
    )
    assess.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="with --from: write to FILE (whole or not at all) instead of standard output",
    )

    entities = commands.add_parser(
        "entities",
        help="every id of the records: kind, label, and whether `lowback assess` takes it",
        description="Every entity of the records (entities.csv) with its kind and label, and "
        "whether `lowback assess` takes it as a sign (--symptom, the symptoms column) or as "
        "a risk factor (--risk-factor, the risk_factors column).",
    )
    entities.add_argument("--kind", metavar="KIND", help="only the entities of this kind")
    entities.add_argument("--json", action="store_true", help="print JSON")

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
        "--out",
        type=Path,
        default=config.REPORTS_DIR,
        help=f"output folder (default: %(default)s); {_OUT_RULE}",
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
        help=f"output folder (default: {config.REPORTS_DIR}; with --assumptions, --seed or "
        "--size, a subfolder named after them: older-runners, seed-7, older-runners-size-50000); "
        + _OUT_RULE,
    )
    report.add_argument(
        "--assumptions",
        type=Path,
        default=None,
        metavar="TOML",
        help="run the notebooks that take parameters under another assumptions file; it is "
        "checked before any notebook runs, and the notebook files are never changed",
    )
    report.add_argument(
        "--seed",
        type=_seed,
        default=None,
        metavar="S",
        help="the seed of the simulated runners and the models (RANDOM_SEED of notebooks 02 "
        "and 03, and the offline explorer's): a whole number >= 0 (default: the notebooks' own)",
    )
    report.add_argument(
        "--size",
        type=_cohort_size,
        default=None,
        metavar="N",
        help=f"how many runners to simulate (COHORT_SIZE of notebooks 02 and 03, and the "
        f"offline explorer's): at least {MIN_COHORT_SIZE:,} (default: the notebooks' own)",
    )
    report.add_argument(
        "--data-dir",
        type=_existing_folder,
        default=None,
        metavar="DIR",
        help="a data folder with records/ and the sources, for the notebooks that take one "
        "(DATA_DIR of notebook 01); checked before any notebook runs (default: "
        f"{config.DATA_DIR})",
    )
    report.add_argument("--timeout", type=int, default=600, help="seconds per cell (default: 600)")
    add_figures_parser(commands)
    export = commands.add_parser(
        "export",
        help="write the records, or a simulated cohort, as Parquet and CSV with datapackage.json",
        description="Write every record table (`export records`) or a SIMULATED cohort of "
        "runners (`export cohort`) into OUT as Parquet and CSV, with datapackage.json, a "
        "Frictionless Data Package descriptor: each column's type, vocabulary and meaning, "
        "each file's size and sha256, lowback's version and, for a cohort, its seed, size and "
        "assumptions file. All files are written or none; an OUT that is not empty is refused "
        "without --force.",
    )
    exports = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    export_records = exports.add_parser(
        "records",
        help="every record table of the knowledge base (every source on this machine)",
        description="Every record table of the knowledge base as OUT/TABLE.parquet and "
        "OUT/TABLE.csv, and OUT/datapackage.json.",
    )
    export_cohort = exports.add_parser(
        "cohort",
        help="a SIMULATED cohort of runners",
        description="N simulated runners (lowback.simulate) as OUT/cohort.parquet and "
        "OUT/cohort.csv, and OUT/datapackage.json (simulated: true, seed, size, the "
        "assumptions file's name and sha256). The same N, seed and file give the same bytes.",
    )
    export_cohort.add_argument(
        "--n", type=int, required=True, metavar="N", help="how many runners (at least 1)"
    )
    export_cohort.add_argument(
        "--seed", type=int, required=True, metavar="S", help="the seed (a whole number >= 0)"
    )
    export_cohort.add_argument(
        "--assumptions",
        type=Path,
        default=None,
        metavar="TOML",
        help="an assumptions file (default: data/assumptions.toml)",
    )
    for sub in (export_records, export_cohort):
        sub.add_argument(
            "--out",
            type=Path,
            required=True,
            metavar="DIR",
            help=OUT_DIR_HELP,
        )
        sub.add_argument(
            "--force",
            action="store_true",
            help="replace the export's files in a folder that is not empty (other files stay)",
        )
    return parser
