"""Checkers for the exercises of the chapter *Variants of the basic convolution*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..variants import dilation_coverage, hdc_ok, tiled_conv2d, tiled_conv2d_cost
from . import Feedback, check_number, function_answer, real_array, show_value, whole_numbers

__all__ = ["check_tiled_params", "check_tiled_conv", "check_rates", "best_rates", "TILED_CASES"]


def check_tiled_params(answer: Any, tiles: int = 3, c_in: int = 16, c_out: int = 32, kernel: int = 5) -> Feedback:
    """Parameters (weights and tiled biases) of a tiled convolution with ``tiles`` kernels per direction."""
    right = tiled_conv2d_cost((1, c_in, 64, 64), (tiles, tiles, c_out, c_in, kernel, kernel), bias=True).params
    weights = tiles * tiles * c_out * c_in * kernel**2
    hints = {tiles * c_out * c_in * kernel**2 + tiles * c_out: "t is per direction: a 2-D tiling has t × t kernels",
             weights: "the weights are right; add the biases, tiled like the kernels (one per tile position "
                      "and output channel)",
             weights + c_out: "the biases are tiled too: one per tile position and output channel, not one per "
                              "output channel",
             c_out * c_in * kernel**2 + c_out: "that is an ordinary convolution; tiling keeps t × t kernels"}
    hints.pop(right, None)
    return check_number(answer, right, name="parameters", hints=hints, integer=True)


def _tiled_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1)
    cases = []
    for (c, o, h, w, k, th, tw) in [(1, 1, 5, 6, 2, 2, 2), (2, 3, 6, 5, 3, 2, 3), (1, 2, 4, 4, 1, 1, 2),
                                    (3, 1, 7, 7, 3, 5, 5), (2, 2, 6, 8, 2, 3, 1)]:
        cases.append((rng.standard_normal((1, c, h, w)), rng.standard_normal((th, tw, o, c, k, k))))
    return cases


#: The cases (x, weight) the checker of ``tiled_conv(x, weight)`` tries, in order.
TILED_CASES: tuple[tuple[np.ndarray, np.ndarray], ...] = tuple(_tiled_cases())


def check_tiled_conv(answer: Any) -> Feedback:
    """A function ``tiled_conv(x, weight)``: :func:`convbook.tiled_conv2d` without bias, stride 1, no padding."""
    problem = function_answer(answer, "tiled_conv(x, weight)")
    if problem is not None:
        return problem
    for x, weight in TILED_CASES:
        call = f"tiled_conv(x of shape {x.shape}, weight of shape {weight.shape})"
        right = tiled_conv2d(x, weight)
        try:
            got = answer(x.copy(), weight.copy())
        except Exception as err:  # the reader's code: any failure is feedback
            return Feedback(False, f"{call} raised {type(err).__name__}: {err}")
        a = real_array(got, "result")
        if isinstance(a, Feedback):
            return Feedback(False, f"{call}: {a.message}")
        if a.shape != right.shape:
            return Feedback(False, f"{call} returned shape {a.shape}; it should be {right.shape} (N, C_out, OH, OW)")
        if np.allclose(a, right, rtol=1e-7, atol=1e-9):
            continue
        th, tw = weight.shape[:2]
        swapped = tiled_conv2d(x, weight.transpose(1, 0, 2, 3, 4, 5)) if th == tw else None
        if swapped is not None and not np.allclose(swapped, right) and np.allclose(a, swapped):
            hint = "rows and columns of the tiling are swapped: row i uses tile i % t_h, column j tile j % t_w"
        elif np.allclose(a, tiled_conv2d(x, np.broadcast_to(weight[:1, :1], weight.shape))):
            hint = "every position used kernel (0, 0): position (i, j) must use kernel (i % t_h, j % t_w)"
        else:
            i, j = np.unravel_index(np.argmax(np.abs(a - right).max(axis=(0, 1))), right.shape[2:])
            hint = (f"first wrong at output position ({i}, {j}), which should use kernel "
                    f"({i % th}, {j % tw}): got {show_value(float(a[0, 0, i, j]))}, "
                    f"expected {show_value(float(right[0, 0, i, j]))}")
        return Feedback(False, f"{call}: {hint}")
    return Feedback(True, f"right: equal to convbook.tiled_conv2d on all {len(TILED_CASES)} cases")


def best_rates(kernel_size: int = 3, layers: int = 3) -> tuple[int, ...]:
    """The increasing list of ``layers`` rates with the largest receptive field and no holes, found by search.

    At most ``kernel_size ** layers`` inputs can be reached (one tap per layer on each path), so the rates sum to
    at most ``(kernel_size ** layers - 1) / (kernel_size - 1)``; every non-decreasing list up to that is tried.
    """
    limit = (kernel_size**layers - 1) // (kernel_size - 1)
    best: tuple[int, ...] = (1,) * layers
    for rates in itertools.combinations_with_replacement(range(1, limit + 1), layers):
        if sum(rates) > sum(best) and sum(rates) <= limit and hdc_ok(rates, kernel_size):
            best = rates
    return best


def check_rates(answer: Any, kernel_size: int = 3, layers: int = 3) -> Feedback:
    """``layers`` increasing dilation rates for ``kernel_size`` kernels: no holes and the largest receptive field."""
    rates = whole_numbers(answer, f"a list of {layers} dilation rates", length=layers)
    if isinstance(rates, Feedback):
        return rates
    if any(r < 1 for r in rates):
        return Feedback(False, f"dilation rates are whole numbers >= 1; got {rates}")
    right = list(best_rates(kernel_size, layers))
    field = 1 + (kernel_size - 1) * sum(rates)
    if sorted(rates) != rates:
        return Feedback(False, f"give the rates in increasing order, input side first; got {rates}")
    paths = kernel_size**layers
    if field > paths:
        return Feedback(False, f"rates {rates} give a {field}-pixel field along each axis, but each output is "
                               f"reached along only {kernel_size}^{layers} = {paths} paths: holes are certain")
    if not hdc_ok(rates, kernel_size):
        holes = int((~dilation_coverage(rates, kernel_size)).sum())
        return Feedback(False, f"rates {rates} leave {holes} of the {field} × {field} inputs unseen (gridding)"
                        + ("; they share a common factor" if math.gcd(*rates) > 1 else ""))
    if rates != right:
        return Feedback(False, f"rates {rates} see every input of their {field} × {field} field, but a larger "
                               f"field is possible: each output is reached along {kernel_size}^{layers} paths")
    return Feedback(True, f"right: rates {rates} see all {field} × {field} inputs, the largest field without holes")
