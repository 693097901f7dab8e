"""Checkers for the exercises of the chapter *Efficient algorithms, and random and unsupervised features*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..algorithms import kernel_rank
from ..cost import conv2d_method_cost
from . import Feedback, check_number, join_names, whole_numbers

__all__ = ["check_winograd_multiplies", "check_ranks", "check_crossover", "WINOGRAD_LAYER", "RANK_KERNELS",
           "CROSSOVER_LAYER", "winograd_multiplies", "crossover_kernel_size"]

#: The layer of the Winograd exercise: input (N, C, H, W), weight (C_out, C_in, 3, 3), padding 1.
WINOGRAD_LAYER: dict[str, Any] = dict(input_shape=(8, 32, 32, 32), weight_shape=(64, 32, 3, 3), padding=1)

#: The kernels of the separability exercise, by name.
RANK_KERNELS: dict[str, np.ndarray] = {
    "box": np.ones((3, 3)),
    "Laplacian": np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "diagonal Sobel": np.array([[0.0, 1, 2], [-1, 0, 1], [-2, -1, 0]]),
}

#: The layer of the crossover exercise: a batch of 8 RGB images of 224 x 224 into 64 channels (padding k // 2).
CROSSOVER_LAYER: dict[str, Any] = dict(input_shape=(8, 3, 224, 224), out_channels=64)

_KERNEL_TRANSFORM = 14  # multiplies (halvings) of G g G^T, once per kernel


def winograd_multiplies(input_shape: tuple[int, int, int, int], weight_shape: tuple[int, int, int, int],
                        padding: int = 0) -> int:
    """Elementwise multiplies of F(2x2, 3x3) on a layer, the kernels' transforms left out.

    Examples
    --------
    >>> winograd_multiplies((1, 1, 4, 4), (1, 1, 3, 3))
    16
    """
    c = conv2d_method_cost("winograd", input_shape, weight_shape, padding=padding)
    return c.multiplies - _KERNEL_TRANSFORM * weight_shape[0] * weight_shape[1]


def check_winograd_multiplies(answer: Any) -> Feedback:
    """Multiplies of F(2x2, 3x3) on :data:`WINOGRAD_LAYER`, without the kernel transforms."""
    (n, c, h, w), (o, _, _, _), p = (WINOGRAD_LAYER[k] for k in ("input_shape", "weight_shape", "padding"))
    right = winograd_multiplies(**WINOGRAD_LAYER)
    tiles = n * (h // 2) * (w // 2)
    hints = {
        conv2d_method_cost("direct", **WINOGRAD_LAYER).multiplies:
            "that is the direct method's count (36 per 2 x 2 tile); Winograd needs 16 per tile",
        conv2d_method_cost("winograd", **WINOGRAD_LAYER).multiplies:
            "that includes the 14 halvings of each kernel's transform G g Gᵀ, done once per kernel: leave them out",
        n * h * w * o * c * 16: "16 multiplies give a whole 2 x 2 tile of outputs, not one output",
        tiles // n * o * c * 16: f"the batch has {n} images",
        tiles * o * 16: f"each tile is multiplied for every pair of input and output channels ({c} x {o})",
    }
    hints.pop(right, None)
    return check_number(answer, right, name="multiplies", hints=hints, integer=True)


def check_ranks(answer: Any) -> Feedback:
    """The ranks of the kernels of :data:`RANK_KERNELS`, in order: how many separable passes each needs."""
    names = list(RANK_KERNELS)
    right = [kernel_rank(k) for k in RANK_KERNELS.values()]
    what = f"three whole numbers, the ranks of the {join_names(names)} kernels"
    got = whole_numbers(answer, what, length=len(names), names=names)
    if isinstance(got, Feedback):
        return got
    if got == right:
        return Feedback(True, f"ranks {tuple(right)} are right: only the {names[0]} kernel is separable")
    wrong = [f"{name} (rank {g}? it is not)" for name, g, r in zip(names, got, right) if g != r]
    if got == [1, 1, 1]:
        return Feedback(False, "not every kernel is an outer product: compute the ranks with cb.kernel_rank "
                               "(or numpy.linalg.matrix_rank)")
    tips = []
    if got[2] != right[2] and got[2] == 1:
        tips.append("the axis-aligned Sobel kernel is separable, but turned by 45° it is not")
    if got[1] != right[1] and got[1] == 3:
        tips.append("the Laplacian's first and last rows are equal")
    return Feedback(False, f"check {join_names(wrong)}" + (f"; {'; '.join(tips)}" if tips else ""))


def crossover_kernel_size(input_shape: tuple[int, int, int, int], out_channels: int, largest: int = 31) -> int | None:
    """The smallest odd k from which 'fft' counts fewer operations than 'direct' up to ``largest`` (padding k // 2).

    Examples
    --------
    >>> crossover_kernel_size((1, 1, 256, 256), 1)
    9
    """
    ks = list(range(1, largest + 1, 2))
    below = []
    for k in ks:
        w = (out_channels, input_shape[1], k, k)
        fft = conv2d_method_cost("fft", input_shape, w, padding=k // 2).flops
        direct = conv2d_method_cost("direct", input_shape, w, padding=k // 2).flops
        below.append(fft < direct)
    for i, k in enumerate(ks):
        if all(below[i:]):
            return k
    return None


def check_crossover(answer: Any) -> Feedback:
    """The crossover kernel size of :data:`CROSSOVER_LAYER` by the cost model."""
    right = crossover_kernel_size(**CROSSOVER_LAYER)
    if right is None:  # pragma: no cover - a bug in the cost model, not the reader's answer
        raise ValueError("check_crossover: the FFT never wins on this layer")
    n, c, h, w = CROSSOVER_LAYER["input_shape"]
    single = crossover_kernel_size((1, 1, h, w), 1)
    hints: dict[float, str] = {}
    if single is not None:
        hints[single] = ("that is the crossover for one image of one channel; here every transform of an input is "
                         "reused by all output channels and every kernel's by all images, so the FFT wins sooner")
    if right - 2 >= 1:
        hints.setdefault(right - 2, f"at k = {right - 2} the FFT still counts more operations than the direct method")
    hints.setdefault(right - 1, "the kernel sizes are odd (padding k // 2 keeps the image's size)")
    hints.setdefault(right + 1, "the kernel sizes are odd (padding k // 2 keeps the image's size)")
    hints.pop(right, None)
    return check_number(answer, right, name="kernel size", hints=hints, integer=True)
