"""Players must accept every rate the pipeline produces (LR at r = 6 is 2666.67 Hz)."""
import io

import numpy as np
import pytest
import soundfile as sf

from audiosr import listen


@pytest.mark.parametrize("r", [2, 4, 6])
def test_low_res_clips_become_playable_wav_of_the_same_duration(r):
    sr = 16000 / r
    x = np.sin(2 * np.pi * 440 * np.arange(int(sr)) / sr).astype(np.float32)
    y, y_sr = sf.read(io.BytesIO(listen.wav_bytes(x, sr)))
    assert y_sr >= listen.MIN_PLAYABLE_SR and float(y_sr).is_integer()
    assert abs(len(y) / y_sr - len(x) / sr) < 1e-3
    assert np.max(np.abs(y)) <= 1.0


def test_loud_input_is_scaled_not_clipped():
    y, _ = sf.read(io.BytesIO(listen.wav_bytes(np.array([0.0, 2.0, -4.0] * 100), 16000)))
    assert np.isclose(np.max(np.abs(y)), 1.0, atol=1e-3) and np.isclose(y[1], 0.5, atol=1e-3)
