"""Figures are written atomically in every format, and a rerun gives the same bytes."""

import matplotlib

matplotlib.use("Agg")

from audiosr.listening.plots import loss_curves, save_figure  # noqa: E402


def test_save_figure_writes_each_format_reproducibly(tmp_path):
    hist = [{"epoch": e, "val_loss": 1.0 / e} for e in (1, 2, 3)]
    fig = loss_curves({"full model": hist, "no residual": hist[:2]})
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [3, 2]
    first = save_figure(fig, tmp_path / "a", "fig")
    second = save_figure(fig, tmp_path / "b", "fig")
    assert [p.name for p in first] == ["fig.png", "fig.svg", "fig.pdf"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 1000
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "fig.pdf",
        "fig.png",
        "fig.svg",
    ]  # no temp files left


def _file_row(epoch, gain, **more):
    """A history row's whole-file columns: SNR `gain` dB over a 14 dB spline, LSD half its 10."""
    return {
        "epoch": epoch,
        "val_file_snr": 14 + gain,
        "spline_file_snr": 14.0,
        "val_file_lsd": 5.0,
        "spline_file_lsd": 10.0,
        **more,
    }


def test_file_validation_curves_mark_the_best_epoch():
    from audiosr.listening.plots import file_validation_curves

    h = [_file_row(e, g) for e, g in enumerate([0.1, 0.5, 0.3], 1)]
    # a row without file scores is skipped
    fig = file_validation_curves({"a": h, "b": h[:2] + [{"epoch": 3}]})
    gain = fig.axes[0]
    stars = [ln for ln in gain.lines if ln.get_marker() == "*"]
    assert [tuple(s.get_xdata()) for s in stars] == [(2,), (2,)]
    assert list(fig.axes[1].lines[0].get_ydata()) == [0.5, 0.5, 0.5]


def test_file_validation_curves_star_the_epoch_the_selection_keeps():
    from audiosr.listening.plots import file_validation_curves

    h = [  # epoch 3 below the spline's SNR
        _file_row(e, g, val_file_visqol=v, spline_file_visqol=3.0)
        for e, g, v in zip((1, 2, 3), (0.5, 0.1, -0.1), (3.2, 3.5, 3.9))
    ]
    fig = file_validation_curves({"a": h}, select="visqol")
    assert len(fig.axes) == 3
    stars = [ln for ax in fig.axes for ln in ax.lines if ln.get_marker() == "*"]
    assert {tuple(s.get_xdata()) for s in stars} == {(2,)} and len(stars) == 3
