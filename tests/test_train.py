"""Training: resume is exact, nothing is overwritten, bad checkpoints and bad settings are refused.

Runs that tests only read (or copy before changing) are trained once per module."""

import math
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers import piano_pieces

import audiosr.training.train as train_mod
from audiosr.data.patches import DataConfig, build_cache
from audiosr.networks.checkpoint import CheckpointError, load_checkpoint, load_model_file
from audiosr.networks.config import ModelConfig
from audiosr.training.config import TrainConfig
from audiosr.training.train import TrainingError, train

# code variant: dropout uses the RNG
TINY = ModelConfig(ratio=4, blocks=2, width=1 / 16, variant="code2019")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    folder = piano_pieces(root / "piano")
    cfg = DataConfig(dataset=str(folder), ratio=4, patch_len=2048, stride=2048, max_clips=6)
    return build_cache(cfg, root=root / "cache", progress=False)


def _cfg(epochs, **kw):
    return TrainConfig(
        **{"epochs": epochs, "batch_size": 4, "lr": 1e-3, "seed": 3, "device": "cpu", **kw}
    )


def _losses(history):
    return [(h["epoch"], h["train_loss"], h["val_loss"], h["val_snr"]) for h in history]


@pytest.fixture(scope="module")
def killed(cache, tmp_path_factory):
    """Run a: 3 epochs straight. Run b: killed after epoch 2 (its checkpoint then is `before`),
    then resumed to epoch 3."""
    root = tmp_path_factory.mktemp("killed")
    straight = train(cache, TINY, _cfg(3), root / "a", progress=False)
    train(cache, TINY, _cfg(2), root / "b", progress=False)  # killed after epoch 2
    before = load_checkpoint(root / "b/checkpoint.pt")
    resumed = train(cache, TINY, _cfg(3), root / "b", resume=True, progress=False)
    return SimpleNamespace(root=root, straight=straight, before=before, resumed=resumed)


@pytest.fixture(scope="module")
def one_epoch_run(cache, tmp_path_factory):
    """A finished one-epoch run of TINY, for tests to copy (`one_epoch`), never to change."""
    run = tmp_path_factory.mktemp("one-epoch") / "run"
    train(cache, TINY, _cfg(1), run, progress=False)
    return run


@pytest.fixture
def one_epoch(one_epoch_run, tmp_path):
    """This test's own copy of the one-epoch run."""
    return shutil.copytree(one_epoch_run, tmp_path / "run")


def test_resume_after_a_kill_matches_a_straight_run(killed):
    assert _losses(killed.resumed) == _losses(killed.straight)
    a, b = (load_checkpoint(killed.root / p / "checkpoint.pt") for p in ("a", "b"))
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=0, atol=0)
    assert (killed.root / "b/history.csv").read_text().count("\n") == 4  # header + 3 epochs


def test_a_resumed_run_goes_on_learning(killed):
    """Exact resume alone would pass with an optimizer that never steps: the weights must move
    in the resumed epoch, and the optimizer's state must come back, not start afresh."""
    before = killed.before
    after = load_checkpoint(killed.root / "b/checkpoint.pt")
    moved = [k for k in before["model"] if not torch.equal(before["model"][k], after["model"][k])]
    assert len(moved) > len(before["model"]) // 2
    steps = lambda s: max(v["step"] for v in s["optimizer"]["state"].values())
    assert steps(after) > steps(before) > 0  # Adam's step count carried on


def test_the_training_loop_teaches_audiounet_to_beat_the_spline(cache, tmp_path):
    """The shared loop (not a loop of the test's own) lowers AudioUNet's validation loss below
    the spline's, where the untrained paper variant starts (its output convolution is zero)."""
    spline, hr = train_mod.load_patches(cache, "val", torch.device("cpu"))
    spline_loss = torch.nn.functional.mse_loss(spline, hr).item()
    net = ModelConfig(ratio=4, blocks=2, width=1 / 16)
    history = train(cache, net, _cfg(4, lr=3e-3), tmp_path / "run", progress=False)
    assert history[-1]["val_loss"] < 0.8 * spline_loss
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_a_run_is_never_overwritten(cache, one_epoch):
    with pytest.raises(FileExistsError, match="resume=True"):
        train(cache, TINY, _cfg(1), one_epoch, progress=False)


