"""Recorded human speech that Debian packages ship: the real voices of the embedded corpus.

Three educational games ship words and sentences that volunteers recorded at 22-48 kHz, in
about 25 languages. We fetch each `.deb` with `apt-get download` (nothing is installed, no
dependency pulled in), unpack it with `dpkg-deb -x` into a temporary folder, and take only the
speech files. Each file is trimmed, resampled to 16 kHz (scipy's band-limited polyphase
filter) and kept only if its spectrum reaches `MIN_BANDWIDTH_HZ` within `BANDWIDTH_FLOOR_DB` of
its peak: some languages were recorded at 8-11 kHz or through a narrow microphone, and a file
that stops at 4 kHz teaches a 16 kHz model that the top band is empty.

Voices are package + language (file names do not tell readers apart within a language). Splits
hold whole *languages* out, in every package at once, so a reader who recorded for two packages
is never heard in both training and test (the paper's MultiSpeaker idea).

Left out on purpose: Asterisk's G.722 voice prompts (asterisk-core-sounds-*-g722). They are
studio recordings, but G.722 keeps nothing above 7 kHz, so the 7-8 kHz band of every target
would be silence and a model would learn to cut it; the three packages here already give more
than three hours that reach 7.5-8 kHz.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from audiosr.core.audio import tidy_clip
from audiosr.core.dsp import HR_RATE, band_energy_fraction, bandwidth_hz

MIN_SOURCE_SR = 16000
MIN_BANDWIDTH_HZ = 7000.0
BANDWIDTH_FLOOR_DB = 50.0
MIN_SECONDS = 0.1  # after trimming; shorter files are clicks, not words


@dataclass(frozen=True)
class Package:
    """A Debian package with recorded speech, and which of its files are speech.

    `pattern` is matched against each file's path inside the package; its group `lang` names
    the language (absent: `default_lang`).
    """

    name: str
    short: str  # voice ids are `<short>-<language>`
    license: str
    pattern: str
    default_lang: str = ""


PACKAGES = (
    Package(
        "tuxpaint-stamps-default",
        "tuxpaint",
        "GPL-2 (Tux Paint stamps, Bill Kendrick et al.)",
        r"^usr/share/tuxpaint/stamps/.+_desc(?:_(?P<lang>[A-Za-z@_]+))?(?:\.ogg)+$",
        "en",
    ),
    Package(
        "klettres-data",
        "klettres",
        "GPL-2+ (KLettres, KDE)",
        r"^usr/share/klettres/(?P<lang>[^/]+)/(?:alpha|syllab)/[^/]+\.ogg$",
    ),
    Package(
        "ktuberling-data",
        "ktuberling",
        "GPL-2+ (KTuberling, KDE)",
        r"^usr/share/ktuberling/sounds/(?P<lang>[^/]+)/[^/]+\.(?:ogg|wav|opus|flac)$",
    ),
)
# Whole languages held out (chosen once, by hand, for size and variety; see README):
# test about 17 minutes in 3 packages, val about 13 minutes; everything else trains.
TEST_LANGUAGES = ("el", "hu", "sl")
VAL_LANGUAGES = ("da", "he", "lt")
SINGLE_REAL_VOICE = "tuxpaint-ro"  # SingleSpeaker-style: the voice with the most speech
VAL_UTTERANCES = TEST_UTTERANCES = 8


class PackageError(RuntimeError):
    """A package that cannot be fetched or unpacked here; the message names it and the fallback."""


def fallback_hint(name: str, cache: Path | str = "the package cache") -> str:
    return (
        f"the real voices need Debian's package archive: put {name}_*.deb into {cache} "
        "by hand, or build only the synthetic voices and piano "
        "(`python -m audiosr.data.corpus --parts tts piano`) and use dataset='embedded-tts'."
    )


def fetch(name: str, cache: Path) -> Path:
    """The package's `.deb` in `cache`, downloaded with `apt-get download` if not already there."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{name}_*.deb"))
    if found:
        return found[-1]
    if shutil.which("apt-get") is None:
        raise PackageError(
            f"cannot download {name}: apt-get not found (not a Debian system); "
            + fallback_hint(name, cache)
        )
    print(f"downloading {name} (apt-get download) into {cache}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download.") as tmp:
        try:
            subprocess.run(
                ["apt-get", "download", "-q", name],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
                timeout=1800,
            )
        except subprocess.CalledProcessError as e:
            reason = " ".join(
                line for line in (e.stderr or "").splitlines() if line.startswith("E:")
            )
            raise PackageError(
                f"cannot download {name} ({reason or 'apt-get download failed'}); "
                + fallback_hint(name, cache)
            ) from None
        debs = sorted(Path(tmp).glob(f"{name}_*.deb"))
        if not debs:
            raise PackageError(
                f"apt-get download {name} wrote no .deb; " + fallback_hint(name, cache)
            )
        final = cache / debs[0].name
        debs[0].replace(final)  # same folder, atomic: a half-downloaded .deb is never cached
    return final


