"""The shipped models load without executing code, say how they were made, and run from the command."""

import json

import numpy as np
import pytest
import soundfile as sf
from helpers import tone_mix

from audiosr.cli import main
from audiosr.inference.shipped import SHIPPED_DIR, shipped_path
from audiosr.networks.checkpoint import CheckpointError, load_model_file

SHIPPED = sorted(SHIPPED_DIR.glob("audiounet-small-r*.safetensors"))
PIANO = SHIPPED_DIR / "audiounet-piano-r4.safetensors"


def test_models_are_shipped_for_the_papers_ratios_and_piano():
    assert [p.stem for p in SHIPPED] == [f"audiounet-small-r{r}" for r in (2, 4, 6)]
    assert PIANO.is_file()


@pytest.mark.parametrize("path", SHIPPED + [PIANO], ids=lambda p: p.stem)
def test_each_model_loads_and_records_its_recipe(path):
    meta = json.loads(path.with_suffix(".json").read_text())
    r = meta["model_config"]["ratio"]
    assert path.stat().st_size < 5e6
    params = "params/shipped-piano.yaml" if path == PIANO else "params/shipped-speech.yaml"
    assert (
        meta["recipe"].startswith(f"audiosr train -f {params}")
        and f"-o audiosr/models/{path.name}" in meta["recipe"]
    )
    assert meta["model_config"]["upsample"] == "resize" and meta["selected"].startswith(
        "best epoch"
    )
    assert meta["data"]["data_config"]["dataset"].startswith(
        "embedded-piano" if path == PIANO else "embedded-speech+"
    )
    assert meta["validation"]["val_file_lsd"] < meta["validation"]["spline_file_lsd"]
    if path != PIANO:
        assert shipped_path(r) == path
    model = load_model_file(path, ratio=r)
    assert not model.training
    with pytest.raises(CheckpointError, match="trained for ratio"):
        load_model_file(path, ratio=r + 1)


def test_upsample_works_with_no_checkpoint_argument(tmp_path):
    sf.write(tmp_path / "in.wav", tone_mix(8000, sr=4000), 4000)
    assert (
        main(
            [
                "upsample",
                str(tmp_path / "in.wav"),
                "-o",
                str(tmp_path / "out.wav"),
                "--ratio",
                "4",
                "-q",
            ]
        )
        == 0
    )
    y, sr = sf.read(tmp_path / "out.wav")
    assert sr == 16000 and len(y) == 32000 and np.isfinite(y).all()


def test_the_shipped_speech_models_take_any_input_through_the_front_end(tmp_path):
    """Blind input gets the front end; `--made-by decimate` skips it and gives what the network
    gives on `decimate` input, as the paper scores it."""
    from audiosr.core.dsp import lowres
    from audiosr.inference.windows import Upsampler

    model = load_model_file(shipped_path(4), ratio=4)
    assert model.front_end
    x = lowres(tone_mix(32000, sr=16000), 4)
    sf.write(tmp_path / "in.wav", x, 4000, subtype="FLOAT")
    for name, extra in (("blind.wav", []), ("told.wav", ["--made-by", "decimate"])):
        args = ["upsample", str(tmp_path / "in.wav"), "-o", str(tmp_path / name), "--ratio", "4"]
        assert main(args + extra + ["-q"]) == 0
    blind, told = (sf.read(tmp_path / n, dtype="float32")[0] for n in ("blind.wav", "told.wav"))
    np.testing.assert_allclose(told, Upsampler(model, 4, made_by="decimate").process(x), atol=1e-6)
    assert np.abs(blind - told).max() > 1e-3
    with pytest.raises(SystemExit):
        main(
            [
                "upsample",
                str(tmp_path / "in.wav"),
                "-o",
                str(tmp_path / "x.wav"),
                "--ratio",
                "4",
                "--made-by",
                "soxr",
            ]
        )