def test_bad_checkpoints_and_settings_are_refused(cache, one_epoch, tmp_path):
    with pytest.raises(TrainingError, match="ratio 4"):
        train(
            cache,
            ModelConfig(ratio=2, blocks=2, width=1 / 16),
            _cfg(1),
            tmp_path / "r",
            progress=False,
        )
    with pytest.raises(CheckpointError, match="another model"):
        train(
            cache,
            ModelConfig(ratio=4, blocks=3, width=1 / 16),
            _cfg(2),
            one_epoch,
            resume=True,
            progress=False,
        )
    with pytest.raises(CheckpointError, match="ratio 4, asked for ratio 6"):
        load_model_file(one_epoch / "checkpoint.pt", ratio=6)
    assert load_model_file(one_epoch / "checkpoint.pt", ratio=4).config == TINY
    bad = tmp_path / "corrupt.pt"
    bad.write_bytes((one_epoch / "checkpoint.pt").read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(bad)


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(cache, one_epoch, monkeypatch):
    before = (one_epoch / "checkpoint.pt").read_bytes()
    nan_mse = lambda a, b, **kw: torch.nn.functional.mse_loss(a, b, **kw) * float("nan")
    monkeypatch.setattr(train_mod, "objective", lambda cfg, kind="mse", *a: nan_mse)
    with pytest.raises(TrainingError, match="loss became nan at epoch 2"):
        train(cache, TINY, _cfg(2), one_epoch, resume=True, progress=False)
    assert (one_epoch / "checkpoint.pt").read_bytes() == before
    assert load_checkpoint(one_epoch / "checkpoint.pt")["epoch"] == 1


@pytest.mark.slow
def test_torchrun_two_processes_train_with_ddp_on_cpu(cache, tmp_path):
    """The documented multi-GPU route (torchrun + DistributedDataParallel), here with gloo on CPU."""
    import subprocess
    import sys

    import yaml

    params = tmp_path / "p.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                **{
                    k: getattr(cache.config, k)
                    for k in (
                        "dataset",
                        "task",
                        "ratio",
                        "patch_len",
                        "stride",
                        "lowpass",
                        "max_clips",
                    )
                },
                "cache_root": str(cache.folder.parent),
                "blocks": 2,
                "width": 1 / 16,
                "epochs": 2,
                "batch_size": 4,
                "lr": 1e-3,
                "device": "cpu",
                "threads": 1,
            }
        )
    )
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "-m",
        "audiosr.training.train",
        "-f",
        str(params),
        "--run-dir",
        str(tmp_path / "ddp"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    state = load_checkpoint(tmp_path / "ddp/checkpoint.pt")
    assert state["epoch"] == 2 and len(state["history"]) == 2


def test_learning_rate_warms_up_then_follows_the_schedule():
    cosine = TrainConfig(lr=1e-3, schedule="cosine", warmup_steps=10)
    lrs = [train_mod.learning_rate(cosine, s, 110) for s in range(110)]
    assert lrs[0] == pytest.approx(1e-4) and lrs[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:]))  # decays monotonically after warm-up
    assert lrs[-1] < 1e-6
    assert train_mod.learning_rate(TrainConfig(lr=1e-3), 100, 110) == 1e-3
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="step")


def test_cosine_run_resumes_exactly_and_keeps_the_best_epoch_on_whole_files(cache, tmp_path):
    from audiosr.inference.shipped import ship

    cfg = _cfg(3, schedule="cosine", warmup_steps=2, file_val=3)
    straight = train(cache, TINY, cfg, tmp_path / "a", progress=False)
    train(
        cache,
        TINY,
        TrainConfig(**{**cfg.__dict__, "max_minutes": 0}),
        tmp_path / "b",
        progress=False,
    )
    assert len(load_checkpoint(tmp_path / "b/checkpoint.pt")["history"]) == 1  # stopped early
    resumed = train(cache, TINY, cfg, tmp_path / "b", resume=True, progress=False)
    key = lambda h: [(r["lr"], r["train_loss"], r["val_file_snr"]) for r in h]
    assert key(resumed) == key(straight)
    assert resumed[-1]["lr"] < resumed[0]["lr"]
    best = max(straight, key=lambda r: r["val_file_snr"])
    kept = load_checkpoint(tmp_path / "a/best.pt")
    assert (
        kept["epoch"] == best["epoch"]
        and kept["history"][0]["val_file_snr"] == best["val_file_snr"]
    )
    assert {"spline_file_snr", "spline_file_lsd", "val_file_lsd"} <= set(best)
    out = ship(tmp_path / "a", tmp_path / "m.safetensors")
    shipped = load_model_file(out)  # .safetensors: read by the same loader
    for k, v in shipped.state_dict().items():
        torch.testing.assert_close(v, kept["model"][k], rtol=0, atol=0)


