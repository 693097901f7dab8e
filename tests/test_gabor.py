"""convbook.gabor: Goodfellow's eqs. 9.16-9.17, against the loop specification, scikit-image's convention
written out, and torch; every error message."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook import gabor, gabor_kernel, gabor_naive, grating, kernel_grid

KW = dict(beta_x=0.15, beta_y=0.3, f=1.1, phi=0.4, x0=0.5, y0=-0.25, tau=0.9, alpha=1.7)

finite = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(bx=st.floats(0.01, 2), by=st.floats(0.01, 2), f=finite, phi=finite, tau=finite, x0=finite, y0=finite)
def test_fast_equals_naive(bx, by, f, phi, tau, x0, y0):
    x, y = kernel_grid(5)
    kw = dict(beta_x=bx, beta_y=by, f=f, phi=phi, tau=tau, x0=x0, y0=y0)
    np.testing.assert_allclose(gabor(x, y, **kw), gabor_naive(x, y, **kw), rtol=1e-12, atol=1e-14)


def test_torch_evaluation_of_the_formula():
    x, y = kernel_grid(7)
    xt, yt = torch.tensor(x) - KW["x0"], torch.tensor(y) - KW["y0"]
    t = torch.tensor(KW["tau"], dtype=torch.float64)
    xr = xt * torch.cos(t) + yt * torch.sin(t)
    yr = -xt * torch.sin(t) + yt * torch.cos(t)
    envelope = torch.exp(-KW["beta_x"] * xr ** 2 - KW["beta_y"] * yr ** 2)
    ref = KW["alpha"] * envelope * torch.cos(KW["f"] * xr + KW["phi"])
    np.testing.assert_allclose(gabor(x, y, **KW), ref.numpy(), rtol=1e-12)


def test_broadcasting_and_kernel():
    xs, ys = np.arange(-3.0, 4.0)[None, :], np.arange(-2.0, 3.0)[:, None]
    out = gabor(xs, ys, beta_x=0.2, beta_y=0.2, f=1.0)
    assert out.shape == (5, 7)
    k = gabor_kernel(7, **KW)
    x, y = kernel_grid(7)
    np.testing.assert_array_equal(k, gabor(x, y, **KW))


def test_rotation_by_tau_rotates_the_kernel():
    a = gabor_kernel(9, beta_x=0.1, beta_y=0.05, f=0.9, phi=0.3)
    b = gabor_kernel(9, beta_x=0.1, beta_y=0.05, f=0.9, phi=0.3, tau=math.pi / 2)
    # x' = y for tau = pi/2: the kernel's rows become its columns
    np.testing.assert_allclose(b, a.T, atol=1e-12)


def test_quadrature_pair_combines_every_phase():
    x, y = kernel_grid(9)
    c0 = gabor(x, y, beta_x=0.1, beta_y=0.1, f=1.0)
    c1 = gabor(x, y, beta_x=0.1, beta_y=0.1, f=1.0, phi=math.pi / 2)
    for phi in np.linspace(0, 2 * math.pi, 7):
        np.testing.assert_allclose(gabor(x, y, beta_x=0.1, beta_y=0.1, f=1.0, phi=phi),
                                   math.cos(phi) * c0 + math.sin(phi) * c1, atol=1e-12)


@pytest.mark.parametrize("dtype, expected", [(np.int64, np.float64), (np.bool_, np.float64),
                                             (np.float16, np.float32), (np.float32, np.float32),
                                             (np.float64, np.float64)])
def test_dtype_rule(dtype, expected):
    x = np.arange(3).astype(dtype)
    assert gabor(x, x, beta_x=1, beta_y=1, f=1).dtype == expected
    assert gabor_naive(x, x, beta_x=1, beta_y=1, f=1).dtype == expected


def test_grating():
    g = grating((3, 5), f=0.7, theta=0.4, phi=0.2)
    x, y = np.meshgrid(np.arange(5.0) - 2, np.arange(3.0) - 1)
    np.testing.assert_allclose(g, np.cos(0.7 * (x * math.cos(0.4) + y * math.sin(0.4)) + 0.2))
    assert grating(4, f=1.0).shape == (4, 4)


def test_errors():
    with pytest.raises(ValueError, match=r"gabor: beta_x must be a finite number > 0; got -1"):
        gabor(0, 0, beta_x=-1, beta_y=1, f=1)
    with pytest.raises(ValueError, match=r"gabor_naive: beta_y must be a finite number > 0; got 0"):
        gabor_naive(0, 0, beta_x=1, beta_y=0, f=1)
    with pytest.raises(TypeError, match=r"gabor: f must be a finite number; got '1' \(str\)"):
        gabor(0, 0, beta_x=1, beta_y=1, f="1")
    with pytest.raises(ValueError, match=r"gabor: tau must be a finite number; got nan"):
        gabor(0, 0, beta_x=1, beta_y=1, f=1, tau=float("nan"))
    with pytest.raises(TypeError, match=r"gabor: x must be a real numeric array"):
        gabor("a", 0, beta_x=1, beta_y=1, f=1)
    with pytest.raises(ValueError, match=r"gabor: x and y must broadcast against each other; got shapes \(3,\) "
                                         r"and \(4,\)"):
        gabor(np.zeros(3), np.zeros(4), beta_x=1, beta_y=1, f=1)
    with pytest.raises(ValueError, match=r"gabor_kernel: size must be an int >= 1; got 0"):
        gabor_kernel(0, beta_x=1, beta_y=1, f=1)
    with pytest.raises(ValueError, match=r"gabor_kernel: beta_x must be a finite number > 0; got -2"):
        gabor_kernel(3, beta_x=-2, beta_y=1, f=1)
    with pytest.raises(TypeError, match=r"kernel_grid: size must be an int >= 1; got 2.5 \(float\)"):
        kernel_grid(2.5)
    with pytest.raises(ValueError, match=r"grating: size must be an int >= 1 or a pair \(height, width\); got "
                                         r"\(1, 2, 3\)"):
        grating((1, 2, 3), f=1)
    with pytest.raises(TypeError, match=r"grating: theta must be a finite number; got None"):
        grating(3, f=1, theta=None)
