"""Checkers for the exercises of the chapter *The convolution operation*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..conv import conv2d_backward
from ..correlate import convolve2d, correlate2d
from ..cost import conv2d_cost
from ..matrix import conv_matrix
from ..shapes import mode_padding, output_size
from . import Feedback, check_array, check_number, function_answer, join_names, real_array, show_value, whole_numbers

__all__ = ["mode_sizes", "check_mode_sizes", "check_toeplitz", "check_input_gradient", "check_bias_count",
           "CORR2D_CASES", "check_corr2d", "check_find_kernel", "find_kernel_pair"]


def mode_sizes(m: int, k: int) -> tuple[int, int, int]:
    """Output lengths of a length-``m`` signal and a length-``k`` kernel in modes valid, same, full."""
    return tuple(output_size(m, k, padding=mode_padding(k, mode)) for mode in ("valid", "same", "full"))


def check_mode_sizes(answer: Any, m: int = 28, k: int = 5) -> Feedback:
    """``(valid, same, full)`` output lengths for a length-``m`` input and a length-``k`` kernel."""
    right = mode_sizes(m, k)
    names = ("valid", "same", "full")
    got = whole_numbers(answer, "three whole numbers (valid, same, full)", length=3, names=names)
    if isinstance(got, Feedback):
        return got
    got = tuple(got)
    if got == right:
        return Feedback(True, f"(valid, same, full) = {right}")
    if got == right[::-1]:
        return Feedback(False, "the order is (valid, same, full): valid is the smallest")
    negative = [n for n, g in zip(names, got) if g < 0]
    if negative:
        return Feedback(False, f"{join_names(negative)} {'is' if len(negative) == 1 else 'are'} negative, "
                               "but a length is at least 0")
    if got[0] == m - k:
        return Feedback(False, f"valid gives m - k + 1 = {right[0]} outputs, not m - k: count the first window too")
    wrong = [n for n, g, r in zip(names, got, right) if g != r]
    return Feedback(False, f"wrong for {join_names(wrong)}: the lengths are m - k + 1, m and m + k - 1")


def toeplitz(k: np.ndarray, n: int) -> np.ndarray:
    """The valid cross-correlation matrix of a 1-D kernel on length-``n`` inputs, shape (n - len(k) + 1, n)."""
    k = np.asarray(k, dtype=float)
    return conv_matrix(k[None, :], (1, n), "valid", sparse=False)


def check_toeplitz(answer: Any, k: np.ndarray, n: int) -> Feedback:
    """The matrix ``M`` with ``M @ x == correlate1d(x, k, 'valid')`` for length-``n`` inputs ``x``."""
    right = toeplitz(k, n)
    a = real_array(answer, "matrix")
    if isinstance(a, Feedback):
        return a
    if a.shape == right.shape:
        flipped = toeplitz(np.asarray(k, dtype=float)[::-1], n)
        if not np.allclose(flipped, right) and np.allclose(a, flipped):
            return Feedback(False, "this is the matrix of the convolution (kernel flipped); the layer "
                                   "computes the cross-correlation: row i holds k[0], k[1], ... from column i")
    return check_array(a, right, name="matrix")


def check_input_gradient(answer: Any, x: np.ndarray, w: np.ndarray, g: np.ndarray) -> Feedback:
    """Gradient of ``sum(g * correlate2d(x, w, 'valid'))`` with respect to the 2-D input ``x``."""
    x, w, g = (np.asarray(a, dtype=float) for a in (x, w, g))
    right = conv2d_backward(g[None, None], x[None, None], w[None, None])[0][0, 0]
    a = real_array(answer, "input gradient")
    if isinstance(a, Feedback):
        return a
    if a.shape == right.shape:
        unflipped = conv2d_backward(g[None, None], x[None, None], w[None, None, ::-1, ::-1])[0][0, 0]
        if not np.allclose(unflipped, right) and np.allclose(a, unflipped):
            return Feedback(False, "the gradient is the FULL convolution of g with w (kernel flipped), or "
                                   "equivalently the full cross-correlation of g with w rotated by 180 degrees; "
                                   "this answer used the kernel without the flip")
    return check_array(a, right, name="input gradient")


def check_bias_count(answer: Any, c_in: int = 3, c_out: int = 16, size: int = 32, k: int = 3) -> Feedback:
    """Biases of a convolutional layer ``c_in -> c_out`` with a ``k x k`` kernel on ``size x size`` inputs."""
    with_bias = conv2d_cost((1, c_in, size, size), (c_out, c_in, k, k), bias=True).params
    right = with_bias - conv2d_cost((1, c_in, size, size), (c_out, c_in, k, k)).params
    side = output_size(size, k)
    hints = {c_in: "one bias per INPUT channel is what the notes say; the bias is added to each output "
                   "channel, so there is one per output channel",
             c_out * side * side: "that is one bias per output unit, as in a locally connected layer; a "
                                  "convolution shares its bias across positions like its kernel",
             c_out * c_in: "biases are not per (input, output) pair: each output channel's sum gets one"}
    hints.pop(right, None)
    return check_number(answer, right, name="number of biases", hints=hints, integer=True)


#: The (input shape, kernel shape) pairs :func:`check_corr2d` tries, in order: square, non-square, 1 x n and n x 1.
CORR2D_CASES: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((4, 4), (2, 2)), ((5, 6), (3, 3)), ((6, 4), (2, 3)), ((3, 7), (1, 3)), ((7, 3), (4, 1)), ((4, 5), (4, 5)),
)


def _call(func: Callable[..., Any], x: np.ndarray, k: np.ndarray) -> tuple[Any, str | None]:
    """``func(x, k)`` on copies, or the words for what went wrong (never raises)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(x.copy(), k.copy()), None
    except (Exception, SystemExit) as e:  # the reader's code may raise anything
        return None, f"{type(e).__name__}: {show_value(str(e))}"


