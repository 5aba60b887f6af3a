"""One part of the embedded corpus as FLAC in one tar, and back to byte-identical wav files: how
the corpus travels to a GPU machine that cannot build it (no package archive, no synthesisers
there) under an upload size limit.

    python -m audiosr.data.corpus.bundle pack bundle/tts-flac.tar tts   # part: speech, tts or piano
    python -m audiosr.data.corpus.bundle unpack bundle/tts-flac.tar     # on the GPU machine

Sizes: tts about 44 MB, speech (the real voices) about 4x more; check the limit you have. The
unpacked files are checked against the manifest's SHA-256s, so a damaged bundle is an error, not
a corpus that differs from the one measured here.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
import tarfile
from pathlib import Path, PurePosixPath

import soundfile as sf

from audiosr.core.paths import EMBEDDED, atomic_path
from audiosr.data.corpus.build import PARTS
from audiosr.data.corpus.render import CorpusError

BESIDE = ("manifest.csv", "build.json", "SOURCES.md")  # a part's files other than its clips


def _part_folder(root: Path, part: str) -> Path:
    if part not in PARTS:
        raise CorpusError(f"{part}: not a corpus part (one of {', '.join(PARTS)}).")
    return Path(root) / part


def pack(out: str | Path, part: str = "speech", root: str | Path = EMBEDDED) -> Path:
    """Write `part` of the corpus in `root` to the tar `out`: its wav files as 16-bit FLAC (about
    half the size), its manifest, build record and sources as they are."""
    folder = _part_folder(root, part)
    if not (folder / "manifest.csv").is_file():
        raise CorpusError(f"{folder}: not built; run `make corpus` first.")
    missing = [name for name in BESIDE if not (folder / name).is_file()]
    if missing:
        raise CorpusError(f"{folder}: no {', '.join(missing)}; rebuild it with `make corpus`.")
    with atomic_path(out, suffix=".tar") as tmp, tarfile.open(tmp, "w") as tar:
        for f in sorted(folder.rglob("*.wav")):
            if sf.info(str(f)).subtype != "PCM_16":  # the corpus is 16-bit; FLAC keeps only that
                raise CorpusError(f"{f}: not 16-bit PCM, which the bundle keeps losslessly.")
            x, sr = sf.read(str(f), dtype="int16")
            buf = io.BytesIO()
            sf.write(buf, x, sr, format="FLAC", subtype="PCM_16")
            _add(tar, f"{part}/{f.relative_to(folder).with_suffix('.flac').as_posix()}", buf)
        for name in BESIDE:
            _add(tar, f"{part}/{name}", io.BytesIO((folder / name).read_bytes()))
    return Path(out)


def _add(tar: tarfile.TarFile, name: str, data: io.BytesIO) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data.getvalue())
    data.seek(0)
    tar.addfile(info, data)


def unpack(src: str | Path, root: str | Path = EMBEDDED, force: bool = False) -> Path:
    """Restore the part in the bundle `src` under `root` (refused where that part exists, unless
    `force`), checking every clip against its manifest row. Returns the part's folder."""
    src = Path(src)
    if not src.is_file():
        raise CorpusError(f"{src}: no such bundle; make one with `pack` where the corpus is built.")
    try:
        with tarfile.open(src) as tar:
            members = [(m, tar.extractfile(m)) for m in tar.getmembers()]
            files = {m.name: f.read() for m, f in members if f is not None and m.isfile()}
    except (tarfile.TarError, EOFError):
        raise CorpusError(f"{src}: not a tar file, so not a corpus bundle.") from None
    part = _bundle_part(src, files)
    rows = list(csv.DictReader(io.StringIO(files[f"{part}/manifest.csv"].decode())))
    folder = _part_folder(root, part)
    if folder.exists() and not force:
        raise CorpusError(f"{folder}: exists; pass --force to replace it.")
    restored = set()
    with atomic_path(folder) as tmp:
        for name, data in files.items():
            dst = tmp / PurePosixPath(name).relative_to(part)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".flac"):
                x, sr = sf.read(io.BytesIO(data), dtype="int16")
                sf.write(str(dst.with_suffix(".wav")), x, sr, subtype="PCM_16")
                restored.add(str(PurePosixPath(name).with_suffix(".wav")))
            else:
                dst.write_bytes(data)
        _check(tmp, part, rows, restored, src)
    return folder


def _bundle_part(src: Path, files: dict) -> str:
    """The one part a bundle holds; names that would land outside it are refused."""
    if not files:
        raise CorpusError(f"{src}: an empty bundle; pack it again.")
    parts = {PurePosixPath(n).parts[0] for n in files}
    bad = [n for n in files if PurePosixPath(n).is_absolute() or ".." in PurePosixPath(n).parts]
    if bad or len(parts) != 1:
        raise CorpusError(f"{src}: not a bundle of one corpus part ({', '.join(sorted(parts))}).")
    part = parts.pop()
    missing = [name for name in BESIDE if f"{part}/{name}" not in files]
    if missing:
        raise CorpusError(f"{src}: no {', '.join(missing)} for {part}; pack it again.")
    return part


def _check(tmp: Path, part: str, rows: list[dict], restored: set, src: Path) -> None:
    """Every clip the manifest keeps is in the bundle and comes back with its SHA-256."""
    kept = [r for r in rows if not r.get("excluded")]
    absent = [r["path"] for r in kept if r["path"] not in restored]
    if absent:
        raise CorpusError(f"{src}: {len(absent)} clips of the manifest missing ({absent[0]}, ...).")
    for r in kept:
        path = tmp / PurePosixPath(r["path"]).relative_to(part)
        if r.get("sha256") and hashlib.sha256(path.read_bytes()).hexdigest() != r["sha256"]:
            raise CorpusError(f"{src}: {r['path']} does not come back as the manifest says.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m audiosr.data.corpus.bundle",
        description="Pack one part of the embedded corpus as FLAC in a tar, or unpack one.",
    )
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--root", default=str(EMBEDDED), help="the corpus (default: data/embedded)")
    sub = ap.add_subparsers(dest="action", required=True)
    p = sub.add_parser("pack", parents=[where], help="one part of the corpus as FLAC in a tar")
    p.add_argument("out", help="the tar to write")
    p.add_argument("part", nargs="?", default="speech", choices=PARTS)
    u = sub.add_parser("unpack", parents=[where], help="a bundle back to the corpus's wav files")
    u.add_argument("src", help="the tar `pack` wrote")
    u.add_argument("--force", action="store_true", help="replace the part if it exists")
    args = ap.parse_args(argv)
    try:
        if args.action == "pack":
            print(pack(args.out, args.part, root=args.root))
        else:
            print(unpack(args.src, root=args.root, force=args.force))
    except (CorpusError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from audiosr.core.signals import run

    raise SystemExit(run(main))  # Ctrl-C / SIGTERM: one line, not a traceback
