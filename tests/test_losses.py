"""The losses beyond the MSE, by hand values, and the discriminators' shapes and gradients."""

import math

import pytest
import torch
import torch.nn.functional as F

from audiosr.networks import losses
from audiosr.networks.discriminators import Discriminators


def _noise(n=2, length=4096, seed=0):
    return torch.randn(n, 1, length, generator=torch.Generator().manual_seed(seed))


def test_stft_losses_by_hand():
    ref = _noise()
    assert losses.multi_resolution_stft(ref, ref).item() == pytest.approx(0, abs=1e-6)
    # half the amplitude: spectral convergence 1/2 and |log 2| in every bin, at every resolution
    half = losses.multi_resolution_stft(0.5 * ref, ref).item()
    assert half == pytest.approx(0.5 + math.log(2), rel=1e-4)
    # an estimate of silence: convergence 1, log distance from the floor
    mag = losses.stft_magnitude(ref, 512, 128, 512)
    assert losses.spectral_convergence(torch.zeros_like(mag), mag).item() == pytest.approx(1)
    floor = (mag.clamp_min(losses.MAG_FLOOR).log() - math.log(losses.MAG_FLOOR)).mean()
    assert losses.log_magnitude_l1(torch.zeros_like(mag), mag).item() == pytest.approx(floor.item())
    # the objective adds the weighted STFT term to the MSE
    est = ref + 0.1 * _noise(seed=1)
    want = F.mse_loss(est, ref) + 0.3 * losses.multi_resolution_stft(est, ref)
    assert losses.mse_stft(0.3)(est, ref).item() == pytest.approx(want.item())


def test_the_stft_loss_asks_for_the_missing_band_where_the_mse_barely_does():
    """A low-passed estimate of white noise: the MSE counts the missing half of the band as
    half the power; the log-magnitude term counts it at the floor, far above the MSE's
    ratio of one estimate to the other."""
    ref = _noise(length=8192)
    spec = torch.fft.rfft(ref)
    spec[..., spec.shape[-1] // 2 :] = 0
    lowpassed = torch.fft.irfft(spec, n=ref.shape[-1])
    quiet = 0.7 * ref  # the same error power, spread over the whole band
    assert F.mse_loss(lowpassed, ref).item() == pytest.approx(0.5, rel=0.1)
    assert F.mse_loss(quiet, ref).item() == pytest.approx(0.09, rel=0.1)
    assert losses.multi_resolution_stft(lowpassed, ref) > 3 * losses.multi_resolution_stft(
        quiet, ref
    )


def test_adversarial_losses_by_hand():
    one, zero = [torch.ones(2, 1, 5)], [torch.zeros(2, 1, 5)]
    half = [torch.full((2, 1, 5), 0.5)]
    assert losses.discriminator_loss(one, zero, "lsgan").item() == 0
    assert losses.discriminator_loss(half, half, "lsgan").item() == pytest.approx(0.5)
    assert losses.discriminator_loss(one, [-o for o in one], "hinge").item() == 0
    assert losses.discriminator_loss(zero, zero, "hinge").item() == pytest.approx(2)
    assert losses.generator_loss(one, "lsgan").item() == 0
    assert losses.generator_loss(zero + one, "lsgan").item() == pytest.approx(0.5)  # mean of D's
    assert losses.generator_loss([2 * o for o in one], "hinge").item() == pytest.approx(-2)
    fm = losses.feature_matching(
        [[torch.ones(3), torch.ones(4)]], [[torch.zeros(3), 3 * torch.ones(4)]]
    )
    assert fm.item() == pytest.approx((1 + 2) / 2)
    with pytest.raises(ValueError, match="gan loss"):
        losses.discriminator_loss(one, zero, "wgan")


@pytest.mark.parametrize("length", [2048, 2999, 6000])
def test_discriminators_score_any_length_and_pass_gradients_back(length):
    torch.manual_seed(0)
    d = Discriminators(channels=4)
    x = (0.1 * _noise(length=length)).requires_grad_()
    scores, features = d(x)
    assert len(scores) == len(features) == 6
    assert all(s.shape[0] == 2 and torch.isfinite(s).all() for s in scores)
    assert all(len(f) == 5 for f in features)
    losses.generator_loss(scores).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_a_relative_floor_stops_the_loss_asking_for_hiss_far_below_the_peak():
    """A loud tone over a faint noise floor (-80 dB): an estimate without the faint floor is
    punished with the absolute floor alone, barely with a floor at -60 dB of the peak."""
    t = torch.arange(8192) / 16000
    tone = torch.sin(2 * math.pi * 440 * t).view(1, 1, -1)
    ref = tone + 1e-4 * _noise(1, 8192)
    mag = lambda x: losses.stft_magnitude(x, 512, 128, 512)
    absolute = losses.log_magnitude_l1(mag(tone), mag(ref))
    relative = losses.log_magnitude_l1(mag(tone), mag(ref), relative_floor=1e-3)
    assert absolute > 1.0 and relative < 0.05
    # loud content still counts in full: halving the tone costs log 2 near its bins either way
    half = losses.log_magnitude_l1(mag(0.5 * tone), mag(tone), relative_floor=1e-3)
    assert 0.01 < half < math.log(2)
