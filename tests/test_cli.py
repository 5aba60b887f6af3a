"""The audiosr command: files, folders, channels, rates, and every kind of bad input reported in
one line while the rest of a batch is still processed."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from helpers import tone_mix, upsample

from audiosr.cli import main
from audiosr.data.makers import codec_available
from audiosr.inference.windows import Upsampler
from audiosr.networks.checkpoint import load_model_file
from audiosr.networks.config import ModelConfig


def _run(*args):
    return main([str(a) for a in args])


def test_one_file_mono_and_stereo_match_the_library(model_file, tmp_path):
    x = tone_mix(4000, sr=4000)
    sf.write(tmp_path / "mono.wav", x, 4000)
    sf.write(tmp_path / "stereo.flac", np.stack([x, 0.5 * x[::-1]], axis=1), 4000)
    assert upsample(tmp_path / "mono.wav", tmp_path / "up.wav", model_file, "--hop", 512) == 0
    y, sr = sf.read(tmp_path / "up.wav", dtype="float32")
    # the 16-bit input as the command reads it
    x16, _ = sf.read(tmp_path / "mono.wav", dtype="float32")
    want = Upsampler(load_model_file(model_file), 4, hop=512).process(x16)
    assert sr == 16000 and len(y) == 4 * len(x)
    assert np.abs(y - np.clip(want, -1, 1)).max() < 2 / 32768  # 16-bit rounding
    assert upsample(tmp_path / "stereo.flac", tmp_path / "up.flac", model_file) == 0
    s, sr = sf.read(tmp_path / "up.flac", dtype="float32")
    s16, _ = sf.read(tmp_path / "stereo.flac", dtype="float32")
    assert s.shape == (4 * len(x), 2)
    for c in range(2):  # each channel processed on its own
        want = Upsampler(load_model_file(model_file), 4).process(s16[:, c])
        assert np.abs(s[:, c] - np.clip(want, -1, 1)).max() < 2 / 32768


def test_other_rates_are_resampled_with_a_note(model_file, tmp_path, capsys):
    # 1 s at 8 kHz, model expects 4 kHz for r = 4
    sf.write(tmp_path / "in.wav", tone_mix(8000, sr=8000), 8000)
    assert upsample(tmp_path / "in.wav", tmp_path / "out.wav", model_file) == 0
    assert "resampled 8000 Hz -> 4000 Hz" in capsys.readouterr().out
    info = sf.info(str(tmp_path / "out.wav"))
    assert info.samplerate == 16000 and abs(info.frames - 16000) <= 16


def test_a_folder_with_bad_files_processes_the_rest(model_file, tmp_path, capsys):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    sf.write(src / "good.wav", tone_mix(3000, sr=4000), 4000)
    sf.write(src / "sub" / "good2.ogg", tone_mix(3000, sr=4000), 4000)
    (src / "corrupt.wav").write_bytes(b"RIFF" + bytes(range(200)))
    sf.write(src / "empty.wav", np.zeros(0, np.float32), 4000)
    sf.write(src / "one.wav", np.zeros(1, np.float32), 4000)
    nan = tone_mix(3000, sr=4000)
    nan[100] = np.nan
    sf.write(src / "nan.wav", nan, 4000, subtype="FLOAT")
    code = upsample(src, tmp_path / "out", model_file)
    err = capsys.readouterr().err
    assert code == 1 and "2 of 6 files done; 4 failed" in err and "Traceback" not in err
    for name in ("corrupt.wav", "empty.wav", "one.wav", "nan.wav"):
        assert name in err
    assert (tmp_path / "out/good.wav").is_file() and (tmp_path / "out/sub/good2.ogg").is_file()
    assert sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file()) == [
        "good.wav",
        "good2.ogg",
    ]  # no debris


def test_user_errors_are_one_line_and_nothing_is_overwritten(model_file, tmp_path, capsys):
    sf.write(tmp_path / "a.wav", tone_mix(3000, sr=4000), 4000)
    (tmp_path / "empty").mkdir()
    cases = [
        (("upsample", tmp_path / "empty", "-o", tmp_path / "o"), "no .wav"),
        (("upsample", tmp_path / "a.wav", "-o", tmp_path / "nope/x.wav"), "does not exist"),
        (("upsample", tmp_path / "a.wav", "-o", tmp_path / "a.wav"), "is an input"),
        (("upsample", tmp_path / "missing.wav", "-o", tmp_path / "x.wav"), "no such file"),
        (
            ("upsample", tmp_path / "a.wav", "-o", tmp_path / "x.wav", "--ratio", 2),
            "trained for ratio 4",
        ),
    ]
    for args, message in cases:
        ratio = () if "--ratio" in args else ("--ratio", 4)
        assert _run(*args, *ratio, "--checkpoint", model_file) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    (tmp_path / "x.wav").write_bytes(b"keep")
    assert upsample(tmp_path / "a.wav", tmp_path / "x.wav", model_file) == 2
    assert (tmp_path / "x.wav").read_bytes() == b"keep" and "--force" in capsys.readouterr().err
    assert upsample(tmp_path / "a.wav", tmp_path / "x.wav", model_file, "--force") == 0


def test_score_prints_every_metric(tmp_path, capsys):
    x = tone_mix(16000)
    sf.write(tmp_path / "ref.wav", x, 16000)
    sf.write(tmp_path / "est.wav", 0.9 * x, 16000)
    assert _run("score", tmp_path / "ref.wav", tmp_path / "est.wav") == 0
    out = capsys.readouterr().out
    assert "SNR 20.0" in out and all(f"LSD ({v})" in out for v in ("paper", "code", "log10"))
    assert _run("evaluate", tmp_path / "ref.wav", tmp_path / "est.wav") == 0  # its old name
    assert capsys.readouterr().out == out
    sf.write(tmp_path / "other.wav", x, 8000)
    assert _run("score", tmp_path / "ref.wav", tmp_path / "other.wav") == 2


def test_evaluate_scores_the_reference_on_measures_that_need_none(tmp_path, capsys, monkeypatch):
    from audiosr.core import perceptual

    monkeypatch.setattr(perceptual, "installed", lambda m: m in perceptual.DNSMOS)
    monkeypatch.setattr(
        perceptual, "_dnsmos", lambda x: dict.fromkeys(perceptual.DNSMOS, float(np.std(x)))
    )
    x = tone_mix(16000)
    sf.write(tmp_path / "ref.wav", x, 16000)
    sf.write(tmp_path / "est.wav", 0.5 * x, 16000)
    assert _run("score", tmp_path / "ref.wav", tmp_path / "est.wav") == 0
    out = capsys.readouterr().out
    std = lambda y: float(np.std(sf.read(tmp_path / y, dtype="float32")[0].astype(np.float64)))
    assert f"DNSMOS-P808 {std('est.wav'):.3f} (objective)" in out
    assert f"DNSMOS-P808 (reference) {std('ref.wav'):.3f}" in out


def test_the_installed_command_runs_without_tracebacks(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "audiosr",
            "upsample",
            str(tmp_path / "none.wav"),
            "-o",
            str(tmp_path / "o.wav"),
            "--ratio",
            "4",
        ],
        capture_output=True,
        text=True,
    )
    assert (
        done.returncode == 2 and done.stderr.startswith("error:") and "Traceback" not in done.stderr
    )


@pytest.mark.parametrize("rate", [2666, 2667])
def test_r6_input_at_a_whole_hertz_rate_is_not_stretched(tmp_path, rate):
    """A wav header cannot hold 16000 / 6 Hz: 2666 or 2667 Hz is that rate, output exactly 6x."""
    sf.write(tmp_path / "in.wav", tone_mix(8000, sr=rate), rate)
    assert (
        _run("upsample", tmp_path / "in.wav", "-o", tmp_path / "out.wav", "--ratio", 6, "-q") == 0
    )
    y, sr = sf.read(tmp_path / "out.wav")
    assert sr == 16000 and len(y) == 6 * 8000


@pytest.mark.parametrize(
    "subtype, ext, asked, expect",
    [
        ("FLOAT", ".wav", None, "FLOAT"),
        ("PCM_16", ".wav", None, "PCM_16"),
        ("PCM_24", ".flac", None, "PCM_24"),
        ("FLOAT", ".flac", None, "PCM_24"),
        ("PCM_16", ".wav", "pcm_24", "PCM_24"),
        ("FLOAT", ".ogg", None, "VORBIS"),
    ],
)
def test_output_sample_format_follows_the_input_or_subtype(
    model_file, tmp_path, subtype, ext, asked, expect
):
    sf.write(tmp_path / "in.wav", tone_mix(4000, sr=4000), 4000, subtype=subtype)
    extra = ("--subtype", asked) if asked else ()
    assert upsample(tmp_path / "in.wav", tmp_path / f"out{ext}", model_file, "-q", *extra) == 0
    assert sf.info(str(tmp_path / f"out{ext}")).subtype == expect


def test_a_subtype_the_format_cannot_hold_is_one_error(model_file, tmp_path, capsys):
    sf.write(tmp_path / "in.wav", tone_mix(4000, sr=4000), 4000)
    assert (
        upsample(tmp_path / "in.wav", tmp_path / "out.flac", model_file, "--subtype", "FLOAT") == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "FLOAT" in err[0] and "PCM_16" in err[0]
    assert not (tmp_path / "out.flac").exists()


@pytest.mark.skipif(not codec_available("mp3"), reason="this libsndfile has no MP3")
def test_mp3_input_is_written_as_pcm_and_folders_read_mp3_as_single_files_do(
    model_file, tmp_path, capsys
):
    """libsndfile writes MPEG only into .mp3 files: a .wav made from an MP3 is PCM, and
    `--subtype MPEG_LAYER_III` for a .wav is refused up front in one line."""
    (tmp_path / "in").mkdir()
    sf.write(tmp_path / "in/x.mp3", tone_mix(3200, sr=8000), 8000, format="MP3")
    sf.write(tmp_path / "in/y.wav", tone_mix(3200, sr=8000), 8000)
    assert upsample(tmp_path / "in/x.mp3", tmp_path / "o.wav", model_file, "-q") == 0
    assert sf.info(str(tmp_path / "o.wav")).subtype == "PCM_16"
    capsys.readouterr()
    mp3 = ("--subtype", "MPEG_LAYER_III")
    assert upsample(tmp_path / "in/y.wav", tmp_path / "p.wav", model_file, *mp3) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MPEG_LAYER_III cannot be written as WAV" in err, err
    assert err.count("MPEG") == 1 and not (tmp_path / "p.wav").exists()
    assert upsample(tmp_path / "in", tmp_path / "out", model_file, "-q") == 0
    assert sf.info(str(tmp_path / "out/x.mp3")).format == "MP3"
    assert sf.info(str(tmp_path / "out/y.wav")).subtype == "PCM_16"


def test_python_api_matches_the_command(model_file, tmp_path):
    import audiosr

    x = tone_mix(4000, sr=4000)
    sf.write(tmp_path / "in.wav", x, 4000, subtype="FLOAT")
    assert upsample(tmp_path / "in.wav", tmp_path / "out.wav", model_file, "-q") == 0
    y_cmd, _ = sf.read(tmp_path / "out.wav", dtype="float32")
    model = audiosr.load_model(str(model_file), ratio=4)
    y = audiosr.upsample(x, 4000, ratio=4, model=model)
    assert y.dtype == np.float32 and y.shape == (16000,)
    assert np.abs(y - y_cmd).max() < 1e-5
    stereo = audiosr.upsample(np.stack([x, x], axis=1), 4000, ratio=4, model=model)
    assert stereo.shape == (16000, 2) and np.allclose(stereo[:, 1], y, atol=1e-6)
    as_int = audiosr.upsample((x * 32767).astype(np.int16), 4000, ratio=4, model=model)
    assert np.abs(as_int - y).max() < 1e-3  # int16 is scaled to [-1, 1]


def test_python_api_loads_shipped_models_by_name_and_says_what_exists():
    import audiosr
    from audiosr.networks.checkpoint import CheckpointError

    assert audiosr.load_model("audiounet-small-r4").config.ratio == 4
    assert audiosr.load_model(ratio=2).config.ratio == 2
    with pytest.raises(CheckpointError, match="audiounet-small-r4"):
        audiosr.load_model()
    with pytest.raises(ValueError, match="shape"):
        audiosr.upsample(np.zeros((2, 2, 2)), 4000, ratio=4)


def test_ship_names_the_run_by_its_params_and_never_replaces_a_file(tmp_path, piano_folder):
    import yaml

    from audiosr.data.patches import DataConfig, build_cache
    from audiosr.training.config import TrainConfig
    from audiosr.training.train import train

    params = {
        "dataset": str(piano_folder),
        "ratio": 2,
        "patch_len": 2048,
        "stride": 2048,
        "max_clips": 4,
        "blocks": 2,
        "width": 0.0625,
        "upsample": "resize",
        "cache_root": str(tmp_path / "cache"),
        "run_dir": str(tmp_path / "run"),
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    cache = build_cache(
        DataConfig(
            **{k: params[k] for k in ("dataset", "ratio", "patch_len", "stride", "max_clips")}
        ),
        root=tmp_path / "cache",
        progress=False,
    )
    run = tmp_path / "run"
    train(
        cache,
        ModelConfig(ratio=2, blocks=2, width=0.0625, upsample="resize"),
        TrainConfig(epochs=1, batch_size=4, steps_per_epoch=2, file_val=2),
        run,
        progress=False,
    )
    out = tmp_path / "m.safetensors"
    assert main(["ship", "-f", str(tmp_path / "p.yaml"), "-o", str(out)]) == 0
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["run"] == run.name and meta["recipe"].startswith("audiosr train -f ")
    assert (
        meta["selected"].startswith("best epoch") and meta["model_config"]["upsample"] == "resize"
    )
    before = out.read_bytes()
    # exists: refused
    assert main(["ship", str(run), "-o", str(out)]) == 2 and out.read_bytes() == before
    assert main(["ship", str(run), "-o", str(out), "--force"]) == 0
    assert main(["ship", "-o", str(out)]) == 2


def test_audiosr_train_and_python_m_audiosr_train_are_one_command(monkeypatch):
    import audiosr.training.command

    seen = []
    monkeypatch.setattr(
        audiosr.training.command, "command", lambda args: seen.append(vars(args)) or 0
    )
    args = ["-f", "a.yaml", "-f", "b.yaml", "--set", "epochs=2", "--run-dir", "r", "--no-resume"]
    assert main(["train", *args]) == 0
    assert audiosr.training.command.main(args) == 0
    by_cli, by_module = seen
    assert by_cli.pop("command") == "train" and callable(by_cli.pop("func"))  # the dispatch
    assert by_cli == by_module == {
        "params": ["a.yaml", "b.yaml"], "set": ["epochs=2"], "run_dir": "r", "no_resume": True
    }  # fmt: skip
