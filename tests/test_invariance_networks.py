import numpy as np
import pytest

from convbook.exercises import equivariance as eq_ex
from convbook.exercises import pooling as pool_ex
from convbook.invariance import (
    detector_responses,
    relative_spread,
    rotation_bank,
    shift_sensitivity,
    upsample_digits,
)
from convbook.networks import TinyNet, vgg16_shapes


def test_vgg16_shapes():
    s224 = {l.name: l.shape for l in vgg16_shapes(224)}
    s384 = {l.name: l.shape for l in vgg16_shapes(384)}
    assert s224["pool5"] == (512, 7, 7) and s224["fc8 as 1x1 conv"] == (1000, 1, 1)
    assert s384["pool5"] == (512, 12, 12) and s384["fc8 as 1x1 conv"] == (1000, 6, 6)
    assert sum(name.startswith("conv") for name in s224) == 13


def test_tiny_net_fc_as_conv_matches_aligned_crops():
    net = TinyNet(padding=0)
    x = np.random.default_rng(0).normal(size=(1, 1, net.input_size + 4, net.input_size + 4))
    errs = net.crop_errors(x, range(0, 5))
    assert errs[0, 0] < 1e-12 and errs[4, 4] < 1e-12 and errs[0, 4] < 1e-12
    assert errs[2, 2] > 1e-6
    with pytest.raises(ValueError, match="the dense head needs 18x18 inputs"):
        net(x)


def test_shift_sensitivity_is_one_without_pooling(rng):
    img = rng.random((20, 30))
    rho = shift_sensitivity(img, "avg", [1, 3], [1, 2])
    np.testing.assert_allclose(rho[0], 1.0)
    assert (rho[1] < 1).all()
    with pytest.raises(ValueError, match="op must be 'max' or 'avg'"):
        shift_sensitivity(img, "min", [1], [1])


def test_rotation_bank_responses(rng):
    t = upsample_digits(rng.random((1, 8, 8)))[0]
    assert t.shape == (32, 32)
    bank = rotation_bank(t, [0, 90, 180, 270])
    r = detector_responses(bank, bank)
    np.testing.assert_allclose(np.diag(r), 1.0)
    assert relative_spread(np.ones((5, 3))) == 0.0


def test_exercise_checkers_accept_and_reject():
    assert eq_ex.check_clean_border(6) and not eq_ex.check_clean_border(2)
    assert not eq_ex.check_clean_border(None)
    assert eq_ex.check_stride_shifts([4, 8, 12]) and not eq_ex.check_stride_shifts(list(range(1, 13)))
    k = np.array([1.0, 2.0, 3.0])
    c = np.roll(np.pad(k, (0, 5)), -1)
    assert eq_ex.check_circulant_spectrum(np.conj(np.fft.fft(c)), k, 8)
    assert "conjugate" in eq_ex.check_circulant_spectrum(np.fft.fft(c), k, 8).message
    assert pool_ex.check_ceil_size(56) and "floor" in pool_ex.check_ceil_size(55).message
    assert pool_ex.check_vgg_positions(100) and not pool_ex.check_vgg_positions(256)
    a = np.arange(48.0).reshape(6, 8)
    assert pool_ex.check_avg_pool(a.reshape(3, 2, 4, 2).mean(axis=(1, 3)), a)
    x = np.array([[1.0, 2.0, 0.0], [0.0, 9.0, 3.0], [2.0, 1.0, 4.0]])
    g = np.ones((2, 2))
    right = np.zeros((3, 3))
    right[1, 1] = 4
    assert pool_ex.check_max_pool_grad(right, x, g)
    wrong = np.zeros((3, 3))
    wrong[1, 1] = 1
    assert "added" in pool_ex.check_max_pool_grad(wrong, x, g).message
