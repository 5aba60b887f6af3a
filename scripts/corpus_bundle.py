"""Pack one part of the embedded corpus losslessly as FLAC in one tar, and unpack it back to
byte-identical wav files: how the corpus travels to a GPU machine that cannot build it (no
package archive, no synthesisers there) under an upload size limit.

    python scripts/corpus_bundle.py pack bundle/tts-flac.tar tts        # part: speech, tts or piano
    python scripts/corpus_bundle.py unpack bundle/tts-flac.tar          # on the GPU machine

Sizes: tts about 44 MB, speech (the real voices) about 4x more; check the limit you have.
"""

import io
import sys
import tarfile
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent / "data" / "embedded"


def pack(out: Path, part: str = "speech") -> None:
    folder = ROOT / part
    if not (folder / "manifest.csv").is_file():
        sys.exit(f"{folder}: not built; run `make corpus` first.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w") as tar:
        for f in sorted(folder.rglob("*.wav")):
            x, sr = sf.read(f, dtype="int16")
            buf = io.BytesIO()
            sf.write(buf, x, sr, format="FLAC", subtype="PCM_16")
            info = tarfile.TarInfo(str(f.relative_to(ROOT).with_suffix(".flac")))
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
        for name in ("manifest.csv", "build.json", "SOURCES.md"):
            tar.add(folder / name, arcname=f"{part}/{name}")


def unpack(src: Path) -> None:
    with tarfile.open(src) as tar:
        for m in tar.getmembers():
            data = tar.extractfile(m).read()
            dst = ROOT / m.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if m.name.endswith(".flac"):
                x, sr = sf.read(io.BytesIO(data), dtype="int16")
                sf.write(dst.with_suffix(".wav"), x, sr, subtype="PCM_16")
            else:
                dst.write_bytes(data)


if __name__ == "__main__":
    if sys.argv[1:2] == ["pack"]:
        pack(Path(sys.argv[2]), *sys.argv[3:4])
    else:
        unpack(Path(sys.argv[2]))
