"""The efficient algorithms (convbook.algorithms): every method of conv2d and correlate2d equals the loop
specification and torch/scipy; separable and low-rank kernels; the cost of each method; every error message."""

import math

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convbook as cb
from convbook.algorithms import resolve_conv2d_method

pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
pads = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))
MODES = ["valid", "same", "full"]


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


@st.composite
def layers(draw, method="direct"):
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    if method == "winograd":
        kh = kw = 3
        stride = dilation = 1
    else:
        kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        stride = 1 if method == "fft" else draw(pairs)
        dilation = draw(pairs)
    padding = draw(st.one_of(pads, st.just("valid"), st.just("same") if stride == 1 else pads))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 10)), draw(st.integers(1, 10))
    p = (0, 0) if isinstance(padding, str) else _pair(padding)
    d = _pair(dilation)
    if padding != "same":
        assume(d[0] * (kh - 1) + 1 <= h + 2 * p[0] and d[1] * (kw - 1) + 1 <= w + 2 * p[1])
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(n, cin, h, w))
    wt = rng.normal(size=(cout, cin // groups, kh, kw))
    b = rng.normal(size=cout) if draw(st.booleans()) else None
    return x, wt, b, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def torch_conv(x, w, b, kw):
    tb = None if b is None else torch.tensor(b)
    return F.conv2d(torch.tensor(x), torch.tensor(w), tb, **kw).numpy()


# --- conv2d(method=) ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["direct", "im2col", "fft", "winograd", "auto"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_method_equals_the_specification_and_torch(method, data):
    x, w, b, kw = data.draw(layers("direct" if method in ("im2col", "auto") else method))
    out = cb.conv2d(x, w, b, **kw, method=method)
    np.testing.assert_allclose(out, cb.conv2d_naive(x, w, b, **kw), rtol=0, atol=1e-10)
    np.testing.assert_allclose(out, torch_conv(x, w, b, kw), rtol=0, atol=1e-10)
    assert out.dtype == np.float64 and out.flags.c_contiguous


@pytest.mark.parametrize("method", ["direct", "im2col", "fft", "winograd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int16, np.uint8, np.bool_])
def test_every_method_follows_the_dtype_rule(method, dtype, rng):
    x = rng.integers(0, 2, size=(2, 4, 9, 7)).astype(dtype)
    w = rng.integers(0, 2, size=(6, 2, 3, 3)).astype(dtype)
    b = rng.integers(0, 2, size=6).astype(dtype)
    out = cb.conv2d(x, w, b, padding=1, groups=2, method=method)
    assert out.dtype == cb.conv2d(x, w, b, padding=1, groups=2).dtype == (np.float64 if np.dtype(dtype).kind in "biu"
                                                                          else np.float32)
    exact = cb.conv2d_naive(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), padding=1, groups=2)
    # FFT: rounding ~ eps * (size of the image) -- documented tolerance; the others are exact on 0/1 data
    tol = {"fft": 1e-4 if out.dtype == np.float32 else 1e-10}.get(method, 0)
    np.testing.assert_allclose(out, exact, rtol=0, atol=tol)


@pytest.mark.parametrize("method", ["direct", "fft", "winograd"])
def test_float32_methods_match_torch_float32(method, rng):
    x = rng.normal(size=(2, 8, 33, 30)).astype(np.float32)
    w = rng.normal(size=(16, 8, 3, 3)).astype(np.float32)
    b = rng.normal(size=16).astype(np.float32)
    out = cb.conv2d(x, w, b, padding=1, method=method)
    ref = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), padding=1).numpy()
    assert out.dtype == np.float32
    scale = np.abs(x).max() * np.abs(w).sum(axis=(1, 2, 3)).max()   # the FFT's error scales with the whole image
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-6 * scale)


def test_fft_handles_dilation_and_large_kernels(rng):
    x, w = rng.normal(size=(1, 2, 40, 37)), rng.normal(size=(3, 2, 7, 5))
    for kw in (dict(dilation=(2, 3)), dict(padding="same"), dict(padding=(4, 1), dilation=2)):
        np.testing.assert_allclose(cb.conv2d(x, w, **kw, method="fft"), torch_conv(x, w, None, kw), atol=1e-10)


