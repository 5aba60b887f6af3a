"""What every part of the embedded corpus shares: a job per clip, rendering jobs in parallel,
measuring what was rendered, running the external tools and recording their versions."""

from __future__ import annotations

import hashlib
import multiprocessing
import subprocess
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy
import soundfile as sf

from audiosr.core.dsp import band_energy_fraction, bandwidth_hz


class CorpusError(RuntimeError):
    """The corpus cannot be built here; the message says what to install or use instead."""


def run_tool(cmd: list[str]) -> None:
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    except FileNotFoundError:
        raise CorpusError(
            f"`{cmd[0]}` is not installed: run `bash scripts/install-system-deps.sh` "
            "(or `make setup`)."
        ) from None
    except subprocess.CalledProcessError as e:
        raise CorpusError(
            f"{' '.join(cmd[:4])} ... failed: {e.stderr.decode(errors='replace')[-400:]}"
        ) from None


def tool_version(cmd) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return " ".join((out.stdout + out.stderr).split("\n")[:2]).strip()
    except FileNotFoundError:
        return "missing"


def tool_versions(tools: dict | None = None) -> dict:
    """Versions that determine a part's bytes: the libraries every part uses, then the part's own
    `tools`. In its recipe, so an upgrade triggers a rebuild."""
    return {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "libsndfile": sf.__libsndfile_version__,
        **(tools or {}),
    }


@dataclass(frozen=True)
class Job:
    """One clip to render: the manifest fields known before rendering (read as `job[key]`), and
    how to render it (`render(out)`; picklable, as a piano job renders in another process)."""

    fields: dict
    render: Callable[[Path], None]

    def __getitem__(self, key: str):
        return self.fields[key]


def in_part(folder: Path, path: str) -> Path:
    """Where a manifest path (`<part>/...`, relative to the corpus root) lies while `folder`
    holds the part under its temporary name."""
    return Path(folder) / path.split("/", 1)[1]


def _render_job(job: Job, folder: str) -> None:
    out = in_part(folder, job["path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    job.render(out)


MANIFEST_COLUMNS = (
    "path",
    "corpus",
    "source",
    "version",
    "group",
    "language",
    "duration_s",
    "split_single",
    "split_multi",
    "split",
    "hf_4k",
    "bandwidth_hz",
    "license",
    "text",
    "sha256",
    "excluded",
)


def measure(folder: Path, job: Job, version: str) -> dict:
    """A manifest row for a rendered clip: the job's fields plus what the file measures."""
    path = in_part(folder, job["path"])
    x, sr = sf.read(str(path), dtype="float32")
    return {
        **job.fields,
        "version": version,
        "duration_s": f"{len(x) / sr:.3f}",
        "hf_4k": f"{band_energy_fraction(x, sr):.6f}",
        "bandwidth_hz": f"{bandwidth_hz(x, sr):.0f}",
        "excluded": "",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def render_jobs(
    todo: list[Job], folder: Path, jobs: int, progress: bool, desc: str, processes: bool = False
) -> None:
    """Render every job into `folder`: in `processes` where rendering is Python-bound (piano:
    music21 parsing), else in threads (synthetic voices: each clip is a synthesiser subprocess)."""
    from audiosr.core.progress import bar as progress_bar

    bar = progress_bar(total=len(todo), desc=desc, unit="clip", disable=not progress)
    # "spawn", not fork: forking while threads run subprocesses can deadlock the children
    pool = (
        ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))
        if processes
        else ThreadPoolExecutor(jobs)
    )
    with pool:
        futures = [pool.submit(_render_job, j, str(folder)) for j in todo]
        for f in as_completed(futures):
            f.result()
            bar.update()
    bar.close()
