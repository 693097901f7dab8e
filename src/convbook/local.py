"""Locally connected (unshared) layers: convolution without parameter sharing.

Chapter: *Parameter sharing*. Every output position has its own kernel, so
the arithmetic is that of a convolution while the parameters grow with the
number of output positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array, as_pair
from .shapes import output_size

__all__ = ["locally_connected2d", "locally_connected2d_naive"]


def _check(f: str, x: Any, w: Any, stride: Any, allow_object: bool = False
           ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)", allow_object)
    w = as_array(f, "w", w, 6, "(OH, OW, C_out, C_in, KH, KW)", allow_object)
    s = as_pair(f, "stride", stride, 1)
    kh, kw = w.shape[4:]
    if w.shape[3] != x.shape[1]:
        raise ValueError(
            f"{f}: w.shape[3] (input channels) must equal x.shape[1]; got x.shape={x.shape}, w.shape={w.shape}"
        )
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError(f"{f}: kernel {kh}x{kw} is larger than the input; x.shape={x.shape}, w.shape={w.shape}")
    expect = (output_size(x.shape[2], kh, s[0]), output_size(x.shape[3], kw, s[1]))
    if w.shape[:2] != expect:
        raise ValueError(
            f"{f}: w.shape[:2] must be the output size {expect} for x.shape={x.shape}, kernel {kh}x{kw}, "
            f"stride={s}; got w.shape={w.shape}"
        )
    return x, w, s


def locally_connected2d(x: np.ndarray, w: np.ndarray, stride: Any = 1) -> np.ndarray:
    """Locally connected layer (no padding): a separate kernel at every output position.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    w : array, shape (OH, OW, C_out, C_in, KH, KW)
        ``OH = output_size(H, KH, stride)``; likewise ``OW``.
    stride : int or (int, int)

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``y[n, o, i, j] = sum_{c,a,b} x[n, c, i*s_h + a, j*s_w + b] * w[i, j, o, c, a, b]``.
        With every ``w[i, j]`` equal to one kernel it is :func:`convbook.conv2d`.
    """
    from .conv import im2col

    x, w, s = _check("locally_connected2d", x, w, stride)
    oh, ow, o, c, kh, kw = w.shape
    cols = im2col(x, (kh, kw), stride=s).reshape(x.shape[0], c * kh * kw, oh, ow)
    return np.einsum("nkij,ijok->noij", cols, w.reshape(oh, ow, o, -1))


def locally_connected2d_naive(x: np.ndarray, w: np.ndarray, stride: Any = 1) -> np.ndarray:
    """The specification of :func:`locally_connected2d`: plain loops, countable by ``count_ops``.

    Same arguments, shapes and result as :func:`locally_connected2d`.
    """
    x, w, (sh, sw) = _check("locally_connected2d_naive", x, w, stride, allow_object=True)
    oh, ow, c_out, c_in, kh, kw = w.shape
    out = np.empty((x.shape[0], c_out, oh, ow), dtype=object if object in (x.dtype, w.dtype) else np.float64)
    for n in range(x.shape[0]):
        for o in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    acc = None
                    for c in range(c_in):
                        for a in range(kh):
                            for b in range(kw):
                                p = x[n, c, i * sh + a, j * sw + b] * w[i, j, o, c, a, b]
                                acc = p if acc is None else acc + p
                    out[n, o, i, j] = acc
    return out
