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

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_array, as_int, as_pair
from .shapes import output_size

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


@dataclass(frozen=True)
class _Pool:
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_hw: tuple[int, int]
    in_hw: tuple[int, int]

    def span(self, ax: int) -> int:
        return self.dilation[ax] * (self.kernel[ax] - 1) + 1

    def pads(self, ax: int) -> tuple[int, int]:
        """Zeros before and after so that every window, ceil-mode ones included, fits."""
        need = (self.out_hw[ax] - 1) * self.stride[ax] + self.span(ax)
        before = self.padding[ax]
        return before, max(0, need - self.in_hw[ax] - before)


def _as_bool(f: str, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{f}: {name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def _input(f: str, x: Any) -> np.ndarray:
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    return x.astype(np.result_type(x.dtype, np.float32), copy=False)


def _geometry(f: str, shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: Any) -> _Pool:
    k = as_pair(f, "kernel_size", kernel_size, 1)
    s = k if stride is None else as_pair(f, "stride", stride, 1)
    p = as_pair(f, "padding", padding, 0)
    d = as_pair(f, "dilation", dilation, 1)
    ceil_mode = _as_bool(f, "ceil_mode", ceil_mode)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"{f}: padding must be at most half the kernel size (padding <= kernel_size // 2 on each axis, "
            f"as torch requires); got padding={p} with kernel_size={k}"
        )
    out = []
    for ax in range(2):
        try:
            out.append(output_size(shape[2 + ax], k[ax], s[ax], p[ax], d[ax], ceil_mode))
        except ValueError:
            raise ValueError(
                f"{f}: the pooling window does not fit: it spans {d[0] * (k[0] - 1) + 1}x{d[1] * (k[1] - 1) + 1} "
                f"(kernel_size={k}, dilation={d}) but the padded input is "
                f"{shape[2] + 2 * p[0]}x{shape[3] + 2 * p[1]} (x.shape={tuple(shape)}, padding={p}); "
                "the output would be empty"
            ) from None
    return _Pool(k, s, p, d, (out[0], out[1]), (shape[2], shape[3]))


def _windows(x: np.ndarray, g: _Pool, fill: float) -> np.ndarray:
    """Every window as an (N, C, OH, OW, KH, KW) view of ``x`` padded with ``fill``."""
    xp = np.pad(x, ((0, 0), (0, 0), g.pads(0), g.pads(1)), constant_values=fill)
    win = sliding_window_view(xp, (g.span(0), g.span(1)), axis=(2, 3))
    win = win[:, :, :: g.stride[0], :: g.stride[1], :: g.dilation[0], :: g.dilation[1]]
    return win[:, :, : g.out_hw[0], : g.out_hw[1]]


def _fold(contrib: np.ndarray, g: _Pool, shape: tuple[int, ...]) -> np.ndarray:
    """Sum (N, C, OH, OW, KH, KW) window contributions back onto the input (col2im)."""
    (ph0, ph1), (pw0, pw1) = g.pads(0), g.pads(1)
    acc = np.zeros((*shape[:2], shape[2] + ph0 + ph1, shape[3] + pw0 + pw1), dtype=contrib.dtype)
    (oh, ow), (sh, sw), (dh, dw) = g.out_hw, g.stride, g.dilation
    for a in range(g.kernel[0]):
        for b in range(g.kernel[1]):
            acc[:, :, a * dh: a * dh + (oh - 1) * sh + 1: sh, b * dw: b * dw + (ow - 1) * sw + 1: sw] += \
                contrib[:, :, :, :, a, b]
    return acc[:, :, ph0: ph0 + shape[2], pw0: pw0 + shape[3]]


def _divisors(g: _Pool, count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """The number each window sum of average pooling is divided by, shape (OH, OW), as torch does."""
    if divisor_override is not None:
        return np.full(g.out_hw, float(divisor_override))
    per_axis = []
    for ax in range(2):
        n, k, s, p = g.in_hw[ax], g.kernel[ax], g.stride[ax], g.padding[ax]
        start = np.arange(g.out_hw[ax]) * s - p
        end = np.minimum(start + k, n + p)        # clipped to the padded input, not to the ceil overhang
        if count_include_pad:
            per_axis.append(end - start)
        else:
            per_axis.append(np.minimum(end, n) - np.maximum(start, 0))
    return np.outer(per_axis[0], per_axis[1]).astype(float)


def max_pool2d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
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
        input element it came from (the first maximum in row-major order).

    Returns
    -------
    array, shape (N, C, OH, OW)
        ``OH = output_size(H, KH, SH, PH, DH, ceil_mode)``, likewise ``OW``;
        equal to ``torch.nn.functional.max_pool2d``. With ``return_indices``,
        a pair ``(out, indices)`` with int64 indices, as torch returns.
    """
    f = "max_pool2d"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    return_indices = _as_bool(f, "return_indices", return_indices)
    win = _windows(x, g, -np.inf)
    if not return_indices:
        return win.max(axis=(4, 5))
    flat = win.reshape(*win.shape[:4], -1)
    arg = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    a, b = np.divmod(arg, g.kernel[1])
    rows = (np.arange(g.out_hw[0]) * g.stride[0] - g.padding[0])[:, None] + a * g.dilation[0]
    cols = (np.arange(g.out_hw[1]) * g.stride[1] - g.padding[1])[None, :] + b * g.dilation[1]
    return out, (rows * x.shape[3] + cols).astype(np.int64)


def max_pool2d_naive(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                     ceil_mode: bool = False) -> np.ndarray:
    """The specification of :func:`max_pool2d`: six plain loops.

    Each output starts at ``-inf`` and keeps the larger of itself and every
    tap of its window that lies inside the input; padded and overhanging taps
    are skipped. Shapes and result as :func:`max_pool2d`.
    """
    f = "max_pool2d_naive"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    n_, c_, h, w = x.shape
    out = np.empty((n_, c_, *g.out_hw), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(g.out_hw[0]):
                for j in range(g.out_hw[1]):
                    best = -np.inf
                    for a in range(g.kernel[0]):
                        for b in range(g.kernel[1]):
                            r = i * g.stride[0] - g.padding[0] + a * g.dilation[0]
                            q = j * g.stride[1] - g.padding[1] + b * g.dilation[1]
                            if 0 <= r < h and 0 <= q < w and (x[n, c, r, q] > best or np.isnan(x[n, c, r, q])):
                                best = x[n, c, r, q]
                    out[n, c, i, j] = best
    return out


def max_pool2d_backward(grad_output: np.ndarray, x: np.ndarray, kernel_size: Any, stride: Any = None,
                        padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """Gradient of :func:`max_pool2d` with respect to its input.

    Each output's gradient is routed, whole, to the input element that was
    the maximum of its window (the first one, on ties); the other elements
    get nothing, and an element that is the maximum of several overlapping
    windows receives the sum.

    Parameters
    ----------
    grad_output : array, shape (N, C, OH, OW)
    x : array, shape (N, C, H, W)
        The input of the forward pass; other arguments as :func:`max_pool2d`.

    Returns
    -------
    array, shape (N, C, H, W)
        Equal to torch's autograd gradient.
    """
    f = "max_pool2d_backward"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    go = _grad_output(f, grad_output, x.shape, g)
    win = _windows(x, g, -np.inf)
    flat = win.reshape(*win.shape[:4], -1)
    onehot = np.zeros_like(flat)
    np.put_along_axis(onehot, flat.argmax(axis=-1)[..., None], 1.0, axis=-1)
    contrib = onehot.reshape(win.shape) * go[..., None, None]
    return _fold(contrib, g, x.shape)


def _grad_output(f: str, grad_output: Any, shape: tuple[int, ...], g: _Pool) -> np.ndarray:
    go = as_array(f, "grad_output", grad_output, 4, "(N, C, OH, OW)")
    want = (*shape[:2], *g.out_hw)
    if go.shape != want:
        raise ValueError(f"{f}: grad_output must have the output's shape {want}; got {go.shape}")
    return go


def avg_pool2d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
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
    """
    f = "avg_pool2d"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, 1, ceil_mode)
    cip = _as_bool(f, "count_include_pad", count_include_pad)
    div = None if divisor_override is None else as_int(f, "divisor_override", divisor_override, 1)
    sums = _windows(x, g, 0.0).sum(axis=(4, 5))
    return (sums / _divisors(g, cip, div)).astype(x.dtype, copy=False)


def avg_pool2d_naive(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
                     ceil_mode: bool = False, count_include_pad: bool = True,
                     divisor_override: int | None = None) -> np.ndarray:
    """The specification of :func:`avg_pool2d`: plain loops with torch's divisor rule.

    For each window starting at ``start = i*s - p`` the sum runs over the
    taps inside the input; the divisor is ``min(start + k, n + p) - start``
    per axis (padding counted, the ceil overhang not) or, with
    ``count_include_pad=False``, the number of taps inside the input.

    Returns the same shape and values as :func:`avg_pool2d`.
    """
    f = "avg_pool2d_naive"
    x = _input(f, x)
    g = _geometry(f, x.shape, kernel_size, stride, padding, 1, ceil_mode)
    cip = _as_bool(f, "count_include_pad", count_include_pad)
    div = None if divisor_override is None else as_int(f, "divisor_override", divisor_override, 1)
    n_, c_, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = g.kernel, g.stride, g.padding
    out = np.empty((n_, c_, *g.out_hw), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(g.out_hw[0]):
                for j in range(g.out_hw[1]):
                    r0, q0 = i * sh - ph, j * sw - pw
                    r1, q1 = min(r0 + kh, h + ph), min(q0 + kw, w + pw)
                    total, inside = 0.0, 0
                    for r in range(max(r0, 0), min(r1, h)):
                        for q in range(max(q0, 0), min(q1, w)):
                            total += x[n, c, r, q]
                            inside += 1
                    if div is not None:
                        out[n, c, i, j] = total / div
                    elif cip:
                        out[n, c, i, j] = total / ((r1 - r0) * (q1 - q0))
                    else:
                        out[n, c, i, j] = total / inside
    return out


def avg_pool2d_backward(grad_output: np.ndarray, input_shape: tuple[int, int, int, int], kernel_size: Any,
                        stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                        count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
    """Gradient of :func:`avg_pool2d` with respect to its input.

    Each output's gradient is shared out equally, divided by the window's
    divisor, among the input elements of its window (padding absorbs its
    share). It does not depend on the input values: the layer is linear.

    Returns
    -------
    array, shape ``input_shape``
        Equal to torch's autograd gradient.
    """
    f = "avg_pool2d_backward"
    if not (isinstance(input_shape, tuple) and len(input_shape) == 4):
        raise ValueError(f"{f}: input_shape must be a tuple (N, C, H, W); got {input_shape!r}")
    shape = tuple(as_int(f, "input_shape", v, 1) for v in input_shape)
    g = _geometry(f, shape, kernel_size, stride, padding, 1, ceil_mode)
    cip = _as_bool(f, "count_include_pad", count_include_pad)
    div = None if divisor_override is None else as_int(f, "divisor_override", divisor_override, 1)
    go = _grad_output(f, grad_output, shape, g).astype(float)
    share = go / _divisors(g, cip, div)
    contrib = np.broadcast_to(share[..., None, None], (*share.shape, *g.kernel))
    return _fold(np.ascontiguousarray(contrib), g, shape)


def _norm_type(f: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not p > 0:
        raise ValueError(f"{f}: norm_type must be a number > 0 (or float('inf')); got {p!r}")
    return float(p)


def lp_pool2d(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None,
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
    """
    f = "lp_pool2d"
    x = _input(f, x)
    p = _norm_type(f, norm_type)
    if np.isinf(p):
        return max_pool2d(np.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    k = as_pair(f, "kernel_size", kernel_size, 1)
    with np.errstate(invalid="ignore"):
        mean = avg_pool2d(x**p, kernel_size, stride, 0, ceil_mode)
        return (mean * (k[0] * k[1])) ** (1.0 / p)


def lp_pool2d_naive(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None,
                    ceil_mode: bool = False) -> np.ndarray:
    """The specification of :func:`lp_pool2d`, as plain loops over windows and taps.

    Returns the same shape and values as :func:`lp_pool2d`.
    """
    f = "lp_pool2d_naive"
    x = _input(f, x)
    p = _norm_type(f, norm_type)
    g = _geometry(f, x.shape, kernel_size, stride, 0, 1, ceil_mode)
    if np.isinf(p):
        return max_pool2d_naive(np.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    n_, c_, h, w = x.shape
    (kh, kw), (sh, sw) = g.kernel, g.stride
    out = np.empty((n_, c_, *g.out_hw), dtype=x.dtype)
    with np.errstate(invalid="ignore"):
        for n in range(n_):
            for c in range(c_):
                for i in range(g.out_hw[0]):
                    for j in range(g.out_hw[1]):
                        total, inside = 0.0, 0
                        for r in range(i * sh, min(i * sh + kh, h)):
                            for q in range(j * sw, min(j * sw + kw, w)):
                                total += x[n, c, r, q] ** p
                                inside += 1
                        out[n, c, i, j] = (total * (kh * kw) / inside) ** (1.0 / p)
    return out


def lp_pool2d_backward(grad_output: np.ndarray, x: np.ndarray, norm_type: float, kernel_size: Any,
                       stride: Any = None, ceil_mode: bool = False) -> np.ndarray:
    """Gradient of :func:`lp_pool2d` with respect to its input.

    With ``y = (c * sum x**p) ** (1/p)`` for a window (``c`` the ceil-mode
    scale), ``dy/dx_i = y**(1-p) * c * x_i**(p-1)``; where the window's sum
    is zero the gradient is zero, as torch defines it. For ``p = inf`` the
    gradient is that of max pooling of ``|x|``, times ``sign(x)``.

    Returns an array of ``x``'s shape (N, C, H, W).
    """
    f = "lp_pool2d_backward"
    x = _input(f, x)
    p = _norm_type(f, norm_type)
    g = _geometry(f, x.shape, kernel_size, stride, 0, 1, ceil_mode)
    go = _grad_output(f, grad_output, x.shape, g)
    if np.isinf(p):
        return np.sign(x) * max_pool2d_backward(go, np.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    y = lp_pool2d(x, p, kernel_size, stride, ceil_mode)
    scale = (g.kernel[0] * g.kernel[1]) / _divisors(g, True, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(y != 0, go * y ** (1.0 - p), 0.0) * scale
        xp = x ** (p - 1.0)
    win = _windows(xp, g, 0.0)
    return _fold(win * factor[..., None, None], g, x.shape)


def _adaptive_size(f: str, output_size_: Any, hw: tuple[int, int]) -> tuple[int, int]:
    vals = output_size_ if isinstance(output_size_, (tuple, list)) else (output_size_, output_size_)
    if len(vals) != 2:
        raise ValueError(f"{f}: output_size must be an int or a pair (None keeps the input size); got {output_size_!r}")
    return tuple(hw[ax] if v is None else as_int(f, "output_size", v, 1) for ax, v in enumerate(vals))  # type: ignore[return-value]


def adaptive_windows(n: int, out: int) -> list[tuple[int, int]]:
    """Windows ``[start, end)`` of adaptive pooling along one axis.

    Output ``i`` of ``out`` pools ``floor(i*n/out) <= t < ceil((i+1)*n/out)``:
    the windows cover the input, have sizes that differ by at most one (plus
    overlap), and need no stride or padding to be chosen.
    """
    n = as_int("adaptive_windows", "n", n, 1)
    out = as_int("adaptive_windows", "out", out, 1)
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


def _adaptive(f: str, x: Any, output_size_: Any, op: str) -> tuple[np.ndarray, np.ndarray | None]:
    x = _input(f, x)
    oh, ow = _adaptive_size(f, output_size_, x.shape[2:])
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
                arg = flat.argmax(axis=-1)
                out[:, :, i, j] = np.take_along_axis(flat, arg[..., None], -1)[..., 0]
                a, b = np.divmod(arg, c1 - c0)
                idx[:, :, i, j] = (r0 + a) * x.shape[3] + c0 + b
    return out, idx


def adaptive_avg_pool2d(x: np.ndarray, output_size: Any) -> np.ndarray:
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
    """
    return _adaptive("adaptive_avg_pool2d", x, output_size, "avg")[0]


def adaptive_max_pool2d(x: np.ndarray, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size; as :func:`adaptive_avg_pool2d`.

    Returns an array of shape (N, C, OH, OW), and the flat arg-max indices
    ``h * W + w`` of the same shape when ``return_indices``. Equal to
    ``torch.nn.functional.adaptive_max_pool2d``.
    """
    f = "adaptive_max_pool2d"
    return_indices = _as_bool(f, "return_indices", return_indices)
    out, idx = _adaptive(f, x, output_size, "max")
    return (out, idx) if return_indices else out


def adaptive_pool2d_naive(x: np.ndarray, output_size: Any, op: str = "avg") -> np.ndarray:
    """The specification of adaptive pooling (``op`` ``'avg'`` or ``'max'``): plain loops."""
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
                            acc = acc + v if op == "avg" else (v if v > acc else acc)
                            count += 1
                    out[n, c, i, j] = acc / count if op == "avg" else acc
    return out


def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """Global average pooling: one number per channel.

    Parameters
    ----------
    x : array, shape (N, C, H, W), any H and W

    Returns
    -------
    array, shape (N, C)
        The mean of each feature map; ``adaptive_avg_pool2d(x, 1)[:, :, 0, 0]``.
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


def maxout(x: np.ndarray, pieces: int) -> np.ndarray:
    """Maxout: max pooling over groups of ``pieces`` consecutive channels.

    Parameters
    ----------
    x : array, shape (N, C, H, W), ``C`` a multiple of ``pieces``

    Returns
    -------
    array, shape (N, C // pieces, H, W)
        ``out[:, g] = max(x[:, g*pieces : (g+1)*pieces])``: pooling across
        channels instead of positions (Goodfellow et al. 2013).
    """
    x, pieces = _maxout_check("maxout", x, pieces)
    n, c, h, w = x.shape
    return x.reshape(n, c // pieces, pieces, h, w).max(axis=2)


def maxout_naive(x: np.ndarray, pieces: int) -> np.ndarray:
    """The specification of :func:`maxout`: plain loops."""
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
