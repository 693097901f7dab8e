"""One dtype rule for the whole library (``convbook._checks.float_dtype``).

Integers and bools compute in float64 (exactly, where float64 holds the
result); float16 in float32; float32 stays float32; mixed inputs take
numpy's ``result_type`` of those. Functions that only move values (``shift``,
``im2col``) keep the input's dtype; measurements (errors, ranks) are Python floats or
float64. Every public operation is called here with every input dtype.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import convbook as cb
from convbook._checks import float_dtype

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64, np.float16, np.float32, np.float64]


def _data(shape, dtype, seed=0):
    values = np.random.default_rng(seed).integers(0, 2, size=shape)  # 0 and 1: the same numbers in every dtype
    return values.astype(dtype)


X4 = (2, 2, 6, 6)   # a small NCHW batch


def _first(out):
    return out[0] if isinstance(out, tuple) else out


# name -> function of one dtype that calls the operation with inputs of that dtype; every other input float64
# is avoided so that the expected dtype is float_dtype(dtype)
OPERATIONS = {
    "conv2d": lambda t: cb.conv2d(_data(X4, t), _data((3, 2, 3, 3), t, 1), _data((3,), t, 2), padding=1),
    "conv2d_naive": lambda t: cb.conv2d_naive(_data((1, 1, 4, 4), t), _data((1, 1, 2, 2), t, 1)),
    "conv2d_backward": lambda t: cb.conv2d_backward(_data((2, 3, 4, 4), t, 3), _data(X4, t), _data((3, 2, 3, 3), t, 1)),
    "conv_transpose2d": lambda t: cb.conv_transpose2d(_data(X4, t), _data((2, 3, 3, 3), t, 1), _data((3,), t, 2),
                                                      stride=2),
    "conv_transpose2d_naive": lambda t: cb.conv_transpose2d_naive(_data((1, 1, 3, 3), t), _data((1, 1, 2, 2), t, 1)),
    "correlate1d": lambda t: cb.correlate1d(_data((8,), t), _data((3,), t, 1), "full"),
    "convolve1d": lambda t: cb.convolve1d(_data((8,), t), _data((3,), t, 1), "same"),
    "correlate2d": lambda t: cb.correlate2d(_data((6, 7), t), _data((3, 2), t, 1), "full"),
    "convolve2d": lambda t: cb.convolve2d(_data((6, 7), t), _data((3, 2), t, 1)),
    "correlate2d_naive": lambda t: cb.correlate2d_naive(_data((5, 5), t), _data((2, 2), t, 1)),
    "locally_connected2d": lambda t: cb.locally_connected2d(_data((1, 2, 5, 5), t), _data((3, 3, 2, 2, 3, 3), t, 1)),
    "locally_connected2d_naive": lambda t: cb.locally_connected2d_naive(_data((1, 1, 3, 3), t),
                                                                        _data((2, 2, 1, 1, 2, 2), t, 1)),
    "conv_matrix": lambda t: cb.conv_matrix(_data((2, 2), t), (4, 4)),
    "matvec_naive": lambda t: cb.matvec_naive(_data((3, 4), t), _data((4,), t, 1)),
    "sparse_matvec_naive": lambda t: cb.sparse_matvec_naive(sp.csr_array(_data((3, 4), np.int64)).astype(
        np.float32 if t is np.float16 else t), _data((4,), t, 1)),   # scipy.sparse has no float16
    "max_pool2d": lambda t: cb.max_pool2d(_data(X4, t), 3, 2, 1),
    "max_pool2d_naive": lambda t: cb.max_pool2d_naive(_data(X4, t), 2),
    "max_pool2d_backward": lambda t: cb.max_pool2d_backward(_data((2, 2, 3, 3), t, 1), _data(X4, t), 2),
    "avg_pool2d": lambda t: cb.avg_pool2d(_data(X4, t), 3, 2, 1),
    "avg_pool2d_naive": lambda t: cb.avg_pool2d_naive(_data(X4, t), 2),
    "avg_pool2d_backward": lambda t: cb.avg_pool2d_backward(_data((2, 2, 3, 3), t, 1), X4, 2),
    "lp_pool2d": lambda t: cb.lp_pool2d(_data(X4, t), 2, 2),
    "lp_pool2d_naive": lambda t: cb.lp_pool2d_naive(_data(X4, t), 2, 2),
    "lp_pool2d_backward": lambda t: cb.lp_pool2d_backward(_data((2, 2, 3, 3), t, 1), _data(X4, t), 2, 2),
    "adaptive_avg_pool2d": lambda t: cb.adaptive_avg_pool2d(_data(X4, t), 4),
    "adaptive_max_pool2d": lambda t: cb.adaptive_max_pool2d(_data(X4, t), 4),
    "adaptive_pool2d_naive": lambda t: cb.adaptive_pool2d_naive(_data(X4, t), 4),
    "global_avg_pool2d": lambda t: cb.global_avg_pool2d(_data(X4, t)),
    "maxout": lambda t: cb.maxout(_data(X4, t), 2),
    "maxout_naive": lambda t: cb.maxout_naive(_data(X4, t), 2),
    "rotate": lambda t: cb.rotate(_data((6, 6), t), 30),
    "rescale": lambda t: cb.rescale(_data((6, 6), t), 1.5),
    "correlate_same": lambda t: cb.correlate_same(_data((2, 7), t), _data((3,), t, 1)),
    "correlate_circular": lambda t: cb.correlate_circular(_data((6, 6), t), _data((3, 3), t, 1)),
    "correlate_circular_fft": lambda t: cb.correlate_circular_fft(_data((6, 6), t), _data((3, 3), t, 1)),
    "circulant_matrix": lambda t: cb.circulant_matrix(_data((3,), t), 5),
    "conv_relu_stack": lambda t: cb.conv_relu_stack(_data((8,), t), [_data((3,), t, 1)]),
    "tiled_conv2d": lambda t: cb.tiled_conv2d(_data(X4, t), _data((2, 2, 3, 2, 3, 3), t, 1), _data((2, 2, 3), t, 2),
                                              padding=1),
    "tiled_conv2d_naive": lambda t: cb.tiled_conv2d_naive(_data((1, 1, 4, 4), t), _data((2, 1, 1, 1, 2, 2), t, 1)),
    "depthwise_separable_conv2d": lambda t: cb.depthwise_separable_conv2d(_data(X4, t), _data((2, 1, 3, 3), t, 1),
                                                                          _data((3, 2, 1, 1), t, 2)),
    "squeeze_excitation": lambda t: cb.squeeze_excitation(_data(X4, t), _data((1, 2), t, 1), _data((1,), t, 2),
                                                          _data((2, 1), t, 3), _data((2,), t, 4)),
}


def test_the_rule():
    assert float_dtype(np.int8) == np.float64 and float_dtype(np.bool_) == np.float64
    assert float_dtype(np.float16) == np.float32 and float_dtype(np.float32) == np.float32
    assert float_dtype(np.float32, np.float64) == np.float64 and float_dtype(np.int8, np.float32) == np.float64


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_follows_the_dtype_rule(name, dtype):
    out = OPERATIONS[name](dtype)
    outs = out if isinstance(out, tuple) else (out,)
    for o in outs:
        assert o.dtype == float_dtype(dtype), f"{name} on {np.dtype(dtype).name} gave {o.dtype}"
    if np.dtype(dtype).kind in "biu":   # integers compute exactly as float64 does
        exact = OPERATIONS[name](np.float64)
        for o, e in zip(outs, exact if isinstance(exact, tuple) else (exact,)):
            o = o.toarray() if sp.issparse(o) else o
            e = e.toarray() if sp.issparse(e) else e
            np.testing.assert_array_equal(o, e, err_msg=f"{name} on {np.dtype(dtype).name}")


def test_every_array_operation_is_covered():
    measured = {"shift", "im2col", "equivariance_map", "equivariance_error", "clean_border", "best_output_shift",
                "circulant_spectrum_rank", "operator_matrix", "cyclic_shift_matrix", "count_ops", "digits",
                "grace_hopper", "conv_connectivity", "dense_connectivity", "check_stack", "affected_outputs",
                "receptive_inputs", "adaptive_windows", "mode_padding", "channel_shuffle", "dilation_coverage",
                "hdc_ok", "hdc_rule", "tiled_conv2d_cost"}
    for name in cb.__all__:
        obj = getattr(cb, name)
        if not callable(obj) or isinstance(obj, type) or name in measured:
            continue
        module = obj.__module__.rsplit(".", 1)[-1]
        if module in ("conv", "correlate", "transpose", "local", "matrix", "pooling", "equivariance", "variants"):
            assert name in OPERATIONS, f"{name} needs a row in OPERATIONS"


def test_shift_and_im2col_move_values_and_keep_their_dtype():
    x = np.arange(6, dtype=np.int8)
    assert cb.shift(x, 2).dtype == np.int8 and cb.shift(x, 2).tolist() == [0, 0, 0, 1, 2, 3]
    assert cb.im2col(np.ones((1, 1, 3, 3), dtype=np.uint8), 2).dtype == np.uint8


def test_integers_that_overflowed_now_compute_exactly():
    x8 = np.full((1, 1, 3, 3), 100, dtype=np.int8)
    assert cb.locally_connected2d(x8, np.full((1, 1, 1, 1, 3, 3), 100, dtype=np.int8))[0, 0, 0, 0] == 90_000
    b = np.ones((1, 1, 3, 3), dtype=bool)
    assert cb.locally_connected2d(b, np.ones((1, 1, 1, 1, 3, 3), dtype=bool))[0, 0, 0, 0] == 9
    m = np.full((2, 3), 100, dtype=np.int8)
    assert cb.matvec_naive(m, np.full(3, 100, dtype=np.int8)).tolist() == [30_000.0, 30_000.0]
    big = np.full((1, 1, 3, 3), 65535, dtype=np.uint16)
    assert int(cb.conv2d(big, big)[0, 0, 0, 0]) == 38_653_526_025
    assert int(cb.correlate2d(big[0, 0], big[0, 0])[0, 0]) == 38_653_526_025
    x16 = np.full((1, 1, 3, 3), 3000, dtype=np.int16)
    assert int(cb.conv2d(x16, x16)[0, 0, 0, 0]) == 81_000_000


def test_the_weight_and_bias_dtypes_count():
    x = np.ones((1, 1, 3, 3), dtype=np.float32)
    w = np.full((1, 1, 3, 3), 0.1)   # float64
    assert cb.conv2d(x, w).dtype == np.float64
    assert cb.conv2d(x, x, np.zeros(1)).dtype == np.float64
    assert cb.conv_transpose2d(x, w).dtype == np.float64
