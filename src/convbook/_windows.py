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

The fast paths of the layers use the same positions without building the
padded input: :func:`tap_slices` gives, for each tap, the rectangle of
windows whose tap reads inside the input and the input rectangle it reads
(two strided slices per axis), so that :func:`unfold_into` copies one image's
windows into a reused buffer, :func:`fold_into` adds them back, and a pooling
layer reduces tap by tap (``np.maximum``/``+=`` with ``out=``) without ever
holding the windows. A tap that reads only padding has no rectangle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .memory import array_bytes, check_memory
from .shapes import Geometry

__all__ = ["pad", "check_padded", "windows", "unfold", "fold", "tap_slices", "unfold_into", "fold_into"]


def pad(x: np.ndarray, geometry: Geometry, *, fill: float = 0.0, wrap: bool = False,
        caller: str = "convbook") -> np.ndarray:
    """``x`` with :attr:`Geometry.window_padding` added to its spatial axes (``fill``, or wrapped around)."""
    pads = geometry.window_padding
    if not any(before or after for before, after in pads):
        return x
    width = [(0, 0)] * (x.ndim - len(pads)) + list(pads)
    check_padded(x.shape, x.dtype, geometry, caller=caller)
    if wrap:
        return np.pad(x, width, mode="wrap")
    return np.pad(x, width, constant_values=fill)


def check_padded(shape: tuple[int, ...], dtype: np.dtype, geometry: Geometry, *, caller: str = "convbook") -> None:
    """Refuse, as :func:`pad` does, an input whose padded copy would be over the memory limit."""
    pads = geometry.window_padding
    nd = len(pads)
    padded = (*shape[: len(shape) - nd], *(n + b + a for n, (b, a) in zip(shape[len(shape) - nd:], pads)))
    check_memory(array_bytes(padded, dtype), caller=caller, what=f"the padded input {padded}",
                 advice="use less padding or a smaller input")


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


def _axis_range(n: int, out: int, tap: int, stride: int, dilation: int, before: int) -> tuple[slice, slice] | None:
    """Windows ``o`` of one axis whose tap ``tap`` reads inside ``[0, n)``, and the input positions they read."""
    offset = tap * dilation - before                   # window o reads o * stride + offset
    lo = max(0, -(offset // stride)) if offset < 0 else 0
    hi = min(out, (n - 1 - offset) // stride + 1) if n - 1 - offset >= 0 else 0
    if lo >= hi:
        return None
    start = lo * stride + offset
    return slice(lo, hi), slice(start, start + (hi - lo - 1) * stride + 1, stride)


def tap_slices(geometry: Geometry) -> list[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]]]:
    """For every tap that reads some input, ``(tap, windows, inputs)``: slices of the output and of the input grid.

    Tap ``t`` (row-major over ``geometry.kernel``) of the windows
    ``out[windows]`` reads ``x[inputs]``, position by position; the other
    windows read padding at that tap. Taps that read only padding are left out.

    Examples
    --------
    A 3-tap window with stride 1 and padding 1 on 4 inputs: tap 0 of windows
    1..3 reads inputs 0..2, tap 2 of windows 0..2 reads inputs 1..3.

    >>> from convbook.shapes import Geometry
    >>> [(t, w[0].start, w[0].stop, i[0].start, i[0].stop) for t, w, i in tap_slices(Geometry.conv(4, 3, 1, 1))]
    [((0,), 1, 4, 0, 3), ((1,), 0, 4, 0, 4), ((2,), 0, 3, 1, 4)]
    """
    out = []
    for tap in np.ndindex(*geometry.kernel):
        ranges = [_axis_range(n, o, t, s, d, before) for n, o, t, s, d, (before, _) in
                  zip(geometry.input_size, geometry.output_size, tap, geometry.stride, geometry.dilation,
                      geometry.padding)]
        if all(r is not None for r in ranges):
            out.append((tuple(tap), tuple(r[0] for r in ranges if r is not None),
                        tuple(r[1] for r in ranges if r is not None)))
    return out


def unfold_into(x: np.ndarray, geometry: Geometry, buffer: np.ndarray) -> np.ndarray:
    """:func:`unfold` of ``x`` written into ``buffer``, shape ``(..., *kernel, *output_size)``; returns ``buffer``.

    Only the positions that read the input are written: the ones that read
    padding keep what ``buffer`` holds, so a buffer zeroed once can be reused
    for every image of a batch (the padded input is never built).
    """
    nd = len(geometry.kernel)
    if buffer.shape[buffer.ndim - 2 * nd:] != (*geometry.kernel, *geometry.output_size):
        raise ValueError(f"unfold_into: buffer must end with {(*geometry.kernel, *geometry.output_size)}; "
                         f"got {buffer.shape}")
    for tap, dst, src in tap_slices(geometry):
        to: tuple[Any, ...] = (Ellipsis, *tap, *dst)
        source: tuple[Any, ...] = (Ellipsis, *src)
        buffer[to] = x[source]
    return buffer


def fold_into(cols: np.ndarray, geometry: Geometry, out: np.ndarray) -> np.ndarray:
    """:func:`fold` of ``cols`` added onto ``out`` (shape ``(..., *input_size)``) in place; returns ``out``.

    Contributions that land in the padding are dropped, as :func:`fold` does,
    without building the padded accumulator.
    """
    for tap, dst, src in tap_slices(geometry):
        to: tuple[Any, ...] = (Ellipsis, *src)
        source: tuple[Any, ...] = (Ellipsis, *tap, *dst)
        out[to] += cols[source]
    return out
