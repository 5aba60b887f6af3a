"""Players must accept every rate the pipeline produces (LR at r = 6 is 2666.67 Hz)."""

import io

import numpy as np
import pytest
import soundfile as sf

from audiosr.listening import listen


@pytest.mark.parametrize("r", [2, 4, 6])
def test_low_res_clips_become_playable_wav_of_the_same_duration(r):
    sr = 16000 / r
    x = np.sin(2 * np.pi * 440 * np.arange(int(sr)) / sr).astype(np.float32)
    y, y_sr = sf.read(io.BytesIO(listen.wav_bytes(x, sr)))
    assert y_sr >= listen.MIN_PLAYABLE_SR and float(y_sr).is_integer()
    assert abs(len(y) / y_sr - len(x) / sr) < 1e-3
    assert np.max(np.abs(y)) <= 1.0


def test_loud_input_is_scaled_not_clipped():
    y, _ = sf.read(io.BytesIO(listen.wav_bytes(np.array([0.0, 2.0, -4.0] * 100), 16000)))
    assert np.isclose(np.max(np.abs(y)), 1.0, atol=1e-3) and np.isclose(y[1], 0.5, atol=1e-3)


def test_comparison_panel_matches_loudness_and_switches_clip(piano_folder, tmp_path):
    import soundfile as sf

    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.evaluation.baselines import all_baselines
    from audiosr.listening.listen import ComparisonPanel
    from audiosr.listening.loudness import loudness

    cache = build_cache(
        DataConfig(dataset=str(piano_folder), ratio=4, patch_len=2048, stride=2048, max_clips=3),
        root=tmp_path / "cache",
        progress=False,
    )
    panel = ComparisonPanel({4: (cache, all_baselines(4))})
    labels = [c["label"] for c in panel.cells]
    assert labels[0] == "high-res" and labels[1].startswith("low-res") and "cubic spline" in labels
    levels = [loudness(*sf.read(io.BytesIO(c["wav"]))) for c in panel.cells]
    assert max(levels) - min(levels) < 0.2  # every version equally loud
    assert panel.cells[2]["score"].startswith("SNR") and panel.cells[0]["score"] == ""
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].count("<audio") == len(labels) and bundle["text/html"].count(
        "<img"
    ) == len(labels)
    first = panel.title
    panel.clip.value = 1  # switching clip re-renders without re-running anything
    assert panel.title != first and len(panel.row.children) == len(labels)


def test_the_panel_opens_on_a_clip_of_a_few_seconds():
    from audiosr.listening.listen import default_clip

    sr = 16000
    clips = [{"length": int(s * sr)} for s in (1.0, 12.0, 3.5, 5.0, 0.5)]
    assert default_clip(clips, sr) == 2  # closest to 4 s among those >= 2 s
    assert default_clip([{"length": 8000}, {"length": 24000}], sr) == 1  # all short: the longest


def _screenshot_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "screenshot-panel.py"
    spec = importlib.util.spec_from_file_location("screenshot_panel", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screenshot_scripts_cell_shows_the_panel(piano_folder):
    """The cell the screenshot script runs in JupyterLab builds the panel (here on a fixture
    folder; the script uses the VCTK sample): every baseline and the shipped model, both ratios."""
    cell = _screenshot_script().panel_cell((2, 4), str(piano_folder), max_clips=4)
    scope = {}
    exec(cell, scope)
    panel = scope["panel"]
    assert isinstance(panel, listen.ComparisonPanel)
    assert list(panel.ratio.options) == [2, 4]
    labels = [c["label"] for c in panel.cells]
    assert labels[0] == "high-res" and "shipped model" in labels and len(labels) >= 5
    panel.ratio.value = 4
    assert "frame model" in [c["label"] for c in panel.cells]  # the frame model ships at r = 4


def test_the_screenshot_script_says_what_it_needs(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "playwright", None)  # as where it is not installed
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    monkeypatch.setattr(sys, "argv", ["screenshot-panel.py"])
    assert _screenshot_script().main() == 2
    assert "needs playwright" in capsys.readouterr().err
