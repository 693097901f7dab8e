"""Single-channel correlation and convolution in 1-D and 2-D.

Chapter: *The convolution operation*. Cross-correlation slides the kernel
as it is; convolution flips it first:

.. math::

    (x \\star k)[i] = \\sum_m x[i + m]\\,k[m], \\qquad
    (x * k)[i] = \\sum_m x[i - m]\\,k[m].

Modes follow ``numpy``/``scipy.signal``: ``valid`` gives ``n - k + 1``
outputs, ``same`` gives ``n`` and ``full`` gives ``n + k - 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_array, as_computed, as_mode, float_dtype
from .memory import array_bytes, check_memory
from .shapes import Mode, mode_padding

__all__ = [
    "correlate1d",
    "convolve1d",
    "correlate2d",
    "convolve2d",
    "correlate2d_naive",
]


def _check_fits(func: str, x: np.ndarray, k: np.ndarray, mode: str) -> None:
    if mode == "valid" and any(kk > nn for kk, nn in zip(k.shape, x.shape)):
        raise ValueError(
            f"{func}: kernel k with shape {k.shape} is larger than the input x with shape {x.shape}; "
            f"mode='valid' needs k.shape <= x.shape on every axis (use mode='same' or 'full')"
        )


def _pad(f: str, x: np.ndarray, k_shape: tuple[int, ...], mode: Mode, convention: str) -> np.ndarray:
    pads = [mode_padding(k, mode, convention) for k in k_shape]
    if mode == "valid":
        return x
    padded = tuple(n + b + a for n, (b, a) in zip(x.shape, pads))
    check_memory(array_bytes(padded, x.dtype), caller=f, what=f"the padded input {padded}",
                 advice="use a smaller input or kernel, or mode='valid'")
    return np.pad(x, pads)


def _shift_and_add(xp: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid correlation of a padded 2-D array: one scaled, shifted slice per kernel tap.

    ``KH*KW`` whole-array operations instead of a loop over pixels; this is
    faster than an im2col copy for the small kernels of single-channel images.
    """
    kh, kw = k.shape
    oh, ow = xp.shape[0] - kh + 1, xp.shape[1] - kw + 1
    out = np.zeros((oh, ow), dtype=float_dtype(xp.dtype, k.dtype))
    for a in range(kh):
        for b in range(kw):
            out += k[a, b] * xp[a:a + oh, b:b + ow]
    return out


_LAYOUTS = {1: ("(n,)", "(m,)"), 2: ("(H, W)", "(KH, KW)")}


