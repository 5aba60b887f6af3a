"""The speech part of the embedded corpus: real voices that Debian packages ship, fetched,
selected and filtered by `packaged_speech`, decoded in parallel."""

from __future__ import annotations

import hashlib
import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from audiosr.data.corpus import packaged_speech as ps
from audiosr.data.corpus.render import in_part


def build_speech(folder: Path, packages, cache: Path, jobs: int, progress: bool) -> list[dict]:
    """Real voices: fetch, unpack and select each package's speech, decode in parallel."""
    from audiosr.core.progress import bar as progress_bar

    rows = []
    for pkg in packages:
        deb = ps.fetch(pkg.name, cache)
        version = ps.package_version(deb)
        with tempfile.TemporaryDirectory(dir=cache, prefix=f".{pkg.name}.") as tree:
            ps.unpack(deb, Path(tree))
            files = ps.speech_files(pkg, Path(tree))
            if not files:
                raise ps.PackageError(
                    f"{deb.name}: no speech files match {pkg.pattern!r}; has the package changed?"
                )
            todo, count = [], {}
            for rel, lang in files:
                voice = ps.voice_id(pkg, lang)
                j = count[voice] = count.get(voice, -1) + 1
                stem = "".join(
                    c if c.isalnum() or c in "-_" else "_" for c in Path(rel).name.split(".")[0]
                )
                todo.append(
                    {
                        "path": f"speech/{voice}/{voice}-{j:04d}-{stem}.wav",
                        "corpus": "speech",
                        "source": pkg.name,
                        "version": version,
                        "group": voice,
                        "language": lang,
                        "split": "-",
                        "license": pkg.license,
                        "text": rel,
                    }
                )
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                results = list(
                    progress_bar(
                        pool.map(
                            ps.process,
                            [str(Path(tree) / j["text"]) for j in todo],
                            [str(in_part(folder, j["path"])) for j in todo],
                            chunksize=16,
                        ),
                        total=len(todo),
                        desc=pkg.name,
                        unit="file",
                        disable=not progress,
                    )
                )
        for job, res in zip(todo, results):
            row = {
                **job,
                "excluded": res["excluded"],
                "hf_4k": f"{res.get('hf_4k', 0):.6f}",
                "bandwidth_hz": f"{res.get('bandwidth_hz', 0):.0f}",
                "duration_s": f"{res.get('duration_s', 0):.3f}",
                "sha256": "",
            }
            if res["excluded"]:
                row["path"] = ""
                if res["excluded"].startswith("unreadable"):
                    ps.warn(f"skipped {pkg.name}:{job['text']}: {res['excluded']}")
            else:
                row["sha256"] = hashlib.sha256(
                    in_part(folder, job["path"]).read_bytes()
                ).hexdigest()
            rows.append(row)
    ps.assign_splits(rows)
    return rows