def test_winograd_odd_outputs_pad_the_last_tile(rng):
    for h, w in ((3, 3), (4, 5), (7, 6), (10, 11)):
        x, wt = rng.normal(size=(2, 3, h, w)), rng.normal(size=(4, 3, 3, 3))
        np.testing.assert_allclose(cb.conv2d(x, wt, method="winograd"), torch_conv(x, wt, None, {}), atol=1e-12)


@pytest.mark.parametrize(("method", "kwargs", "match"), [
    ("winograd", dict(w=(1, 1, 5, 5)), r"conv2d: method='winograd' needs a 3x3 kernel, stride 1 and dilation 1 "
                                        r"\(F\(2x2, 3x3\)\); got kernel 5x5, stride \(1, 1\), dilation \(1, 1\)"),
    ("winograd", dict(stride=2), r"method='winograd' needs a 3x3 kernel.*got kernel 3x3, stride \(2, 2\)"),
    ("winograd", dict(dilation=(1, 2)), r"method='winograd' needs .*dilation \(1, 2\)"),
    ("fft", dict(stride=(1, 2)), r"conv2d: method='fft' needs stride 1 .*got kernel 3x3, stride \(1, 2\).*"
                                 r"use method='im2col' or 'direct'"),
    ("gemm", {}, r"conv2d: method must be one of 'auto', 'direct', 'im2col', 'fft', 'winograd'; got 'gemm'"),
    (None, {}, r"conv2d: method must be one of .*; got None"),
])
def test_conv2d_method_errors(method, kwargs, match):
    w = np.ones(kwargs.pop("w", (1, 1, 3, 3)))
    with pytest.raises(ValueError, match=match):
        cb.conv2d(np.ones((1, 1, 8, 8)), w, **kwargs, method=method)


def test_argument_errors_come_before_the_method():
    with pytest.raises(ValueError, match="x must be 4-D"):
        cb.conv2d(np.ones((8, 8)), np.ones((1, 1, 3, 3)), method="winograd")


def test_fft_and_winograd_estimate_memory_first():
    previous = cb.set_memory_limit(300_000)
    try:
        with pytest.raises(cb.MemoryLimitError, match=r"conv2d: the input's spectrum \(method='fft', 64x64\)"):
            cb.conv2d(np.ones((1, 16, 64, 64)), np.ones((1, 16, 25, 25)), method="fft")
        cb.set_memory_limit(200_000)
        with pytest.raises(cb.MemoryLimitError,
                           match=r"conv2d: the transformed input tiles of one image \(method='winograd'\)"):
            cb.conv2d(np.ones((1, 8, 40, 40)), np.ones((8, 8, 3, 3)), method="winograd")
        with pytest.raises(cb.MemoryLimitError, match=r"correlate2d: the spectra of method='fft'"):
            cb.correlate2d(np.ones((100, 100)), np.ones((3, 3)), method="fft")
    finally:
        cb.set_memory_limit(previous)


# --- choosing a method ------------------------------------------------------------------------------------------------

def test_auto_follows_the_cost_rule():
    assert cb.choose_conv2d_method(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))) == "im2col"
    assert cb.choose_conv2d_method(np.ones((1, 1, 256, 256)), np.ones((1, 1, 21, 21))) == "fft"
    assert cb.choose_conv2d_method(np.ones((1, 1, 64, 64)), np.ones((1, 1, 9, 9)), stride=2) in ("direct", "im2col")
    for x_shape, w_shape in (((1, 1, 256, 256), (1, 1, 21, 21)), ((2, 3, 8, 8), (4, 3, 3, 3))):
        x, w = np.zeros(x_shape), np.zeros(w_shape)
        assert resolve_conv2d_method("conv2d", "auto", x, w, cb.Geometry.conv2d(x_shape, w_shape), 1) \
            == cb.choose_conv2d_method(x, w)


def test_measured_choice_times_every_applicable_method(rng):
    x, w = rng.normal(size=(1, 2, 12, 12)), rng.normal(size=(2, 2, 3, 3))
    name, seconds = cb.choose_conv2d_method(x, w, measure=True)
    assert set(seconds) == {"direct", "im2col", "fft", "winograd"} and name == min(seconds, key=seconds.get)
    assert all(s > 0 for s in seconds.values())
    name, seconds = cb.choose_conv2d_method(x, w, stride=2, measure=True)
    assert set(seconds) == {"direct", "im2col"}
    name, seconds = cb.choose_correlate2d_method(x[0, 0], w[0, 0], "same", measure=True)
    assert set(seconds) == {"direct", "fft"} and name in seconds


