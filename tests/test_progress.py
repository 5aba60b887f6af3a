"""Progress bars: drawn in place on a terminal, a line per stage in a log."""

import io

from audiosr.core.progress import bar, drawn_in_place


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _run(stream, n=2000):
    b = bar(range(n), file=stream, mininterval=0, desc="clips")
    for i in b:
        b.set_postfix(loss=f"{1 / (i + 1):.2e}")  # as the training loop does every step
    return stream.getvalue()


def test_a_log_gets_the_stage_and_its_end_not_a_stream_of_redraws():
    log = _run(io.StringIO())
    assert log.count("\r") <= 3 and log.endswith("\n")
    assert "2000/2000" in log.rsplit("\r", 1)[-1]


def test_a_terminal_still_sees_the_bar_move():
    assert _run(Terminal()).count("\r") > 100


def test_what_counts_as_drawn_in_place():
    assert drawn_in_place(Terminal()) and not drawn_in_place(io.StringIO())
    closed = io.StringIO()
    closed.close()
    assert not drawn_in_place(closed)


def test_in_a_notebook_a_bar_goes_with_the_prints_not_to_stderr(monkeypatch):
    """JupyterLab shows stderr as pink boxes, a bar's closing newline as an empty one."""
    import sys

    class KernelStream(io.StringIO):  # what ipykernel puts in sys.stdout / sys.stderr
        __module__ = "ipykernel.iostream"

    out, err = KernelStream(), KernelStream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    for _ in bar(range(50), desc="clips"):
        pass
    assert err.getvalue() == "" and "50/50" in out.getvalue().rsplit("\r", 1)[-1]
