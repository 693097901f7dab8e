"""The windowing engine and the geometry every layer shares.

``unfold`` must equal torch's ``unfold``, ``fold`` must be its adjoint (and
equal torch's ``fold``), and a :class:`convbook.Geometry` must give the sizes
torch's layers produce, for convolution, pooling (ceil mode included) and
transposed convolution.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from convbook import Geometry
from convbook._windows import fold, unfold, windows

ints = st.integers


@st.composite
def conv_geometries(draw):
    h, w = draw(ints(1, 9)), draw(ints(1, 9))
    k = (draw(ints(1, 4)), draw(ints(1, 4)))
    s = (draw(ints(1, 3)), draw(ints(1, 3)))
    d = (draw(ints(1, 3)), draw(ints(1, 3)))
    p = (draw(ints(0, 2)), draw(ints(0, 2)))
    assume(all(dd * (kk - 1) + 1 <= n + 2 * pp for n, kk, dd, pp in zip((h, w), k, d, p)))
    return Geometry.conv((h, w), k, s, p, d)


@st.composite
def pool_geometries(draw):
    h, w = draw(ints(1, 9)), draw(ints(1, 9))
    k = (draw(ints(1, 4)), draw(ints(1, 4)))
    s = (draw(ints(1, 3)), draw(ints(1, 3)))
    p = (draw(ints(0, k[0] // 2)), draw(ints(0, k[1] // 2)))
    d = (draw(ints(1, 2)), draw(ints(1, 2)))
    ceil = draw(st.booleans())
    try:
        return Geometry.pool((h, w), k, s, p, d, ceil), ceil
    except ValueError:
        assume(False)


def _conv_args(g):
    return dict(kernel_size=g.kernel, dilation=g.dilation, padding=tuple(p for p, _ in g.padding), stride=g.stride)


@given(conv_geometries(), ints(0, 1000))
def test_unfold_equals_torch_unfold(g, seed):
    x = np.random.default_rng(seed).normal(size=(2, 3, *g.input_size))
    ours = unfold(x, g).reshape(2, 3 * g.kernel[0] * g.kernel[1], -1)
    np.testing.assert_array_equal(ours, F.unfold(torch.from_numpy(x), **_conv_args(g)).numpy())


@given(conv_geometries(), ints(0, 1000))
def test_fold_equals_torch_fold(g, seed):
    cols = np.random.default_rng(seed).normal(size=(2, 3, *g.kernel, *g.output_size))
    ref = F.fold(torch.from_numpy(cols.reshape(2, -1, g.output_size[0] * g.output_size[1])),
                 output_size=g.input_size, **_conv_args(g)).numpy()
    np.testing.assert_allclose(fold(cols, g), ref, atol=1e-12)


@given(st.one_of(conv_geometries(), pool_geometries().map(lambda gc: gc[0])), ints(0, 1000))
def test_fold_is_the_adjoint_of_unfold(g, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, *g.input_size))
    cols = rng.normal(size=(2, *g.kernel, *g.output_size))
    assert np.isclose(np.vdot(unfold(x, g), cols), np.vdot(x, fold(cols, g)), rtol=1e-10, atol=1e-10)


@given(pool_geometries())
def test_pool_geometry_gives_torchs_output_size(g_ceil):
    g, ceil = g_ceil
    x = torch.zeros(1, 1, *g.input_size)
    y = F.max_pool2d(x, g.kernel, g.stride, tuple(p for p, _ in g.padding), g.dilation, ceil_mode=ceil)
    assert tuple(y.shape[2:]) == g.output_size
    assert windows(np.zeros((1, 1, *g.input_size)), g, fill=-np.inf).shape == (1, 1, *g.output_size, *g.kernel)


@given(ints(1, 6), ints(1, 6), ints(1, 4), ints(1, 3), ints(0, 2), ints(0, 2), ints(1, 3))
def test_transposed_geometry_gives_torchs_output_size(h, w, k, s, p, op, d):
    assume(op < max(s, d))
    try:
        g = Geometry.transposed((h, w), k, s, p, op, d)
    except ValueError:
        with pytest.raises(RuntimeError):
            F.conv_transpose2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, k, k), stride=s, padding=p,
                               output_padding=op, dilation=d)
        return
    y = F.conv_transpose2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, k, k), stride=s, padding=p,
                           output_padding=op, dilation=d)
    assert tuple(y.shape[2:]) == g.input_size and g.output_size == (h, w)


def test_wrap_padding_reads_around_the_edge():
    g = Geometry.conv(5, 3, padding=((1, 1),))
    assert windows(np.arange(5.0), g, wrap=True)[0].tolist() == [4.0, 0.0, 1.0]
    assert windows(np.arange(5.0), g)[0].tolist() == [0.0, 0.0, 1.0]


def test_window_padding_drops_what_the_stride_skips_and_adds_the_ceil_overhang():
    assert Geometry.conv(7, 2, stride=3, padding=1).window_padding == ((1, 0),)  # windows at -1, 2, 5
    assert Geometry.pool(6, 3, stride=2, ceil_mode=True).window_padding == ((0, 1),)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Geometry.conv((5, 5), 7), r"Geometry.conv: the kernel \(7x7, dilation 1x1\) spans 7x7"),
        (lambda: Geometry.conv((5, 5), 3, padding="half"), r"padding must be 'valid', 'same', an int >= 0 or a pair"),
        (lambda: Geometry.conv((5, 5), 3, stride=(1, 2, 3)), r"stride must be an int >= 1 or a pair of them"),
        (lambda: Geometry.conv((), 3), r"input_size must have at least one axis"),
        (lambda: Geometry.pool((5, 5), 3, padding=2, caller="max_pool2d"), r"max_pool2d: padding must be at most half"),
        (lambda: Geometry.transposed((2, 2), 1, padding=1, caller="conv_transpose2d"),
         r"conv_transpose2d: padding=1 removes the whole output"),
        (lambda: Geometry.conv2d((1, 4, 5, 5), (2, 3, 3, 3)), r"input channels / groups = 4/1 = 4"),
        (lambda: Geometry.conv2d((1, 4, 5), (2, 4, 3, 3)), r"input_shape must be 4 ints \(N, C_in, H, W\)"),
    ],
)
def test_geometry_errors_name_the_caller_and_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