def test_correlate_choice():
    assert cb.choose_correlate2d_method(np.ones((512, 512)), np.ones((3, 3))) == "direct"
    assert cb.choose_correlate2d_method(np.ones((512, 512)), np.ones((31, 31)), "same") == "fft"
    assert cb.choose_correlate2d_method(np.ones((8, 8)), np.ones((3, 3)), "full") == "direct"


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: cb.choose_conv2d_method(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), measure=1), TypeError,
     r"choose_conv2d_method: measure must be True or False; got 1 \(int\)"),
    (lambda: cb.choose_conv2d_method(np.ones((1, 1, 4)), np.ones((1, 1, 3, 3))), ValueError,
     r"choose_conv2d_method: x must be 4-D"),
    (lambda: cb.choose_conv2d_method(np.ones((1, 2, 4, 4)), np.ones((1, 2, 3, 3)), groups=2), ValueError,
     r"choose_conv2d_method: groups=2 must divide both the input channels"),
    (lambda: cb.choose_correlate2d_method(np.ones((4, 4)), np.ones((5, 5))), ValueError,
     r"choose_correlate2d_method: kernel k with shape \(5, 5\) is larger than the input"),
    (lambda: cb.choose_correlate2d_method(np.ones((4, 4)), np.ones((3, 3)), "circular"), ValueError,
     r"choose_correlate2d_method: mode must be one of 'valid', 'same', 'full'; got 'circular'"),
    (lambda: cb.choose_correlate2d_method(np.ones((4, 4)), np.ones((3, 3)), measure="yes"), TypeError,
     r"choose_correlate2d_method: measure must be True or False"),
    (lambda: cb.correlate2d(np.ones((4, 4)), np.ones((3, 3)), method="winograd"), ValueError,
     r"correlate2d: method must be one of 'auto', 'direct', 'fft'; got 'winograd'"),
])
def test_choice_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- correlate2d(method=) ---------------------------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(h=st.integers(1, 14), w=st.integers(1, 14), kh=st.integers(1, 7), kw=st.integers(1, 7),
       mode=st.sampled_from(MODES), method=st.sampled_from(["direct", "fft", "auto"]), seed=st.integers(0, 2**16))
