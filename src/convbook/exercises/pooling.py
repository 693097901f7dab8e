"""Checkers for the exercises of the chapter *Pooling*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..chapters.pooling import vgg16_shapes
from ..pooling import avg_pool2d, max_pool2d, max_pool2d_backward
from ..shapes import output_size
from . import Feedback, check_array, check_number, function_answer, real_array, show_value

__all__ = ["check_ceil_size", "check_vgg_positions", "check_avg_pool", "check_max_pool_grad", "check_pooled_size",
           "POOLED_SIZE_CASES"]


def check_ceil_size(answer: Any) -> Feedback:
    """Output side of a 3x3 max pooling with stride 2, ``ceil_mode=True``, on a 112x112 map."""
    right = output_size(112, 3, 2, ceil_mode=True)
    hints = {output_size(112, 3, 2): "that is the floor convention; ceil mode rounds (112 - 3) / 2 up",
             112 // 2: "close, but check the formula: (112 - 3) / 2 = 54.5 before rounding, then + 1"}
    hints.pop(right, None)
    return check_number(answer, right, name="output size", hints=hints, integer=True)


def check_vgg_positions(answer: Any, size: int = 512) -> Feedback:
    """Number of positions of the class-score map of VGG-16 (FC run as convolutions) on a size x size image."""
    shapes = {layer.name: layer.shape for layer in vgg16_shapes(size)}
    c, h, w = shapes["fc8 as 1x1 conv"]
    pool5 = shapes["pool5"][1]
    hints = {pool5 * pool5: f"{pool5} x {pool5} (the input over 32) is the map before fc6; the 7x7 "
                            f"convolution that replaces fc6 shrinks it to {h} x {w}",
             h: "that is the side of the map; count positions in both directions"}
    hints.pop(h * w, None)
    return check_number(answer, h * w, name="positions", hints=hints, integer=True)


def check_avg_pool(answer: Any, x: np.ndarray) -> Feedback:
    """2x2 average pooling with stride 2 of a 2-D array ``x`` (even sides)."""
    return check_array(answer, avg_pool2d(np.asarray(x, float)[None, None], 2)[0, 0], name="pooled array")


def _overwritten(x: np.ndarray, g: np.ndarray, k: int) -> np.ndarray:
    """The common wrong gradient: each window writes (instead of adds) its gradient at its arg-max."""
    _, idx = max_pool2d(x[None, None], k, 1, return_indices=True)
    out = np.zeros(x.size)
    for i, v in zip(idx.ravel(), g.ravel()):
        out[i] = v
    return out.reshape(x.shape)


def check_max_pool_grad(answer: Any, x: np.ndarray, grad: np.ndarray, k: int = 2) -> Feedback:
    """Gradient w.r.t. ``x`` (2-D) of ``sum(grad * max_pool2d(x, k, stride=1))``."""
    x = np.asarray(x, float)
    right = max_pool2d_backward(np.asarray(grad, float)[None, None], x[None, None], k, 1)[0, 0]
    a = real_array(answer, "gradient")
    if isinstance(a, Feedback):
        return a
    if a.shape == right.shape:
        wrong = _overwritten(x, np.asarray(grad, float), k)
        if not np.allclose(wrong, right) and np.allclose(a, wrong):
            return Feedback(False, "overlapping windows can pick the same input as their maximum: "
                                   "their gradients must be added, not overwritten")
    return check_array(a, right, name="gradient")


def _pooled_size_cases() -> list[tuple[int, int, int, int, bool]]:
    """Cases (n, k, s, p, ceil) for :func:`check_pooled_size`: hand-picked ones where ceil mode matters, then random."""
    cases = [(6, 3, 2, 0, False), (6, 3, 2, 0, True), (112, 3, 2, 0, True), (5, 2, 2, 1, True), (5, 2, 2, 1, False),
             (2, 3, 2, 0, True), (7, 3, 3, 1, True), (4, 2, 3, 1, True), (10, 4, 3, 2, True), (9, 1, 4, 0, True)]
    rng = np.random.default_rng(0)
    while len(cases) < 300:
        k = int(rng.integers(1, 6))
        n, s, p, ceil = int(rng.integers(1, 25)), int(rng.integers(1, 5)), int(rng.integers(0, k // 2 + 1)), bool(
            rng.integers(0, 2))
        try:
            output_size(n, k, s, p, ceil_mode=ceil)
        except ValueError:
            continue
        cases.append((n, k, s, p, ceil))
    return cases


#: The cases the checker tries, in order: (n, k, s, p, ceil), every one a legal pooling in torch.
POOLED_SIZE_CASES: tuple[tuple[int, int, int, int, bool], ...] = tuple(_pooled_size_cases())


def _whole(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (int, numpy integer, or an integral finite float), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def check_pooled_size(answer: Any) -> Feedback:
    """A function ``pooled_size(n, k, s, p, ceil)``: outputs along one axis of a pooling, as torch counts them.

    The function is called on :data:`POOLED_SIZE_CASES` (window ``k``, stride
    ``s``, padding ``p`` on each side, floor or ceil mode) and compared with
    :func:`convbook.output_size`, which equals torch's ``max_pool2d``; the
    first mismatch is explained.
    """
    problem = function_answer(answer, "pooled_size(n, k, s, p, ceil)")
    if problem is not None:
        return problem
    for n, k, s, p, ceil in POOLED_SIZE_CASES:
        call = f"pooled_size(n={n}, k={k}, s={s}, p={p}, ceil={ceil})"
        try:
            got = answer(n, k, s, p, ceil)
        except Exception as err:  # the reader's code: any failure is feedback
            return Feedback(False, f"{call} raised {type(err).__name__}: {err}")
        right = output_size(n, k, s, p, ceil_mode=ceil)
        value = _whole(got)
        if value is None:
            return Feedback(False, f"{call} returned {show_value(got)}; it should return a whole number "
                                   f"(torch gives {right})")
        if value == right:
            continue
        span = n + 2 * p - k
        floor_count, up_count = span // s + 1, -(-span // s) + 1
        message = f"{call} returned {value}; torch gives {right}"
        if ceil and value == up_count:
            hint = (f"you rounded up, which adds a window starting at {(up_count - 1) * s - p}, beyond the last "
                    f"input ({n - 1}): torch drops a last window that would start in the right padding, "
                    f"i.e. when (out - 1) * s >= n + p")
        elif ceil and value == floor_count:
            hint = "that is the floor count; with ceil=True round (n + 2p - k) / s up"
        elif not ceil and value == up_count:
            hint = "that is the rounded-up count; with ceil=False round down"
        elif value in ((n - k) // s + 1, -(-(n - k) // s) + 1, (n + p - k) // s + 1):
            hint = "count the padding on both sides: the padded input has n + 2p positions"
        else:
            hint = "the last window must fit in the padded input of n + 2p positions"
        return Feedback(False, f"{message}: {hint}")
    return Feedback(True, f"right on all {len(POOLED_SIZE_CASES)} cases, floor and ceil mode, as torch counts")