def package_version(deb: Path) -> str:
    out = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True)
    if out.returncode:
        raise PackageError(
            f"{deb}: not a readable .deb ({out.stderr.strip()}); delete it and rebuild."
        )
    return out.stdout.strip()


def unpack(deb: Path, dest: Path) -> None:
    if shutil.which("dpkg-deb") is None:
        raise PackageError(
            f"cannot unpack {deb.name}: dpkg-deb not found; "
            + fallback_hint(deb.name.split("_")[0])
        )
    out = subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], capture_output=True, text=True)
    if out.returncode:
        raise PackageError(f"{deb}: cannot unpack ({out.stderr.strip()}); delete it and rebuild.")


def speech_files(package: Package, tree: Path) -> list[tuple[str, str]]:
    """(path inside the package, language) of every speech file, sorted by path."""
    rx = re.compile(package.pattern)
    out = []
    for p in sorted(tree.rglob("*")):
        rel = p.relative_to(tree).as_posix()
        m = rx.match(rel)
        if m and p.is_file():
            out.append((rel, m.group("lang") or package.default_lang))
    return out


def voice_id(package: Package, lang: str) -> str:
    return f"{package.short}-{lang.replace('@', '-')}"


def base_language(lang: str) -> str:
    """`en_GB` -> `en`, `sr@latin` (voice id `sr-latin`) -> `sr`: what held-out languages match."""
    return re.split(r"[_@-]", lang)[0]


def multi_role(lang: str) -> str:
    base = base_language(lang)
    return "test" if base in TEST_LANGUAGES else "val" if base in VAL_LANGUAGES else "train"


def process(src: str, out: str) -> dict:
    """Decode one file, measure it, and write it as a 16 kHz clip if it is usable speech.

    Returns the measurements and, for a file left out, `excluded` with the reason.
    """
    try:
        x, sr = sf.read(src, dtype="float32", always_2d=True)
    except Exception as e:  # libsndfile raises several types for corrupt or truncated files
        return {"excluded": f"unreadable ({str(e).strip()[:80]})", "sr_in": 0}
    x = x.mean(axis=1)
    info = {"sr_in": sr, "excluded": ""}
    if sr < MIN_SOURCE_SR:
        return {**info, "excluded": f"recorded at {sr} Hz (< {MIN_SOURCE_SR} Hz)"}
    if not np.all(np.isfinite(x)) or not np.any(x):
        return {**info, "excluded": "silent or non-finite"}
    y = tidy_clip(x, sr)
    bw = bandwidth_hz(y, HR_RATE, BANDWIDTH_FLOOR_DB)
    info.update(
        bandwidth_hz=bw, hf_4k=band_energy_fraction(y, HR_RATE), duration_s=len(y) / HR_RATE
    )
    if len(y) < MIN_SECONDS * HR_RATE:
        return {**info, "excluded": f"{len(y) / HR_RATE:.2f} s of sound (< {MIN_SECONDS} s)"}
    if bw < MIN_BANDWIDTH_HZ:
        return {
            **info,
            "excluded": f"bandwidth {bw / 1000:.1f} kHz (< {MIN_BANDWIDTH_HZ / 1000:g} kHz)",
        }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    sf.write(out, y, HR_RATE, subtype="PCM_16")
    return info


def assign_splits(rows: list[dict]) -> None:
    """Set `split_multi` (by language) and `split_single` (SINGLE_REAL_VOICE's last clips) in place."""
    for r in rows:
        kept = not r["excluded"]
        r["split_multi"] = multi_role(r["language"]) if kept else "-"
        r["split_single"] = "-"
    single = [r for r in rows if r["group"] == SINGLE_REAL_VOICE and not r["excluded"]]
    n = len(single)
    for j, r in enumerate(single):
        r["split_single"] = (
            "test"
            if j >= n - TEST_UTTERANCES
            else "val"
            if j >= n - TEST_UTTERANCES - VAL_UTTERANCES
            else "train"
        )


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)
