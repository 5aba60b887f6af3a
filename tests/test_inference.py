"""Long files in bounded memory: windowed inference equals whole-file inference; export matches."""

import numpy as np
import pytest
import torch

from audiosr.core.dsp import crop_to_multiple, lowres, spline_upsample
from audiosr.core.metrics import snr
from audiosr.inference.rates import ToModelRate
from audiosr.inference.windows import Upsampler
from audiosr.networks.config import ModelConfig, build_model


def _model(r, arch="audiounet"):
    torch.manual_seed(r)
    model = build_model(ModelConfig(ratio=r, width=1 / 16, arch=arch, blocks=4))
    if arch == "audiounet":
        torch.nn.init.normal_(model.last.weight, std=0.1)  # not the identity it starts as
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.normal_(0, 0.1)
    return model.eval()


def _whole(model, lr, r):
    """The network on the whole file's spline, its last r - 1 samples held at the last low-res
    instant's value, as the windowed pipeline ends a signal."""
    with torch.no_grad():
        y = model(torch.from_numpy(spline_upsample(lr, r)).view(1, 1, -1)).view(-1).numpy()
    y[(len(lr) - 1) * r + 1 :] = y[(len(lr) - 1) * r]
    return y


def test_the_last_samples_past_the_last_low_res_instant_do_not_spike():
    """The spline extrapolates past the last low-res sample; a loud ending used to spike there
    (up to 4x the level just before it at r = 6)."""
    r = 6
    t = np.arange(4000) / (16000 / r)
    lr = (0.9 * np.sin(2 * np.pi * 1100 * t + 1.0)).astype(np.float32)  # loud to the end
    y = Upsampler(_model(r), r).process(lr)
    assert np.abs(y[-(r - 1) :]).max() <= np.abs(y[-200 : -(r - 1)]).max() + 1e-6
    assert np.abs(spline_upsample(lr, r)[-(r - 1) :]).max() > 1.0  # the spline alone overshoots


def test_a_front_end_model_windowed_equals_whole_file():
    torch.manual_seed(0)
    model = build_model(ModelConfig(ratio=4, width=1 / 16, upsample="resize", front_end=True))
    torch.nn.init.normal_(model.last.weight, std=0.1)
    model.eval()
    lr = np.random.default_rng(4).standard_normal(20_000).astype(np.float32)
    whole = Upsampler(model, 4, hop=1 << 20, edge=0.93).process(lr)
    up = Upsampler(model, 4, hop=700, batch=2, edge=0.93)
    assert up.hop + 2 * up.context < len(lr)  # really windowed
    streamed = np.concatenate(list(up.stream(np.array_split(lr, 7))))
    assert float(snr(streamed, whole)) > 100


@pytest.mark.parametrize("rate", [16000, 48000, 22050])
@pytest.mark.parametrize("r", [2, 4, 6])
def test_other_rates_reach_the_model_as_decimate_makes_them(rate, r):
    """Streamed in uneven blocks, `ToModelRate` gives what `decimate` gives on the file at 16
    kHz (soxr to 16 kHz first where it is elsewhere), to far below anything audible."""
    import soxr

    x = np.random.default_rng(r).standard_normal(rate * 2).astype(np.float32) * 0.1
    hr = x if rate == 16000 else soxr.resample(x, rate, 16000, "VHQ")
    want = lowres(crop_to_multiple(hr, r), r)
    t = ToModelRate(rate, r, 1)
    got = [t.resample_chunk(b[:, None]) for b in np.array_split(x, 7)]
    got = np.concatenate(got + [t.resample_chunk(np.zeros((0, 1), np.float32), last=True)])[:, 0]
    assert abs(len(got) - len(want)) <= 1
    mid = slice(300, len(want) - 300)  # decimate pads its ends its own way
    assert float(snr(got[mid], want[mid])) > 80


def test_input_known_to_be_made_by_decimate_skips_the_front_end():
    torch.manual_seed(0)
    fe = build_model(ModelConfig(ratio=4, width=1 / 16, upsample="resize", front_end=True))
    plain = build_model(ModelConfig(ratio=4, width=1 / 16, upsample="resize"))
    torch.nn.init.normal_(fe.last.weight, std=0.1)
    plain.load_state_dict(fe.state_dict())
    lr = np.random.default_rng(5).standard_normal(6000).astype(np.float32)
    told = Upsampler(fe.eval(), 4, made_by="decimate").process(lr)
    assert np.array_equal(told, Upsampler(plain.eval(), 4).process(lr))
    assert float(snr(Upsampler(fe, 4).process(lr), told)) < 30  # blind: the front end acts
    with pytest.raises(ValueError, match="made_by='soxr'"):
        Upsampler(fe, 4, made_by="soxr")


@pytest.mark.parametrize("r,hop,batch", [(2, 512, 1), (4, 1000, 3), (6, 700, 2)])
def test_windowed_equals_whole_file(r, hop, batch):
    model = _model(r)
    lr = np.random.default_rng(r).standard_normal(12_345).astype(np.float32)
    whole = _whole(model, lr, r)
    up = Upsampler(model, r, hop=hop, batch=batch)
    assert up.hop + 2 * up.context < len(lr)  # really windowed
    streamed = np.concatenate(list(up.stream(np.array_split(lr, 9))))  # uneven blocks in
    assert len(streamed) == len(whole) == r * len(lr)
    assert float(snr(streamed, whole)) > 100  # the issue asks for 0.01 dB; this is float precision


def test_windowed_dnn_equals_whole_file():
    model = _model(2, "dnn")
    lr = np.random.default_rng(0).standard_normal(9_000).astype(np.float32)
    assert float(snr(Upsampler(model, 2, hop=1024).process(lr), _whole(model, lr, 2))) > 100


def test_too_short_is_an_error():
    with pytest.raises(ValueError, match="at least 4"):
        Upsampler(_model(4), 4).process(np.ones(3, np.float32))


@pytest.mark.parametrize("suffix", [".pt", ".onnx"])
def test_exported_model_matches_pytorch(tmp_path, suffix):
    from audiosr.inference.export import export

    model = _model(4)
    path = export(model, tmp_path / f"m{suffix}")
    x = torch.randn(2, 1, 32 * 150)  # another batch and length than the example traced
    want = model(x).detach().numpy()
    if suffix == ".pt":
        got = torch.jit.load(str(path))(x).detach().numpy()
    else:
        ort = pytest.importorskip("onnxruntime")
        got = ort.InferenceSession(str(path)).run(None, {"spline": x.numpy()})[0]
    assert np.abs(got - want).max() < 1e-4


def test_a_frame_model_exports_as_torchscript_and_refuses_onnx_in_one_line(tmp_path):
    from audiosr.inference.export import export
    from audiosr.networks.config import ModelConfig, build_model

    model = build_model(
        ModelConfig(arch="framenet", ratio=4, blocks=2, width=0.125, interp="sinc", fill="rectify")
    ).eval()
    path = export(model, tmp_path / "f.pt")
    x = torch.randn(2, 1, 128 * 50)  # another batch and length than the example traced
    with torch.no_grad():
        assert torch.allclose(torch.jit.load(str(path))(x), model(x), atol=1e-5)
    with pytest.raises(ValueError, match="export TorchScript instead"):
        export(model, tmp_path / "f.onnx")
    assert not (tmp_path / "f.onnx").exists()
