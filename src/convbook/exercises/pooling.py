"""Checkers for the exercises of the chapter *Pooling*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..chapters.pooling import vgg16_shapes
from ..pooling import avg_pool2d, max_pool2d, max_pool2d_backward
from ..shapes import output_size
from . import Feedback, check_array, check_number, real_array

__all__ = ["check_ceil_size", "check_vgg_positions", "check_avg_pool", "check_max_pool_grad"]


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
