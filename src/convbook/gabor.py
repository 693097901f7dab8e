"""Gabor functions: the weights of V1's simple cells, and gratings to probe them.

Chapter: *The neuroscientific basis*. Goodfellow et al. (2016, eqs. 9.16-9.17)
describe a simple cell's weights by a Gabor function (Gabor 函数),

.. math:: w(x, y) = \\alpha \\exp(-\\beta_x x'^2 - \\beta_y y'^2) \\cos(f x' + \\phi),

with the rotated, shifted coordinates

.. math:: x' = (x - x_0)\\cos\\tau + (y - y_0)\\sin\\tau, \\qquad
          y' = -(x - x_0)\\sin\\tau + (y - y_0)\\cos\\tau.

:func:`gabor` evaluates it on broadcastable coordinate arrays (its loop
specification is :func:`gabor_naive`), :func:`gabor_kernel` on the square
grid of a convolution kernel, and :func:`grating` makes the sinusoidal
gratings with which a physiologist measures a cell's tuning. On the grid
``x`` is the column and ``y`` the row, both centred on the kernel's middle.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import as_array, as_int, as_real, float_dtype

__all__ = ["gabor", "gabor_naive", "gabor_kernel", "grating", "kernel_grid"]


def _params(func: str, alpha: Any, beta_x: Any, beta_y: Any, f: Any, phi: Any, x0: Any, y0: Any,
            tau: Any) -> tuple[float, ...]:
    """The eight parameters of a Gabor function as floats, checked (the betas must be > 0)."""
    return (as_real(func, "alpha", alpha), as_real(func, "beta_x", beta_x, positive=True),
            as_real(func, "beta_y", beta_y, positive=True), as_real(func, "f", f), as_real(func, "phi", phi),
            as_real(func, "x0", x0), as_real(func, "y0", y0), as_real(func, "tau", tau))


def _coords(func: str, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as arrays of the library's float dtype, broadcast against each other."""
    xa, ya = as_array(func, "x", x), as_array(func, "y", y)
    try:
        shape = np.broadcast_shapes(xa.shape, ya.shape)
    except ValueError:
        raise ValueError(f"{func}: x and y must broadcast against each other; got shapes {xa.shape} and "
                         f"{ya.shape}") from None
    dtype = float_dtype(xa.dtype, ya.dtype)
    return (np.broadcast_to(xa.astype(dtype), shape), np.broadcast_to(ya.astype(dtype), shape))


def gabor(x: Any, y: Any, *, beta_x: float, beta_y: float, f: float, alpha: float = 1.0, phi: float = 0.0,
          x0: float = 0.0, y0: float = 0.0, tau: float = 0.0) -> np.ndarray:
    """The Gabor function of Goodfellow et al. (eqs. 9.16-9.17) at the points ``(x, y)``.

    Shapes
    ------
    x, y : broadcastable arrays (or numbers); the result has their broadcast shape.

    Parameters
    ----------
    x, y : array_like
        Coordinates (``x`` across, ``y`` down on an image grid).
    beta_x, beta_y : float > 0
        Gaussian envelope: ``exp(-beta_x x'^2 - beta_y y'^2)``; larger is narrower.
    f : float
        Angular frequency of the cosine along ``x'`` (radians per pixel).
    alpha : float
        Amplitude.
    phi : float
        Phase of the cosine (0: even, symmetric; pi/2: odd, an edge detector).
    x0, y0 : float
        Centre of the envelope.
    tau : float
        Orientation (radians): ``x'`` points along ``(cos tau, sin tau)``.

    Returns
    -------
    array, shape ``np.broadcast_shapes(x.shape, y.shape)``
        float64 for integer, bool and float64 input; float32 for float16/float32.

    Examples
    --------
    At the centre, with phase 0, the value is ``alpha``; a phase of pi/2 makes
    an odd function of ``x'``:

    >>> float(gabor(0.0, 0.0, beta_x=0.1, beta_y=0.1, f=1.0, alpha=2.0))
    2.0
    >>> w = gabor([-1.0, 1.0], 0.0, beta_x=0.1, beta_y=0.1, f=1.0, phi=np.pi / 2)
    >>> bool(np.isclose(w[0], -w[1]))
    True
    """
    func = "gabor"
    xa, ya = _coords(func, x, y)
    alpha, beta_x, beta_y, f, phi, x0, y0, tau = _params(func, alpha, beta_x, beta_y, f, phi, x0, y0, tau)
    dx, dy = xa - x0, ya - y0
    c, s = math.cos(tau), math.sin(tau)
    xr = dx * c + dy * s
    yr = -dx * s + dy * c
    out = alpha * np.exp(-beta_x * xr ** 2 - beta_y * yr ** 2) * np.cos(f * xr + phi)
    return np.asarray(out, dtype=xa.dtype)


