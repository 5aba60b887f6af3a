"""Figures are written atomically in every format, and a rerun gives the same bytes."""
import matplotlib

matplotlib.use("Agg")

from audiosr.plots import loss_curves, save_figure  # noqa: E402


def test_save_figure_writes_each_format_reproducibly(tmp_path):
    hist = [{"epoch": e, "val_loss": 1.0 / e} for e in (1, 2, 3)]
    fig = loss_curves({"full model": hist, "no residual": hist[:2]})
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [3, 2]
    first = save_figure(fig, tmp_path / "a", "fig")
    second = save_figure(fig, tmp_path / "b", "fig")
    assert [p.name for p in first] == ["fig.png", "fig.svg", "fig.pdf"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 1000
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["fig.pdf", "fig.png", "fig.svg"]  # no temp files left
