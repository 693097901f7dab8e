"""Transposed convolution: multiplication by the transpose of a convolution's matrix.

Chapter: *The convolution operation* (gradients of a convolutional layer).
A convolution ``y = conv2d(x, w)`` is a matrix product ``y = M x``. Its
transposed convolution computes ``M^T g``: every input position ``g[i, j]``
spreads ``g[i, j] * w`` over the output window that position ``(i, j)`` of
the convolution read from. That is exactly the gradient of the convolution
with respect to its input (Goodfellow et al., eq. 9.13), and, used forward, an
upsampling layer. Layout follows ``torch.nn.functional.conv_transpose2d``:
inputs ``(N, C_in, H, W)``, weights ``(C_in, C_out/groups, KH, KW)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array, as_int, as_pair
from .shapes import transposed_output_size

__all__ = ["conv_transpose2d", "conv_transpose2d_naive"]


def _check(f: str, x: Any, w: Any, bias: Any, stride: Any, padding: Any, output_padding: Any, groups: Any,
           dilation: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[int, int], tuple[int, int],
                               tuple[int, int], int, tuple[int, int], tuple[int, int]]:
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)")
    w = as_array(f, "w", w, 4, "(C_in, C_out/groups, KH, KW)")
    groups = as_int(f, "groups", groups, 1)
    s = as_pair(f, "stride", stride, 1)
    p = as_pair(f, "padding", padding, 0)
    op = as_pair(f, "output_padding", output_padding, 0)
    d = as_pair(f, "dilation", dilation, 1)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"{f}: x has {x.shape[1]} channels but w expects C_in={w.shape[0]} "
                         f"(w has shape (C_in, C_out/groups, KH, KW) = {w.shape}); got x.shape={x.shape}")
    if x.shape[1] % groups:
        raise ValueError(f"{f}: groups={groups} must divide C_in={x.shape[1]}; got x.shape={x.shape}")
    out_c = w.shape[1] * groups
    b = None
    if bias is not None:
        b = as_array(f, "bias", bias, 1, "(C_out,)")
        if b.shape != (out_c,):
            raise ValueError(f"{f}: bias must have shape (C_out,) = ({out_c},) for w.shape={w.shape} and "
                             f"groups={groups}; got {b.shape}")
    out_hw = tuple(transposed_output_size(x.shape[2 + i], w.shape[2 + i], s[i], p[i], op[i], d[i])
                   for i in range(2))
    return x, w, b, s, p, op, groups, d, out_hw  # type: ignore[return-value]


def conv_transpose2d(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> np.ndarray:
    """Transposed 2-D convolution, vectorised (one matrix product and ``KH*KW`` strided adds).

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    w : array, shape (C_in, C_out/groups, KH, KW)
        The weight of the convolution ``C_out -> C_in`` being transposed, laid
        out as torch lays out a transposed convolution's weight.
    bias : array, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int)
        Those of the convolution being transposed; ``output_padding`` adds
        positions at the bottom/right (``< max(stride, dilation)``).
    groups : int
        ``C_in`` and ``C_out`` are split into this many independent groups.

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``OH = (H - 1)*stride - 2*padding + dilation*(KH - 1) + output_padding + 1``
        (see :func:`convbook.shapes.transposed_output_size`), and likewise
        ``OW``; equal to ``torch.nn.functional.conv_transpose2d``.
    """
    f = "conv_transpose2d"
    x, w, b, s, p, op, groups, d, (oh, ow) = _check(f, x, w, bias, stride, padding, output_padding, groups,
                                                    dilation)
    n, cin, h, wd = x.shape
    kh, kw = w.shape[2:]
    cg, og = cin // groups, w.shape[1]
    dtype = np.result_type(x.dtype, w.dtype, np.float32)
    xg = x.astype(dtype, copy=False).reshape(n, groups, cg, h * wd)
    wg = w.astype(dtype, copy=False).reshape(groups, cg, og * kh * kw)
    cols = np.matmul(wg.transpose(0, 2, 1)[None], xg).reshape(n, groups * og, kh, kw, h, wd)
    full = np.zeros((n, groups * og, oh + 2 * p[0], ow + 2 * p[1]), dtype=dtype)
    for a in range(kh):
        for c in range(kw):
            r0, c0 = a * d[0], c * d[1]
            full[:, :, r0:r0 + s[0] * (h - 1) + 1:s[0], c0:c0 + s[1] * (wd - 1) + 1:s[1]] += cols[:, :, a, c]
    out = full[:, :, p[0]:p[0] + oh, p[1]:p[1] + ow]
    if b is not None:
        out = out + b.astype(dtype)[None, :, None, None]
    return np.ascontiguousarray(out)


def conv_transpose2d_naive(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
                           padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                           dilation: Any = 1) -> np.ndarray:
    """Transposed 2-D convolution by plain loops: the specification of :func:`conv_transpose2d`.

    Every input value ``x[n, ci, i, j]`` adds ``x[n, ci, i, j] * w[ci, co, a, b]``
    to output position ``(i*stride + a*dilation - padding, j*stride + b*dilation - padding)``
    of each output channel ``co`` of its group; positions that fall in the
    padding are dropped.

    Parameters
    ----------
    x, w, bias, stride, padding, output_padding, groups, dilation
        As in :func:`conv_transpose2d`.

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``OH = (H - 1)*stride - 2*padding + dilation*(KH - 1) + output_padding + 1``.
    """
    f = "conv_transpose2d_naive"
    x, w, b, s, p, op, groups, d, (oh, ow) = _check(f, x, w, bias, stride, padding, output_padding, groups,
                                                    dilation)
    n, cin, h, wd = x.shape
    kh, kw = w.shape[2:]
    cg, og = cin // groups, w.shape[1]
    out = np.zeros((n, groups * og, oh, ow), dtype=np.result_type(x.dtype, w.dtype, np.float32))
    for nn in range(n):
        for ci in range(cin):
            g = ci // cg
            for co in range(og):
                for i in range(h):
                    for j in range(wd):
                        for a in range(kh):
                            for c in range(kw):
                                r = i * s[0] + a * d[0] - p[0]
                                q = j * s[1] + c * d[1] - p[1]
                                if 0 <= r < oh and 0 <= q < ow:
                                    out[nn, g * og + co, r, q] += x[nn, ci, i, j] * w[ci, co, a, c]
    if b is not None:
        out += b[None, :, None, None]
    return out
