"""The shipped models load without executing code, say how they were made, and run from the command."""

import json

import numpy as np
import pytest
import soundfile as sf
from helpers import tone_mix

from audiosr.cli import main
from audiosr.inference.shipped import SHIPPED_DIR, shipped_path
from audiosr.networks.checkpoint import CheckpointError, load_model

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
    model = load_model(path, ratio=r)
    assert not model.training
    with pytest.raises(CheckpointError, match="trained for ratio"):
        load_model(path, ratio=r + 1)


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

    model = load_model(shipped_path(4), ratio=4)
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
