"""Pooling layers on NCHW input: max, average, L^p, adaptive, global, maxout.

Chapter: *Pooling*. A pooling layer replaces each output by a summary of a
window of its input: the largest value (max pooling, 最大池化), the mean
(average pooling, 平均池化) or the L^p norm. Along each axis the number of
windows is :func:`convbook.output_size`,

.. math::

    \\Big\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\Big\\rfloor + 1

(``ceil`` with ``ceil_mode=True``, where a last window that would start in the
right padding is dropped). Every function equals the torch function of the
same name for every argument combination torch accepts, and refuses the ones
torch refuses (``padding > kernel_size // 2``, windows that do not fit) with a
message naming the argument. Each has a plain-loop ``*_naive`` specification.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import as_array, as_bool, as_int, float_dtype
from ._windows import check_padded, fold, tap_slices, windows
from .memory import array_bytes, check_memory
from .shapes import Geometry, Size2

__all__ = [
    "max_pool2d",
    "max_pool2d_naive",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_naive",
    "avg_pool2d_backward",
    "lp_pool2d",
    "lp_pool2d_naive",
    "lp_pool2d_backward",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "adaptive_pool2d_naive",
    "adaptive_windows",
    "global_avg_pool2d",
    "maxout",
    "maxout_naive",
]


def _input(f: str, x: Any) -> np.ndarray:
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    return x.astype(float_dtype(x.dtype), copy=False)


def _geometry(f: str, shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: Any) -> Geometry:
    return Geometry.pool(shape[2:], kernel_size, stride, padding, dilation, ceil_mode, caller=f)


def _window_major(contrib: np.ndarray) -> np.ndarray:
    """(N, C, OH, OW, KH, KW) window contributions in the (N, C, KH, KW, OH, OW) layout :func:`fold` takes."""
    return contrib.transpose(0, 1, 4, 5, 2, 3)


def _divisors(g: Geometry, count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """The number each window sum of average pooling is divided by, shape (OH, OW), as torch does."""
    if divisor_override is not None:
        return np.full(g.output_size, float(divisor_override))
    per_axis = []
    for n, k, s, (p, _), o in zip(g.input_size, g.kernel, g.stride, g.padding, g.output_size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)        # clipped to the padded input, not to the ceil overhang
        if count_include_pad:
            per_axis.append(end - start)
        else:
            per_axis.append(np.minimum(end, n) - np.maximum(start, 0))
    return np.outer(per_axis[0], per_axis[1]).astype(float)


def _separable(g: Geometry) -> tuple[Geometry, Geometry] | None:
    """The windows of ``g`` as its rows' windows, then its columns' (when that takes fewer steps: not for 2x2).

    The first geometry maps ``(H, W)`` to ``(OH, W)`` (windows ``KH x 1``),
    the second ``(OH, W)`` to ``(OH, OW)`` (windows ``1 x KW``).
    """
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = g.kernel, g.stride, g.dilation, g.padding
    if kh * kw <= kh + kw:
        return None
    oh, width = g.output_size[0], g.input_size[1]
    rows = replace(g, kernel=(kh, 1), stride=(sh, 1), dilation=(dh, 1), padding=(ph, (0, 0)),
                   output_size=(oh, width))
    cols = replace(g, kernel=(1, kw), stride=(1, sw), dilation=(1, dw), padding=((0, 0), pw),
                   input_size=(oh, width))
    return rows, cols


def _tiles(g: Geometry, shape: tuple[int, ...]) -> bool:
    """Whether the windows tile the input exactly: every element in one window (stride = kernel, no padding)."""
    return (g.stride == g.kernel and g.dilation == (1, 1) and g.padding == ((0, 0), (0, 0))
            and tuple(o * k for o, k in zip(g.output_size, g.kernel)) == tuple(shape[2:]))


class _ByPhase:
    """Adds tap contributions onto an input grid, one contiguous array per phase (position modulo the stride).

    With a stride ``s``, the inputs a tap reads are every ``s``-th position:
    adding its contributions straight into the grid is a strided
    read-modify-write per tap. The inputs of one phase (``(r mod s_h, q mod
    s_w)``, the same for every window of a tap) are instead kept in a
    contiguous array where each tap's rectangle is a plain shifted block, and
    each phase is written into the grid once at the end. With stride 1 there
    is one phase, the grid itself.
    """

    def __init__(self, shape: tuple[int, ...], g: Geometry, dtype: np.dtype) -> None:
        self.shape, self.stride, self.dtype = shape, g.stride, dtype
        self.direct = np.zeros(shape, dtype=dtype) if g.stride == (1, 1) else None
        self.phases: dict[tuple[int, ...], np.ndarray] = {}

    def add(self, inputs: tuple[Any, ...], values: np.ndarray) -> None:
        """Add ``values`` onto ``grid[inputs]`` (``inputs``: ``(Ellipsis, rows, cols)`` slices of one tap)."""
        if self.direct is not None:
            self.direct[inputs] += values
            return
        spans = inputs[1:]
        key = tuple(sl.start % s for sl, s in zip(spans, self.stride))
        phase = self.phases.get(key)
        if phase is None:
            sizes = tuple(len(range(k, n, s)) for k, n, s in zip(key, self.shape[2:], self.stride))
            phase = self.phases[key] = np.zeros((*self.shape[:2], *sizes), dtype=self.dtype)
        block: tuple[Any, ...] = (Ellipsis, *[slice(sl.start // s, sl.start // s + m) for sl, s, m in
                                              zip(spans, self.stride, values.shape[-2:])])
        phase[block] += values

    def result(self) -> np.ndarray:
        if self.direct is not None:
            return self.direct
        full = len(self.phases) == self.stride[0] * self.stride[1]
        out = np.empty(self.shape, dtype=self.dtype) if full else np.zeros(self.shape, dtype=self.dtype)
        for key, phase in self.phases.items():
            grid: tuple[Any, ...] = (Ellipsis, *[slice(k, None, s) for k, s in zip(key, self.stride)])
            out[grid] = phase
        return out


def _spread_taps(share: np.ndarray, g: Geometry, shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of summing over the windows: each window's ``share`` added to every input element it holds.

    In one contiguous pass when the windows tile the input; separably
    (columns, then rows) when :func:`_separable` says so; tap by tap, phase by
    phase (:class:`_ByPhase`) otherwise.
    """
    if _tiles(g, shape):
        # the windows tile the input: each element gets its window's share, in one contiguous pass
        out = np.empty(shape, dtype=share.dtype)
        (oh, ow), (kh, kw) = g.output_size, g.kernel
        out.reshape(*shape[:2], oh, kh, ow, kw)[...] = share[:, :, :, None, :, None]
        return out
    split = _separable(g)
    if split:
        rows, cols = split
        return _spread_taps(_spread_taps(share, cols, (*shape[:2], g.output_size[0], shape[3])), rows, shape)
    acc = _ByPhase(shape, g, share.dtype)
    for _, dst, src in tap_slices(g):
        win: tuple[Any, ...] = (Ellipsis, *dst)
        acc.add((Ellipsis, *src), share[win])
    return acc.result()


