"""LibriSpeech as distributed (subset folders beside SPEAKERS.TXT), split by speaker: its
`test-*` and `dev-*` subsets as LibriSpeech intends, held-out speakers of the others balanced by
sex as it balances its own."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from audiosr.data.splits import Clip, DatasetError, natural_key

# LibriSpeech train-* subsets: the last 10 speakers (5 F, 5 M) test, the 4 before them val.
LIBRI_TEST_SPEAKERS = 10
LIBRI_VAL_SPEAKERS = 4


@dataclass(frozen=True)
class Reader:
    """One row of LibriSpeech's SPEAKERS.TXT (a LibriVox reader)."""

    id: str
    sex: str  # F or M
    subset: str  # e.g. train-clean-100
    minutes: float
    name: str


def read_speakers(path: Path) -> dict[str, Reader]:
    """Parse SPEAKERS.TXT: `;` comment lines, then rows `ID | SEX | SUBSET | MINUTES | NAME`.

    A row is split at its first four bars only: some reader names contain `|` (reader 60).
    """
    readers = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        cols = [c.strip() for c in line.split("|", 4)]
        try:
            if len(cols) != 5 or cols[1] not in ("F", "M"):
                raise ValueError
            readers[cols[0]] = Reader(cols[0], cols[1], cols[2], float(cols[3]), cols[4])
        except ValueError:
            raise DatasetError(
                f"{path}:{n}: expected 'ID | SEX | SUBSET | MINUTES | NAME', got {line.strip()!r}."
            ) from None
    return readers


def _is_librispeech_subset(folder: Path) -> bool:
    return any(
        p.name.startswith(f"{p.parent.parent.name}-{p.parent.name}-")
        for p in folder.glob("*/*/*.flac")
    )


def find_librispeech(root: Path) -> list[Path] | None:
    """The subset folders of a LibriSpeech tree, or None.

    Accepts one subset folder (`<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac`),
    the `LibriSpeech/` folder holding subsets, or the folder its archives were unpacked in.
    """
    if _is_librispeech_subset(root):
        return [root]
    for base in (root, root / "LibriSpeech"):
        if base.is_dir():
            subsets = [d for d in base.iterdir() if d.is_dir() and _is_librispeech_subset(d)]
            if subsets:
                return sorted(subsets, key=lambda d: d.name)
    return None


def _speakers_file(subset: Path) -> Path:
    for f in (
        subset.parent / "SPEAKERS.TXT",
        subset.parent / f"SPEAKERS-{subset.name}.TXT",
        subset / "SPEAKERS.TXT",
    ):
        if f.is_file():
            return f
    raise DatasetError(
        f"{subset}: no SPEAKERS.TXT beside it; LibriSpeech's speaker list is needed "
        "for its split (keep the one from the official archive)."
    )


def _subset_speakers(subset: Path) -> dict[str, list[Path]]:
    """Speaker -> utterances; a .flac outside `<speaker>/<chapter>/<speaker>-<chapter>-*` is ignored
    with a warning, any other file (transcripts, READMEs) silently."""
    speakers, stray = {}, []
    for p in sorted(subset.rglob("*.flac"), key=lambda p: natural_key(str(p))):
        parts = p.relative_to(subset).parts
        if len(parts) == 3 and p.name.startswith(f"{parts[0]}-{parts[1]}-"):
            speakers.setdefault(parts[0], []).append(p)
        else:
            stray.append(p)
    if stray:
        warnings.warn(
            f"{subset}: ignored {len(stray)} .flac file(s) outside <speaker>/<chapter>/"
            f"<speaker>-<chapter>-*.flac, e.g. {stray[0]}",
            stacklevel=3,
        )
    return speakers


def hold_out(ids: list[str], sex: dict[str, str], n: int) -> list[str]:
    """The last `n` of `ids`, half F (n // 2) and half M, as LibriSpeech balances its dev and
    test speakers; topped up from the end of `ids` if one sex runs short."""
    quota = {"F": n // 2, "M": n - n // 2}
    picked = []
    for s in reversed(ids):
        if quota.get(sex[s], 0) > 0:
            quota[sex[s]] -= 1
            picked.append(s)
    return picked + [s for s in reversed(ids) if s not in picked][: n - len(picked)]


def librispeech_clips(
    root: Path, n_test: int = LIBRI_TEST_SPEAKERS, n_val: int = LIBRI_VAL_SPEAKERS
) -> list[Clip]:
    """Clips of LibriSpeech as distributed (see `find_librispeech`), split by speaker.

    Speakers come from SPEAKERS.TXT beside the subset folders (SPEAKERS-<subset>.TXT also
    accepted); without it, or with a speaker it does not list, DatasetError: its SEX column
    balances the held-out speakers, so the split is the same for everyone.

    Args:
        root: a subset folder, the `LibriSpeech/` folder, or the folder holding `LibriSpeech/`.
        n_test: speakers held out as test from the train-* subsets when no test-* subset is loaded.
        n_val: speakers held out as val from the train-* subsets when no dev-* subset is loaded.

    Splits, by subset name as LibriSpeech intends: every clip of a `test-*` subset is test, of a
    `dev-*` subset val (never trained on). Speakers of the other subsets, in natural order: the
    last `n_test` (half F, half M, see `hold_out`) test, the last `n_val` of the others val, the
    rest train. The task (single / multi) is not used: LibriSpeech is always split by speaker.
    """
    subsets = find_librispeech(root)
    if subsets is None:
        raise DatasetError(
            f"{root}: no LibriSpeech layout (<subset>/<speaker>/<chapter>/*.flac) found."
        )
    role = {
        d: "test" if d.name.startswith("test") else "val" if d.name.startswith("dev") else "train"
        for d in subsets
    }
    files, split_of, sex = {}, {}, {}
    for d in subsets:
        speakers = _subset_speakers(d)
        readers = read_speakers(_speakers_file(d))
        unknown = [s for s in speakers if s not in readers]
        if unknown:
            raise DatasetError(f"{d}: speaker(s) {', '.join(unknown[:3])} not in its SPEAKERS.TXT.")
        for s, utts in speakers.items():
            if split_of.setdefault(s, role[d]) != role[d]:
                raise DatasetError(
                    f"speaker {s} is in {d.name} and in a {split_of[s]} subset: "
                    "it would be in two splits."
                )
            files.setdefault(s, []).extend(utts)
            sex[s] = readers[s].sex
    ids = sorted((s for s in split_of if split_of[s] == "train"), key=natural_key)
    held = {r: n for r, n in (("test", n_test), ("val", n_val)) if r not in role.values()}
    if ids and len(ids) <= sum(held.values()):
        raise DatasetError(
            f"{root}: {len(ids)} training speakers; holding out "
            f"{' + '.join(f'{n} {r}' for r, n in held.items())} needs more."
        )
    for r, n in held.items():
        for s in hold_out(ids, sex, n):
            split_of[s] = r
        ids = [s for s in ids if split_of[s] == "train"]
    return [Clip(p, s, split_of[s]) for s in sorted(files, key=natural_key) for p in files[s]]