def test_correlate2d_methods_equal_scipy_and_the_loops(h, w, kh, kw, mode, method, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    assume(mode == "full" or (kh <= h and kw <= w))
    out = cb.correlate2d(x, k, mode, method=method)
    np.testing.assert_allclose(out, scipy.signal.correlate2d(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(out, cb.correlate2d_naive(x, k, mode), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.bool_])
def test_correlate2d_fft_dtype_and_tolerance(dtype, rng):
    x = rng.integers(0, 3, size=(300, 257)).astype(dtype)
    k = rng.integers(0, 3, size=(31, 30)).astype(dtype)
    out = cb.correlate2d(x, k, "same", method="fft")
    expected = scipy.signal.correlate2d(x.astype(np.float64), k.astype(np.float64), "same")
    assert out.dtype == cb.correlate2d(x, k, "same", method="direct").dtype
    eps = np.finfo(out.dtype).eps
    np.testing.assert_allclose(out, expected, rtol=0, atol=10 * eps * np.abs(x).max() * np.abs(k).sum())


# --- Winograd ---------------------------------------------------------------------------------------------------------

@given(seed=st.integers(0, 2**16))
def test_winograd_tile_is_a_valid_correlation(seed):
    rng = np.random.default_rng(seed)
    d, g = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(cb.winograd_tile(d, g), cb.correlate2d_naive(d, g), atol=1e-12)


def test_winograd_transforms_reconstruct_the_1d_algorithm():
    bt, g, at = cb.winograd_transforms()
    # F(2, 3) in 1-D: at @ ((g @ k) * (bt @ d)) is the valid correlation of d (4) with k (3)
    d, k = np.array([1.0, -2.0, 3.0, 5.0]), np.array([2.0, 0.5, -1.0])
    np.testing.assert_allclose(at @ ((g @ k) * (bt @ d)), np.correlate(d, k, "valid"))
    assert cb.winograd_transforms(np.float32)[0].dtype == np.float32
    with pytest.raises(TypeError, match="winograd_transforms: dtype must be a float dtype; got int64"):
        cb.winograd_transforms(np.int64)


def test_winograd_tile_counts_16_multiplies():
    bt, g, at = cb.winograd_transforms()
    u = g @ np.arange(9.0).reshape(3, 3) @ g.T
    v = bt @ np.arange(16.0).reshape(4, 4) @ bt.T
    ops, _ = cb.count_ops(lambda a, b: a * b, u, v)
    assert ops.multiplies == 16 == cb.conv2d_method_cost("winograd", (1, 1, 4, 4), (1, 1, 3, 3)).multiplies - 14
    assert cb.conv2d_method_cost("direct", (1, 1, 4, 4), (1, 1, 3, 3)).multiplies == 36


@pytest.mark.parametrize(("d", "g", "match"), [
    (np.ones((3, 3)), np.ones((3, 3)), r"winograd_tile: d must be a 4x4 input tile and g a 3x3 kernel; "
                                       r"got d.shape=\(3, 3\), g.shape=\(3, 3\)"),
    (np.ones((4, 4)), np.ones(3), r"winograd_tile: g must be 2-D \(3, 3\)"),
])
def test_winograd_tile_errors(d, g, match):
    with pytest.raises(ValueError, match=match):
        cb.winograd_tile(d, g)


# --- separable and low-rank kernels -----------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(kh=st.integers(1, 7), kw=st.integers(1, 7), r=st.integers(1, 7), seed=st.integers(0, 2**16),
       mode=st.sampled_from(MODES))
def test_a_rank_r_kernel_is_r_separable_passes(kh, kw, r, seed, mode):
    rng = np.random.default_rng(seed)
    r = min(r, kh, kw)
    k = rng.normal(size=(r, kh)).T @ rng.normal(size=(r, kw))
    assert cb.kernel_rank(k) == r
    cols, rows = cb.separable_factors(k)
    assert cols.shape == (r, kh) and rows.shape == (r, kw)
    np.testing.assert_allclose(np.einsum("ri,rj->ij", cols, rows), k, atol=1e-10)
    x = rng.normal(size=(kh + 5, kw + 3))
    np.testing.assert_allclose(cb.separable_correlate2d(x, k, mode), scipy.signal.correlate2d(x, k, mode), atol=1e-9)


def test_low_rank_error_is_eckart_young(rng):
    k = rng.normal(size=(7, 5))
    s = np.linalg.svd(k, compute_uv=False)
    for r in range(1, 6):
        approx, err = cb.low_rank_kernel(k, r)
        assert cb.kernel_rank(approx) == r
        assert err == pytest.approx(math.sqrt((s[r:] ** 2).sum() / (s ** 2).sum()), abs=1e-12)
        x = rng.normal(size=(12, 12))
        np.testing.assert_allclose(cb.separable_correlate2d(x, k, rank=r), cb.correlate2d(x, approx), atol=1e-10)
    assert cb.low_rank_kernel(np.zeros((3, 3)), 1)[1] == 0.0
    assert cb.kernel_rank(np.zeros((3, 3))) == 0 and cb.kernel_rank(np.eye(3), tol=1.5) == 0


def test_separable_dtypes(rng):
    x, k = rng.normal(size=(20, 20)).astype(np.float32), np.outer([1, 2, 1], [1, 0, -1]).astype(np.int8)
    assert cb.separable_correlate2d(x, k.astype(np.float16)).dtype == np.float32
    assert cb.separable_correlate2d(x, k).dtype == np.float64   # float32 with an integer kernel: float64
    assert cb.separable_correlate2d(x.astype(np.int16), k).dtype == np.float64
    assert cb.separable_factors(k)[0].dtype == np.float64
    assert cb.low_rank_kernel(k.astype(np.float32), 1)[0].dtype == np.float32


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: cb.separable_factors(np.ones((3, 4)), rank=4), ValueError,
     r"separable_factors: rank must be between 1 and min\(KH, KW\) = 3 for k.shape=\(3, 4\); got 4"),
    (lambda: cb.separable_factors(np.ones((3, 4)), rank=0), ValueError, r"separable_factors: rank must be an int >= 1"),
    (lambda: cb.low_rank_kernel(np.ones((3, 3)), None), TypeError, r"low_rank_kernel: rank must be an int >= 1"),
    (lambda: cb.low_rank_kernel(np.ones((3, 3)), 1.5), TypeError, r"low_rank_kernel: rank must be an int >= 1"),
    (lambda: cb.kernel_rank(np.ones(3)), ValueError, r"kernel_rank: k must be 2-D \(KH, KW\)"),
    (lambda: cb.kernel_rank(np.ones((3, 3)), tol=-1), ValueError, r"kernel_rank: tol must be a number >= 0"),
    (lambda: cb.kernel_rank(np.array([["a"]])), TypeError, r"kernel_rank: k must be a real numeric array"),
    (lambda: cb.separable_correlate2d(np.ones((3, 3)), np.ones((4, 4))), ValueError,
     r"separable_correlate2d: kernel k with shape \(4, 4\) is larger than the input"),
    (lambda: cb.separable_correlate2d(np.ones((3, 3)), np.ones((2, 2)), "wrap"), ValueError,
     r"separable_correlate2d: mode must be one of"),
])
def test_separable_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- the cost model of each method ------------------------------------------------------------------------------------