def gabor_naive(x: Any, y: Any, *, beta_x: float, beta_y: float, f: float, alpha: float = 1.0, phi: float = 0.0,
                x0: float = 0.0, y0: float = 0.0, tau: float = 0.0) -> np.ndarray:
    """Loop specification of :func:`gabor`: the formula, one point at a time with :mod:`math`.

    Returns
    -------
    array, shape ``np.broadcast_shapes(x.shape, y.shape)``, in the dtype :func:`gabor` returns

    Examples
    --------
    >>> xs, ys = np.meshgrid(np.arange(-2.0, 3.0), np.arange(-2.0, 3.0))
    >>> kw = dict(beta_x=0.2, beta_y=0.4, f=1.3, phi=0.5, tau=0.7)
    >>> bool(np.allclose(gabor_naive(xs, ys, **kw), gabor(xs, ys, **kw)))
    True
    """
    func = "gabor_naive"
    xa, ya = _coords(func, x, y)
    alpha, beta_x, beta_y, f, phi, x0, y0, tau = _params(func, alpha, beta_x, beta_y, f, phi, x0, y0, tau)
    out = np.empty(xa.shape, dtype=xa.dtype)
    for idx in np.ndindex(*xa.shape):
        dx, dy = float(xa[idx]) - x0, float(ya[idx]) - y0
        xr = dx * math.cos(tau) + dy * math.sin(tau)
        yr = -dx * math.sin(tau) + dy * math.cos(tau)
        out[idx] = alpha * math.exp(-beta_x * xr * xr - beta_y * yr * yr) * math.cos(f * xr + phi)
    return out


def kernel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The coordinates of a ``size x size`` kernel, centred: ``x`` the column, ``y`` the row.

    Returns
    -------
    (x, y) : arrays, shape (size, size)
        ``x[i, j] = j - (size - 1) / 2`` and ``y[i, j] = i - (size - 1) / 2``.

    Examples
    --------
    >>> x, y = kernel_grid(3)
    >>> x[0].tolist(), y[:, 0].tolist()
    ([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0])
    """
    size = as_int("kernel_grid", "size", size, 1)
    c = np.arange(size, dtype=np.float64) - (size - 1) / 2
    xg, yg = np.meshgrid(c, c)
    return xg, yg


def gabor_kernel(size: int, *, beta_x: float, beta_y: float, f: float, alpha: float = 1.0, phi: float = 0.0,
                 x0: float = 0.0, y0: float = 0.0, tau: float = 0.0) -> np.ndarray:
    """A ``size x size`` convolution kernel sampled from :func:`gabor` on :func:`kernel_grid`.

    Returns
    -------
    array, shape (size, size), float64
        Row ``i``, column ``j`` holds the Gabor function at ``x = j - (size - 1) / 2``,
        ``y = i - (size - 1) / 2``.

    Examples
    --------
    A vertical edge detector (phase pi/2, tau = 0) is odd across the columns:

    >>> k = gabor_kernel(5, beta_x=0.3, beta_y=0.3, f=1.0, phi=np.pi / 2)
    >>> k.shape, bool(np.allclose(k, -k[:, ::-1]))
    ((5, 5), True)
    """
    size = as_int("gabor_kernel", "size", size, 1)
    xg, yg = kernel_grid(size)
    try:
        return gabor(xg, yg, beta_x=beta_x, beta_y=beta_y, f=f, alpha=alpha, phi=phi, x0=x0, y0=y0, tau=tau)
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("gabor:", "gabor_kernel:", 1)) from None


def grating(size: int | tuple[int, int], *, f: float, theta: float = 0.0, phi: float = 0.0) -> np.ndarray:
    """A sinusoidal grating ``cos(f (x cos theta + y sin theta) + phi)`` on a centred grid.

    The stimulus of tuning experiments: its bars are perpendicular to the
    direction ``theta``, so a :func:`gabor` of orientation ``tau = theta``
    and frequency ``f`` matches it best.

    Returns
    -------
    array, shape (size, size) or (height, width), float64
        Coordinates as in :func:`kernel_grid` (``x`` across, ``y`` down, centred).

    Examples
    --------
    Bars across (``theta = 0``, period 4 pixels), the same in every row:

    >>> g = grating(4, f=np.pi / 2, phi=np.pi / 4)
    >>> (g * np.sqrt(2)).round(6).tolist()[0] == (g * np.sqrt(2)).round(6).tolist()[3]
    True
    >>> grating((2, 3), f=1.0).shape
    (2, 3)
    """
    func = "grating"
    if isinstance(size, tuple):
        if len(size) != 2:
            raise ValueError(f"{func}: size must be an int >= 1 or a pair (height, width); got {size!r}")
        h, w = as_int(func, "size", size[0], 1), as_int(func, "size", size[1], 1)
    else:
        h = w = as_int(func, "size", size, 1)
    f, theta, phi = as_real(func, "f", f), as_real(func, "theta", theta), as_real(func, "phi", phi)
    xs = np.arange(w, dtype=np.float64) - (w - 1) / 2
    ys = np.arange(h, dtype=np.float64) - (h - 1) / 2
    xg, yg = np.meshgrid(xs, ys)
    return np.cos(f * (xg * math.cos(theta) + yg * math.sin(theta)) + phi)