def test_runs_from_before_the_upsample_option_still_resume(cache, tmp_path):
    run = tmp_path / "old"
    cfg = ModelConfig(ratio=4, blocks=2, width=1 / 16)
    train(cache, cfg, _cfg(1), run, progress=False)
    state = load_checkpoint(run / "checkpoint.pt")
    del state["model_config"]["upsample"]  # written before the option existed
    torch.save(state, run / "checkpoint.pt")
    history = train(cache, cfg, _cfg(2), run, resume=True, progress=False)
    assert [h["epoch"] for h in history] == [1, 2]
    with pytest.raises(CheckpointError, match="upsample"):
        train(
            cache,
            ModelConfig(ratio=4, blocks=2, width=1 / 16, upsample="resize"),
            _cfg(3),
            run,
            resume=True,
            progress=False,
        )


def test_objectives_by_hand():
    from audiosr.networks.losses import objective

    ref = torch.zeros(2, 1, 4)
    est = torch.tensor([[[3.0, 4.0, 0.0, 0.0]], [[1.0, 1.0, 1.0, 1.0]]])  # errors: norms 5 and 2
    cfg = ModelConfig()
    assert objective(cfg, "mse")(est, ref).item() == pytest.approx((25 + 4) / 8)
    # mean per-example L2 norm
    assert objective(cfg, "paper")(est, ref).item() == pytest.approx((5 + 2) / 2)
    rmse = ((25 / 4 + 1e-6) ** 0.5 + (4 / 4 + 1e-6) ** 0.5) / 2  # mean per-example RMSE
    assert objective(cfg, "rmse")(est, ref).item() == pytest.approx(rmse)
    # a silent patch predicted exactly keeps a finite gradient under the code's guard
    x = torch.zeros(1, 1, 8, requires_grad=True)
    objective(cfg, "rmse")(x, torch.zeros(1, 1, 8)).backward()
    assert torch.isfinite(x.grad).all()
    with pytest.raises(ValueError, match="objective"):
        TrainConfig(objective="l1")


def test_the_objective_names_the_run_and_a_resume_keeps_it(cache, tmp_path):
    from audiosr.training.runs import default_run_dir

    assert default_run_dir(cache, TINY, tmp_path).name.endswith("-w0.0625")
    assert default_run_dir(cache, TINY, tmp_path, "paper").name.endswith("-w0.0625-paper-loss")
    history = train(cache, TINY, _cfg(1, objective="rmse"), tmp_path / "run", progress=False)
    assert history[0]["train_loss"] > 0
    with pytest.raises(CheckpointError, match="objective='rmse'"):
        train(cache, TINY, _cfg(2), tmp_path / "run", resume=True, progress=False)


def test_a_diverged_run_stops_with_an_error_and_keeps_the_last_good_checkpoint(
    cache, one_epoch, monkeypatch, capsys
):
    good = load_checkpoint(one_epoch / "checkpoint.pt")["epoch"]
    real = train_mod.validate
    monkeypatch.setattr(
        train_mod, "validate", lambda *a, **k: {**real(*a, **k), "val_loss": float("inf")}
    )
    with pytest.raises(TrainingError, match="diverged"):
        train(cache, TINY, _cfg(2), one_epoch, resume=True, progress=True)
    assert "resuming run after epoch 1 of 2" in capsys.readouterr().out
    assert load_checkpoint(one_epoch / "checkpoint.pt")["epoch"] == good


FRONT = ModelConfig(ratio=4, blocks=2, width=1 / 16, upsample="resize", front_end=True)


