"""Gradients of a convolutional layer (Goodfellow et al., eqs. 9.11-9.13).

Chapter: *The convolution operation*. For ``y = conv2d(x, w, b, ...)`` and an
upstream gradient ``G = dL/dy``:

- the kernel gradient correlates the input with ``G`` (their ``g(G, V, s)``),
- the input gradient is a transposed convolution of ``G`` with the kernel
  (their ``h(K, G, s)``): every output spreads its gradient back over the
  input pixels it saw,
- the bias gradient sums ``G`` over batch and positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array
from .conv import _check_layer, _geometry, _unfold

__all__ = ["conv2d_backward"]


def conv2d_backward(grad_out: np.ndarray, x: np.ndarray, w: np.ndarray, stride: Any = 1, padding: Any = 0,
                    dilation: Any = 1, groups: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`convbook.conv2d` with respect to its input, weights and bias.

    Parameters
    ----------
    grad_out : array, shape (N, C_out, OH, OW)
        ``dL/dy`` for ``y = conv2d(x, w, b, stride, padding, dilation, groups)``.
    x : array, shape (N, C_in, H, W)
    w : array, shape (C_out, C_in/groups, KH, KW)
    stride, padding, dilation, groups
        As in :func:`convbook.conv2d`.

    Returns
    -------
    (grad_x, grad_w, grad_b)
        Shapes (N, C_in, H, W), (C_out, C_in/groups, KH, KW) and (C_out,);
        equal to what ``torch.autograd`` gives for ``torch.nn.functional.conv2d``.
    """
    f = "conv2d_backward"
    x, w, _, groups = _check_layer(f, x, w, None, groups)
    kh, kw = w.shape[2:]
    geo = _geometry(f, x.shape, (kh, kw), stride, padding, dilation)
    n, c, h, wd = x.shape
    o = w.shape[0]
    oh, ow = geo.out_hw
    g = as_array(f, "grad_out", grad_out, 4, "(N, C_out, OH, OW)")
    if g.shape != (n, o, oh, ow):
        raise ValueError(f"{f}: grad_out must have the output shape {(n, o, oh, ow)} of conv2d for "
                         f"x.shape={x.shape}, w.shape={w.shape}; got {g.shape}")
    dtype = np.result_type(x.dtype, w.dtype, g.dtype, np.float32)
    cg, og = c // groups, o // groups
    gg = g.astype(dtype, copy=False).reshape(n, groups, og, oh * ow)
    cols = _unfold(x.astype(dtype, copy=False), (kh, kw), geo).reshape(n, groups, cg * kh * kw, oh * ow)
    grad_w = np.einsum("ngol,ngkl->gok", gg, cols).reshape(w.shape)
    grad_b = g.sum(axis=(0, 2, 3)).astype(dtype)
    wg = w.astype(dtype, copy=False).reshape(groups, og, cg * kh * kw)
    dcols = np.matmul(wg.transpose(0, 2, 1)[None], gg).reshape(n, c, kh, kw, oh, ow)
    (pt, pb), (pl, pr) = geo.pads
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    gxp = np.zeros((n, c, h + pt + pb, wd + pl + pr), dtype=dtype)
    for a in range(kh):
        for bb in range(kw):
            rows = slice(a * dh, a * dh + sh * (oh - 1) + 1, sh)
            cols_ = slice(bb * dw, bb * dw + sw * (ow - 1) + 1, sw)
            gxp[:, :, rows, cols_] += dcols[:, :, a, bb]
    return gxp[:, :, pt:pt + h, pl:pl + wd], grad_w, grad_b
