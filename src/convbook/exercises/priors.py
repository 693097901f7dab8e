"""Checkers for the exercises of the chapter *Convolution and pooling as an infinitely strong prior*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..priors import locality_mask, prior_costs
from . import Feedback, check_array, check_number

__all__ = ["check_sharing_saving", "check_failing_model", "check_mask", "MODEL_NAMES"]

#: The models of the chapter, in the order of ``convbook.chapters.priors.MODELS`` (kept here without torch).
MODEL_NAMES = ("MLP", "locally connected", "convolutional", "conv + max pool")


def check_sharing_saving(answer: Any, input_size: int = 16, kernel_size: int = 5) -> Feedback:
    """Parameters the sharing prior removes from a locally connected layer (valid windows, one channel, no bias)."""
    c = prior_costs(input_size, kernel_size)
    local, conv, full = (c[k].params for k in ("locally connected", "convolution", "fully connected"))
    out = input_size - kernel_size + 1
    hints = {local: f"that is what the locally connected layer has; the convolution keeps {conv} of them",
             conv: "that is what the convolution keeps; the question asks how many are removed",
             full - conv: "that compares with the fully connected layer; start from the locally connected one",
             full - local: "that is what locality removes from the fully connected layer; the question is sharing",
             (input_size ** 2 - 1) * kernel_size ** 2: f"the outputs are the {out} x {out} valid positions, "
                                                       f"not the {input_size} x {input_size} pixels"}
    hints.pop(local - conv, None)
    return check_number(answer, local - conv, name="parameters removed", hints=hints, integer=True)


def check_failing_model(answer: Any) -> Feedback:
    """The model that cannot tell left from right (global max pooling): its name or its index in ``MODEL_NAMES``."""
    right = MODEL_NAMES.index("conv + max pool")
    if isinstance(answer, str):
        names = [n.lower() for n in MODEL_NAMES]
        if answer.strip().lower() not in names:
            return Feedback(False, f"answer {answer!r} is not one of the chapter's models {list(MODEL_NAMES)}; "
                                   "give a name from that list or its index")
        answer = names.index(answer.strip().lower())
    hints = {i: f"the {name} keeps the digit's position: its last layer reads each position with its own weights"
             for i, name in enumerate(MODEL_NAMES) if i != right}
    fb = check_number(answer, right, name="index in ch.MODELS", hints=hints, integer=True)
    if fb.ok:
        return Feedback(True, "right: max pooling over the whole map gives the same output wherever the digit is")
    return fb


def check_mask(answer: Any, kernel_shape: tuple[int, int] = (2, 2), input_shape: tuple[int, int] = (3, 4)) -> Feedback:
    """The locality mask (0s and 1s, one row per output, one column per pixel) of a valid correlation."""
    right = locality_mask(kernel_shape, input_shape).astype(float)
    if isinstance(answer, np.ndarray) and answer.dtype == bool:
        answer = answer.astype(float)
    return check_array(answer, right, name="mask")
