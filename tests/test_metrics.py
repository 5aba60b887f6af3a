"""Every metric formula against values computed by hand on tiny signals, and the edge cases."""

import math

import numpy as np
import pytest
import torch

from audiosr.core import metrics
from audiosr.core.metrics import MetricError, lsd, snr


def test_snr_by_hand():
    ref = np.array([3.0, 4.0])  # ||ref||^2 = 25
    est = np.array([3.0, 3.0])  # error energy 1
    assert float(snr(est, ref)) == pytest.approx(10 * math.log10(25))
    batch = snr(np.stack([est, ref * 0.5]), np.stack([ref, ref]))  # second: error 6.25 -> 6.02 dB
    assert batch.tolist() == pytest.approx([13.9794, 6.0206], abs=1e-4)


def test_snr_edge_cases():
    x = np.random.default_rng(0).standard_normal(100)
    assert float(snr(x, x)) == math.inf  # identical: nothing to measure
    with pytest.raises(MetricError, match="silent reference"):
        snr(x, np.zeros(100))
    with pytest.raises(MetricError, match="same length"):
        snr(x[:99], x)


def _sine(n=8192, f=1000.0, a=1.0):
    return a * np.sin(2 * np.pi * f * np.arange(n) / 16000)


def test_lsd_paper_by_hand_for_a_gain_change():
    ref, est = _sine(), _sine(a=0.5)
    # log power differs by ln 4 where the sine's power is far above the 1e-8 guard, by ~0 where
    # both are far below it
    pr = metrics.stft_power(torch.from_numpy(ref))
    d = (pr + 1e-8).log() - (pr * 0.25 + 1e-8).log()
    expected = d.pow(2).mean(0).sqrt().mean().item()
    assert float(lsd(est, ref)) == pytest.approx(expected, rel=1e-6)
    loud = (pr * 0.25 > 1e-6).double()  # guard negligible here
    assert expected == pytest.approx((math.log(4) * loud.mean(0).sqrt()).mean().item(), rel=0.02)
    # log10 variant: the same error in decades
    assert float(lsd(est, ref)) / float(lsd(est, ref, "log10")) == pytest.approx(
        math.log(10), rel=1e-6
    )


def test_lsd_guard_is_the_original_codes():
    """The paper's LSD adds 1e-8 to the power before the log, as the code its numbers came from:
    an empty band compares at ln(1e-8), not at a lower floor."""
    rng = np.random.default_rng(0)
    ref = rng.standard_normal(16000)
    empty = np.zeros_like(ref)
    pr = metrics.stft_power(torch.from_numpy(ref))
    expected = ((pr + 1e-8).log() - math.log(1e-8)).pow(2).mean(0).sqrt().mean().item()
    assert float(lsd(empty, ref)) == pytest.approx(expected, rel=1e-9)


def test_lsd_code_variant_swaps_the_axes_reflects_the_ends_and_clips():
    ref, est = _sine(), _sine(a=0.5)
    pr, pe = (metrics.stft_power(torch.from_numpy(x), "reflect") for x in (ref, est))
    d = (pr + 1e-8).log() - (pe + 1e-8).log()  # (freq, frames)
    expected = (d.pow(2).mean(1) + 1e-8).sqrt().mean(0).item()  # time inside, frequency outside
    assert float(lsd(est, ref, "code")) == pytest.approx(expected, rel=1e-9)
    noise = np.random.default_rng(1).standard_normal(8192)
    assert float(lsd(noise * 1e-6, noise, "code")) == 10.0  # ln(1e12) = 27.6 -> clipped at 10
    # reflect padding as librosa's STFT did in 2017: the first frame mirrors the signal's start
    x = torch.from_numpy(np.random.default_rng(2).standard_normal(4096))
    mirrored = torch.cat([x[1:1025].flip(0), x[:1024]])
    window = torch.hann_window(2048, dtype=x.dtype)
    first = torch.fft.rfft(mirrored * window).abs().pow(2)
    assert torch.allclose(metrics.stft_power(x, "reflect")[:, 0], first, rtol=1e-9, atol=1e-9)
    assert not torch.allclose(metrics.stft_power(x)[:, 0], first, rtol=1e-3)
    with pytest.raises(MetricError, match="too short"):
        lsd(x[:1000], x[:1000], "code")


def test_lsd_identical_is_zero_and_silence_is_finite():
    x = _sine()
    assert float(lsd(x, x)) == 0.0
    assert float(lsd(x, x, "code")) == pytest.approx(1e-4)  # sqrt(1e-8): the original's floor
    silent = np.zeros(8192)
    for v in metrics.LSD_VARIANTS:
        assert math.isfinite(float(lsd(silent, x, v))) and math.isfinite(float(lsd(x, silent, v)))
    assert float(lsd(silent, silent)) == 0.0
    with pytest.raises(MetricError):
        lsd(x[:-1], x)
    with pytest.raises(ValueError, match="variant"):
        lsd(x, x, "db")


def test_line_meter_finds_a_periodic_pattern_and_ignores_broadband_changes():
    from audiosr.core.metrics import LineMeter

    rng = np.random.default_rng(0)
    ref = 0.1 * rng.standard_normal(16000 * 10)
    pattern = np.tile(0.02 * rng.standard_normal(32), len(ref) // 32)  # repeats every 32 samples
    m = LineMeter()
    m.add(ref[:80000] + pattern[:80000], ref[:80000])
    m.add(ref[80000:] + pattern[80000:], ref[80000:])
    lines = m.lines()
    assert sorted(lines) == [500.0 * k for k in range(1, 16)]
    assert max(lines.values()) > 6 and np.mean(list(lines.values())) > 3  # the pattern's harmonics
    between = m.lines(offset_hz=250.0)  # halfway between the multiples: no line there
    assert sorted(between)[0] == 750.0 and max(between.values()) < 1.5
    assert m.strongest(250.0)[1] == max(between.values())
    louder = LineMeter()
    louder.add(2 * ref, ref)  # +6 dB everywhere is not a line
    assert max(abs(v) for v in louder.lines().values()) < 0.5
    with pytest.raises(MetricError):
        LineMeter().lines()


def test_the_missing_band_snr_scores_an_empty_band_zero_and_hiss_below_it():
    """LSD rewards noise of the right level in the empty band; the missing-band SNR must not."""
    from audiosr.core.dsp import noise_above, spline_upsample
    from audiosr.core.metrics import band_snr, lsd

    sr, r = 16000, 4
    t = np.arange(sr) / sr  # whole cycles in one second: no leakage between bands
    low, high = np.sin(2 * np.pi * 500 * t), 0.3 * np.sin(2 * np.pi * 3000 * t + 1.0)
    hr = (low + high + 0.2 * np.sin(2 * np.pi * 5000 * t)).astype(np.float32)
    spline = spline_upsample(low[::r].astype(np.float32), r)  # the band above 2 kHz lost
    noisy = spline + noise_above(hr, sr, r)
    assert abs(band_snr(spline, hr, sr, sr / (2 * r))) < 1.0  # nearly all of the band missing
    assert band_snr(noisy, hr, sr, sr / (2 * r)) < band_snr(spline, hr, sr, sr / (2 * r)) - 2
    assert float(lsd(noisy, hr)) < float(lsd(spline, hr))  # while LSD calls the noise better
    assert band_snr(hr, hr, sr, sr / (2 * r)) == np.inf
    assert np.isnan(band_snr(hr, np.zeros_like(hr), sr, 1000.0))