@pytest.fixture(scope="module")
def front_start(cache, tmp_path_factory):
    """A FRONT model to start from: 2 epochs, its best on 3 whole validation files, shipped."""
    from audiosr.inference.shipped import ship

    root = tmp_path_factory.mktemp("front")
    train(cache, FRONT, _cfg(2, file_val=3), root / "a", progress=False)
    return ship(root / "a", root / "a.safetensors")


def test_a_degraded_run_makes_its_examples_from_the_seed_and_resumes_exactly(cache, tmp_path):
    from audiosr.data.degrade import Examples

    a, b = (Examples(cache, "train", 3, True) for _ in range(2))
    x1, y1 = a.batch([0, 5, 2], epoch=1)
    x2, y2 = b.batch([0, 5, 2], epoch=1)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    x3, _ = a.batch([0, 5, 2], epoch=2)
    assert not np.array_equal(x1, x3)  # another epoch, other draws
    cfg = _cfg(2, degrade=True, file_val=2)
    straight = train(cache, FRONT, cfg, tmp_path / "a", progress=False)
    train(cache, FRONT, _cfg(1, degrade=True, file_val=2), tmp_path / "b", progress=False)
    resumed = train(cache, FRONT, cfg, tmp_path / "b", resume=True, progress=False)
    assert _losses(resumed) == _losses(straight)
    assert "val_file_snr" in straight[-1]


def test_init_starts_a_run_from_a_models_weights(cache, front_start, tmp_path):
    start = front_start
    train(cache, FRONT, _cfg(1, lr=1e-12, init=str(start)), tmp_path / "b", progress=False)
    a, b = (load_model_file(p) for p in (start, tmp_path / "b/checkpoint.pt"))
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        if va.dtype.is_floating_point and "running" not in k:
            torch.testing.assert_close(va, vb, rtol=0, atol=1e-6)
    other = ModelConfig(ratio=4, blocks=3, width=1 / 16, upsample="resize")
    with pytest.raises(TrainingError, match="architecture"):
        train(cache, other, _cfg(1, init=str(start)), tmp_path / "c", progress=False)


def test_fine_tuning_keeps_its_start_unless_an_epoch_beats_it(cache, front_start, tmp_path):
    """The starting model is scored on the validation files as epoch 0: a run whose epochs
    all score worse (here a learning rate that wrecks the weights) keeps the start as best."""
    start = front_start
    train(
        cache, FRONT, _cfg(1, lr=5.0, file_val=3, init=str(start)), tmp_path / "b", progress=False
    )
    best = load_checkpoint(tmp_path / "b" / "best.pt")
    assert best["epoch"] == 0 and best["history"][0]["epoch"] == 0
    kept = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["history"]
    assert [h["epoch"] for h in kept] == [0, 1]  # the start is the first row of the curves
    assert kept[0] == best["history"][0] and "train_loss" not in kept[0]
    assert kept[-1]["val_file_snr"] < best["history"][0]["val_file_snr"]
    a = load_model_file(start)
    for (k, va), vb in zip(
        a.state_dict().items(), load_model_file(tmp_path / "b/best.pt").state_dict().values()
    ):
        torch.testing.assert_close(va, vb, rtol=0, atol=0)


def _adv(epochs, **kw):
    return _cfg(epochs, adversarial_from=2, disc_channels=4, objective="mse+stft", **kw)


@pytest.fixture(scope="module")
def adversarial(cache, tmp_path_factory):
    """Run a: 3 adversarial-schedule epochs straight. Run b: killed after epoch 2 (a copy of it
    then is `killed`), then resumed to epoch 3."""
    root = tmp_path_factory.mktemp("adversarial")
    straight = train(cache, TINY, _adv(3, steps_per_epoch=3), root / "a", progress=False)
    train(cache, TINY, _adv(2, steps_per_epoch=3), root / "b", progress=False)  # killed
    shutil.copytree(root / "b", root / "killed")
    resumed = train(
        cache, TINY, _adv(3, steps_per_epoch=3), root / "b", resume=True, progress=False
    )
    return SimpleNamespace(root=root, straight=straight, resumed=resumed)


