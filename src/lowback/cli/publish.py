"""``lowback report``, ``slides``, ``execute`` and ``explore``: notebooks run and published,
and the live explorer."""

from __future__ import annotations

import sys
from pathlib import Path

from lowback import config
from lowback.cli.shared import DISCLAIMER, _load, _write_and_report


def _skip_slow_optional_imports() -> None:
    """Make jsonschema's optional ``rfc3987_syntax`` import fail fast in this process.

    The commands that run notebooks import nbformat, hence jsonschema, which imports
    ``rfc3987_syntax`` if installed: about 2 s spent building parsers for the "iri"
    formats, which no notebook schema uses. Only for this CLI process, never on ``import
    lowback``; the kernels get the same (see ``lowback.publish.execute.KERNEL_ARGUMENTS``).
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def _report(
    notebooks: list[Path],
    out: Path | None,
    timeout: int,
    assumptions: Path | None,
    *,
    seed: int | None = None,
    size: int | None = None,
    data_dir: Path | None = None,
) -> int:
    """Build the report; the parameters (seed and size checked by the parser) go to the
    notebooks whose ``parameters`` cell names them, paths as :class:`~pathlib.Path`, so
    that each page holds them relative to its notebook's folder."""
    _skip_slow_optional_imports()
    from lowback.errors import AssumptionError, RecordError

    parameters: dict[str, object] = {}
    try:  # the records first (a missing NIH text is said here, once): no notebook runs on bad ones
        kb = _load(data_dir or config.DATA_DIR)
    except RecordError as err:
        print(f"report not written, no notebook run: {err}", file=sys.stderr)
        return 1
    if data_dir is not None:
        parameters["DATA_DIR"] = data_dir.absolute()
    names = []
    if assumptions is not None:
        from lowback.study.assumptions import load_assumptions

        try:
            load_assumptions(kb, assumptions)
        except AssumptionError as err:
            print(f"report not written, no notebook run: {err}", file=sys.stderr)
            return 1
        parameters["ASSUMPTIONS"] = assumptions.absolute()
        names.append(assumptions.stem)
    if seed is not None:
        parameters["RANDOM_SEED"] = seed
        names.append(f"seed-{seed}")
    if size is not None:
        parameters["COHORT_SIZE"] = size
        names.append(f"size-{size}")
    folder = out or (config.REPORTS_DIR / "-".join(names) if names else config.REPORTS_DIR)
    from lowback.errors import ReportError
    from lowback.publish.build import build_reports

    return _write_and_report(
        lambda: build_reports(
            notebooks, folder, timeout=timeout, parameters=parameters, explorer=True
        ),
        failed=(ReportError,),
        failed_prefix="report not written: ",
        interrupted=f"report interrupted: {folder} has all this build's pages or none",
    )


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

    return _write_and_report(
        lambda: build_slides(
            notebooks,
            out,
            reveal_dir=reveal_dir or DEFAULT_REVEAL_DIR,
            timeout=timeout,
            lesson=lesson,
        ),
        failed=(ReportError,),
        failed_prefix="slides not written: ",
        interrupted=f"slides interrupted: {out} has all this build's decks or none",
    )


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
