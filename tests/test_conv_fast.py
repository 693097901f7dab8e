"""The fast paths of the layers (issue #16) equal torch and the loop specifications.

conv2d's im2col goes a few images at a time through one reused buffer (zeroed
once: the positions that read padding stay zero) and writes each matrix
product straight into the output; conv2d_backward does the same for the weight
gradient (a matrix product) and the input gradient (a product, then fold);
pooling reduces tap by tap, separably, without building the windows. These
tests force the small-buffer paths (several chunks, one image per chunk, a
small memory limit) and the shapes where the slices of a tap are empty or
cut (odd sizes, stride, dilation, padding, ceil mode).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convbook as cb
from convbook import conv as conv_module
from convbook._checks import float_dtype
from convbook._windows import fold, fold_into, tap_slices, unfold, unfold_into
from convbook.shapes import Geometry


def im2col_conv(x, w, b=None, **kw):
    """conv2d by its im2col path, whatever method='auto' would pick."""
    f = "conv2d"
    stride, padding, dilation, groups = (kw.get(k, d) for k, d in
                                         (("stride", 1), ("padding", 0), ("dilation", 1), ("groups", 1)))
    x, w, b, groups, geo = conv_module._check_layer(f, x, w, b, groups, stride, padding, dilation)
    dtype = float_dtype(x.dtype, w.dtype, *([] if b is None else [b.dtype]))
    return conv_module._conv2d_im2col(x, w, b, geo, groups, dtype)


def torch_conv(x, w, b, **kw):
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b), **kw).numpy()


@pytest.fixture
def small_chunks(monkeypatch):
    """One image's windows per chunk or a few: the loop over chunks runs several times."""
    monkeypatch.setattr(conv_module, "_IM2COL_CHUNK_BYTES", 1)


@pytest.fixture
def limit():
    previous = cb.get_memory_limit()
    yield
    cb.set_memory_limit(previous)


