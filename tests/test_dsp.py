"""The paper's low-res simulation: alignment, lengths, and the filter it uses."""

import numpy as np
import pytest
from helpers import tone_mix
from scipy import signal

from audiosr.core import dsp


@pytest.mark.parametrize("r", [2, 3, 4, 6])
@pytest.mark.parametrize("n", [16000, 16001, 16003, 15997])
def test_triplet_lengths_and_alignment(r, n):
    t = dsp.make_triplet(tone_mix(n), r)
    assert len(t.hr) == n - n % r and len(t.hr) % r == 0
    assert len(t.lowres) == len(t.hr) // r
    assert len(t.spline) == len(t.hr)
    # the spline passes through every low-res sample at high-res position r * k
    np.testing.assert_allclose(t.spline[::r], t.lowres, atol=1e-5)


@pytest.mark.parametrize("r", [2, 4, 6])
def test_lowpass_is_scipy_decimate_chebyshev_order_8(r):
    x = tone_mix(8000 * r // 2).astype(np.float64)
    x = x[: len(x) - len(x) % r]
    b, a = signal.cheby1(8, 0.05, 0.8 / r)
    expected = signal.filtfilt(b, a, x)[::r]
    np.testing.assert_allclose(dsp.lowres(x, r), expected, atol=1e-6)
    b2, a2 = dsp.lowpass_filter(r)
    np.testing.assert_allclose(b2, b)
    np.testing.assert_allclose(a2, a)


@pytest.mark.parametrize("r", [2, 4, 6])
def test_lowpass_removes_what_would_alias(r):
    """A tone above the new Nyquist vanishes with the low-pass and aliases without it."""
    sr, n = 16000, 12000
    f = 0.5 * sr / r * 1.2  # 20% above the low-res Nyquist
    x = np.sin(2 * np.pi * f * np.arange(n) / sr).astype(np.float32)
    lp = dsp.lowres(x, r)[200:-200]
    plain = dsp.lowres(x, r, lowpass=False)[200:-200]
    assert np.sqrt(np.mean(lp**2)) < 0.01
    assert np.sqrt(np.mean(plain**2)) > 0.5


def test_no_lowpass_is_plain_subsampling():
    x = tone_mix(6000)
    np.testing.assert_array_equal(dsp.lowres(x, 3, lowpass=False), x[::3])


def test_spline_recovers_a_slow_signal():
    """A signal far below the low-res Nyquist comes back almost exactly (checks positions, not just knots).

    No low-pass here: its 0.05 dB ripple alone would be a 0.6% amplitude error.
    """
    sr, n, r = 16000, 16000, 4
    x = np.sin(2 * np.pi * 200 * np.arange(n) / sr).astype(np.float32)
    t = dsp.make_triplet(x, r, lowpass=False)
    err = t.spline[100:-100] - t.hr[100:-100]
    assert np.sqrt(np.mean(err**2)) < 1e-3


@pytest.mark.parametrize("bad", [1, 0, -2, 2.5])
def test_bad_ratio_is_refused(bad):
    with pytest.raises(ValueError, match="ratio must be an integer >= 2"):
        dsp.make_triplet(tone_mix(1000), bad)


def test_too_short_and_uncropped_inputs_are_refused():
    with pytest.raises(ValueError, match="too short"):
        dsp.make_triplet(np.ones(10, np.float32), 4)
    with pytest.raises(ValueError, match="crop_to_multiple"):
        dsp.lowres(np.ones(10, np.float32), 4)


def test_lowres_rate_is_exact():
    from audiosr.core.dsp import lowres_rate

    assert lowres_rate(4) == 4000 and isinstance(lowres_rate(4), int)
    assert lowres_rate(6) == pytest.approx(16000 / 6) and lowres_rate(6) != 16000 // 6
    assert lowres_rate(3, 48000) == 16000
