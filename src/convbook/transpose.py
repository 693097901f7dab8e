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
import numpy.typing as npt

from ._checks import as_array, as_computed, as_int, float_dtype
from ._windows import fold
from .memory import array_bytes, check_memory
from .shapes import Geometry, Size2

__all__ = ["conv_transpose2d", "conv_transpose2d_naive"]


def _check(f: str, x: Any, weight: Any, bias: Any, stride: Any, padding: Any, output_padding: Any, groups: Any,
           dilation: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, Geometry]:
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)")
    weight = as_array(f, "weight", weight, 4, "(C_in, C_out/groups, KH, KW)")
    groups = as_int(f, "groups", groups, 1)
    if x.shape[1] != weight.shape[0]:
        raise ValueError(f"{f}: x has {x.shape[1]} input channels but the weight has {weight.shape[0]} (its first "
                         f"axis: (C_in, C_out/groups, KH, KW) = {weight.shape}); got x.shape={x.shape}")
    if x.shape[1] % groups:
        raise ValueError(f"{f}: groups={groups} must divide the input channels ({x.shape[1]}); "
                         f"got x.shape={x.shape}")
    out_c = weight.shape[1] * groups
    if bias is not None:
        bias = as_array(f, "bias", bias, 1, "(C_out,)")
        if bias.shape != (out_c,):
            raise ValueError(f"{f}: bias must have one entry per output channel, shape ({out_c},) for "
                             f"weight.shape={weight.shape} and groups={groups}; got {bias.shape}")
    geo = Geometry.transposed(x.shape[2:], weight.shape[2:], stride, padding, output_padding, dilation, caller=f)
    return x, weight, bias, groups, geo


def conv_transpose2d(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None,
                     stride: Size2 = 1, padding: Size2 = 0, output_padding: Size2 = 0, groups: int = 1,
                     dilation: Size2 = 1) -> np.ndarray:
    """Transposed 2-D convolution, vectorised: one matrix product, then a fold.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    weight : array, shape (C_in, C_out/groups, KH, KW)
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
        (see :func:`convbook.transposed_output_size`), and likewise ``OW``;
        equal to ``torch.nn.functional.conv_transpose2d``.

    Examples
    --------
    A 3x3 kernel with stride 2 and padding 1 doubles a 4x4 map (with one
    position of ``output_padding``): (4 - 1)*2 - 2 + 2 + 1 + 1 = 8.

    >>> import numpy as np
    >>> conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2, padding=1,
    ...                  output_padding=1).shape
    (1, 1, 8, 8)
    >>> conv_transpose2d(np.ones((1, 1, 1, 1)), np.arange(4.0).reshape(1, 1, 2, 2))[0, 0].tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    f = "conv_transpose2d"
    x, weight, bias, groups, geo = _check(f, x, weight, bias, stride, padding, output_padding, groups, dilation)
    n, cin, h, wd = x.shape
    cg, og = cin // groups, weight.shape[1]
    dtype = float_dtype(x.dtype, weight.dtype, *([] if bias is None else [bias.dtype]))
    xg = x.astype(dtype, copy=False).reshape(n, groups, cg, h * wd)
    wg = weight.astype(dtype, copy=False).reshape(groups, cg, -1)
    cols = np.matmul(wg.transpose(0, 2, 1)[None], xg).reshape(n, groups * og, *geo.kernel, h, wd)
    out = fold(cols, geo, caller=f)
    if bias is not None:
        out = out + bias.astype(dtype)[None, :, None, None]
    return np.ascontiguousarray(out)


def conv_transpose2d_naive(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None,
                           stride: Size2 = 1, padding: Size2 = 0, output_padding: Size2 = 0, groups: int = 1,
                           dilation: Size2 = 1) -> np.ndarray:
    """Transposed 2-D convolution by plain loops: the specification of :func:`conv_transpose2d`.

    Every input value ``x[n, ci, i, j]`` adds ``x[n, ci, i, j] * weight[ci, co, a, b]``
    to output position ``(i*stride + a*dilation - padding, j*stride + b*dilation - padding)``
    of each output channel ``co`` of its group; positions that fall in the
    padding are dropped.

    Parameters
    ----------
    x, weight, bias, stride, padding, output_padding, groups, dilation
        As in :func:`conv_transpose2d`.

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``OH = (H - 1)*stride - 2*padding + dilation*(KH - 1) + output_padding + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> conv_transpose2d_naive(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    f = "conv_transpose2d_naive"
    x, weight, bias, groups, geo = _check(f, x, weight, bias, stride, padding, output_padding, groups, dilation)
    n, cin, h, wd = x.shape
    kh, kw = geo.kernel
    (sh, sw), (dh, dw), (ph, pw) = geo.stride, geo.dilation, (p for p, _ in geo.padding)
    oh, ow = geo.input_size
    cg, og = cin // groups, weight.shape[1]
    x, weight, bias = as_computed(x, weight, bias)
    check_memory(array_bytes((n, groups * og, oh, ow), x.dtype), caller=f,
                 what=f"the output {(n, groups * og, oh, ow)}",
                 advice="use a smaller stride, dilation, kernel or input")
    out = np.zeros((n, groups * og, oh, ow), dtype=x.dtype)
    for nn in range(n):
        for ci in range(cin):
            g = ci // cg
            for co in range(og):
                for i in range(h):
                    for j in range(wd):
                        for a in range(kh):
                            for c in range(kw):
                                r = i * sh + a * dh - ph
                                q = j * sw + c * dw - pw
                                if 0 <= r < oh and 0 <= q < ow:
                                    out[nn, g * og + co, r, q] += x[nn, ci, i, j] * weight[ci, co, a, c]
    if bias is not None:
        out += bias[None, :, None, None]
    return out