def _reduce_taps(f: str, x: np.ndarray, g: Geometry, add: bool) -> np.ndarray:
    """The maximum (or, with ``add``, the sum) over every window's taps inside the input, one tap at a time.

    Never builds the windows nor the padded input: for each tap,
    ``np.maximum``/``np.add`` with ``out=`` combine the rectangle of windows
    whose tap reads the input with the input it reads
    (:func:`convbook._windows.tap_slices`); a padding tap changes neither a
    maximum (``-inf``) nor a sum (zero). A window without input elements
    keeps ``-inf`` (or 0). NaN propagates, as in ``max``.

    A 2-D window is reduced in two passes, as the maximum and the sum are
    separable: over its rows first (``KH`` steps over rows of the input,
    contiguous), then over its columns (``KW`` strided steps): ``KH + KW``
    steps instead of ``KH * KW`` (when that is fewer: not for 2x2).
    """
    check_padded(x.shape, x.dtype, g, caller=f)
    shape = (*x.shape[:2], *g.output_size)
    split = _separable(g)
    check_memory(array_bytes(shape, x.dtype) + (array_bytes((*shape[:3], x.shape[3]), x.dtype) if split else 0),
                 caller=f, what=f"the output {shape}" + (" and its row maxima (or sums)" if split else ""),
                 advice="use a smaller batch or input, or a larger stride")
    if split:
        rows, cols = split
        return _reduce_taps(f, _reduce_taps(f, x, rows, add), cols, add)
    slices = tap_slices(g)
    covers = [all(d.start == 0 and d.stop == o for d, o in zip(dst, g.output_size)) for _, dst, _ in slices]
    first = covers.index(True) if True in covers else -1
    out = np.empty(shape, dtype=x.dtype)
    if first < 0:
        out.fill(0.0 if add else -np.inf)
    else:
        start: tuple[Any, ...] = (Ellipsis, *slices[first][2])
        np.copyto(out, x[start])
    op = np.add if add else np.maximum
    for i, (_, dst, src) in enumerate(slices):
        if i != first:
            win: tuple[Any, ...] = (Ellipsis, *dst)
            inp: tuple[Any, ...] = (Ellipsis, *src)
            view = out[win]
            op(view, x[inp], out=view)
    return out


def _max(f: str, x: np.ndarray, g: Geometry) -> np.ndarray:
    return _reduce_taps(f, x, g, add=False)