def _diagnose(got: np.ndarray, x: np.ndarray, k: np.ndarray, case: str) -> Feedback | None:
    """Why ``got`` is not ``correlate2d(x, k)`` (None when it is)."""
    right = correlate2d(x, k)
    (h, w), (kh, kw) = x.shape, k.shape
    if got.shape != right.shape:
        known = {(h - kh + 2, w - kw + 2): "one row and one column too many: the loop must stop at H - KH, "
                                           "range(H - KH + 1)",
                 (h, w): "the input's shape (as 'same' mode gives): valid keeps only the H - KH + 1 by "
                         "W - KW + 1 windows that fit inside",
                 (h + kh - 1, w + kw - 1): "the 'full' size; valid keeps only the windows that fit inside",
                 (h - kh, w - kw): "one row and one column short: the last window starts at H - KH, so the loop "
                                   "must run over range(H - KH + 1) (and likewise for the columns)",
                 right.shape[::-1]: "rows and columns swapped: the output has H - KH + 1 rows and W - KW + 1 "
                                    "columns"}
        why = known.get(got.shape, f"it must be (H - KH + 1, W - KW + 1) = {right.shape}")
        return Feedback(False, f"{case}: the output has shape {got.shape}, {why}")
    if np.allclose(got, right):
        return None
    flipped = convolve2d(x, k)
    if np.allclose(got, flipped) and not np.allclose(flipped, right):
        return Feedback(False, f"{case}: this is the convolution (kernel flipped); cross-correlation multiplies "
                               "x[i + a, j + e] by k[a, e], without reversing k")
    if right.shape[0] == right.shape[1] and np.allclose(got, right.T) and not np.allclose(right, right.T):
        return Feedback(False, f"{case}: rows and columns swapped: output [i, j] is the window whose top-left "
                               "corner is x[i, j] (row i, column j)")
    if np.allclose(got, right.T.reshape(right.shape)) and right.shape[0] != right.shape[1]:
        return Feedback(False, f"{case}: the values are in the wrong order (filled column by column?)")
    bad = ~np.isclose(got, right)
    i, j = (int(v) for v in np.argwhere(bad)[0])
    where = ""
    if (bad[:-1].sum() == 0 and bad[-1].any()) or (bad[:, :-1].sum() == 0 and bad[:, -1].any()):
        where = " (only the last row or column is wrong: an off-by-one at the border, e.g. a window cut short)"
    return Feedback(False, f"{case}: output [{i}, {j}] is {show_value(float(got[i, j]))} but should be "
                           f"sum(x[{i}:{i + kh}, {j}:{j + kw}] * k) = {show_value(float(right[i, j]))}{where}")


def check_corr2d(answer: Any, seed: int = 0) -> Feedback:
    """The reader's function ``corr2d(x, k)``: the valid 2-D cross-correlation, tried on :data:`CORR2D_CASES`.

    Each case is a random integer input and kernel (so that the sums are
    exact); the first mismatch is explained in words: no function, an
    exception, no array returned, the wrong shape (same/full size,
    off-by-one, swapped axes), the kernel flipped, or the first wrong entry.
    """
    problem = function_answer(answer, "corr2d(x, k)")
    if problem is not None:
        return problem
    rng = np.random.default_rng(seed)
    for shape, kshape in CORR2D_CASES:
        x = rng.integers(-5, 6, size=shape).astype(float)
        k = rng.integers(-3, 4, size=kshape).astype(float)
        case = f"on a {shape[0]} x {shape[1]} input with a {kshape[0]} x {kshape[1]} kernel"
        out, err = _call(answer, x, k)
        if err is not None:
            return Feedback(False, f"{case}, corr2d raised {err}")
        if out is None:
            return Feedback(False, f"{case}, corr2d returned None: does it end with return?")
        a = real_array(out, "output of corr2d")
        if isinstance(a, Feedback):
            return Feedback(False, f"{case}: {a.message}")
        if a.ndim != 2:
            return Feedback(False, f"{case}: the output should be 2-D, (H - KH + 1, W - KW + 1); got shape {a.shape}")
        verdict = _diagnose(a, x, k, case)
        if verdict is not None:
            return verdict
    return Feedback(True, f"corr2d agrees with the valid cross-correlation on all {len(CORR2D_CASES)} cases, "
                          "square, non-square and 1 x n kernels included")


def check_find_kernel(answer: Any, x: np.ndarray, y: np.ndarray) -> Feedback:
    """The kernel ``k`` (shape (2, 2)) with ``correlate2d(x, k) == y``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    kh, kw = x.shape[0] - y.shape[0] + 1, x.shape[1] - y.shape[1] + 1
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw)).reshape(-1, kh * kw)
    right = np.linalg.lstsq(windows, y.ravel(), rcond=None)[0].reshape(kh, kw)
    a = real_array(answer, "kernel")
    if isinstance(a, Feedback):
        return a
    if a.shape == right.shape and np.allclose(a[::-1, ::-1], right) and not np.allclose(a, right):
        return Feedback(False, "this kernel is rotated by 180 degrees: it is the kernel of the convolution, but "
                               "the image was made by cross-correlation")
    return check_array(a, right, name="kernel")


def find_kernel_pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An input ``x`` (5 x 6) and the image ``y = correlate2d(x, k)`` made from it by a hidden 2 x 2 kernel."""
    x = np.random.default_rng(seed).normal(size=(5, 6))
    return x, correlate2d(x, np.array([[1.0, -1.0], [0.5, 0.0]]))
