"""Pack the embedded speech corpus losslessly as FLAC in one tar (44 MB instead of 64 MB of wav),
and unpack it back to byte-identical wav files: how the corpus travels to a GPU machine that
cannot build it (no flite / espeak-ng there) within the device tool's 64 MiB carry limit.

    python scripts/corpus_bundle.py pack .gpucarry/speech-flac.tar
    python scripts/corpus_bundle.py unpack .gpucarry/speech-flac.tar     # on the GPU machine
"""
import io
import sys
import tarfile
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent / "data" / "embedded"


def pack(out: Path) -> None:
    with tarfile.open(out, "w") as tar:
        for f in sorted((ROOT / "speech").rglob("*.wav")):
            x, sr = sf.read(f, dtype="int16")
            buf = io.BytesIO()
            sf.write(buf, x, sr, format="FLAC", subtype="PCM_16")
            info = tarfile.TarInfo(str(f.relative_to(ROOT).with_suffix(".flac")))
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
        for name in ("manifest.csv", "build.json", "SOURCES.md"):
            tar.add(ROOT / name, arcname=name)


def unpack(src: Path) -> None:
    with tarfile.open(src) as tar:
        for m in tar.getmembers():
            data = tar.extractfile(m).read()
            if m.name.endswith(".flac"):
                x, sr = sf.read(io.BytesIO(data), dtype="int16")
                dst = ROOT / m.name[:-5]
                dst.with_suffix(".wav").parent.mkdir(parents=True, exist_ok=True)
                sf.write(dst.with_suffix(".wav"), x, sr, subtype="PCM_16")
            else:
                (ROOT / m.name).parent.mkdir(parents=True, exist_ok=True)
                (ROOT / m.name).write_bytes(data)


if __name__ == "__main__":
    {"pack": pack, "unpack": unpack}[sys.argv[1]](Path(sys.argv[2]))
