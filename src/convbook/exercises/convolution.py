"""Checkers for the exercises of the chapter *The convolution operation*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conv import conv2d_backward
from ..cost import conv2d_cost
from ..matrix import conv_matrix
from ..shapes import mode_padding, output_size
from . import Feedback, check_array, check_number, join_names, real_array, whole_numbers

__all__ = ["mode_sizes", "check_mode_sizes", "check_toeplitz", "check_input_gradient", "check_bias_count"]


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
