"""Checkers for the exercises of the chapter *Structured outputs and data types*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..structured import aligned_offsets, dense_to_conv, prediction_grid_size
from . import Feedback, check_array, real_array, show_value, whole_numbers

__all__ = ["check_dense_to_conv", "check_grid_size", "check_aligned_offsets"]


def check_dense_to_conv(answer: Any, weight: np.ndarray, input_shape: tuple[int, int, int]) -> Feedback:
    """The convolution weight ``(C_out, C, H, W)`` equal to a dense ``weight`` that reads a ``(C, H, W)`` map."""
    w = np.asarray(weight, dtype=float)
    c, h, ww = input_shape
    right = dense_to_conv(w, input_shape)
    a = real_array(answer, "kernel")
    if isinstance(a, Feedback):
        return a
    if a.shape == right.shape:
        if not np.allclose(a, right):
            swapped = w.reshape(w.shape[0], c, ww, h).transpose(0, 1, 3, 2)
            channels_last = w.reshape(w.shape[0], h, ww, c).transpose(0, 3, 1, 2)
            if np.allclose(a, swapped):
                return Feedback(False, "kernel has rows and columns swapped: flattening a (C, H, W) map runs "
                                       "along W fastest, so reshape row o to (C, H, W), not (C, W, H)")
            if np.allclose(a, channels_last):
                return Feedback(False, "kernel was read channels-last: torch's flatten of (N, C, H, W) puts the "
                                       "channel first, so reshape each row to (C, H, W)")
    elif a.size == right.size:
        return Feedback(False, f"kernel has shape {a.shape} but a conv2d weight for this layer is "
                               f"{right.shape} = (C_out, C, H, W): reshape to that")
    return check_array(a, right, name="kernel")


def check_grid_size(answer: Any, input_size: tuple[int, int] = (40, 56), train_size: int = 8,
                    stride: int = 2) -> Feedback:
    """(rows, columns) of the prediction grid of a fully convolutional net on an ``input_size`` image."""
    right = prediction_grid_size(input_size, train_size, stride)
    assert isinstance(right, tuple)
    got = whole_numbers(answer, "two whole numbers (rows, columns)", length=2, names=("rows", "columns"))
    if isinstance(got, Feedback):
        return got
    if tuple(got) == right:
        return Feedback(True, f"(rows, columns) = {tuple(got)} is right")
    hints = {tuple(n - train_size + 1 for n in input_size): "that is every crop (stride 1): the net moves its "
                                                           f"window {stride} pixels at a time",
             tuple(n // stride for n in input_size): "that divides the whole input by the stride; the window "
                                                     "of the training size must fit: (n - t) / s + 1",
             tuple((n - train_size) // stride for n in input_size): "one short: the first crop, at offset 0, "
                                                                    "counts too (+ 1)",
             right[::-1]: "rows and columns are swapped: the image is height × width"}
    for wrong, why in hints.items():
        if tuple(got) == wrong and wrong != right:
            return Feedback(False, f"(rows, columns) = {tuple(got)} is not right: {why}")
    return Feedback(False, f"(rows, columns) = {tuple(got)} is not right; each axis has "
                           "floor((n - t) / s) + 1 positions")


def check_aligned_offsets(answer: Any, input_size: int = 20, train_size: int = 8, stride: int = 4) -> Feedback:
    """The offsets, along one axis of ``input_size``, of the crops a fully convolutional net evaluates."""
    right = aligned_offsets(input_size, train_size, stride)
    assert isinstance(right, list)
    got = whole_numbers(answer, "a list of whole numbers (crop offsets)", sets_ok=True)
    if isinstance(got, Feedback):
        return got
    if sorted(got) == right and len(set(got)) == len(got):
        return Feedback(True, f"offsets {sorted(got)} are right")
    if len(set(got)) != len(got):
        return Feedback(False, f"offsets {show_value(answer)} name an offset twice")
    every = list(range(input_size - train_size + 1))
    if sorted(got) == every:
        return Feedback(False, "that is every crop; the fully convolutional net only evaluates those whose "
                               f"offset is a multiple of its total stride {stride}")
    if set(right) < set(got):
        extra = sorted(set(got) - set(right))
        return Feedback(False, f"offsets {extra} are too many: a crop of {train_size} starting there does not "
                               f"fit in {input_size} pixels, or is not a multiple of the stride")
    missing = sorted(set(right) - set(got))
    return Feedback(False, f"offsets {sorted(got)} are not right: crops start at multiples of {stride} "
                           f"as long as they fit" + (f"; missing {missing}" if missing else ""))
