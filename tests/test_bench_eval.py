"""The benchmark and the whole-file evaluation run end to end (numbers are printed, not asserted)."""
import math

from audiosr import bench
from audiosr.data import DataConfig, build_cache
from audiosr.evaluate import evaluate_run, summarize
from audiosr.model import ModelConfig
from audiosr.train import TrainConfig, train


def test_quick_benchmark_produces_every_column(tmp_path):
    assert bench.main(["--quick", "--no-gpu", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "results.md").read_text()
    for col in ("train_audio_s_per_s", "rtf_batch1", "gflop_per_audio_s"):
        assert col in md


def test_flops_scale_with_width():
    small = bench.flops_per_audio_second(ModelConfig(width=1 / 32, blocks=2))
    big = bench.flops_per_audio_second(ModelConfig(width=1 / 16, blocks=2))
    assert 2.5 < big / small < 4.5  # conv FLOPs grow with in x out channels


def test_evaluate_run_scores_every_clip_for_both_methods(piano_folder, tmp_path, monkeypatch):
    import audiosr.evaluate as ev

    cfg = DataConfig(dataset=str(piano_folder), ratio=2, patch_len=2048, stride=2048, max_clips=5)
    cache = build_cache(cfg, root=tmp_path / "cache", progress=False)
    monkeypatch.setattr(ev, "find_cache", lambda c: cache)
    train(cache, ModelConfig(ratio=2, blocks=2, width=1 / 16), TrainConfig(epochs=1, batch_size=4, lr=1e-3),
          tmp_path / "run", progress=False)
    rows = evaluate_run(tmp_path / "run", "test", device="cpu", progress=False)
    n_test = len(cache.clips("test"))
    assert len(rows) == 4 * n_test and (tmp_path / "run/eval-test.csv").is_file()
    summary = {r["method"]: r for r in summarize(rows)}
    assert summary["cubic spline"]["files"] == n_test and len(summary) == 4
    assert all(math.isfinite(r["SNR (dB)"]) and math.isfinite(r["LSD"]) for r in summary.values())
