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
    from lowback.errors import ReportError
    from lowback.publish.build import build_reports
    from lowback.publish.folders import scenario_folder

    try:  # a scenario's own folder under reports/, or a clear refusal
        folder = out or scenario_folder(
            config.REPORTS_DIR, assumptions=assumptions, seed=seed, size=size
        )
    except ReportError as err:
        print(f"report not written, no notebook run: {err}", file=sys.stderr)
        return 2
    if assumptions is not None:
        from lowback.study.assumptions import load_assumptions

        try:
            load_assumptions(kb, assumptions)
        except AssumptionError as err:
            print(f"report not written, no notebook run: {err}", file=sys.stderr)
            return 1
        parameters["ASSUMPTIONS"] = assumptions.absolute()
    if seed is not None:
        parameters["RANDOM_SEED"] = seed
    if size is not None:
        parameters["COHORT_SIZE"] = size

    return _write_and_report(
        lambda: build_reports(
            notebooks, folder, timeout=timeout, parameters=parameters, explorer=True
        ),
        failed=(ReportError,),
        failed_prefix="report not written: ",
        interrupted=f"report interrupted: {folder} has all this build's pages or none",
    )


def _explore(port: int, token: str | None) -> int:
    import contextlib
    import errno
    import signal

    from lowback.app import server

    if not server.voila_installed():
        print("lowback explore needs Voila: run `make explore` (it installs it)", file=sys.stderr)
        return 1
    if not 1024 <= port <= 65535:
        print(f"lowback explore: --port must be 1024 to 65535, got {port}", file=sys.stderr)
        return 2
    try:  # as Jupyter Server with an explicit port: that port, or a clear no
        server.claim_port(port)
    except OSError as err:
        why = "is in use" if err.errno == errno.EADDRINUSE else f"cannot be used ({err.strerror})"
        other = port + 1 if port < 65535 else 8866
        print(
            f"lowback explore: port {port} {why}; nothing started. Stop what listens there, "
            f"or choose another port: --port {other}",
            file=sys.stderr,
        )
        return 1
    command, environment = server.explore_server(port, token)
    explorer = server.ExplorerProcess(command, environment, port)
    try:
        with explorer:
            # The link only once Voila serves it: never one to a port Voila did not get.
            if not explorer.wait_until_listening():
                code = explorer.process.returncode
                print(
                    f"lowback explore: Voila stopped before serving (exit code {code})",
                    file=sys.stderr,
                )
                return code or 1
            link = f"http://{server.HOST}:{port}/?token={environment['JUPYTER_TOKEN']}"
            print(f"Symptom explorer: {link}  (Ctrl-C stops it)")
            print(DISCLAIMER, flush=True)
            code = explorer.wait()
    except KeyboardInterrupt:
        code = None
    with contextlib.suppress(OSError):  # after SIGHUP, the terminal may be gone
        print("Symptom explorer stopped.", flush=True)
    if code is not None:  # Voila stopped of itself
        return code
    # Ctrl-C is the way to stop it; SIGTERM or SIGHUP, the exit status of a process they end.
    return 0 if explorer.stopped_by == signal.SIGINT else 128 + explorer.stopped_by


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