def test_direct_and_im2col_cost_what_conv2d_cost_counts():
    args = ((2, 6, 20, 17), (4, 3, 5, 3))
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    base = cb.conv2d_cost(*args, **kw)
    for method in ("direct", "im2col"):
        c = cb.conv2d_method_cost(method, *args, **kw)
        assert (c.multiplies, c.adds, c.params, c.output_shape) == (base.multiplies, base.adds, base.params,
                                                                   base.output_shape)
    x = np.ones(args[0])
    cols = cb.im2col(x, (5, 3), (2, 1), 1, (1, 2))
    assert cb.conv2d_method_cost("im2col", *args, **kw).nbytes == cols.nbytes      # the k^2 copy, measured
    assert cb.conv2d_method_cost("im2col", *args, **kw, itemsize=4).nbytes == cols.astype(np.float32).nbytes


def test_winograd_cost_counts():
    c = cb.conv2d_method_cost("winograd", (2, 4, 9, 8), (6, 2, 3, 3), padding=1, groups=2)
    tiles = 2 * 5 * 4                                  # 9x8 outputs: 5x4 tiles of 2x2, per image
    assert c.multiplies == tiles * 6 * 2 * 16 + 6 * 2 * 14
    assert c.adds == tiles * 6 * 16 * 1 + tiles * 4 * 32 + tiles * 6 * 24 + 6 * 2 * 28
    assert c.nbytes == 16 * (tiles * 4 + 6 * 2 + tiles * 6) * 8
    direct = cb.conv2d_method_cost("direct", (2, 4, 64, 64), (6, 2, 3, 3), padding=1, groups=2)
    wino = cb.conv2d_method_cost("winograd", (2, 4, 64, 64), (6, 2, 3, 3), padding=1, groups=2)
    assert direct.multiplies / wino.multiplies == pytest.approx(36 / 16, rel=0.01)


def test_fft_cost_counts():
    c = cb.conv2d_method_cost("fft", (1, 1, 30, 30), (1, 1, 3, 3), padding=1)
    n = 32 * 32                                        # 32 is a fast size; rfft keeps 32 x 17 frequencies
    assert c.multiplies == 3 * round(n * 10) + 32 * 17 * 4
    assert c.adds == 3 * round(1.5 * n * 10) + 32 * 17 * 2
    assert c.nbytes == 3 * 32 * 17 * 16
    assert cb.conv2d_method_cost("fft", (1, 1, 30, 30), (1, 1, 3, 3), padding=1, itemsize=4).nbytes == c.nbytes // 2


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (("gemm", (1, 1, 4, 4), (1, 1, 3, 3)), {}, r"conv2d_method_cost: method must be one of 'direct', 'im2col', "
                                                r"'fft', 'winograd'; got 'gemm'"),
    (("fft", (1, 1, 4, 4), (1, 1, 3, 3)), dict(stride=2), r"conv2d_method_cost: method='fft' needs stride 1; "
                                                           r"got stride \(2, 2\)"),
    (("winograd", (1, 1, 6, 6), (1, 1, 5, 5)), {}, r"conv2d_method_cost: method='winograd' needs a 3x3 kernel, "
                                                   r"stride 1 and dilation 1; got kernel 5x5"),
    (("direct", (1, 1, 4, 4), (1, 2, 3, 3)), {}, r"conv2d_method_cost: the weight must have input channels"),
])
def test_conv2d_method_cost_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cb.conv2d_method_cost(*args, **kwargs)