def _avg(f: str, x: np.ndarray, g: Geometry, count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    sums = _reduce_taps(f, x, g, add=True)
    divisors = _divisors(g, count_include_pad, divisor_override)
    if (divisors == divisors.flat[0]).all():
        sums /= float(divisors.flat[0])           # a Python float keeps float32 float32
    else:
        sums /= divisors.astype(sums.dtype)       # small whole numbers: exact in any float dtype
    return sums


def _first_max_taps(x: np.ndarray, g: Geometry, best: np.ndarray) -> Iterator[tuple[int, Any, Any, np.ndarray]]:
    """For each tap (row-major), the windows whose maximum ``best`` it holds first: ``(tap, windows, inputs, hit)``.

    ``hit`` (a boolean array over ``best[windows]``) marks the windows for
    which this tap is the first in row-major order holding the maximum; the
    windows holding a NaN take their last NaN instead (a second pass, in
    reverse, only when there is one). Every window with an input element is
    hit exactly once; ``hit`` is a reused buffer, valid until the next step.
    """
    shape = best.shape
    found = np.zeros(shape, dtype=np.bool_)
    buffer = np.empty(shape, dtype=np.bool_)
    slices = tap_slices(g)
    kw = g.kernel[1]
    passes: list[tuple[Any, bool]] = [(slices, False)]
    if np.isnan(best).any():                      # NaN == NaN is False: those windows are still unfound
        passes.append((slices[::-1], True))
    phases: dict[tuple[int, ...], np.ndarray] = {}

    def read(src: tuple[slice, ...]) -> np.ndarray:
        """``x[..., *src]``, from a contiguous copy of its phase when strided (each phase copied once)."""
        direct: tuple[Any, ...] = (Ellipsis, *src)
        if g.stride == (1, 1):
            return x[direct]
        key = tuple(sl.start % st for sl, st in zip(src, g.stride))
        if key not in phases:
            phase: tuple[Any, ...] = (Ellipsis, *[slice(k, None, st) for k, st in zip(key, g.stride)])
            phases[key] = np.ascontiguousarray(x[phase])
        block: tuple[Any, ...] = (Ellipsis, *[slice(sl.start // st, sl.start // st + len(range(sl.start, sl.stop, st)))
                                              for sl, st in zip(src, g.stride)])
        return phases[key][block]

    for order, nan in passes:
        for t, dst, src in order:
            win, inp = (Ellipsis, *dst), (Ellipsis, *src)
            hit, seen = buffer[win], found[win]
            if nan:
                np.isnan(read(src), out=hit)
            else:
                np.equal(read(src), best[win], out=hit)
            np.greater(hit, seen, out=hit)        # matches and not found before
            np.logical_or(seen, hit, out=seen)
            yield t[0] * kw + t[1], win, inp, hit


def _argmax(f: str, x: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum over its taps inside the input, and which tap (row-major) holds it.

    The first tap on ties; a NaN beats every number, and among NaNs the last
    one wins (as in torch, which keeps scanning and takes any NaN it meets;
    the loop specification does the same). A window whose taps all fall in
    the padding has no input element: its maximum is ``-inf`` and its tap
    ``-1``. Computed tap by tap (:func:`_first_max_taps`), without building the windows.
    """
    shape = (*x.shape[:2], *g.output_size)
    check_memory(array_bytes(x.shape, x.dtype) + array_bytes(shape, x.dtype) + array_bytes(shape, np.int64)
                 + 2 * array_bytes(shape, np.bool_),
                 caller=f, what="the windows, compared tap by tap (input phases, maximum, tap and masks)",
                 advice="use a smaller batch, input or kernel")
    best = _reduce_taps(f, x, g, add=False)
    tap = np.full(shape, -1, dtype=np.int64)
    for t, win, _, hit in _first_max_taps(x, g, best):
        np.copyto(tap[win], t, where=hit)
    return best, tap


def _max_backward(f: str, go: np.ndarray, x: np.ndarray, g: Geometry) -> np.ndarray:
    """Each window's gradient added to the first input element holding its maximum (a window without any, none)."""
    shape = (*x.shape[:2], *g.output_size)
    dtype = float_dtype(x.dtype, go.dtype)
    check_memory(2 * array_bytes(x.shape, dtype) + array_bytes(x.shape, x.dtype) + array_bytes(shape, x.dtype)
                 + 2 * array_bytes(shape, np.bool_),
                 caller=f, what=f"the gradient {x.shape} (and its phases), the input's phases, the maximum, masks",
                 advice="use a smaller batch or input")
    best = _reduce_taps(f, x, g, add=False)
    grad = _ByPhase(x.shape, g, dtype)
    part = np.empty(shape, dtype=dtype)
    finite = bool(np.isfinite(go).all())     # then go * hit is exact (inf * 0 would be NaN): one fast pass
    for _, win, inp, hit in _first_max_taps(x, g, best):
        contribution = part[win]
        if finite:
            np.multiply(go[win], hit, out=contribution)
        else:
            contribution[...] = np.where(hit, go[win], 0)
        grad.add(inp, contribution)
    return grad.result()


def _avg_args(f: str, count_include_pad: Any, divisor_override: Any) -> tuple[bool, int | None]:
    cip = as_bool(f, "count_include_pad", count_include_pad)
    return cip, None if divisor_override is None else as_int(f, "divisor_override", divisor_override, 1)


def max_pool2d(x: npt.ArrayLike, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
               dilation: Size2 = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-D max pooling: the largest value in every window.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        Implicit ``-inf`` on each side; at most ``kernel_size // 2``.
    dilation : int or (int, int)
        Spacing between the taps of a window.
    ceil_mode : bool
        Round the number of windows up (see :func:`convbook.output_size`).
    return_indices : bool
        Also return, for every output, the flat index ``h * W + w`` of the
        input element it came from: the first maximum in row-major order
        among the window's input elements (never a padding position, also
        when every element is ``-inf``; the last NaN when there are NaNs; all
        as torch does). A window that holds
        no input element at all (possible with dilation on a tiny input) has
        the value ``-inf`` and the index ``-1``, where torch returns an index
        outside the input.

    Returns
    -------
    array, shape (N, C, OH, OW)
        ``OH = output_size(H, KH, SH, PH, DH, ceil_mode)``, likewise ``OW``;
        equal to ``torch.nn.functional.max_pool2d``. With ``return_indices``,
        a pair ``(out, indices)`` with int64 indices, as torch returns.

    Examples
    --------
    A 6x6 map, 3x3 windows with stride 2: ``floor((6 - 3)/2) + 1 = 2`` windows
    per side, each keeping its largest entry (the bottom-right one, on this ramp).

    >>> import numpy as np
    >>> x = np.arange(36.0).reshape(1, 1, 6, 6)
    >>> max_pool2d(x, 3, stride=2)[0, 0].tolist()
    [[14.0, 16.0], [26.0, 28.0]]
    >>> max_pool2d(x, 3, stride=2, ceil_mode=True).shape      # ceil((6 - 3)/2) + 1 = 3
    (1, 1, 3, 3)
    >>> out, idx = max_pool2d(x, 2, return_indices=True)      # 6 / 2 = 3 per side; idx = h*6 + w
    >>> idx[0, 0].tolist()
    [[7, 9, 11], [19, 21, 23], [31, 33, 35]]
    """
    f = "max_pool2d"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    return_indices = as_bool(f, "return_indices", return_indices)
    if not return_indices:
        return _max(f, x, g)
    out, tap = _argmax(f, x, g)
    a, b = np.divmod(tap, g.kernel[1])
    (oh, ow), (sh, sw), (dh, dw), ((ph, _), (pw, _)) = g.output_size, g.stride, g.dilation, g.padding
    rows = (np.arange(oh) * sh - ph)[:, None] + a * dh
    cols = (np.arange(ow) * sw - pw)[None, :] + b * dw
    return out, np.where(tap >= 0, rows * x.shape[3] + cols, -1).astype(np.int64)


def max_pool2d_naive(x: npt.ArrayLike, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
                     dilation: Size2 = 1, ceil_mode: bool = False) -> np.ndarray:
    """The specification of :func:`max_pool2d`: six plain loops.

    Each output starts at ``-inf`` and keeps the larger of itself and every
    tap of its window that lies inside the input; padded and overhanging taps
    are skipped. Shapes and result as :func:`max_pool2d`.

    Returns
    -------
    array, shape (N, C, OH, OW)
        The same as :func:`max_pool2d` (without indices).

    Examples
    --------
    A 4x4 map in 2x2 windows: ``4 / 2 = 2`` windows per side.

    >>> import numpy as np
    >>> x = np.array([[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 1, 1], [6, 0, 3, 7]], dtype=float).reshape(1, 1, 4, 4)
    >>> max_pool2d_naive(x, 2)[0, 0].tolist()
    [[5.0, 8.0], [6.0, 7.0]]
    >>> bool(np.array_equal(max_pool2d_naive(x, 3, 1, 1), max_pool2d(x, 3, 1, 1)))
    True
    """
    f = "max_pool2d_naive"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    n_, c_, h, width = x.shape
    (oh, ow), (kh, kw), (sh, sw), (dh, dw), ((ph, _), (pw, _)) = (g.output_size, g.kernel, g.stride, g.dilation,
                                                                  g.padding)
    out = np.empty((n_, c_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    best = -np.inf
                    for a in range(kh):
                        for b in range(kw):
                            r = i * sh - ph + a * dh
                            q = j * sw - pw + b * dw
                            if 0 <= r < h and 0 <= q < width and (x[n, c, r, q] > best or np.isnan(x[n, c, r, q])):
                                best = x[n, c, r, q]
                    out[n, c, i, j] = best
    return out


def max_pool2d_backward(grad_output: npt.ArrayLike, x: npt.ArrayLike, kernel_size: Size2, stride: Size2 | None = None,
                        padding: Size2 = 0, dilation: Size2 = 1, ceil_mode: bool = False) -> np.ndarray:
    """Gradient of :func:`max_pool2d` with respect to its input.

    Each output's gradient is routed, whole, to the input element that was
    the maximum of its window (the one :func:`max_pool2d` returns as its
    index: the first on ties, never padding); the other elements get nothing,
    and an element that is the maximum of several overlapping windows
    receives the sum. A window without input elements passes no gradient.

    Parameters
    ----------
    grad_output : array, shape (N, C, OH, OW)
    x : array, shape (N, C, H, W)
        The input of the forward pass; other arguments as :func:`max_pool2d`.

    Returns
    -------
    array, shape (N, C, H, W)
        Equal to torch's autograd gradient.

    Examples
    --------
    Each 2x2 window sends its gradient 1 to its maximum (5, 8, 6 and 7); the
    other twelve elements get 0.

    >>> import numpy as np
    >>> x = np.array([[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 1, 1], [6, 0, 3, 7]], dtype=float).reshape(1, 1, 4, 4)
    >>> max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2)[0, 0].tolist()
    [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0]]

    A centre that is the maximum of all four overlapping windows collects 4.

    >>> x = np.zeros((1, 1, 3, 3)); x[0, 0, 1, 1] = 9.0
    >>> max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2, stride=1)[0, 0].tolist()
    [[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]
    """
    f = "max_pool2d_backward"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    go = _grad_output(f, grad_output, x.shape, g)
    return _max_backward(f, go, x, g)


def _grad_output(f: str, grad_output: Any, shape: tuple[int, ...], g: Geometry) -> np.ndarray:
    go = as_array(f, "grad_output", grad_output, 4, "(N, C, OH, OW)")
    want = (*shape[:2], *g.output_size)
    if go.shape != want:
        raise ValueError(f"{f}: grad_output must have the output's shape {want}; got {go.shape}")
    return go


def avg_pool2d(x: npt.ArrayLike, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> np.ndarray:
    """2-D average pooling: the mean of every window.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    kernel_size, stride, padding, ceil_mode
        As :func:`max_pool2d` (padding adds zeros, at most ``kernel_size // 2``).
    count_include_pad : bool
        Divide by the window size including padded zeros (default, as
        torch) or only by the number of input elements in the window.
        Either way a ceil-mode window is cut at the padded border first.
    divisor_override : int >= 1, optional
        Divide every window sum by this number instead.

    Returns
    -------
    array, shape (N, C, OH, OW)
        Equal to ``torch.nn.functional.avg_pool2d``. Average pooling is
        linear: a fixed correlation with ``1/(KH*KW)`` followed by keeping
        every ``stride``-th output.

    Examples
    --------
    2x2 windows of a 4x4 map: each output is a mean of 4 numbers, e.g.
    ``(1 + 5 + 3 + 4)/4 = 3.25``.

    >>> import numpy as np
    >>> x = np.array([[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 1, 1], [6, 0, 3, 7]], dtype=float).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x, 2)[0, 0].tolist()
    [[3.25, 2.75], [2.0, 3.0]]

    With padding 1 the corner window of a 3x3 map of ones holds 4 ones among 9
    taps: ``4/9`` counting the padding, ``4/4`` without.

    >>> ones = np.ones((1, 1, 3, 3))
    >>> round(float(avg_pool2d(ones, 3, stride=1, padding=1)[0, 0, 0, 0]), 4)
    0.4444
    >>> float(avg_pool2d(ones, 3, stride=1, padding=1, count_include_pad=False)[0, 0, 0, 0])
    1.0
    """
    f = "avg_pool2d"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, 1, ceil_mode)
    return _avg(f, x, g, *_avg_args(f, count_include_pad, divisor_override))


def avg_pool2d_naive(x: npt.ArrayLike, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
                     ceil_mode: bool = False, count_include_pad: bool = True,
                     divisor_override: int | None = None) -> np.ndarray:
    """The specification of :func:`avg_pool2d`: plain loops with torch's divisor rule.

    For each window starting at ``start = i*s - p`` the sum runs over the
    taps inside the input; the divisor is ``min(start + k, n + p) - start``
    per axis (padding counted, the ceil overhang not) or, with
    ``count_include_pad=False``, the number of taps inside the input.

    Returns the same shape and values as :func:`avg_pool2d`.

    Examples
    --------
    2x2 windows of a 4x4 ramp: the first is ``(0 + 1 + 4 + 5)/4 = 2.5``.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d_naive(x, 2)[0, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    >>> bool(np.allclose(avg_pool2d_naive(x, 3, 1, 1), avg_pool2d(x, 3, 1, 1)))
    True
    """
    f = "avg_pool2d_naive"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, 1, ceil_mode)
    cip, div = _avg_args(f, count_include_pad, divisor_override)
    n_, c_, h, width = x.shape
    (oh, ow), (kh, kw), (sh, sw), ((ph, _), (pw, _)) = g.output_size, g.kernel, g.stride, g.padding
    out = np.empty((n_, c_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    r0, q0 = i * sh - ph, j * sw - pw
                    r1, q1 = min(r0 + kh, h + ph), min(q0 + kw, width + pw)
                    total, inside = 0.0, 0
                    for r in range(max(r0, 0), min(r1, h)):
                        for q in range(max(q0, 0), min(q1, width)):
                            total += x[n, c, r, q]
                            inside += 1
                    if div is not None:
                        out[n, c, i, j] = total / div
                    elif cip:
                        out[n, c, i, j] = total / ((r1 - r0) * (q1 - q0))
                    else:
                        out[n, c, i, j] = total / inside
    return out


def avg_pool2d_backward(grad_output: npt.ArrayLike, input_shape: tuple[int, int, int, int], kernel_size: Size2,
                        stride: Size2 | None = None, padding: Size2 = 0, ceil_mode: bool = False,
                        count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
    """Gradient of :func:`avg_pool2d` with respect to its input.

    Each output's gradient is shared out equally, divided by the window's
    divisor, among the input elements of its window (padding absorbs its
    share). It does not depend on the input values: the layer is linear.

    Returns
    -------
    array, shape ``input_shape``
        Equal to torch's autograd gradient.

    Examples
    --------
    2x2 windows tiling a 4x4 map: every element lies in one window and gets a
    quarter of its gradient; the total, 4 windows x 1, is kept.

    >>> import numpy as np
    >>> g = avg_pool2d_backward(np.ones((1, 1, 2, 2)), (1, 1, 4, 4), 2)
    >>> g.shape, float(g.sum())
    ((1, 1, 4, 4), 4.0)
    >>> g[0, 0, 0].tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    f = "avg_pool2d_backward"
    if not (isinstance(input_shape, tuple) and len(input_shape) == 4):
        raise ValueError(f"{f}: input_shape must be a tuple (N, C, H, W); got {input_shape!r}")
    shape = tuple(as_int(f, "input_shape", v, 1) for v in input_shape)
    g = _geometry(f, shape, kernel_size, stride, padding, 1, ceil_mode)
    cip, div = _avg_args(f, count_include_pad, divisor_override)
    go = _grad_output(f, grad_output, shape, g)
    go = go.astype(float_dtype(go.dtype), copy=False)
    divisors = _divisors(g, cip, div)
    check_memory(array_bytes(shape, go.dtype) * (2 if _separable(g) else 1), caller=f,
                 what=f"the gradient {shape}", advice="use a smaller batch or input")
    uniform = bool((divisors == divisors.flat[0]).all())
    if uniform and _tiles(g, shape):
        # each element gets its window's share: one division, written straight into the gradient
        out = np.empty(shape, dtype=go.dtype)
        (oh, ow), (kh, kw) = g.output_size, g.kernel
        np.divide(go[:, :, :, None, :, None], float(divisors.flat[0]), out=out.reshape(*shape[:2], oh, kh, ow, kw))
        return out
    if uniform:
        share = go / float(divisors.flat[0])               # a Python float keeps float32 float32
    else:
        share = go / divisors.astype(go.dtype)             # small whole numbers: exact in any float dtype
    return _spread_taps(share, g, shape)


def _norm_type(f: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not p > 0:
        raise ValueError(f"{f}: norm_type must be a number > 0 (or float('inf')); got {p!r}")
    return float(p)


def lp_pool2d(x: npt.ArrayLike, norm_type: float, kernel_size: Size2, stride: Size2 | None = None,
              ceil_mode: bool = False) -> np.ndarray:
    """2-D L^p pooling: ``(sum of x**p over the window) ** (1/p)``.

    ``p = 1`` on non-negative input is the window sum (``KH*KW`` times the
    average), ``p = 2`` the Euclidean norm of the window, and large ``p``
    approaches max pooling; ``norm_type=inf`` is max pooling of ``|x|``.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    norm_type : float > 0
    kernel_size, stride, ceil_mode
        As :func:`avg_pool2d` (no padding).

    Returns
    -------
    array, shape (N, C, OH, OW)
        Equal to ``torch.nn.functional.lp_pool2d``, which computes
        ``(KH*KW * avg_pool2d(x**p)) ** (1/p)``: a ceil-mode window cut at
        the border is therefore scaled up to the full window size, and odd or
        fractional ``p`` give NaN where the sum is negative.

    Examples
    --------
    One 2x2 window holding 3, 4, 0, 0: ``p = 2`` gives ``sqrt(9 + 16) = 5``,
    ``p = 1`` the sum 7, and ``p = inf`` the largest ``|x|``, 4.

    >>> import numpy as np
    >>> x = np.array([[3.0, 4.0], [0.0, 0.0]]).reshape(1, 1, 2, 2)
    >>> [float(lp_pool2d(x, p, 2)[0, 0, 0, 0]) for p in (2, 1, float("inf"))]
    [5.0, 7.0, 4.0]
    >>> lp_pool2d(np.ones((1, 1, 6, 6)), 2, 3, stride=2).shape   # floor((6 - 3)/2) + 1 = 2
    (1, 1, 2, 2)
    """
    f = "lp_pool2d"
    x = _input(f, x)
    p = _norm_type(f, norm_type)
    g = _geometry(f, x.shape, kernel_size, stride, 0, 1, ceil_mode)
    if np.isinf(p):
        return _max(f, np.abs(x), g)
    return _lp(f, x, p, g)


def _lp(f: str, x: np.ndarray, p: float, g: Geometry) -> np.ndarray:
    """torch's L^p pooling: ``(KH*KW * avg_pool2d(x**p)) ** (1/p)``."""
    with np.errstate(invalid="ignore"):
        return (_avg(f, x**p, g, True, None) * (g.kernel[0] * g.kernel[1])) ** (1.0 / p)


def lp_pool2d_naive(x: npt.ArrayLike, norm_type: float, kernel_size: Size2, stride: Size2 | None = None,
                    ceil_mode: bool = False) -> np.ndarray:
    """The specification of :func:`lp_pool2d`, as plain loops over windows and taps.

    Returns the same shape and values as :func:`lp_pool2d`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[3.0, 4.0], [0.0, 0.0]]).reshape(1, 1, 2, 2)
    >>> float(lp_pool2d_naive(x, 2, 2)[0, 0, 0, 0])        # sqrt(3**2 + 4**2)
    5.0
    >>> x = np.arange(30.0).reshape(1, 1, 5, 6)
    >>> bool(np.allclose(lp_pool2d_naive(x, 3, 2, ceil_mode=True), lp_pool2d(x, 3, 2, ceil_mode=True)))
    True
    """
    f = "lp_pool2d_naive"
    x = _input(f, x)
    p = _norm_type(f, norm_type)
    g = _geometry(f, x.shape, kernel_size, stride, 0, 1, ceil_mode)
    if np.isinf(p):  # the geometry is checked above, so the message names this function
        return max_pool2d_naive(np.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    n_, c_, h, width = x.shape
    (oh, ow), (kh, kw), (sh, sw) = g.output_size, g.kernel, g.stride
    out = np.empty((n_, c_, oh, ow), dtype=x.dtype)
    with np.errstate(invalid="ignore"):
        for n in range(n_):
            for c in range(c_):
                for i in range(oh):
                    for j in range(ow):
                        total, inside = 0.0, 0
                        for r in range(i * sh, min(i * sh + kh, h)):
                            for q in range(j * sw, min(j * sw + kw, width)):
                                total += x[n, c, r, q] ** p
                                inside += 1
                        out[n, c, i, j] = (total * (kh * kw) / inside) ** (1.0 / p)
    return out


def lp_pool2d_backward(grad_output: npt.ArrayLike, x: npt.ArrayLike, norm_type: float, kernel_size: Size2,
                       stride: Size2 | None = None, ceil_mode: bool = False) -> np.ndarray:
    """Gradient of :func:`lp_pool2d` with respect to its input.

    With ``y = (c * sum x**p) ** (1/p)`` for a window (``c`` the ceil-mode
    scale), ``dy/dx_i = y**(1-p) * c * x_i**(p-1)``; where the window's sum
    is zero the gradient is zero, as torch defines it. For ``p = inf`` the
    gradient is that of max pooling of ``|x|``, times ``sign(x)``.

    Returns an array of ``x``'s shape (N, C, H, W).

    Examples
    --------
    For ``p = 2``, ``dy/dx_i = x_i / y``: the window 3, 4, 0, 0 with ``y = 5``
    gives 3/5 and 4/5.

    >>> import numpy as np
    >>> x = np.array([[3.0, 4.0], [0.0, 0.0]]).reshape(1, 1, 2, 2)
    >>> g = lp_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2, 2)
    >>> np.round(g[0, 0], 6).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    f = "lp_pool2d_backward"
    x = _input(f, x)
    p = _norm_type(f, norm_type)
    g = _geometry(f, x.shape, kernel_size, stride, 0, 1, ceil_mode)
    go = _grad_output(f, grad_output, x.shape, g)
    if np.isinf(p):
        return np.sign(x) * _max_backward(f, go, np.abs(x), g)
    y = _lp(f, x, p, g)
    scale = (g.kernel[0] * g.kernel[1]) / _divisors(g, True, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(y != 0, go * y ** (1.0 - p), 0.0) * scale
        xp = x ** (p - 1.0)
    contrib = windows(xp, g, caller=f) * factor[..., None, None]
    return fold(_window_major(contrib), g, caller=f).astype(x.dtype, copy=False)


def _adaptive_size(f: str, output_size_: Any, hw: tuple[int, int]) -> tuple[int, int]:
    vals = output_size_ if isinstance(output_size_, (tuple, list)) else (output_size_, output_size_)
    if len(vals) != 2:
        raise ValueError(f"{f}: output_size must be an int or a pair (None keeps the input size); got {output_size_!r}")
    return tuple(hw[ax] if v is None else as_int(f, "output_size", v, 1) for ax, v in enumerate(vals))  # type: ignore[return-value]


#: Bytes a Python list of ``(start, end)`` windows takes per window (the tuple, two ints, the list's slot).
_WINDOW_BYTES = 120


def _check_window_list(f: str, count: int) -> None:
    check_memory(count * _WINDOW_BYTES, caller=f, what=f"the list of {count:,} windows",
                 advice="use a smaller output_size")


def adaptive_windows(n: int, out: int) -> list[tuple[int, int]]:
    """Windows ``[start, end)`` of adaptive pooling along one axis.

    Output ``i`` of ``out`` pools ``floor(i*n/out) <= t < ceil((i+1)*n/out)``:
    the windows cover the input, have sizes that differ by at most one (plus
    overlap), and need no stride or padding to be chosen.

    Returns
    -------
    list of (int, int)
        ``out`` pairs ``(start, end)``, one per output.

    Examples
    --------
    5 inputs into 3 outputs: ``[0, 5/3)``, ``[5/3, 10/3)``, ``[10/3, 5)``
    widened to whole indices, of sizes 2, 3, 2 and overlapping.

    >>> adaptive_windows(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    >>> adaptive_windows(6, 2)      # 6 / 2 = 3: plain 3-wide windows, stride 3
    [(0, 3), (3, 6)]
    """
    n = as_int("adaptive_windows", "n", n, 1)
    out = as_int("adaptive_windows", "out", out, 1)
    _check_window_list("adaptive_windows", out)
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


def _adaptive(f: str, x: Any, output_size_: Any, op: str) -> tuple[np.ndarray, np.ndarray | None]:
    x = _input(f, x)
    oh, ow = _adaptive_size(f, output_size_, x.shape[2:])
    check_memory(array_bytes((*x.shape[:2], oh, ow), x.dtype) * (2 if op == "max" else 1), caller=f,
                 what=f"the output {(*x.shape[:2], oh, ow)}" + (" and its indices" if op == "max" else ""),
                 advice="use a smaller output_size")
    _check_window_list(f, oh + ow)
    rows, cols = adaptive_windows(x.shape[2], oh), adaptive_windows(x.shape[3], ow)
    out = np.empty((*x.shape[:2], oh, ow), dtype=x.dtype)
    idx = np.empty(out.shape, dtype=np.int64) if op == "max" else None
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            block = x[:, :, r0:r1, c0:c1]
            if op == "avg":
                out[:, :, i, j] = block.mean(axis=(2, 3))
            else:
                flat = block.reshape(*x.shape[:2], -1)
                nan = np.isnan(flat)
                arg = np.where(nan.any(axis=-1), flat.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1),
                               flat.argmax(axis=-1))  # the first maximum, or the last NaN (as torch)
                out[:, :, i, j] = np.take_along_axis(flat, arg[..., None], -1)[..., 0]
                a, b = np.divmod(arg, c1 - c0)
                assert idx is not None
                idx[:, :, i, j] = (r0 + a) * x.shape[3] + c0 + b
    return out, idx


def adaptive_avg_pool2d(x: npt.ArrayLike, output_size: int | tuple[int | None, int | None]) -> np.ndarray:
    """Average pooling to a fixed output size, whatever the input size.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    output_size : int or (int or None, int or None)
        ``(OH, OW)``; ``None`` keeps that input size.

    Returns
    -------
    array, shape (N, C, OH, OW)
        Windows from :func:`adaptive_windows`; equal to
        ``torch.nn.functional.adaptive_avg_pool2d``.

    Examples
    --------
    A 5x5 map to 3x3: rows and columns both use ``adaptive_windows(5, 3)``,
    ``[0, 2)``, ``[1, 4)``, ``[3, 5)``; the first window is ``(0 + 1 + 5 + 6)/4 = 3``.

    >>> import numpy as np
    >>> x = np.arange(25.0).reshape(1, 1, 5, 5)
    >>> adaptive_avg_pool2d(x, 3)[0, 0].tolist()
    [[3.0, 4.5, 6.0], [10.5, 12.0, 13.5], [18.0, 19.5, 21.0]]
    >>> adaptive_avg_pool2d(np.ones((2, 3, 7, 9)), (2, None)).shape   # None keeps W = 9
    (2, 3, 2, 9)
    """
    return _adaptive("adaptive_avg_pool2d", x, output_size, "avg")[0]


def adaptive_max_pool2d(x: npt.ArrayLike, output_size: int | tuple[int | None, int | None],
                        return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size; as :func:`adaptive_avg_pool2d`.

    Returns an array of shape (N, C, OH, OW), and the flat arg-max indices
    ``h * W + w`` of the same shape when ``return_indices``. Equal to
    ``torch.nn.functional.adaptive_max_pool2d``.

    Examples
    --------
    On a 5x5 ramp each window's maximum is its bottom-right element.

    >>> import numpy as np
    >>> x = np.arange(25.0).reshape(1, 1, 5, 5)
    >>> adaptive_max_pool2d(x, 3)[0, 0].tolist()
    [[6.0, 8.0, 9.0], [16.0, 18.0, 19.0], [21.0, 23.0, 24.0]]
    >>> out, idx = adaptive_max_pool2d(x, 2, return_indices=True)   # windows [0, 3), [2, 5)
    >>> idx[0, 0].tolist()                                          # h*5 + w
    [[12, 14], [22, 24]]
    """
    f = "adaptive_max_pool2d"
    return_indices = as_bool(f, "return_indices", return_indices)
    out, idx = _adaptive(f, x, output_size, "max")
    return (out, idx) if return_indices else out


def adaptive_pool2d_naive(x: npt.ArrayLike, output_size: int | tuple[int | None, int | None],
                          op: str = "avg") -> np.ndarray:
    """The specification of adaptive pooling (``op`` ``'avg'`` or ``'max'``): plain loops.

    Returns
    -------
    array, shape (N, C, OH, OW)
        The same as :func:`adaptive_avg_pool2d` (``op='avg'``) or
        :func:`adaptive_max_pool2d` (``op='max'``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(25.0).reshape(1, 1, 5, 5)
    >>> adaptive_pool2d_naive(x, 3, "max")[0, 0].tolist()
    [[6.0, 8.0, 9.0], [16.0, 18.0, 19.0], [21.0, 23.0, 24.0]]
    >>> adaptive_pool2d_naive(x, (2, 4)).shape
    (1, 1, 2, 4)
    >>> bool(np.allclose(adaptive_pool2d_naive(x, (2, 4)), adaptive_avg_pool2d(x, (2, 4))))
    True
    """
    f = "adaptive_pool2d_naive"
    if op not in ("avg", "max"):
        raise ValueError(f"{f}: op must be 'avg' or 'max'; got {op!r}")
    x = _input(f, x)
    oh, ow = _adaptive_size(f, output_size, x.shape[2:])
    n_, c_, h, w = x.shape
    out = np.empty((n_, c_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    r0, r1 = (i * h) // oh, -((-(i + 1) * h) // oh)
                    c0, c1 = (j * w) // ow, -((-(j + 1) * w) // ow)
                    acc, count = (0.0 if op == "avg" else -np.inf), 0
                    for r in range(r0, r1):
                        for q in range(c0, c1):
                            v = x[n, c, r, q]
                            acc = acc + v if op == "avg" else (v if v > acc or np.isnan(v) else acc)
                            count += 1
                    out[n, c, i, j] = acc / count if op == "avg" else acc
    return out


def global_avg_pool2d(x: npt.ArrayLike) -> np.ndarray:
    """Global average pooling: one number per channel.

    Parameters
    ----------
    x : array, shape (N, C, H, W), any H and W

    Returns
    -------
    array, shape (N, C)
        The mean of each feature map; ``adaptive_avg_pool2d(x, 1)[:, :, 0, 0]``.

    Examples
    --------
    Two 2x2 channels holding 0..3 and 4..7: means 1.5 and 5.5.

    >>> import numpy as np
    >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2)).tolist()
    [[1.5, 5.5]]
    >>> global_avg_pool2d(np.ones((4, 3, 7, 5))).shape
    (4, 3)
    """
    x = _input("global_avg_pool2d", x)
    return x.mean(axis=(2, 3))


def _maxout_check(f: str, x: Any, pieces: Any) -> tuple[np.ndarray, int]:
    x = _input(f, x)
    pieces = as_int(f, "pieces", pieces, 1)
    if x.shape[1] % pieces:
        raise ValueError(f"{f}: pieces={pieces} must divide the number of channels C={x.shape[1]} "
                         f"(x.shape={x.shape})")
    return x, pieces


def maxout(x: npt.ArrayLike, pieces: int) -> np.ndarray:
    """Maxout: max pooling over groups of ``pieces`` consecutive channels.

    Parameters
    ----------
    x : array, shape (N, C, H, W), ``C`` a multiple of ``pieces``

    Returns
    -------
    array, shape (N, C // pieces, H, W)
        ``out[:, g] = max(x[:, g*pieces : (g+1)*pieces])``: pooling across
        channels instead of positions (Goodfellow et al. 2013).

    Examples
    --------
    Six channels in groups of 2 give ``6 / 2 = 3`` channels: ``max(1, 5)``,
    ``max(2, 0)`` and ``max(4, 3)``.

    >>> import numpy as np
    >>> x = np.array([1.0, 5.0, 2.0, 0.0, 4.0, 3.0]).reshape(1, 6, 1, 1)
    >>> y = maxout(x, 2)
    >>> y.shape, y.ravel().tolist()
    ((1, 3, 1, 1), [5.0, 2.0, 4.0])
    """
    x, pieces = _maxout_check("maxout", x, pieces)
    n, c, h, w = x.shape
    return x.reshape(n, c // pieces, pieces, h, w).max(axis=2)


def maxout_naive(x: npt.ArrayLike, pieces: int) -> np.ndarray:
    """The specification of :func:`maxout`: plain loops.

    Returns
    -------
    array, shape (N, C // pieces, H, W)
        The same as :func:`maxout`.

    Examples
    --------
    Six channels in groups of 3: ``max(1, 5, 2) = 5`` and ``max(0, 4, 3) = 4``.

    >>> import numpy as np
    >>> x = np.array([1.0, 5.0, 2.0, 0.0, 4.0, 3.0]).reshape(1, 6, 1, 1)
    >>> maxout_naive(x, 3).ravel().tolist()
    [5.0, 4.0]
    >>> bool(np.array_equal(maxout_naive(x, 2), maxout(x, 2)))
    True
    """
    x, pieces = _maxout_check("maxout_naive", x, pieces)
    n_, c_, h, w = x.shape
    out = np.empty((n_, c_ // pieces, h, w), dtype=x.dtype)
    for n in range(n_):
        for g in range(c_ // pieces):
            for r in range(h):
                for q in range(w):
                    best = -np.inf
                    for c in range(g * pieces, (g + 1) * pieces):
                        best = max(best, x[n, c, r, q])
                    out[n, g, r, q] = best
    return out
