"""``lowback figures``: every figure stored in executed notebooks as PNG, SVG or PDF files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lowback.cli.shared import OUT_DIR_HELP, _write_and_report


def add_figures_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``figures`` sub-command to the ``lowback`` command's sub-commands."""
    figures = commands.add_parser(
        "figures",
        help="write every figure stored in executed notebooks as PNG, SVG or PDF files",
        description="Draw every plotly figure stored in the given executed notebooks (their "
        "committed outputs: nothing is re-run) with kaleido in the system's Chromium "
        "(LOWBACK_CHROMIUM, else /usr/bin/chromium; never a downloaded one), one file a "
        "figure named after its notebook, its position and its cell's key-figure or lesson "
        "tags (02-symptom-classifier-fig06-key-figure.png). The files are written as one set, "
        "all or none. Exit 2 if DIR is not empty without --force or the format is unknown, "
        "1 if a notebook cannot be read or there is no Chromium.",
    )
    figures.add_argument(
        "notebooks", nargs="+", type=Path, metavar="NOTEBOOK", help="executed notebooks"
    )
    figures.add_argument(
        "--format",
        default="png",
        metavar="{png,svg,pdf}",
        help="the image format (default: %(default)s)",
    )
    figures.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies each figure's width and height, e.g. 2 for slides (default: 1)",
    )
    figures.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help=OUT_DIR_HELP,
    )
    figures.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty (files of the same names are replaced)",
    )
    return figures


def _figures(args: argparse.Namespace) -> int:
    from lowback.errors import FigureExportError, ReportError
    from lowback.figures.static import FORMATS
    from lowback.publish.static_figures import write_figures

    if args.format.lower() not in FORMATS:
        print(
            f"lowback figures: unknown --format {args.format!r}: expected one of "
            f"{', '.join(FORMATS)}",
            file=sys.stderr,
        )
        return 2
    if not args.scale > 0:
        print(f"lowback figures: --scale must be above 0, got {args.scale}", file=sys.stderr)
        return 2
    return _write_and_report(
        lambda: write_figures(
            args.notebooks, args.out, format=args.format, scale=args.scale, force=args.force
        ),
        refused=(FileExistsError,),
        refused_prefix="lowback figures: ",
        failed=(ReportError, FigureExportError),
        failed_prefix="lowback figures: ",
        interrupted=f"figures interrupted: {args.out} has all this run's files or none",
    )
