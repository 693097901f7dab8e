"""Locally connected (unshared) layers: convolution without parameter sharing.

Chapter: *Parameter sharing*. Every output position has its own kernel, so
the arithmetic is that of a convolution while the parameters grow with the
number of output positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import as_array, as_computed, float_dtype
from ._windows import unfold
from .shapes import Geometry, Size2

__all__ = ["locally_connected2d", "locally_connected2d_naive"]


def _check(f: str, x: Any, weight: Any, stride: Any, allow_object: bool = False
           ) -> tuple[np.ndarray, np.ndarray, Geometry]:
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)", allow_object)
    weight = as_array(f, "weight", weight, 6, "(OH, OW, C_out, C_in, KH, KW)", allow_object)
    if weight.shape[3] != x.shape[1]:
        raise ValueError(f"{f}: the weight has {weight.shape[3]} input channels (its fourth axis) but x has "
                         f"{x.shape[1]}; got x.shape={x.shape}, weight.shape={weight.shape}")
    geo = Geometry.conv(x.shape[2:], weight.shape[4:], stride, caller=f)
    if weight.shape[:2] != geo.output_size:
        raise ValueError(
            f"{f}: the weight needs one kernel per output position, weight.shape[:2] = {geo.output_size} for "
            f"x.shape={x.shape}, kernel {geo.kernel[0]}x{geo.kernel[1]}, stride={geo.stride}; "
            f"got weight.shape={weight.shape}"
        )
    return x, weight, geo


def locally_connected2d(x: npt.ArrayLike, weight: npt.ArrayLike, stride: Size2 = 1) -> np.ndarray:
    """Locally connected layer (no padding): a separate kernel at every output position.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    weight : array, shape (OH, OW, C_out, C_in, KH, KW)
        ``OH = output_size(H, KH, stride)``; likewise ``OW``.
    stride : int or (int, int)

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``y[n, o, i, j] = sum_{c,a,b} x[n, c, i*s_h + a, j*s_w + b] * weight[i, j, o, c, a, b]``.
        With every ``weight[i, j]`` equal to one kernel it is :func:`convbook.conv2d`.

    Examples
    --------
    A 4x4 input and 3x3 kernels leave 2x2 positions, each with its own kernel:

    >>> import numpy as np
    >>> weight = np.zeros((2, 2, 1, 1, 3, 3))
    >>> weight[0, 0] = 1.0   # only the top-left position sums its window
    >>> locally_connected2d(np.ones((1, 1, 4, 4)), weight)[0, 0].tolist()
    [[9.0, 0.0], [0.0, 0.0]]
    """
    x, weight, geo = _check("locally_connected2d", x, weight, stride)
    oh, ow, o = weight.shape[:3]
    dtype = float_dtype(x.dtype, weight.dtype)
    cols = unfold(x.astype(dtype, copy=False), geo, caller="locally_connected2d").reshape(x.shape[0], -1, oh, ow)
    return np.einsum("nkij,ijok->noij", cols, weight.astype(dtype, copy=False).reshape(oh, ow, o, -1))


def locally_connected2d_naive(x: npt.ArrayLike, weight: npt.ArrayLike, stride: Size2 = 1) -> np.ndarray:
    """The specification of :func:`locally_connected2d`: plain loops, countable by ``count_ops``.

    Same arguments, shapes and result as :func:`locally_connected2d`.

    Examples
    --------
    >>> import numpy as np
    >>> locally_connected2d_naive(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 1, 3, 3))).tolist()
    [[[[9.0]], [[9.0]]]]
    """
    x, weight, geo = _check("locally_connected2d_naive", x, weight, stride, allow_object=True)
    x, weight = as_computed(x, weight)
    (sh, sw) = geo.stride
    oh, ow, c_out, c_in, kh, kw = weight.shape
    out = np.empty((x.shape[0], c_out, oh, ow), dtype=x.dtype)
    for n in range(x.shape[0]):
        for o in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    acc = None
                    for c in range(c_in):
                        for a in range(kh):
                            for b in range(kw):
                                p = x[n, c, i * sh + a, j * sw + b] * weight[i, j, o, c, a, b]
                                acc = p if acc is None else acc + p
                    out[n, o, i, j] = acc
    return out