CASES = [
    # (N, C_in, H, W), (C_out, C_in/groups, KH, KW), kwargs
    ((5, 4, 9, 7), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ((3, 3, 8, 8), (4, 3, 3, 3), dict(padding="same")),
    ((3, 2, 6, 5), (4, 2, 4, 4), dict(padding="same", dilation=2)),
    ((4, 6, 11, 13), (6, 1, 3, 3), dict(stride=3, padding=1, groups=6)),        # depthwise
    ((2, 4, 7, 7), (8, 4, 1, 1), dict()),                                       # pointwise: no unfolding
    ((2, 4, 7, 7), (8, 2, 1, 1), dict(groups=2)),
    ((2, 4, 7, 7), (8, 4, 1, 1), dict(stride=2)),
    ((2, 4, 7, 7), (8, 4, 1, 1), dict(padding=1)),
    ((3, 2, 2, 3), (3, 2, 5, 5), dict(padding=2)),                              # taps that read only padding
    ((2, 1, 1, 1), (2, 1, 3, 3), dict(padding=3, dilation=3)),                 # only the centre tap reads input
]


@pytest.mark.parametrize("x_shape, w_shape, kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunks", ["default", "small"])
def test_im2col_conv2d_equals_torch_and_naive(x_shape, w_shape, kw, dtype, chunks, request, rng):
    if chunks == "small":
        request.getfixturevalue("small_chunks")
    x = rng.normal(size=x_shape).astype(dtype)
    w = rng.normal(size=w_shape).astype(dtype)
    b = rng.normal(size=w_shape[0]).astype(dtype)
    for bias in (None, b):
        ours = im2col_conv(x, w, bias, **kw)
        assert ours.dtype == dtype
        tol = 1e-4 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(ours, torch_conv(x, w, bias, **kw), rtol=tol, atol=tol)
        naive = cb.conv2d_naive(x.astype(np.float64), w.astype(np.float64), None if bias is None else
                                bias.astype(np.float64), **kw)
        np.testing.assert_allclose(ours, naive, rtol=tol, atol=tol)
        np.testing.assert_allclose(cb.conv2d(x, w, bias, **kw), ours, rtol=tol, atol=tol)


def test_a_batch_over_the_memory_limit_goes_one_image_at_a_time(limit, rng):
    x = rng.normal(size=(9, 3, 10, 10))
    w = rng.normal(size=(1, 3, 3, 3))
    cb.set_memory_limit(3 * 9 * 10 * 10 * 8 + 100)    # the output and one image's windows fit, two images' do not
    out = im2col_conv(x, w, padding=1)
    np.testing.assert_allclose(out, torch_conv(x, w, None, padding=1), atol=1e-12)


def test_the_buffer_is_reused_without_leaking_one_image_into_the_next(small_chunks, rng):
    x = rng.normal(size=(4, 2, 5, 5))
    x[1] = 1e6                                          # a large image between two ordinary ones
    w = rng.normal(size=(3, 2, 3, 3))
    np.testing.assert_allclose(im2col_conv(x, w, padding=2, stride=2), torch_conv(x, w, None, padding=2, stride=2),
                               rtol=1e-10, atol=1e-6)


def test_integers_compute_in_float64_and_float32_stays_float32(rng):
    x = rng.integers(-5, 5, size=(2, 2, 5, 5))
    w = rng.integers(-3, 3, size=(2, 2, 3, 3))
    assert im2col_conv(x, w).dtype == np.float64
    np.testing.assert_array_equal(im2col_conv(x, w), cb.conv2d_naive(x, w))
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    assert im2col_conv(x32, w32).dtype == np.float32
    assert im2col_conv(x32, w32.astype(np.float64)).dtype == np.float64
    assert all(g.dtype == np.float32 for g in cb.conv2d_backward(np.ones((2, 2, 3, 3), np.float32), x32, w32))


@pytest.mark.parametrize("x_shape, w_shape, kw", CASES)
@pytest.mark.parametrize("chunks", ["default", "small"])
def test_conv2d_backward_equals_autograd(x_shape, w_shape, kw, chunks, request, rng):
    if chunks == "small":
        request.getfixturevalue("small_chunks")
    x = rng.normal(size=x_shape)
    w = rng.normal(size=w_shape)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.zeros(w_shape[0], dtype=torch.float64, requires_grad=True)
    y = F.conv2d(tx, tw, tb, **kw)
    g = rng.normal(size=tuple(y.shape))
    y.backward(torch.from_numpy(g))
    for ours, ref in zip(cb.conv2d_backward(g, x, w, **kw), (tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_backward_float32_on_a_layer_with_many_images(small_chunks, rng):
    x = rng.normal(size=(7, 8, 12, 12)).astype(np.float32)
    w = rng.normal(size=(16, 8, 3, 3)).astype(np.float32)
    g = rng.normal(size=(7, 16, 12, 12)).astype(np.float32)
    refs = torch.ops.aten.convolution_backward(torch.from_numpy(g), torch.from_numpy(x), torch.from_numpy(w), [16],
                                               [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, True, True])
    for ours, ref in zip(cb.conv2d_backward(g, x, w, padding=1), refs):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-4, atol=1e-3)


# The windowing engine's tap slices


geometries = st.tuples(
    st.tuples(st.integers(1, 9), st.integers(1, 9)), st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)), st.tuples(st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
)


@settings(max_examples=200, deadline=None)
@given(geometries, st.booleans())
def test_unfold_into_and_fold_into_equal_unfold_and_fold(case, ceil):
    n, k, s, p, d = case
    try:
        g = (Geometry.pool(n, k, s, tuple(min(pp, kk // 2) for pp, kk in zip(p, k)), d, ceil) if ceil
             else Geometry.conv(n, k, s, p, d))
    except ValueError:
        return
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, *n))
    buffer = np.zeros((2, 3, *g.kernel, *g.output_size))
    np.testing.assert_array_equal(unfold_into(x, g, buffer), unfold(x, g))
    np.testing.assert_array_equal(unfold_into(x + 1, g, buffer), unfold(x + 1, g))     # reused: padding stays 0
    cols = rng.normal(size=buffer.shape)
    np.testing.assert_allclose(fold_into(cols, g, np.zeros_like(x)), fold(cols, g), atol=1e-12)


def test_tap_slices_leave_out_taps_that_read_only_padding():
    g = Geometry.conv((1, 1), (3, 3), padding=3, dilation=3)
    assert [t for t, _, _ in tap_slices(g)] == [(1, 1)]
    with pytest.raises(ValueError, match="unfold_into: buffer must end with"):
        unfold_into(np.ones((1, 1, 1, 1)), g, np.zeros((1, 1, 3, 3, 2, 2)))


# Pooling, tap by tap and separably


POOLS = [
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(4, 3), stride=(3, 1), padding=(2, 1), ceil_mode=True),
    dict(kernel_size=2, stride=3),                                   # inputs no window reads: phases left out
    dict(kernel_size=(2, 3), stride=(3, 2), padding=1, dilation=(2, 1)),
]


@pytest.mark.parametrize("kw", POOLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_equals_torch(kw, dtype, rng):
    x = rng.normal(size=(3, 4, 11, 10)).astype(dtype)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty, ti = F.max_pool2d(tx, return_indices=True, **kw)
    out, idx = cb.max_pool2d(x, return_indices=True, **kw)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, ty.detach().numpy())
    np.testing.assert_array_equal(idx, ti.numpy())
    g = rng.normal(size=out.shape).astype(dtype)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(cb.max_pool2d_backward(g, x, **kw), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
    avg_kw = {k: v for k, v in kw.items() if k != "dilation"}
    for cip in (True, False):
        ta = tx.detach().requires_grad_(True)
        ya = F.avg_pool2d(ta, count_include_pad=cip, **avg_kw)
        ours = cb.avg_pool2d(x, count_include_pad=cip, **avg_kw)
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, ya.detach().numpy(), rtol=1e-5, atol=1e-6)
        ga = rng.normal(size=ours.shape).astype(dtype)
        ya.backward(torch.from_numpy(ga))
        np.testing.assert_allclose(cb.avg_pool2d_backward(ga, x.shape, count_include_pad=cip, **avg_kw),
                                   ta.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_max_pool_backward_with_an_infinite_gradient_reaches_only_the_maximum():
    x = np.array([[1.0, 5.0], [3.0, 4.0]])[None, None]
    g = cb.max_pool2d_backward(np.array([[[[np.inf]]]]), x, 2)
    assert g[0, 0].tolist() == [[0.0, np.inf], [0.0, 0.0]]
