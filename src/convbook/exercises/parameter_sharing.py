"""Checkers for the exercises of the chapter *Parameter sharing*.

Every expected value is computed with the cost model, never typed in.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ..correlate import correlate2d
from ..cost import correlate2d_cost
from . import Feedback, check_array, check_number

__all__ = ["check_vertical_edge_flops", "check_sobel_nnz", "check_sobel_flops", "check_edge_image",
           "SOBEL_X"]

#: The Sobel kernel for horizontal gradients (responds to vertical edges).
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
_IMAGE = (280, 320)


def check_vertical_edge_flops(answer: Any) -> Feedback:
    """FLOPs of the kernel ``[[-1], [1]]`` (along the height) on the 280x320 image, valid mode."""
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
