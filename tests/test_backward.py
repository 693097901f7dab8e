import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from test_conv import layers

from convbook import conv2d, conv2d_backward


@given(layers())
def test_conv2d_backward_equals_autograd(case):
    x, w, _, kw = case
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    y = F.conv2d(tx, tw, tb, **kw)
    g = np.random.default_rng(1).normal(size=tuple(y.shape))
    y.backward(torch.tensor(g))
    gx, gw, gb = conv2d_backward(g, x, w, **kw)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=0, atol=1e-10)


def test_finite_differences(rng):
    x, w = rng.normal(size=(1, 2, 5, 6)), rng.normal(size=(3, 2, 3, 2))
    g = rng.normal(size=conv2d(x, w, stride=2, padding=1).shape)
    gx, gw, _ = conv2d_backward(g, x, w, stride=2, padding=1)
    eps = 1e-6
    for arr, grad in ((x, gx), (w, gw)):
        idx = (0, 1, 2, 1)
        old = arr[idx]
        arr[idx] = old + eps
        up = np.sum(g * conv2d(x, w, stride=2, padding=1))
        arr[idx] = old - eps
        down = np.sum(g * conv2d(x, w, stride=2, padding=1))
        arr[idx] = old
        assert (up - down) / (2 * eps) == pytest.approx(grad[idx], abs=1e-6)


def test_conv2d_backward_errors():
    x, w = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"grad_out must have the output shape \(1, 3, 3, 3\) .* got \(1, 3, 2, 2\)"):
        conv2d_backward(np.ones((1, 3, 2, 2)), x, w)
    with pytest.raises(ValueError, match=r"grad_out must be 4-D"):
        conv2d_backward(np.ones((3, 3)), x, w)
    with pytest.raises(ValueError, match=r"w.shape\[1\] must equal C_in/groups"):
        conv2d_backward(np.ones((1, 3, 3, 3)), x, np.ones((3, 1, 3, 3)))
