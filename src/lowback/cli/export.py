"""``lowback export records`` and ``lowback export cohort``: tables out of the study, with
their metadata."""

from __future__ import annotations

import sys
from pathlib import Path

from lowback import config
from lowback.cli.shared import _load, _write_and_report


def _export(
    what: str,
    out: Path,
    force: bool,
    n: int | None = None,
    seed: int | None = None,
    assumptions: Path | None = None,
) -> int:
    if what == "cohort" and n is not None and n < 1:
        print(f"lowback export: --n must be at least 1, got {n}", file=sys.stderr)
        return 2
    if what == "cohort" and seed is not None and seed < 0:
        print(f"lowback export: --seed must be a whole number >= 0, got {seed}", file=sys.stderr)
        return 2
    from lowback.errors import AssumptionError, RecordError, ReportError
    from lowback.publish.export import export_cohort, export_records

    def write() -> list[Path]:
        if what == "records":
            return export_records(out, kb=_load(config.DATA_DIR), force=force)
        return export_cohort(out, n=n, seed=seed, assumptions=assumptions, force=force)

    return _write_and_report(
        write,
        refused=(FileExistsError, AssumptionError),
        refused_prefix="lowback export: ",
        failed=(RecordError, ReportError),
        failed_prefix="lowback export: ",
        interrupted=f"export interrupted: {out} has all this export's files or none",
    )
