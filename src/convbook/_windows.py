"""The windowing engine: every window of a layer as an array, and back (private module).

One pair of operations serves every layer in the library. :func:`windows`
views each window of the (padded) input, :func:`unfold` copies them into
im2col layout, and :func:`fold` is their adjoint: it adds window-shaped
contributions back onto the input positions the windows read (col2im). The
convolution, its gradients, the transposed convolution, pooling and its
gradients, the locally connected layer and the circular correlation of the
equivariance chapter are all built on these three, with the window positions
given by a :class:`convbook.shapes.Geometry`. The spatial axes are the last
``len(geometry.kernel)`` axes of the array; any axes before them (batch,
channels) are carried along.

Notes
-----
:func:`windows` costs nothing: it is a strided view
(``numpy.lib.stride_tricks.sliding_window_view``) of the padded input, read
only, in which every input value appears once per window that reads it.
:func:`unfold` makes that view contiguous, ``prod(kernel)`` copies of the
input for stride 1, which is worth it when one large matrix product follows
(a convolution with many channels); a reduction over the window (pooling)
works on the view directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .memory import array_bytes, check_memory
from .shapes import Geometry

__all__ = ["pad", "windows", "unfold", "fold"]


def pad(x: np.ndarray, geometry: Geometry, *, fill: float = 0.0, wrap: bool = False,
        caller: str = "convbook") -> np.ndarray:
    """``x`` with :attr:`Geometry.window_padding` added to its spatial axes (``fill``, or wrapped around)."""
    pads = geometry.window_padding
    if not any(before or after for before, after in pads):
        return x
    width = [(0, 0)] * (x.ndim - len(pads)) + list(pads)
    padded = (*x.shape[: x.ndim - len(pads)], *(n + b + a for n, (b, a) in zip(x.shape[x.ndim - len(pads):], pads)))
    check_memory(array_bytes(padded, x.dtype), caller=caller, what=f"the padded input {padded}",
                 advice="use less padding or a smaller input")
    if wrap:
        return np.pad(x, width, mode="wrap")
    return np.pad(x, width, constant_values=fill)


def windows(x: np.ndarray, geometry: Geometry, *, fill: float = 0.0, wrap: bool = False,
            caller: str = "convbook") -> np.ndarray:
    """Every window as a read-only view of shape ``(..., *output_size, *kernel)``."""
    nd = len(geometry.kernel)
    xp = pad(x, geometry, fill=fill, wrap=wrap, caller=caller)
    view = sliding_window_view(xp, geometry.span, axis=tuple(range(x.ndim - nd, x.ndim)))
    starts = tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(geometry.output_size, geometry.stride))
    taps = tuple(slice(None, None, d) for d in geometry.dilation)
    index: tuple[Any, ...] = (Ellipsis, *starts, *taps)
    return view[index]


def unfold(x: np.ndarray, geometry: Geometry, *, caller: str = "convbook") -> np.ndarray:
    """Every window copied into im2col layout: a contiguous ``(..., *kernel, *output_size)`` array."""
    nd = len(geometry.kernel)
    shape = (*x.shape[: x.ndim - nd], *geometry.kernel, *geometry.output_size)
    check_memory(array_bytes(shape, x.dtype), caller=caller,
                 what=f"the unfolded windows (im2col, {' x '.join(map(str, shape))} numbers)",
                 advice="use a smaller batch or input, fewer channels, a smaller kernel or a larger stride")
    win = windows(x, geometry, caller=caller)
    lead = tuple(range(win.ndim - 2 * nd))
    order = (*lead, *range(win.ndim - nd, win.ndim), *range(win.ndim - 2 * nd, win.ndim - nd))
    return np.ascontiguousarray(win.transpose(order))


def fold(cols: np.ndarray, geometry: Geometry, *, caller: str = "convbook") -> np.ndarray:
    """Add ``(..., *kernel, *output_size)`` window contributions back onto the input: the adjoint of :func:`unfold`.

    Tap ``t`` of window ``o`` lands on input position
    ``o * stride - padding_before + t * dilation``; contributions that land
    in the padding are dropped. Returns an array of shape
    ``(..., *input_size)``.
    """
    nd = len(geometry.kernel)
    lead = cols.shape[: cols.ndim - 2 * nd]
    pads = geometry.window_padding
    padded = tuple(n + before + after for n, (before, after) in zip(geometry.input_size, pads))
    check_memory(array_bytes((*lead, *padded), cols.dtype), caller=caller,
                 what=f"the result {(*lead, *geometry.input_size)} (with its padding)",
                 advice="use a smaller stride, dilation, kernel or input")
    acc = np.zeros((*lead, *padded), dtype=cols.dtype)
    for tap in np.ndindex(*geometry.kernel):
        dst: tuple[Any, ...] = (Ellipsis, *[slice(t * d, t * d + (o - 1) * s + 1, s) for t, d, o, s in
                                            zip(tap, geometry.dilation, geometry.output_size, geometry.stride)])
        src: tuple[Any, ...] = (Ellipsis, *tap, *(slice(None),) * nd)
        acc[dst] += cols[src]
    crop: tuple[Any, ...] = (Ellipsis, *[slice(b, b + n) for (b, _), n in zip(pads, geometry.input_size)])
    return acc[crop]
