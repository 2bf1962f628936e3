"""The ``lowback`` command. The only package that prints.

Each sub-command's handler lives in a module by what it works on (``records``, ``assess``,
``publish``, ``export``); ``parser`` holds the arguments. Imports of heavy machinery
(notebooks, plots) happen inside the sub-commands that need them, so that quick commands
start quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lowback.cli.assess import _assess, _assess_file, _entities
from lowback.cli.export import _export
from lowback.cli.figures import _figures
from lowback.cli.parser import _parser
from lowback.cli.publish import _execute, _explore, _report, _slides
from lowback.cli.records import _locate, _sources, _symptoms, _validate


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lowback`` command; return its exit code.

    A reader that closes the pipe early (``lowback entities | head -1``) ends the command
    quietly with 141, the status a shell gives a command SIGPIPE stops (as git's and
    coreutils' commands end), not with a traceback.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code = _run(parser, args)
        sys.stdout.flush()  # inside: a closed pipe is found here, not at interpreter exit
    except BrokenPipeError:
        # Python's recipe (the signal module's notes on SIGPIPE): nothing more reaches
        # stdout, so point it at devnull and the flush at exit has nothing to complain of.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return code


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
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
    if args.command == "figures":
        return _figures(args)
    if args.command == "export":
        return _export(
            args.what,
            args.out,
            args.force,
            getattr(args, "n", None),
            getattr(args, "seed", None),
            getattr(args, "assumptions", None),
        )
    if args.command == "entities":
        return _entities(args.kind, args.json)
    if args.command == "assess":
        if args.profiles is None:
            if args.symptom is None:
                parser.error("assess: give --symptom ID (repeatable) or --from CSV")
            if args.csv or args.out:
                parser.error("assess: --csv and --out go with --from CSV")
            return _assess(args.symptom, args.age, args.risk_factor, args.json)
        if args.symptom or args.age is not None or args.risk_factor or args.json:
            parser.error(
                "assess: --from CSV takes the symptoms, age and risk factors from the file; "
                "give no --symptom, --age, --risk-factor or --json with it (--csv for a table)"
            )
        return _assess_file(args.profiles, args.csv, args.out)
    return _report(
        args.notebooks,
        args.out,
        args.timeout,
        args.assumptions,
        seed=args.seed,
        size=args.size,
        data_dir=args.data_dir,
    )