def test_an_adversarial_run_warms_up_then_resumes_exactly_with_both_networks(adversarial):
    straight, resumed = adversarial.straight, adversarial.resumed
    assert [h["stage"] for h in straight] == ["regression", "adversarial", "adversarial"]
    assert "d_loss" not in straight[0] and all(h["d_loss"] > 0 for h in straight[1:])
    pick = lambda hs: [(h["train_loss"], h.get("d_loss"), h.get("g_fm"), h["val_loss"]) for h in hs]
    assert pick(resumed) == pick(straight)
    a, b = (load_checkpoint(adversarial.root / p / "checkpoint.pt") for p in ("a", "b"))
    for part in ("model", "discriminator"):
        for k in a[part]:
            torch.testing.assert_close(a[part][k], b[part][k], rtol=0, atol=0)
    # the discriminators learned in the resumed epoch, and their optimizer's state came back
    steps = lambda s: max(v["step"] for v in s["disc_optimizer"]["state"].values())
    assert steps(b) == 2 * 3


def test_adversarial_and_regression_checkpoints_are_not_mixed_up(cache, adversarial, tmp_path):
    train(cache, TINY, _cfg(2, objective="mse+stft"), tmp_path / "reg", progress=False)
    with pytest.raises(CheckpointError, match="without discriminators"):
        train(cache, TINY, _adv(3), tmp_path / "reg", resume=True, progress=False)
    shutil.copytree(adversarial.root / "killed", tmp_path / "adv")  # 2 epochs, adversarial
    with pytest.raises(CheckpointError, match="adversarial run"):
        train(
            cache,
            TINY,
            _cfg(3, objective="mse+stft"),
            tmp_path / "adv",
            resume=True,
            progress=False,
        )
    with pytest.raises(ValueError, match="gan_loss"):
        TrainConfig(gan_loss="wgan")
    with pytest.raises(ValueError, match="file_val"):
        TrainConfig(select="lsd")


def test_selection_on_whole_files_keeps_the_paper_metric_above_the_spline():
    from audiosr.training.train import selection_score

    row = lambda snr, lsd, visqol=None: {
        "val_file_snr": snr,
        "val_file_lsd": lsd,
        "spline_file_snr": 10.0,
        "spline_file_lsd": 8.0,
        **({"val_file_visqol": visqol} if visqol is not None else {}),
    }
    rows = [row(11.0, 5.0, 3.0), row(10.5, 4.0, 3.5), row(9.9, 3.0, 4.0)]  # the last below spline
    best = lambda select: max(range(3), key=lambda i: selection_score(rows[i], select))
    assert (best("snr"), best("lsd"), best("visqol")) == (0, 1, 1)
    assert selection_score({"val_loss": 1.0}, "snr") == -math.inf
    assert selection_score(row(11.0, 5.0, float("nan")), "visqol") == -math.inf
    assert selection_score(rows[2], "lsd", snr_margin=0.2) == -3.0  # 0.1 dB below: allowed


def test_a_run_keeps_as_best_the_epoch_its_selection_chooses(cache, tmp_path, monkeypatch):
    """The loop's wiring: whole-file rows (set here, epoch by epoch) decide best.pt by `select`."""
    rows = iter([(11.0, 5.0), (10.5, 4.0), (9.0, 3.0)])  # the last is below the spline's 10 dB

    def files(*args, **kw):
        snr, lsd = next(rows)
        return {
            "val_file_snr": snr,
            "val_file_lsd": lsd,
            "spline_file_snr": 10.0,
            "spline_file_lsd": 8.0,
        }

    monkeypatch.setattr(train_mod, "validate_files", files)
    train(cache, TINY, _cfg(3, file_val=3, select="lsd"), tmp_path / "r", progress=False)
    assert load_checkpoint(tmp_path / "r" / "best.pt")["epoch"] == 2


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path):
    from audiosr.core.distrib import cpu_bf16

    info = lambda flags: (tmp_path / "cpuinfo").write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    info("fpu sse avx2 fma")
    assert cpu_bf16(tmp_path / "cpuinfo") is False
    info("fpu avx2 avx512f avx512_bf16")
    assert cpu_bf16(tmp_path / "cpuinfo") is True
    info("fpu avx2 amx_bf16 amx_tile")
    assert cpu_bf16(tmp_path / "cpuinfo") is True
    (tmp_path / "cpuinfo").write_text("processor\t: 0\n")  # no flags line (another platform)
    assert cpu_bf16(tmp_path / "cpuinfo") is None
    assert cpu_bf16(tmp_path / "absent") is None