def _unheard_speech(n: int = 8) -> tuple[str, list]:
    """Real speech no shipped model trained on: the VCTK sample where the shared folder has it,
    else the embedded corpus's held-out languages (real voices, test split), n files spread out."""
    from audiosr.data.clips import load_clips, unavailable_reason

    name = "vctk-sample" if not unavailable_reason("vctk-sample") else "embedded-speech"
    test = [c for c in load_clips(name) if c.split == "test"]
    step = max(1, len(test) // n)
    return name, test[::step][:n]


def _made_two_ways(clips, r: int):
    """(high-res, maker, low-res) for each clip, its low-res made by `decimate` (the paper's)
    and by soxr HQ (what most tools do)."""
    import soxr

    from audiosr.core.audio import fit_length, load_audio
    from audiosr.core.dsp import lowres, lowres_rate

    for clip in clips:
        hr = load_audio(clip.path)
        hr = hr[: len(hr) - len(hr) % r]
        yield hr, "decimate", lowres(hr, r)
        yield hr, "soxr", fit_length(soxr.resample(hr, 16000, lowres_rate(r), "HQ"), len(hr) // r)


# Mean SNR gain over the spline (dB) each set must show, told (decimate input) and blind (soxr).
# Measured on the 8 files: told +0.70 to +0.87 on the VCTK sample, +0.34 to +1.37 on the
# embedded test voices; blind +0.09 to +0.29 and +0.00 to +0.68. Blind at r = 2 the models are
# at the spline's SNR, not above it, so blind asks only that they not fall below it.
SNR_FLOORS = {"vctk-sample": (0.5, -0.1), "embedded-speech": (0.25, -0.1)}
# Mean LSD / spline's LSD each must stay under: measured told 0.51-0.62, blind 0.53-0.71; an
# untrained network through the same pipeline gives 1.00 told and 1.03-1.19 blind.
LSD_CEILINGS = {"decimate": 0.7, "soxr": 0.8}


@pytest.mark.parametrize("r", [2, 4, 6])
def test_each_shipped_speech_model_beats_the_spline_told_and_holds_it_blind(r):
    """What the models are for, on real recordings no model heard, through the paper's pipeline
    (input made by decimate, told so) and blind (input made by soxr): a broken model, front end
    or pipeline fails here, not only in the README's benchmark. Told, the SNR gain is one an
    untrained network (0.00 dB) cannot reach; blind, the LSD ratio is."""
    from audiosr.core.dsp import spline_upsample
    from audiosr.core.metrics import lsd, snr
    from audiosr.inference.shipped import load_any
    from audiosr.inference.windows import Upsampler

    name, clips = _unheard_speech()
    model = load_any(None, r)
    told = Upsampler(model, r, made_by="decimate")
    blind = Upsampler(model, r)
    rows = []
    for hr, how, lr in _made_two_ways(clips, r):
        up = told if how == "decimate" else blind
        est, spline = up.process(lr)[: len(hr)], spline_upsample(lr, r)[: len(hr)]
        rows.append((how, snr(est, hr) - snr(spline, hr), lsd(est, hr) / lsd(spline, hr)))
    # blind before the front end existed: -11 to -21 dB
    for how, floor in zip(("decimate", "soxr"), SNR_FLOORS[name]):
        gains = [g for h, g, _ in rows if h == how]
        ratios = [q for h, _, q in rows if h == how]
        assert np.mean(gains) > floor, (name, how, gains)
        assert np.mean(ratios) < LSD_CEILINGS[how], (name, how, ratios)


def test_the_default_model_per_ratio_is_the_one_defaults_json_names(tmp_path, monkeypatch):
    from audiosr.inference import shipped

    monkeypatch.setattr(shipped, "SHIPPED_DIR", tmp_path)
    assert shipped.default_name(4) == "audiounet-small-r4"  # no choice recorded: the MSE model
    (tmp_path / shipped.DEFAULTS).write_text(
        json.dumps({"4": {"model": "audiounet-perceptual-r4", "why": "best ViSQOL"}})
    )
    assert shipped.default_name(4) == "audiounet-perceptual-r4"
    assert shipped.default_name(2) == "audiounet-small-r2"
    with pytest.raises(CheckpointError, match="no shipped model for ratio 4"):
        shipped.shipped_path(4)  # named but not there: said, not a crash
    (tmp_path / "audiounet-perceptual-r4.safetensors").touch()
    assert shipped.shipped_speech(4) == {"perceptual": "audiounet-perceptual-r4"}
    assert shipped.shipped_speech(2) == {}
    (tmp_path / "framenet-r4.safetensors").touch()
    assert list(shipped.shipped_speech(4)) == ["perceptual", "frame"]


FRAMES = sorted(SHIPPED_DIR.glob("framenet-r*.safetensors"))
# Mean over the 8 files, blind, against sinc (soxr VHQ), per ratio: r = 4, LSD (log10) ratio
# measured 0.26-0.31 (the same network with no fill: 0.94-0.95); SNR - sinc +0.26 to +0.33 dB on
# `decimate` input, -0.03 to -0.14 dB on soxr HQ input. A network that lost the input's band
# falls far below. r = 2 (its fill from 0.8 of the band): LSD ratio 0.25-0.29, SNR - sinc -0.29 /
# -0.13 dB (decimate) and -0.21 / -0.01 dB (soxr) on the VCTK sample / the embedded corpus.
# r = 6 (the same): LSD ratio 0.26-0.31, SNR - sinc -0.15 / -0.06 (decimate), -0.13 / -0.03 (soxr).
FRAME_LSD_CEILINGS = {2: 0.4, 4: 0.4, 6: 0.4}
FRAME_SNR_FLOORS = {
    2: {"decimate": -0.6, "soxr": -0.5},
    4: {"decimate": 0.0, "soxr": -0.4},
    6: {"decimate": -0.45, "soxr": -0.45},
}


def _ratio(path) -> int:
    return int(path.stem.rsplit("-r", 1)[1])


def _frame_model_file(path, r: int):
    """(The model, its metadata) of a shipped frame model, after checking what every one must
    say of itself: half-precision weights, the `growing ship` command that made it from its
    committed state, that state's budget, no history, and a fill below the trained level."""
    from audiosr.inference.shipped import load_any

    meta = json.loads(path.with_suffix(".json").read_text())
    assert path.stat().st_size < 8e6 and meta["weights"] == "float16"
    assert meta["recipe"].startswith(
        f"python -m audiosr.training.growing ship audiosr/models/growing/{path.name}"
    )
    assert f"-o audiosr/models/{path.name}" in meta["recipe"]
    assert meta["growing"]["cpu_hours"] > 0 and "history" not in meta
    model = load_any(path.stem, ratio=r)
    assert model.fill_gain == meta["model_config"]["fill_gain"] < 1
    return model, meta


def _against_sinc(model, r: int, clips) -> list[tuple[str, float, float]]:
    """(maker, SNR minus sinc's in dB, log10 LSD over sinc's) per clip, its low-res input made
    two ways (`_made_two_ways`) and the model never told how."""
    from audiosr.core.metrics import lsd, snr
    from audiosr.evaluation.baselines import soxr_hq
    from audiosr.inference.windows import Upsampler

    up, sinc = Upsampler(model, r), soxr_hq(r, quality="VHQ")
    rows = []
    for hr, how, lr in _made_two_ways(clips, r):
        est, base = up.process(lr)[: len(hr)], sinc(lr, hr)
        ratio = float(lsd(est, hr, "log10") / lsd(base, hr, "log10"))
        rows.append((how, float(snr(est, hr) - snr(base, hr)), ratio))
    return rows


@pytest.mark.parametrize("path", FRAMES, ids=lambda p: p.stem)
def test_a_frame_model_ships_as_an_option_with_its_recipe_and_fill_level(path):
    from audiosr.inference.shipped import default_name, shipped_speech

    r = _ratio(path)
    _frame_model_file(path, r)
    assert shipped_speech(r)["frame"] == path.stem
    assert default_name(r) != path.stem  # one option away; defaults.json says why


def test_the_r4_frame_model_ships():
    assert SHIPPED_DIR / "framenet-r4.safetensors" in FRAMES


@pytest.mark.parametrize("path", FRAMES, ids=lambda p: p.stem)
def test_a_frame_model_fills_the_band_blind_and_keeps_sincs_snr(path):
    """On real speech no model heard, input made two ways and never told how: the fill the
    model is for (the LSD ratio a network with no fill cannot reach) and the input's band kept
    (the SNR floor against band-limited interpolation)."""
    from audiosr.inference.shipped import load_any

    r = _ratio(path)
    _, clips = _unheard_speech()
    rows = _against_sinc(load_any(path.stem, r), r, clips)
    for how, floor in FRAME_SNR_FLOORS[r].items():
        assert np.mean([g for h, g, _ in rows if h == how]) > floor, (how, rows)
        assert np.mean([q for h, _, q in rows if h == how]) < FRAME_LSD_CEILINGS[r], (how, rows)


FRAME_PIANO = SHIPPED_DIR / "framenet-piano-r4.safetensors"


def test_the_piano_frame_model_ships_as_an_option_and_fills_the_test_piece():
    """The frame run branched to piano ships beside the piano AudioUNet, at the fill level
    its validation piece chose; on the embedded piano's test piece (no model trained on it),
    blind, input made two ways: measured +0.13 (soxr HQ) and +0.54 dB (decimate) over sinc, LSD
    (log10) 0.27x sinc's; with no fill a network reaches about 0.98x."""
    from audiosr.data.clips import load_clips

    model, meta = _frame_model_file(FRAME_PIANO, 4)
    assert meta["data"]["data_config"]["dataset"] == "embedded-piano"
    test = [c for c in load_clips("embedded-piano") if c.split == "test"]
    floors = {"decimate": 0.2, "soxr": -0.1}
    for how, gain, ratio in _against_sinc(model, 4, test):
        assert gain > floors[how] and ratio < 0.35, (how, gain, ratio)
