"""python -m audiosr: the command line (audiosr.cli)."""

from .cli import main

raise SystemExit(main())