def _prepare(f: str, x: npt.ArrayLike, k: npt.ArrayLike, mode: Any, ndim: int, convention: str,
             padded: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Check the arguments and return the zero-padded input (common dtype) and the kernel."""
    checked_mode = as_mode(f, mode)
    xa = as_array(f, "x", x, ndim, _LAYOUTS[ndim][0])
    ka = as_array(f, "k", k, ndim, _LAYOUTS[ndim][1])
    _check_fits(f, xa, ka, checked_mode)
    if not padded:   # the FFT method pads implicitly
        return xa.astype(float_dtype(xa.dtype, ka.dtype), copy=False), ka
    return _pad(f, xa.astype(float_dtype(xa.dtype, ka.dtype), copy=False), ka.shape, checked_mode, convention), ka


def correlate1d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid") -> np.ndarray:
    """Cross-correlation of a 1-D signal with a 1-D kernel.

    Parameters
    ----------
    x : array, shape (n,)
    k : array, shape (m,)
    mode : {'valid', 'same', 'full'}

    Returns
    -------
    array, shape (n - m + 1,), (n,) or (n + m - 1,)
        Equal to ``numpy.correlate(x, k, mode)`` (for ``same``, when ``m <= n``).

    Examples
    --------
    A 5-sample signal and a 3-tap kernel give 5 - 3 + 1 = 3 valid outputs,
    each ``x[i] - x[i + 2]``:

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 0., -1.])
    >>> correlate1d(x, k).tolist()
    [-2.0, -2.0, -2.0]
    >>> correlate1d(x, k, "same").tolist()  # 5 outputs; a zero enters at each end
    [-2.0, -2.0, -2.0, -2.0, 4.0]
    >>> correlate1d(x, k, "full").shape  # 5 + 3 - 1
    (7,)
    """
    xp, k = _prepare("correlate1d", x, k, mode, 1, "numpy")
    return sliding_window_view(xp, k.shape[0]) @ k


def convolve1d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid") -> np.ndarray:
    """Convolution (flipped kernel) of a 1-D signal with a 1-D kernel.

    Shapes as :func:`correlate1d`; equal to ``numpy.convolve(x, k, mode)``
    (for ``same``, when ``m <= n``).

    Returns
    -------
    array, shape (n - m + 1,), (n,) or (n + m - 1,)

    Examples
    --------
    Flipping the kernel ``[1, 0, -1]`` turns ``x[i] - x[i + 2]`` into
    ``x[i + 2] - x[i]``; 5 - 3 + 1 = 3 outputs:

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 0., -1.])
    >>> convolve1d(x, k).tolist()
    [2.0, 2.0, 2.0]
    >>> bool(np.array_equal(convolve1d(x, k), correlate1d(x, k[::-1])))
    True
    """
    xp, k = _prepare("convolve1d", x, k, mode, 1, "numpy")
    return sliding_window_view(xp, k.shape[0]) @ k[::-1]


def correlate2d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid", *, method: str = "auto") -> np.ndarray:
    """Cross-correlation of a 2-D image with a 2-D kernel.

    Parameters
    ----------
    x : array, shape (H, W)
    k : array, shape (KH, KW)
    mode : {'valid', 'same', 'full'}
    method : {'auto', 'direct', 'fft'}
        ``'direct'`` adds one scaled, shifted copy of the image per kernel
        tap; ``'fft'`` multiplies spectra (:mod:`convbook.algorithms`);
        ``'auto'`` picks by :func:`convbook.choose_correlate2d_method`'s cost rule.

    Returns
    -------
    array, shape (H - KH + 1, W - KW + 1), (H, W) or (H + KH - 1, W + KW - 1)
        ``out[i, j] = sum_{a, b} x_padded[i + a, j + b] * k[a, b]``; equal to
        ``scipy.signal.correlate2d(x, k, mode)`` (with zero fill), even
        kernels included.

    Examples
    --------
    A 4 x 4 image and a 2 x 2 kernel give (4 - 2 + 1) x (4 - 2 + 1) = 3 x 3
    valid outputs, here ``x[i, j] - x[i + 1, j + 1]`` (always 0 - 5 = -5):

    >>> import numpy as np
    >>> x, k = np.arange(16.).reshape(4, 4), np.array([[1., 0.], [0., -1.]])
    >>> correlate2d(x, k).tolist()
    [[-5.0, -5.0, -5.0], [-5.0, -5.0, -5.0], [-5.0, -5.0, -5.0]]
    >>> correlate2d(x, k, "same").shape, correlate2d(x, k, "full").shape
    ((4, 4), (5, 5))
    >>> bool(np.allclose(correlate2d(x, k, method="fft"), -5.0))
    True
    """
    from .algorithms import correlate2d_fft, resolve_correlate2d_method  # lazily, as the methods need this module
    xa, k = _prepare("correlate2d", x, k, mode, 2, "scipy", padded=False)
    if resolve_correlate2d_method("correlate2d", method, xa.shape, k.shape, mode, xa.dtype.itemsize) == "fft":
        return correlate2d_fft(xa, k, mode)
    return _shift_and_add(_pad("correlate2d", xa, k.shape, mode, "scipy"), k)


def convolve2d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid") -> np.ndarray:
    """Convolution (kernel flipped on both axes) of a 2-D image.

    Shapes as :func:`correlate2d`; equal to ``scipy.signal.convolve2d(x, k, mode)``.

    Returns
    -------
    array, shape (H - KH + 1, W - KW + 1), (H, W) or (H + KH - 1, W + KW - 1)

    Examples
    --------
    The flipped kernel computes ``x[i + 1, j + 1] - x[i, j]``: the sign of
    :func:`correlate2d`'s result changes.

    >>> import numpy as np
    >>> x, k = np.arange(16.).reshape(4, 4), np.array([[1., 0.], [0., -1.]])
    >>> convolve2d(x, k).tolist()
    [[5.0, 5.0, 5.0], [5.0, 5.0, 5.0], [5.0, 5.0, 5.0]]
    >>> bool(np.array_equal(convolve2d(x, k), correlate2d(x, k[::-1, ::-1])))
    True
    """
    xp, k = _prepare("convolve2d", x, k, mode, 2, "flipped")
    return _shift_and_add(xp, k[::-1, ::-1])


def correlate2d_naive(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid") -> np.ndarray:
    """The specification of :func:`correlate2d`: four plain loops.

    Shapes as :func:`correlate2d`. Every product is formed and summed one at a
    time, ``KH*KW`` multiplies and ``KH*KW - 1`` adds per output, so that
    :func:`convbook.count_ops` can count them. Accepts object arrays.

    Returns
    -------
    array, shape (H - KH + 1, W - KW + 1), (H, W) or (H + KH - 1, W + KW - 1)
        Of dtype object if ``x`` or ``k`` is.

    Examples
    --------
    A 3 x 3 image of Python ints and a 2 x 2 kernel of ones: 2 x 2 outputs,
    each the sum of one 2 x 2 block, 4 multiplies and 3 adds.

    >>> import numpy as np
    >>> x = np.arange(9).reshape(3, 3).astype(object)
    >>> k = np.ones((2, 2), dtype=int).astype(object)
    >>> out = correlate2d_naive(x, k)
    >>> out.tolist(), out.dtype
    ([[8, 12], [20, 24]], dtype('O'))
    >>> bool(np.array_equal(out, correlate2d(np.arange(9.).reshape(3, 3), np.ones((2, 2)))))
    True
    """
    f = "correlate2d_naive"
    mode = as_mode(f, mode)
    x = as_array(f, "x", x, 2, "(H, W)", allow_object=True)
    k = as_array(f, "k", k, 2, "(KH, KW)", allow_object=True)
    _check_fits(f, x, k, mode)
    x, k = as_computed(x, k)
    xp = _pad(f, x, k.shape, mode, "scipy")
    kh, kw = k.shape
    oh, ow = xp.shape[0] - kh + 1, xp.shape[1] - kw + 1
    out = np.empty((oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            acc = None
            for a in range(kh):
                for b in range(kw):
                    p = xp[i + a, j + b] * k[a, b]
                    acc = p if acc is None else acc + p
            out[i, j] = acc
    return out
