"""Checkers for the exercises of the chapter *Sparse interactions*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..connectivity import affected_outputs, conv_connectivity
from ..cost import conv2d_cost, locally_connected_cost
from ..receptive import receptive_field
from ..shapes import output_size
from . import Feedback, check_number

__all__ = ["check_receptive_field", "check_outputs_reached", "check_local_params"]


def check_receptive_field(answer: Any, layers: Sequence[tuple[int, int, int]]) -> Feedback:
    """Receptive field size of the stack ``layers`` of ``(kernel, stride, dilation)``."""
    rf = receptive_field(layers)
    ignore_stride = 1 + sum((k - 1) * d for k, _, d in layers)
    ignore_dilation = receptive_field([(k, s, 1) for k, s, _ in layers]).size
    hints = {ignore_stride: "this ignores the strides: after a stride-s layer, one step of the next kernel "
                            "moves s input pixels (the jump)",
             ignore_dilation: "this ignores the dilations: a dilated kernel spans (k - 1) * d + 1 positions",
             sum(k for k, _, _ in layers): "kernel sizes do not add: consecutive windows overlap, so each "
                                           "layer adds (k - 1) * d * jump"}
    hints.pop(rf.size, None)
    return check_number(answer, rf.size, name="receptive field", hints=hints, integer=True)


def check_outputs_reached(answer: Any, kernel: int = 5, depth: int = 3, n: int = 41) -> Feedback:
    """Units of the ``depth``-th of a stack of 'same' convolutions that the central input affects."""
    a = conv_connectivity(n, kernel, mode="same")
    right = len(affected_outputs([a] * depth, n // 2)[-1])
    hints = {kernel * depth: "the windows overlap: each layer adds kernel - 1 units, not kernel",
             kernel: "that is only the first layer: the effect spreads by kernel - 1 units per layer",
             n: "with sparse interactions an input does not reach every output of a shallow stack"}
    hints.pop(right, None)
    return check_number(answer, right, name="units reached", hints=hints, integer=True)


def check_local_params(answer: Any, c_in: int = 3, c_out: int = 8, size: int = 16, k: int = 3) -> Feedback:
    """Weights (no biases) of a locally connected layer ``c_in -> c_out``, ``k x k`` fields, valid, stride 1."""
    side = output_size(size, k)
    right = locally_connected_cost(c_out * side * side, c_in * k * k).params
    shared = conv2d_cost((1, c_in, size, size), (c_out, c_in, k, k)).params
    hints = {shared: "that is the convolution: without sharing every output position has its own kernel",
             c_out * size * size * c_in * k * k: f"outputs are {side} x {side} (valid), not {size} x {size}",
             c_out * side * side * k * k: "each kernel spans all input channels: c_in * k * k weights"}
    hints.pop(right, None)
    return check_number(answer, right, name="weights", hints=hints, integer=True)
