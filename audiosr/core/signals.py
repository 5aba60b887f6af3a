"""Ending a command well: Ctrl-C, SIGTERM and a closed terminal end in one line on stderr and
exit code 130 / 143 / 129 instead of a traceback, and a stdout or stderr that cannot be written
(a closed pipe, a full disk, closed by the shell) stops the printing, not the work. At the bottom
of the package's imports: every command uses it, it uses nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading


class Stop:
    """How an `interruptible` block ended: `code` is 0, or 130 / 143 after Ctrl-C / SIGTERM."""

    code = 0
    signal: str | None = None


@contextlib.contextmanager
def interruptible(after: str = "finished outputs are kept; nothing partial was left"):
    """SIGTERM is handled as Ctrl-C: the work in progress is abandoned the same way (its
    temporary files removed by the writers' `finally`), and either ends in one line on stderr
    and exit code 130 / 143 (read `Stop.code` after the block) instead of a traceback."""
    stop = Stop()

    def terminate(signum, frame):
        stop.signal = "terminated" if signum == signal.SIGTERM else "hung up"
        raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    caught = (signal.SIGTERM, signal.SIGHUP)  # SIGHUP: the terminal was closed
    previous = {s: signal.signal(s, terminate) for s in caught} if main else {}
    try:
        yield stop
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):  # a closed terminal may take stderr with it
            print(f"{stop.signal or 'interrupted'}: stopped; {after}.", file=sys.stderr)
        stop.code = {"terminated": 143, "hung up": 129}.get(stop.signal, 130)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class _Tolerant:
    """stdout or stderr that goes quiet when it cannot be written: its reader gone (`audiosr
    upsample ... | head -2`), a full disk (`> /dev/full`), closed by the shell (`>&-`, which
    Python gives as None). The work goes on and every output is still written, instead of a
    traceback."""

    def __init__(self, stream, fd: int):
        self._stream, self._gone = stream if stream is not None else _null(fd), False

    def _guard(self, call, *args):
        if self._gone:
            return None
        try:
            return call(*args)
        except OSError:
            self._gone = True
            with contextlib.suppress(OSError, ValueError):  # no more writes at exit either
                os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
            return None

    def write(self, text):
        try:
            self._guard(self._stream.write, text)
        except UnicodeEncodeError:  # a file name that is not UTF-8: shown with a stand-in
            enc = getattr(self._stream, "encoding", None) or "utf-8"
            shown = text.encode(enc, "surrogateescape" if enc == "utf-8" else "replace")
            self._guard(self._stream.write, shown.decode(enc, "replace"))
        return len(text)

    def flush(self):
        self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _null(fd: int):
    """The null device in place of a stream the shell closed; it also takes the stream's file
    descriptor where that is free, or the next file opened (an output) would be given it and
    receive whatever is written there."""
    try:
        os.fstat(fd)
    except OSError:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    return open(os.devnull, "w")


def run(main, argv=None) -> int:
    """`main(argv)` under `interruptible`, its stdout and stderr tolerant of a closed pipe, a
    full disk or a closed stream (`_Tolerant`): what a module's `python -m` entry point calls."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tolerant(sys.stdout, 1), _Tolerant(sys.stderr, 2)
    try:
        with interruptible() as stop:
            return main(argv)
        return stop.code
    finally:
        sys.stdout, sys.stderr = streams
