"""Multi-channel 2-D convolution layers (NCHW input, OIHW weights).

Chapter: *The convolution operation* (multi-channel convolution, stride,
padding, dilation, groups) and *Parameter sharing*.

Like every deep-learning library, ``conv2d`` computes a cross-correlation:

.. math::

    y[n, o, i, j] = b[o] + \\sum_{c, a, b'} x_p[n,\\, g(o) C_g + c,\\,
    i s_h + a d_h,\\, j s_w + b' d_w]\\; w[o, c, a, b']

where ``x_p`` is the zero-padded input, ``C_g = C / groups`` and ``g(o)``
the group of output channel ``o``. Output size per axis is
:func:`convbook.output_size`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_array, as_int, as_pair
from .shapes import conv_padding, output_size

__all__ = ["conv2d", "conv2d_naive", "im2col"]


@dataclass(frozen=True)
class _Geometry:
    pads: tuple[tuple[int, int], tuple[int, int]]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    out_hw: tuple[int, int]


def _geometry(f: str, x_shape: tuple[int, ...], kernel: tuple[int, int], stride: Any, padding: Any,
              dilation: Any) -> _Geometry:
    s = as_pair(f, "stride", stride, 1)
    d = as_pair(f, "dilation", dilation, 1)
    pads = conv_padding(f, padding, kernel, d, s)
    out = []
    for ax, (n, k) in enumerate(zip(x_shape[2:], kernel)):
        span = d[ax] * (k - 1) + 1
        padded = n + sum(pads[ax])
        if span > padded:
            raise ValueError(
                f"{f}: the kernel ({kernel[0]}x{kernel[1]}, dilation {d}) spans "
                f"{d[0] * (kernel[0] - 1) + 1}x{d[1] * (kernel[1] - 1) + 1} but the padded input is only "
                f"{x_shape[2] + sum(pads[0])}x{x_shape[3] + sum(pads[1])} "
                f"(x.shape={tuple(x_shape)}, padding={pads})"
            )
        out.append(output_size(n, k, s[ax], pads[ax], d[ax]))
    return _Geometry(pads, s, d, (out[0], out[1]))


def _check_layer(f: str, x: Any, w: Any, b: Any, groups: Any,
                 allow_object: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    x = as_array(f, "x", x, 4, "(N, C, H, W)", allow_object)
    w = as_array(f, "w", w, 4, "(C_out, C_in/groups, KH, KW)", allow_object)
    groups = as_int(f, "groups", groups, 1)
    n_in, n_out = x.shape[1], w.shape[0]
    if n_in % groups or n_out % groups:
        raise ValueError(
            f"{f}: groups={groups} must divide both the input channels ({n_in}, x.shape={x.shape}) "
            f"and the output channels ({n_out}, w.shape={w.shape})"
        )
    if w.shape[1] * groups != n_in:
        raise ValueError(
            f"{f}: w.shape[1] must equal C_in/groups = {n_in}/{groups} = {n_in // groups}; "
            f"got x.shape={x.shape}, w.shape={w.shape}, groups={groups}"
        )
    if b is not None:
        b = as_array(f, "b", b, 1, "(C_out,)", allow_object)
        if b.shape[0] != n_out:
            raise ValueError(f"{f}: b must have shape ({n_out},) to match w.shape={w.shape}; got {b.shape}")
    return x, w, b, groups


def im2col(x: np.ndarray, kernel_size: int | tuple[int, int], stride: Any = 1, padding: Any = 0,
           dilation: Any = 1) -> np.ndarray:
    """Unfold every receptive field of ``x`` into a column.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    kernel_size, stride, padding, dilation
        As in :func:`conv2d` (``padding`` may also be ``'valid'``/``'same'``).

    Returns
    -------
    array, shape (N, C*KH*KW, OH*OW)
        Column ``l`` holds the input patch seen by output position ``l``
        (row-major over ``OH x OW``), ordered channel, row, column; equal to
        ``torch.nn.functional.unfold``.
    """
    f = "im2col"
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    k = as_pair(f, "kernel_size", kernel_size, 1)
    g = _geometry(f, x.shape, k, stride, padding, dilation)
    return _unfold(x, k, g).reshape(x.shape[0], x.shape[1] * k[0] * k[1], -1)


def _unfold(x: np.ndarray, k: tuple[int, int], g: _Geometry) -> np.ndarray:
    """Patches as an (N, C, KH, KW, OH, OW) array (a contiguous copy)."""
    xp = np.pad(x, ((0, 0), (0, 0), *g.pads)) if any(map(any, g.pads)) else x
    (sh, sw), (dh, dw), (oh, ow) = g.stride, g.dilation, g.out_hw
    span = (dh * (k[0] - 1) + 1, dw * (k[1] - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    win = win[:, :, :oh, :ow]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3))


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """2-D convolution layer (cross-correlation), computed by im2col + matmul.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    w : array, shape (C_out, C_in/groups, KH, KW)
    b : array, shape (C_out,), optional
        One bias per output channel, shared by every position.
    stride, dilation : int or (int, int), >= 1
    padding : int, (int, int), 'valid' or 'same'
        Zeros added on each side; ``'same'`` (stride 1 only) puts the odd zero
        of an even total at the bottom/right, as torch does.
    groups : int
        Input and output channels are split into this many groups that only
        see each other (``groups == C_in`` is a depthwise convolution).

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``OH = output_size(H, KH, stride, padding, dilation)``, likewise ``OW``.
        Equal to ``torch.nn.functional.conv2d`` with the same arguments;
        float32 in gives float32 out, integers give float64.
    """
    f = "conv2d"
    x, w, b, groups = _check_layer(f, x, w, b, groups)
    kh, kw = w.shape[2:]
    geo = _geometry(f, x.shape, (kh, kw), stride, padding, dilation)
    dtype = np.result_type(x.dtype, w.dtype, np.float32)
    n, c = x.shape[:2]
    o = w.shape[0]
    oh, ow = geo.out_hw
    cols = _unfold(x.astype(dtype, copy=False), (kh, kw), geo)          # N, C, KH, KW, OH, OW
    cols = cols.reshape(n, groups, (c // groups) * kh * kw, oh * ow)    # N, G, Cg*KH*KW, L
    wg = w.astype(dtype, copy=False).reshape(groups, o // groups, -1)   # G, O/G, Cg*KH*KW
    out = np.matmul(wg[None], cols).reshape(n, o, oh, ow)
    if b is not None:
        out = out + b.astype(dtype, copy=False)[None, :, None, None]
    return out


def conv2d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """The specification of :func:`conv2d`: seven plain loops.

    Same arguments, shapes and result as :func:`conv2d`. Each output is
    accumulated one product at a time (``C_in/groups*KH*KW`` multiplies, one
    fewer adds, plus one add for the bias); products with padding zeros are
    formed too, as im2col does. Accepts object arrays, so that
    :func:`convbook.count_ops` can count the arithmetic.
    """
    f = "conv2d_naive"
    x, w, b, groups = _check_layer(f, x, w, b, groups, allow_object=True)
    kh, kw = w.shape[2:]
    geo = _geometry(f, x.shape, (kh, kw), stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), *geo.pads))
    (sh, sw), (dh, dw), (oh, ow) = geo.stride, geo.dilation, geo.out_hw
    n_batch, c_in = x.shape[:2]
    c_out, cg = w.shape[:2]
    og = c_out // groups
    is_obj = object in (x.dtype, w.dtype) or (b is not None and b.dtype == object)
    out = np.empty((n_batch, c_out, oh, ow),
                   dtype=object if is_obj else np.result_type(x.dtype, w.dtype, np.float32))
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // og) * cg
            for i in range(oh):
                for j in range(ow):
                    acc = None
                    for c in range(cg):
                        for a in range(kh):
                            for bb in range(kw):
                                p = xp[n, first + c, i * sh + a * dh, j * sw + bb * dw] * w[o, c, a, bb]
                                acc = p if acc is None else acc + p
                    out[n, o, i, j] = acc if b is None else acc + b[o]
    return out