def _separable_naive(x, cols, rows):
    """r passes of a column then a row filter, one product at a time (for count_ops)."""
    kh, kw = cols.shape[1], rows.shape[1]
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    total = None
    for col, row in zip(cols, rows):
        mid = np.empty((oh, x.shape[1]), dtype=object)
        for i in range(oh):
            for j in range(x.shape[1]):
                acc = None
                for a in range(kh):
                    p = x[i + a, j] * col[a]
                    acc = p if acc is None else acc + p
                mid[i, j] = acc
        out = np.empty((oh, ow), dtype=object)
        for i in range(oh):
            for j in range(ow):
                acc = None
                for b in range(kw):
                    p = mid[i, j + b] * row[b]
                    acc = p if acc is None else acc + p
                out[i, j] = acc
        total = out if total is None else total + out
    return total


@pytest.mark.parametrize(("kshape", "rank", "xshape"), [((3, 3), 1, (8, 9)), ((5, 2), 2, (7, 6)), ((1, 4), 1, (3, 5))])
def test_separable_cost_counts_what_the_passes_do(kshape, rank, xshape, rng):
    cols, rows = rng.normal(size=(rank, kshape[0])), rng.normal(size=(rank, kshape[1]))
    x = rng.normal(size=xshape)
    ops, out = cb.count_ops(_separable_naive, x, cols, rows)
    oshape = (xshape[0] - kshape[0] + 1, xshape[1] - kshape[1] + 1)
    costs = cb.separable_cost(kshape, rank, oshape)
    assert (ops.multiplies, ops.adds) == (costs["separable"].multiplies, costs["separable"].adds)
    k = np.einsum("ri,rj->ij", cols, rows)
    np.testing.assert_allclose(out, cb.correlate2d(x, k), atol=1e-10)
    full_ops, _ = cb.count_ops(cb.correlate2d_naive, x, k)
    assert (full_ops.multiplies, full_ops.adds) == (costs["full"].multiplies, costs["full"].adds)


def test_separable_cost_in_d_dimensions():
    # w^d against about r*w*d multiplies per output, for a w-wide cube in d dimensions
    for d in (1, 2, 3):
        c = cb.separable_cost((9,) * d, 1, (1000,) * d)
        per_output = c["separable"].multiplies / 1000 ** d
        assert c["full"].multiplies == 9 ** d * 1000 ** d and 9 * d <= per_output < 9 * d * 1.03
    assert cb.separable_cost((5, 5), 2, (10, 10))["separable"].params == 20


@pytest.mark.parametrize(("args", "exc", "match"), [
    (((3, 3), 4, (5, 5)), ValueError, r"separable_cost: rank must be at most the smallest kernel side 3"),
    (((3, 3), 0, (5, 5)), ValueError, r"separable_cost: rank must be an int >= 1"),
    (((3, 3), 1, (5,)), ValueError, r"separable_cost: kernel_shape and output_shape must have one entry per axis"),
    ((3, 1, (5,)), ValueError, r"separable_cost: kernel_shape must be a tuple of ints, one per axis; got 3"),
    (((3, 0), 1, (5, 5)), ValueError, r"separable_cost: kernel_shape must be an int >= 1"),
])
def test_separable_cost_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        cb.separable_cost(*args)


def _bt(d):
    """BT applied to four numbers: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (4 adds)."""
    return [d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]]


def _g(g):
    """G applied to three numbers: g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2 (4 adds, 2 halvings)."""
    return [g[0], (g[0] + g[1] + g[2]) * 0.5, (g[0] - g[1] + g[2]) * 0.5, g[2]]


def _at(m):
    """AT applied to four numbers: m0 + m1 + m2, m1 - m2 - m3 (4 adds)."""
    return [m[0] + m[1] + m[2], m[1] - m[2] - m[3]]


