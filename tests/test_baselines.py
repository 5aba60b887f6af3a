"""Baselines return r times the low-res length and recover a band-limited signal."""

import numpy as np
import pytest

from audiosr.core import dsp
from audiosr.core.metrics import snr
from audiosr.evaluation import baselines


@pytest.mark.parametrize("r", [2, 4, 6])
def test_every_baseline_has_the_hr_length_and_recovers_the_low_band(r):
    t = np.arange(16000 - 16000 % r) / 16000
    # below every LR Nyquist
    x = (np.sin(2 * np.pi * 300 * t) + 0.5 * np.sin(2 * np.pi * 700 * t)).astype(np.float32)
    tri = dsp.make_triplet(x, r)
    for name, method in baselines.all_baselines(r).items():
        est = method(tri.lowres, tri.spline)
        assert est.shape == tri.hr.shape, name
        mid = slice(2000, -2000)  # away from the edges, where filters ring
        assert float(snr(est[mid], tri.hr[mid])) > 20, name


@pytest.mark.parametrize("r", [2, 4, 6])
def test_the_resamplers_are_band_limited_where_the_spline_is_not(r):
    """Near the low-res Nyquist frequency a cubic spline is a poor interpolator; polyphase and
    soxr are exact there. So each must beat the spline by far on a tone at 0.6 of it (this
    would fail if either fell back to the spline)."""
    t = np.arange(32000 - 32000 % r) / 16000
    f = 0.6 * 8000 / r
    hr = (0.5 * np.sin(2 * np.pi * f * t)).astype(np.float32)
    lowres = hr[::r]  # the tone is below the low-res Nyquist frequency: no filter needed
    spline = dsp.spline_upsample(lowres, r)[: len(hr)]
    mid = slice(4000, -4000)
    methods = baselines.all_baselines(r)
    scores = {k: float(snr(m(lowres, spline)[mid], hr[mid])) for k, m in methods.items()}
    for name in (baselines.POLYPHASE, baselines.SOXR):
        assert scores[name] > scores[baselines.SPLINE] + 15, scores
    assert scores[baselines.POLYPHASE] != scores[baselines.SOXR]  # two resamplers, not one
