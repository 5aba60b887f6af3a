"""The training data cache: every clip as aligned HR / LR / spline arrays, plus patch offsets.

Layout of one cache folder (named by its parameters and a hash of them and of the clip list):

    config.json           DataConfig, clip-list hash, counts, package versions
    clips.csv             one row per clip: split, group, path, offset, length, patches
    {split}_hr.npy        all clips of the split, concatenated (float32, HR rate)
    {split}_spline.npy    the network input, aligned with _hr
    {split}_lr.npy        the low-res signal (len / r per clip)
    {split}_starts.npy    start of every training patch in _hr / _spline (int64)

Storing whole clips plus patch starts (rather than copies of overlapping patches) keeps the
cache half the size at 50% overlap, serves whole-file evaluation from the same files, and
memory-maps cheaply: a patch is `hr[s : s + patch_len]`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from audiosr.core.audio import load_audio
from audiosr.core.dsp import HR_RATE, make_triplet, valid_ratio
from audiosr.core.paths import CACHE, ROOT, atomic_path, resolve
from audiosr.core.progress import bar as progress_bar
from audiosr.core.tables import csv_text
from audiosr.core.version import __version__
from audiosr.data.clips import load_clips
from audiosr.data.splits import SPLITS, TASKS, Clip, DatasetError

CACHE_FORMAT = 1


# The low-res arrays are stored as `<split>_lr.npy`, the name they had before the package called
# them `lowres`, so caches built before stay valid.
_FILE = {"lowres": "lr"}


@dataclass
class DataConfig:
    """How the training data is made. Defaults are the paper's.

    Attributes:
        dataset: a name from `datasets.dataset_names()` or a folder (see datasets).
        task: ``single`` or ``multi``: SingleSpeaker / MultiSpeaker split (speech only).
        ratio: upsampling factor r; the low-res rate is sr / r.
        sr: high-res sample rate (16 kHz in the paper).
        patch_len: training patch length in HR samples (paper: 6000; a multiple of r).
        stride: hop between patch starts (original code: half the patch; a multiple of r).
        lowpass: Chebyshev low-pass before subsampling (False = Table 3's plain x[::r]).
        max_clips: keep only the first N clips of each split (tiny runs, tests); None = all.
    """

    dataset: str = "embedded-speech"
    task: str = "multi"
    ratio: int = 4
    sr: int = HR_RATE
    patch_len: int = 6000
    stride: int = 3000
    lowpass: bool = True
    max_clips: int | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        if self.max_clips is not None and self.max_clips < 1:
            raise ValueError(f"max_clips={self.max_clips} must be at least 1 (None: all clips).")
        r = valid_ratio(self.ratio)
        for name in ("patch_len", "stride"):
            v = getattr(self, name)
            if v <= 0 or v % r:
                raise ValueError(
                    f"{name}={v} must be a positive multiple of ratio={r} so that HR and LR patches "
                    f"align; try {max(r, v - v % r)}."
                )


@dataclass
class PatchCache:
    """An opened cache folder: arrays are memory-mapped, nothing is read until sliced."""

    folder: Path
    config: DataConfig
    info: dict = field(repr=False)

    def array(self, split: str, kind: str) -> np.ndarray:
        """kind: hr, spline, lowres or starts."""
        return np.load(self.folder / f"{split}_{_FILE.get(kind, kind)}.npy", mmap_mode="r")

    def clips(self, split: str | None = None) -> list[dict]:
        with open(self.folder / "clips.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            for k in ("offset", "length", "patches"):
                r[k] = int(r[k])
        return [r for r in rows if split is None or r["split"] == split]

    def patches(self, split: str, kind: str = "hr") -> np.ndarray:
        """All patches of a split as one (n, patch_len) array in memory."""
        x, starts = self.array(split, kind), self.array(split, "starts")
        L = self.config.patch_len
        if kind == "lowres":
            r = self.config.ratio
            return (
                np.stack([x[s // r : (s + L) // r] for s in starts])
                if len(starts)
                else np.zeros((0, L // r), np.float32)
            )
        return (
            np.stack([x[s : s + L] for s in starts])
            if len(starts)
            else np.zeros((0, L), np.float32)
        )

    def clip_arrays(self, split: str, kind: str = "hr"):
        """Yield (clip row, whole-clip array) for whole-file evaluation."""
        x = self.array(split, kind)
        for c in self.clips(split):
            yield c, self._whole(x, c, kind)

    def clip_array(self, split: str, kind: str, index: int) -> tuple[dict, np.ndarray]:
        """(clip row, whole-clip array) of the `index`-th clip of a split."""
        clips = self.clips(split)
        if not 0 <= index < len(clips):
            raise IndexError(
                f"clip {index}: the {split} split of {self.folder.name} has {len(clips)} clips."
            )
        return clips[index], self._whole(self.array(split, kind), clips[index], kind)

    def _whole(self, x: np.ndarray, clip: dict, kind: str) -> np.ndarray:
        div = self.config.ratio if kind == "lowres" else 1
        return np.asarray(x[clip["offset"] // div : (clip["offset"] + clip["length"]) // div])


def _clip_digest(clips: list[Clip]) -> str:
    h = hashlib.sha256()
    for c in clips:
        h.update(f"{c.split}|{c.group}|{c.path.name}|{c.path.stat().st_size}\n".encode())
    return h.hexdigest()


def cache_folder(cfg: DataConfig, clips: list[Clip], root: Path = CACHE) -> Path:
    """Folder name = readable parameters + a hash of everything that determines the content."""
    key = json.dumps(
        {"cfg": asdict(cfg), "clips": _clip_digest(clips), "format": CACHE_FORMAT}, sort_keys=True
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    name = Path(cfg.dataset).name or "data"
    lp = "lp" if cfg.lowpass else "nolp"
    return root / f"{name}-{cfg.task}-r{cfg.ratio}-{lp}-L{cfg.patch_len}-S{cfg.stride}-{digest}"


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def select_clips(cfg: DataConfig) -> list[Clip]:
    clips = load_clips(cfg.dataset, cfg.task)
    if cfg.max_clips is not None:
        kept = []
        for s in SPLITS:
            kept += [c for c in clips if c.split == s][: cfg.max_clips]
        clips = kept
    return clips


def build_cache(cfg: DataConfig, root: str | Path = CACHE, progress: bool = True) -> PatchCache:
    """Build the cache for `cfg` (or reuse an identical one) and return it opened.

    Every clip is loaded (mono, resampled to cfg.sr), cropped to a multiple of r, low-passed and
    subsampled, spline-upsampled; patches start every `stride` samples and never cross clips.
    The folder appears only when complete (built under a temporary name, then renamed).
    """
    clips = select_clips(cfg)
    folder = cache_folder(cfg, clips, resolve(root))
    if (folder / "config.json").is_file():
        return open_cache(folder)
    errors, rows, arrays = [], [], {}
    r, L = cfg.ratio, cfg.patch_len
    for split in SPLITS:
        parts = {"hr": [], "spline": [], "lowres": [], "starts": []}
        offset = 0
        todo = [c for c in clips if c.split == split]
        for clip in progress_bar(todo, desc=f"{split:5s} clips", disable=not progress or not todo):
            try:
                t = make_triplet(load_audio(clip.path, cfg.sr), r, cfg.lowpass)
            except ValueError as e:
                errors.append(f"{clip.path}: {e}" if str(clip.path) not in str(e) else str(e))
                continue
            n = len(t.hr)
            starts = (
                np.arange(0, n - L + 1, cfg.stride, dtype=np.int64)
                if n >= L
                else np.zeros(0, np.int64)
            )
            parts["hr"].append(t.hr)
            parts["spline"].append(t.spline)
            parts["lowres"].append(t.lowres)
            parts["starts"].append(starts + offset)
            rows.append(
                {
                    "split": split,
                    "group": clip.group,
                    "path": _rel(clip.path),
                    "offset": offset,
                    "length": n,
                    "patches": len(starts),
                }
            )
            offset += n
        for kind, chunks in parts.items():
            dtype = np.int64 if kind == "starts" else np.float32
            arrays[f"{split}_{_FILE.get(kind, kind)}"] = (
                np.concatenate(chunks).astype(dtype) if chunks else np.zeros(0, dtype)
            )
    if errors:
        raise DatasetError(
            f"{len(errors)} clip(s) of {cfg.dataset!r} cannot be used; fix or remove them and rerun:\n  "
            + "\n  ".join(errors)
        )
    counts = {
        s: {
            "clips": sum(1 for x in rows if x["split"] == s),
            "patches": int(len(arrays[f"{s}_starts"])),
            "seconds": float(len(arrays[f"{s}_hr"]) / cfg.sr),
        }
        for s in SPLITS
    }
    # (evaluation-only sets have no train split)
    if counts["train"]["clips"] and counts["train"]["patches"] == 0:
        raise DatasetError(
            f"{cfg.dataset!r}: no training patch of {L} samples; clips are shorter than the patch. "
            "Use a smaller patch_len or longer clips."
        )
    info = {
        "config": asdict(cfg),
        "counts": counts,
        "clips_digest": _clip_digest(clips),
        "format": CACHE_FORMAT,
        "audiosr": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        for name, a in arrays.items():
            np.save(tmp / f"{name}.npy", a)
        (tmp / "clips.csv").write_text(csv_text(rows))
        (tmp / "config.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return open_cache(folder)


def open_cache(folder: str | Path) -> PatchCache:
    """Open a cache folder written by `build_cache`."""
    folder = resolve(folder)
    meta = folder / "config.json"
    if not meta.is_file():
        raise DatasetError(
            f"{folder}: not a data cache (no config.json). Run notebooks/01_data first."
        )
    info = json.loads(meta.read_text())
    if info.get("format") != CACHE_FORMAT:
        raise DatasetError(
            f"{folder}: cache format {info.get('format')} != {CACHE_FORMAT}; rebuild it."
        )
    return PatchCache(folder, DataConfig(**info["config"]), info)


def find_cache(cfg: DataConfig, root: str | Path = CACHE) -> PatchCache:
    """The cache for `cfg` if 01_data already built it, else a clear error saying how to build it."""
    folder = cache_folder(cfg, select_clips(cfg), resolve(root))
    if not (folder / "config.json").is_file():
        raise DatasetError(
            f"no data cache for {cfg} at {folder}. Run notebooks/01_data.ipynb with the same "
            "parameters first (or audiosr.data.patches.build_cache)."
        )
    return open_cache(folder)
