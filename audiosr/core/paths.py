"""Where things live, and how files are written so that none is ever half-written.

Every path a notebook takes as a parameter is resolved against the project root, so the
notebooks behave the same under JupyterLab (cwd = notebooks/), papermill and nbval. The root is
the checkout the working folder is in, not the one the package was installed from: a second
clone sharing a virtual environment writes into itself.

Real recordings fetched from public repositories (VCTK, LibriSpeech, ...) live outside the
project, in a shared folder (`shared()`), so they are never copied into or committed with it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path


def is_checkout(folder: Path) -> bool:
    """Whether `folder` holds a checkout of this project (its package beside its pyproject)."""
    return (folder / "audiosr" / "__init__.py").is_file() and (folder / "pyproject.toml").is_file()


def project_root() -> Path:
    """Where data, runs, results and figures go: $AUDIOSR_ROOT, else the checkout the working
    folder is in, else the checkout the package was loaded from (an editable install used from
    elsewhere), else the working folder itself."""
    if os.environ.get("AUDIOSR_ROOT"):
        return Path(os.environ["AUDIOSR_ROOT"]).expanduser().resolve()
    here = Path.cwd().resolve()
    installed_from = Path(__file__).resolve().parents[2]
    return next((f for f in (here, *here.parents, installed_from) if is_checkout(f)), here)


ROOT = project_root()
DATA = ROOT / "data"
EMBEDDED = DATA / "embedded"
PACKAGE_CACHE = DATA / "packages"  # Debian packages the embedded corpus is made from
CACHE = DATA / "cache"
RUNS = ROOT / "runs"
RESULTS = ROOT / "results"
FIGURES = ROOT / "figures"


def shared() -> Path:
    """The shared data folder: $AUDIOSR_SHARED, else `shared/` beside the checkout.

    Read on every call, so code that must follow a changed $AUDIOSR_SHARED (tests) calls this
    rather than using the SHARED constant, which is fixed at import.
    """
    return Path(os.environ.get("AUDIOSR_SHARED") or ROOT.parent / "shared").expanduser()


SHARED = shared()
VCTK_SAMPLE = SHARED / "vctk-sample"


def resolve(path: str | os.PathLike) -> Path:
    """An absolute path as given, a relative one taken from the repository root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else ROOT / p


# Temporaries are named .audiosr-partial-<pid>@<host>-<final name>.<random>.tmp: recognisable
# (folder mode never reads them as inputs), and stale once their process is gone.
PARTIAL = ".audiosr-partial-"
_OWNER = re.compile(re.escape(PARTIAL) + r"(\d+)@([\w.]*)-")


def _host() -> str:
    return re.sub(r"[^\w.]", "_", socket.gethostname())


def is_partial(name: str) -> bool:
    """Whether `name` is one of our temporaries (or one of the older `.NAME.*.tmp` ones)."""
    return name.startswith(PARTIAL) or (name.startswith(".") and name.endswith(".tmp"))


def clean_partials(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporaries in `folder` that a killed process of this machine left behind
    (SIGKILL, power loss: no `finally` ran); those of running processes are kept. Returns
    what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            owner = _OWNER.match(entry.name)
            if owner and owner[2] == _host() and not _alive(int(owner[1])):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class WriteError(OSError):
    """A file or folder that could not be written (a full disk, a read-only folder, no
    permission), named with the system's reason in one line. An OSError, so that every command
    reporting those reports it."""

    def __str__(self) -> str:
        return f"{self.filename}: could not be written ({self.strerror}); nothing partial was left."


# A failed write: a full disk or quota, a file too large, a read-only or refused folder, a
# device error. Other errors of a block (a missing tool, an input it cannot read) are its own.
_WRITE_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EIO,
}


def _failed_write(e: OSError, tmp: Path) -> bool:
    """Whether `e`, raised while `atomic_path` wrote `tmp`, is that write failing."""
    name = e.filename  # None for a write to an open file
    about_tmp = not isinstance(name, (str, bytes)) or Path(os.fsdecode(name)).is_relative_to(tmp)
    return about_tmp and e.errno in _WRITE_ERRNOS


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike, suffix: str = "", replace: bool = True):
    """Yield a temporary path beside `final`; move it onto `final` only if the block succeeds.

    A crash or Ctrl-C inside the block leaves `final` untouched (old content or absent), and
    removes the temporary; one left by a killed process is found by `clean_partials`.
    Works for files and directories alike; a folder is replaced only by a folder (a file
    output given a folder's name is refused, `replace` or not). With `replace=False` an
    existing file is never replaced (FileExistsError before the block runs), nor one that
    appeared at `final` while the block ran (another process, the same output named twice):
    the result is linked into place, which fails if the name exists.

    A failed write (full disk, read-only folder, no permission) is a WriteError naming `final`,
    or the folder that could not be made. Libraries' writers fail in ways of their own (torch's
    may abort the process, safetensors' raises its own error): serialise into memory and write
    the bytes in the block, so that every failure is the system's, and caught here.
    """
    final = Path(final)
    if not replace and final.exists():
        raise FileExistsError(f"{final}: exists; pass --force to replace it.")
    if suffix and _is_folder(final):  # a file is coming: never delete a folder for it
        raise FileExistsError(_FOLDER.format(final))
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a read-only disk, a file in the way: name the folder
        raise WriteError(e.errno, e.strerror, os.fsdecode(e.filename or final.parent)) from None
    prefix = f"{PARTIAL}{os.getpid()}@{_host()}-{final.name[:100]}."
    try:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=final.parent))
    except OSError as e:  # a read-only folder, a full disk: say which file could not be written
        raise WriteError(e.errno, e.strerror, str(final)) from None
    target = tmp / ("payload" + suffix)
    try:
        yield target
        if target.is_file():  # some writers create 0600 files; give the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(target, 0o666 & ~umask)
        if not replace and target.is_file():
            _link_new(target, final)
            return
        if _is_folder(final):
            if not target.is_dir():  # a folder appeared where a file goes
                raise FileExistsError(_FOLDER.format(final))
            shutil.rmtree(final)  # a folder replaces a folder (a data cache rebuilt)
        os.replace(target, final)
    except OSError as e:
        if _failed_write(e, tmp):
            raise WriteError(e.errno, e.strerror, str(final)) from None
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_FOLDER = "{}: a folder has this name; --force replaces files, never folders."


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _link_new(source: Path, final: Path) -> None:
    """Give `source` the name `final` only if nothing has it yet (atomic on POSIX filesystems)."""
    try:
        os.link(source, final)
    except FileExistsError:
        raise FileExistsError(
            f"{final}: appeared while this was being written; left as it is. "
            "Pass --force to replace it."
        ) from None
    except OSError:  # a filesystem without hard links: claim the name exclusively, then fill it
        fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
        os.replace(source, final)


def json_text(obj) -> str:
    """JSON as the project writes it: pretty, sorted keys, so diffs stay readable."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n"


def write_json(path: str | os.PathLike, obj) -> Path:
    """Write JSON atomically."""
    with atomic_path(path, ".json") as tmp:
        tmp.write_text(json_text(obj))
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write a text file atomically."""
    with atomic_path(path, Path(path).suffix) as tmp:
        tmp.write_text(text)
    return Path(path)
