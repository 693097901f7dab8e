import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from convbook import convolve1d, convolve2d, correlate1d, correlate2d, correlate2d_naive

MODES = ["valid", "same", "full"]


@given(n=st.integers(1, 20), m=st.integers(1, 20), mode=st.sampled_from(MODES), seed=st.integers(0, 2**16))
def test_1d_equals_numpy(n, m, mode, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=n), rng.normal(size=m)
    if m > n and mode != "full":
        if mode == "valid":
            with pytest.raises(ValueError, match="larger than the input"):
                correlate1d(x, k, mode)
        return
    np.testing.assert_allclose(correlate1d(x, k, mode), np.correlate(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(convolve1d(x, k, mode), np.convolve(x, k, mode), atol=1e-12)


@given(h=st.integers(1, 12), w=st.integers(1, 12), kh=st.integers(1, 6), kw=st.integers(1, 6),
       mode=st.sampled_from(MODES), seed=st.integers(0, 2**16))
def test_2d_equals_scipy(h, w, kh, kw, mode, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    if mode == "valid" and (kh > h or kw > w):
        with pytest.raises(ValueError, match=r"mode='valid' needs k.shape <= x.shape"):
            correlate2d(x, k, mode)
        return
    if mode == "same" and (kh > h or kw > w):
        return
    np.testing.assert_allclose(correlate2d(x, k, mode), scipy.signal.correlate2d(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(convolve2d(x, k, mode), scipy.signal.convolve2d(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(correlate2d_naive(x, k, mode), correlate2d(x, k, mode), atol=1e-12)


@pytest.mark.parametrize("kshape", [(2, 2), (2, 3), (4, 1), (1, 4), (3, 3)])
@pytest.mark.parametrize("mode", MODES)
def test_even_kernels_against_scipy(kshape, mode, rng):
    x, k = rng.normal(size=(7, 9)), rng.normal(size=kshape)
    np.testing.assert_allclose(correlate2d(x, k, mode), scipy.signal.correlate2d(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(convolve2d(x, k, mode), scipy.signal.convolve2d(x, k, mode), atol=1e-12)


def test_convolution_is_correlation_with_flipped_kernel(rng):
    x, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(convolve2d(x, k, "full"), correlate2d(x, k[::-1, ::-1], "full"), atol=1e-12)


def test_integer_input_gives_float():
    out = correlate2d(np.arange(12).reshape(3, 4), np.array([[1, -1]]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, -np.ones((3, 3)))


def test_float32_is_kept():
    out = correlate2d(np.ones((4, 4), np.float32), np.ones((2, 2), np.float32))
    assert out.dtype == np.float32


@pytest.mark.parametrize("fn", [correlate2d, convolve2d, correlate2d_naive])
def test_2d_errors(fn):
    with pytest.raises(ValueError, match=r"x must be 2-D \(H, W\); got 1-D array with shape \(4,\)"):
        fn(np.ones(4), np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"k must be 2-D \(KH, KW\); got 3-D"):
        fn(np.ones((4, 4)), np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match=r"mode must be one of 'valid', 'same', 'full'; got 'circular'"):
        fn(np.ones((4, 4)), np.ones((2, 2)), "circular")
    with pytest.raises(ValueError, match=r"kernel k with shape \(5, 1\) is larger than the input x with shape"):
        fn(np.ones((4, 4)), np.ones((5, 1)))
    with pytest.raises(ValueError, match=r"k must not be empty"):
        fn(np.ones((4, 4)), np.ones((0, 2)))


@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_2d_dtype_errors(fn):
    with pytest.raises(TypeError, match=r"x must be a real numeric array .* got dtype <U1"):
        fn(np.array([["a"]]), np.ones((1, 1)))
    with pytest.raises(TypeError, match=r"k must be a real numeric array .* got dtype complex128"):
        fn(np.ones((3, 3)), np.ones((2, 2), complex))


@pytest.mark.parametrize("fn", [correlate1d, convolve1d])
def test_1d_errors(fn):
    with pytest.raises(ValueError, match=r"x must be 1-D \(n,\); got 2-D"):
        fn(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match=r"mode must be one of"):
        fn(np.ones(5), np.ones(2), "wrap")


MIXED = [(np.float64, np.float32), (np.float32, np.float64), (np.float16, np.float64), (np.float64, np.float16),
         (np.int32, np.float32), (np.float32, np.int64)]


@pytest.mark.parametrize("xd, kd", MIXED)
@pytest.mark.parametrize("fn, shapes", [(correlate1d, ((11,), (4,))), (convolve1d, ((11,), (4,))),
                                        (correlate2d, ((6, 7), (3, 2))), (convolve2d, ((6, 7), (3, 2)))])
def test_mixed_dtypes_compute_in_the_wider_dtype(fn, shapes, xd, kd):
    rng = np.random.default_rng(3)
    x, k = (rng.normal(size=shapes[0]) * 10).astype(xd), (rng.normal(size=shapes[1]) * 10).astype(kd)
    common = np.result_type(*(np.float64 if np.dtype(d).kind in "iu" else d for d in (xd, kd)), np.float32)
    for mode in MODES:
        out = fn(x, k, mode)
        assert out.dtype == common
        # the same as casting both arguments to that dtype first, to the last bit
        np.testing.assert_array_equal(out, fn(x.astype(common), k.astype(common), mode))


@pytest.mark.parametrize("fn, x, k, padded", [(correlate2d, np.ones((10, 10)), np.ones((3, 3)), r"\(14, 14\)"),
                                              (convolve1d, np.ones(184), np.ones(7), r"\(196,\)")])
def test_padded_input_is_counted_in_its_own_dtype(fn, x, k, padded):
    import convbook as cb

    # 'full' padding: 14 x 14 = 184 + 6 + 6 = 196 entries, 784 bytes in float32, 1568 in float64
    x32, k32 = x.astype(np.float32), k.astype(np.float32)
    previous = cb.set_memory_limit(1000)
    try:
        assert fn(x32, k32, "full").dtype == np.float32
        message = rf"^{fn.__name__}: the padded input {padded} would take 1.53 KiB"
        with pytest.raises(cb.MemoryLimitError, match=message):
            fn(x32.astype(np.float64), k32, "full")
    finally:
        cb.set_memory_limit(previous)
