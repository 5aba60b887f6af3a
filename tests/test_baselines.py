"""Baselines return r times the low-res length and recover a band-limited signal."""

import numpy as np
import pytest

from audiosr.core import dsp
from audiosr.evaluation import baselines
from audiosr.evaluation.metrics import snr


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
