"""``python -m lowback``: the same as the ``lowback`` command."""

from lowback.cli import main

raise SystemExit(main())
