"""Checkers for the exercises of the chapter *Parameter sharing*.

Every expected value is computed with the cost model, never typed in.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ..correlate import correlate2d
from ..cost import correlate2d_cost
from ..matrix import conv_matrix
from . import Feedback, check_array, check_number, function_answer, real_array

__all__ = ["check_horizontal_edge_flops", "check_sobel_nnz", "check_sobel_flops", "check_edge_image",
           "check_conv1d_matrix", "SOBEL_X"]

#: The Sobel kernel for horizontal gradients (responds to vertical edges).
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
_IMAGE = (280, 320)


def check_horizontal_edge_flops(answer: Any) -> Feedback:
    """FLOPs of the kernel ``[[-1], [1]]`` (along the height, so it finds horizontal edges) on the 280x320 image.

    Valid mode. The exercise "Horizontal edges" of the chapter.
    """
    right = correlate2d_cost(_IMAGE, (2, 1)).flops
    horizontal = correlate2d_cost(_IMAGE, (1, 2)).flops
    oh, ow = correlate2d_cost(_IMAGE, (2, 1)).output_shape
    hints = {
        horizontal: "that is the count for the horizontal kernel [-1, 1]; the vertical kernel "
                    f"shortens the height, so the output is {oh}x{ow}",
        oh * ow * 2: "that counts only the two multiplies per output; the sum adds one add",
        _IMAGE[0] * _IMAGE[1] * 3: f"the valid output is {oh}x{ow}, not the input size",
    }
    return check_number(answer, right, name="FLOPs", hints=hints, integer=True)



@cache
def _sobel_nnz() -> int:
    from ..matrix import conv_matrix

    return int(conv_matrix(SOBEL_X, _IMAGE).nnz)


def check_sobel_nnz(answer: Any) -> Feedback:
    """Nonzeros of the sparse matrix of ``SOBEL_X`` on the 280x320 image, valid mode."""
    right = _sobel_nnz()
    cost = correlate2d_cost(_IMAGE, SOBEL_X.shape)
    outputs = cost.output_shape[0] * cost.output_shape[1]
    hints = {
        9 * outputs: "the three zero taps of the kernel put no entry in the matrix",
        6 * _IMAGE[0] * _IMAGE[1]: f"the valid output is {cost.output_shape[0]}x{cost.output_shape[1]}",
    }
    return check_number(answer, right, name="nonzeros", hints=hints, integer=True)


def check_sobel_flops(answer: Any) -> Feedback:
    """FLOPs of both Sobel responses (x and y) by direct 3x3 correlation, valid mode."""
    one = correlate2d_cost(_IMAGE, (3, 3))
    outputs = one.output_shape[0] * one.output_shape[1]
    hints = {
        one.flops: "that is one kernel; the Sobel operator applies two (x and y)",
        2 * outputs * 18: "a sum of 9 products needs 8 adds, not 9",
        2 * outputs * 9: "that counts only the multiplies",
    }
    return check_number(answer, 2 * one.flops, name="FLOPs", hints=hints, integer=True)


def check_edge_image(answer: Any, image: np.ndarray) -> Feedback:
    """The edge image ``correlate2d(image, [[-1, 1]])`` computed by numpy slicing."""
    return check_array(answer, correlate2d(image, np.array([[-1.0, 1.0]])), name="edge image")


def _cases(count: int = 12, seed: int = 0) -> list[tuple[np.ndarray, int]]:
    """Kernels and input lengths on which a reader's matrix function is tried: the easy cases first."""
    cases = [(np.array([1.0, 2.0, 3.0]), 5), (np.array([4.0]), 3), (np.array([2.0, -1.0]), 2)]
    rng = np.random.default_rng(seed)
    while len(cases) < count:
        m = int(rng.integers(1, 5))
        n = int(rng.integers(m, 9))
        taps = rng.permutation(np.arange(1, 10))[:m] * rng.choice([-1.0, 1.0], size=m)
        cases.append((taps, n))
    return cases


def check_conv1d_matrix(answer: Any) -> Feedback:
    """A function ``matrix(k, n)`` returning the dense matrix of ``x -> correlate1d(x, k)`` (valid mode).

    The function is called on several kernels ``k`` (1-D float arrays) and
    input lengths ``n``, the easy cases first, and each result is compared
    with :func:`convbook.conv_matrix`; the feedback names the first case that
    differs and what is wrong there. Nothing the function does (raise, return
    text, a wrong shape, nan) escapes as a traceback.
    """
    problem = function_answer(answer, "matrix(k, n)")
    if problem is not None:
        return problem
    cases = _cases()
    for number, (k, n) in enumerate(cases, 1):
        where = f"for k = {k.tolist()}, n = {n} (case {number} of {len(cases)})"
        try:
            got = answer(k.copy(), n)
        except Exception as e:  # the reader's code: any error is feedback, not a traceback
            text = str(e) if len(str(e)) <= 200 else str(e)[:200] + "…"
            return Feedback(False, f"your function raised {type(e).__name__} {where}: {text}")
        if got is None or got is Ellipsis:
            return Feedback(False, f"your function returned {got} {where}: it should return the matrix "
                                   "(a missing return statement?)")
        if hasattr(got, "toarray") and not isinstance(got, np.ndarray):
            try:
                got = got.toarray()  # a scipy.sparse matrix is fine
            except Exception:
                return Feedback(False, f"your function returned {type(got).__name__} {where}, which has a toarray "
                                       "method that failed: return a numpy array")
        right = conv_matrix(k[None, :], (1, n), sparse=False)
        a = real_array(got, "the matrix")
        if isinstance(a, Feedback):
            return Feedback(False, f"{where}: {a.message}")
        if a.shape != right.shape:
            turned = " (that is the transpose)" if a.shape == right.shape[::-1] else ""
            return Feedback(False, f"{where}: the matrix has shape {a.shape}{turned} but should be {right.shape}: "
                                   "one row per output (n - len(k) + 1 of them), one column per input")
        if np.array_equal(a, conv_matrix(k[None, ::-1], (1, n), sparse=False)) \
                and not np.array_equal(a, right):
            return Feedback(False, f"{where}: that is the matrix of the true convolution, with the kernel flipped; "
                                   "the layers compute cross-correlation, so row i holds k[0], k[1], ... from "
                                   "column i on")
        verdict = check_array(a, right, name="the matrix", rtol=0.0, atol=1e-12)
        if not verdict:
            return Feedback(False, f"{where}: {verdict.message}")
    return Feedback(True, f"the matrix is right in all {len(cases)} cases (kernels of 1 to 4 taps, inputs of "
                          "up to 8 numbers)")