def _winograd_naive(x, w):
    """F(2x2, 3x3) one scalar operation at a time (no padding, even output sides), for count_ops."""
    _, c, h, wd = x.shape
    o = w.shape[0]
    u = [[None] * c for _ in range(o)]
    for oc in range(o):
        for ic in range(c):
            cols = [_g([w[oc, ic, a, b] for a in range(3)]) for b in range(3)]           # G g: 4 x 3
            u[oc][ic] = [_g([cols[b][i] for b in range(3)]) for i in range(4)]          # (G g) Gt: 4 x 4
    out = np.empty((1, o, h - 2, wd - 2), dtype=object)
    for ti in range(0, h - 2, 2):
        for tj in range(0, wd - 2, 2):
            v = []
            for ic in range(c):
                cols = [_bt([x[0, ic, ti + a, tj + b] for a in range(4)]) for b in range(4)]   # BT d
                v.append([_bt([cols[b][i] for b in range(4)]) for i in range(4)])            # (BT d) B
            for oc in range(o):
                m = [[None] * 4 for _ in range(4)]
                for i in range(4):
                    for j in range(4):
                        acc = None
                        for ic in range(c):
                            p = u[oc][ic][i][j] * v[ic][i][j]
                            acc = p if acc is None else acc + p
                        m[i][j] = acc
                cols = [_at([m[i][j] for i in range(4)]) for j in range(4)]              # AT M: 2 x 4
                for i in range(2):
                    y = _at([cols[j][i] for j in range(4)])                              # (AT M) A
                    out[0, oc, ti + i, tj], out[0, oc, ti + i, tj + 1] = y
    return out


def test_winograd_cost_counts_what_the_algorithm_does(rng):
    x, w = rng.normal(size=(1, 2, 6, 8)), rng.normal(size=(3, 2, 3, 3))
    ops, out = cb.count_ops(_winograd_naive, x, w)
    np.testing.assert_allclose(out, cb.conv2d(x, w, method="winograd"), atol=1e-12)
    c = cb.conv2d_method_cost("winograd", x.shape, w.shape)
    assert (ops.multiplies, ops.adds) == (c.multiplies, c.adds)


def test_winograd_goes_a_few_images_at_a_time(rng, monkeypatch):
    import convbook.algorithms as alg
    monkeypatch.setattr(alg, "_WINOGRAD_CHUNK_BYTES", 1)      # one image per step
    x, w = rng.normal(size=(3, 4, 7, 9)), rng.normal(size=(6, 2, 3, 3))
    np.testing.assert_allclose(cb.conv2d(x, w, padding=1, groups=2, method="winograd"),
                               torch_conv(x, w, None, dict(padding=1, groups=2)), atol=1e-12)


def _count_winograd_chunks(monkeypatch):
    import convbook.algorithms as alg
    calls = []
    chunk = alg._winograd_chunk

    def counted(x, u, geo, r0, nr, buf, out):
        calls.append((x.shape[0], r0, nr))
        return chunk(x, u, geo, r0, nr, buf, out)

    monkeypatch.setattr(alg, "_winograd_chunk", counted)
    return calls


@pytest.mark.parametrize("chunk_bytes", [1, 3_000, 20_000, 100_000, 10**7])
@pytest.mark.parametrize(("shape", "wshape", "kw"), [
    ((3, 4, 9, 7), (6, 2, 3, 3), dict(padding=1, groups=2)),         # odd output sides: the last tile overhangs
    ((2, 3, 12, 10), (5, 3, 3, 3), dict(padding=(2, 0))),            # rows of padding only, more than one
    ((5, 2, 4, 11), (4, 2, 3, 3), dict(padding="same")),
    ((2, 6, 15, 16), (6, 1, 3, 3), dict(padding=(0, 2), groups=6)),  # depthwise
    ((1, 2, 3, 3), (2, 2, 3, 3), {}),                                # one output
    ((2, 2, 3, 5), (3, 2, 3, 3), dict(padding=(4, 3))),              # bands of padding only
])
def test_winograd_chunks_of_images_and_bands_of_rows(chunk_bytes, shape, wshape, kw, rng, monkeypatch):
    import convbook.algorithms as alg
    monkeypatch.setattr(alg, "_WINOGRAD_CHUNK_BYTES", chunk_bytes)
    calls = _count_winograd_chunks(monkeypatch)
    x, w, b = rng.normal(size=shape), rng.normal(size=wshape), rng.normal(size=wshape[0])
    out = cb.conv2d(x, w, b, **kw, method="winograd")
    np.testing.assert_allclose(out, torch_conv(x, w, b, kw), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out, cb.conv2d_naive(x, w, b, **kw), rtol=0, atol=1e-12)
    assert out.flags.c_contiguous and out.shape == torch_conv(x, w, b, kw).shape
    th = -(-out.shape[2] // 2)
    # every tile row of every image exactly once: chunks of whole images, or bands of rows of one image
    covered, image = [], 0
    for k, r0, nr in calls:
        covered += [(i, r) for i in range(image, image + k) for r in range(r0, r0 + nr)]
        image += k if r0 + nr == th else 0
    assert sorted(covered) == [(i, r) for i in range(shape[0]) for r in range(th)]
    assert sum(nr * k for k, _, nr in calls) == shape[0] * th
    if chunk_bytes == 1:
        assert all(k == 1 and nr == 1 for k, _, nr in calls)          # one row of tiles of one image at a time
    if chunk_bytes == 10**7:
        assert len(calls) == 1                                        # the whole batch at once


def test_winograd_bands_stay_within_a_small_memory_limit(rng, monkeypatch):
    calls = _count_winograd_chunks(monkeypatch)
    x, w = rng.normal(size=(3, 4, 21, 19)), rng.normal(size=(6, 4, 3, 3))
    expected = torch_conv(x, w, None, dict(padding=1))
    previous = cb.set_memory_limit(100_000)   # one image's tiles fit (84,480 bytes), the default chunk does not
    try:
        out = cb.conv2d(x, w, padding=1, method="winograd")
    finally:
        cb.set_memory_limit(previous)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    # a quarter of the limit holds one row of tiles (16 * 11 tiles * 10 channels * 8 bytes): bands of one row
    assert calls == [(1, r, 1) for _ in range(3) for r in range(11)]
    calls.clear()
    cb.conv2d(x, w, padding=1, method="winograd")
    assert calls == [(3, 0, 11)]                                      # without the limit: the whole batch at once


def test_winograd_float32_error_on_the_benchmark_layer(rng):
    # the medium layer of benchmarks/run.py (batch 2 instead of 8): Winograd's float32 rounding is about im2col's
    x = rng.normal(size=(2, 32, 32, 32)).astype(np.float32)
    w = (rng.normal(size=(64, 32, 3, 3)) / np.sqrt(9 * 32)).astype(np.float32)
    exact = F.conv2d(torch.tensor(x, dtype=torch.float64), torch.tensor(w, dtype=torch.float64), padding=1).numpy()
    scale = np.abs(x).max() * np.abs(w).sum(axis=(1, 2, 3)).max()
    errors = {m: np.abs(cb.conv2d(x, w, padding=1, method=m) - exact).max() for m in ("im2col", "winograd")}
    errors["torch"] = np.abs(F.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy() - exact).max()
    assert errors["winograd"] <= 1e-6 * scale                        # the tolerance the tests use for float32
    assert errors["winograd"] <= 2 * max(errors["im2col"], errors["torch"])   # measured: 0.35-0.6x im2col's


def test_winograd_junk_tiles_raise_no_warning(rng):
    import warnings
    x = rng.normal(size=(2, 3, 9, 13)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cb.conv2d(x, np.ones((2, 3, 3, 3), np.float32), padding=1, method="winograd")
    assert np.isfinite(out).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_auto_picks_winograd_on_the_benchmark_layers_only_with_enough_channels(dtype):
    def auto(x_shape, w_shape, **kw):
        return cb.choose_conv2d_method(np.zeros(x_shape, dtype), np.zeros(w_shape, dtype), **kw)

    # the layers of benchmarks/run.py and of the efficient chapter: Winograd measured 0.6-0.8 of im2col's time
    for n, c, h, o in ((8, 32, 32, 64), (16, 64, 56, 128), (1, 32, 32, 64)):
        assert auto((n, c, h, h), (o, c, 3, 3), padding=1) == "winograd"
    assert auto((8, 32, 32, 32), (64, 32, 3, 3), padding=1, stride=2) == "im2col"          # Winograd needs stride 1
    # fewer than 16 channels in or out per group: Winograd's transforms outweigh its savings (1.3-2.3x im2col's)
    assert auto((32, 8, 16, 16), (8, 8, 3, 3), padding=1) == "im2col"
    assert auto((1, 1, 256, 256), (1, 1, 3, 3), padding=1) == "im2col"
    assert auto((8, 64, 32, 32), (64, 1, 3, 3), padding=1, groups=64) == "im2col"          # depthwise
    assert auto((8, 64, 32, 32), (64, 16, 3, 3), padding=1, groups=4) == "winograd"       # 16 per group


def test_auto_keeps_im2col_for_small_layers_and_is_cached():
    x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
    assert cb.choose_conv2d_method(x, w) == "im2col"
    np.testing.assert_array_equal(cb.conv2d(x, w), cb.conv2d(x, w, method="im2col"))
    x32 = x.astype(np.float32)
    assert cb.choose_conv2d_method(x32, w.astype(np.float32)) == "im2col"
