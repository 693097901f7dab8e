"""Equivariance and invariance, measured: transforms, errors, circular correlation.

Chapter: *Equivariance to translation* (and *Pooling*). A map ``f`` is
equivariant (等变) to a transform ``g`` when ``f(g(x)) = g'(f(x))``, with
``g'`` the corresponding transform of the output (usually ``g`` itself), and
invariant (不变) when ``f(g(x)) = f(x)``. :func:`equivariance_error` measures
how far any map is from either, for any transform; the transforms here act on
the last axis of a 1-D signal or the last two axes (height, width) of an
image or an NCHW batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import as_array, as_int, as_real, as_shift, float_dtype
from ._windows import windows
from .shapes import Geometry, mode_padding

__all__ = [
    "shift",
    "rotate",
    "rescale",
    "equivariance_map",
    "equivariance_error",
    "clean_border",
    "correlate_circular",
    "correlate_circular_fft",
    "correlate_same",
    "circulant_matrix",
    "cyclic_shift_matrix",
    "conv_relu_stack",
    "best_output_shift",
]

Array = np.ndarray
Transform = Callable[[Array], Array]


def _spatial(x: np.ndarray) -> int:
    """Spatial axes of a map's output: none for a number, the last for a signal, the last two otherwise."""
    return min(x.ndim, 2)


def shift(x: npt.ArrayLike, offset: int | tuple[int, ...], *, circular: bool = False) -> np.ndarray:
    """Translate a signal or image by whole pixels.

    Parameters
    ----------
    x : array, shape (..., W) or (..., H, W)
        A 1-D array is a signal; otherwise the last two axes are (H, W).
    offset : int or tuple of ints
        Pixels to move the content: positive moves right (and down). One
        int shifts the last axis (the width); ``(dy, dx)`` shifts both.
    circular : bool
        Wrap around (``numpy.roll``, a cyclic shift) instead of letting the
        content leave on one side and zeros enter on the other.

    Returns
    -------
    array, same shape as ``x``
        ``out[..., j] = x[..., j - dx]`` where that index exists, else 0
        (or the wrapped value).

    Examples
    --------
    Moving 5 samples 2 places right: 2 zeros enter on the left and 2 samples
    leave on the right, unless the shift is circular.

    >>> import numpy as np
    >>> x = np.array([1, 2, 3, 4, 5])
    >>> shift(x, 2).tolist(), shift(x, -1).tolist()
    ([0, 0, 1, 2, 3], [2, 3, 4, 5, 0])
    >>> shift(x, 2, circular=True).tolist()
    [4, 5, 1, 2, 3]
    >>> shift(np.arange(9).reshape(3, 3), (1, 1)).tolist()  # one down, one right
    [[0, 0, 0], [0, 0, 1], [0, 3, 4]]
    """
    f = "shift"
    x = as_array(f, "x", x)
    offs = (offset,) if not isinstance(offset, tuple) else offset
    if len(offs) > min(x.ndim, 2) or not all(isinstance(o, (int, np.integer)) and not isinstance(o, bool)
                                               for o in offs):
        raise ValueError(f"{f}: offset must be an int or a tuple of at most {min(x.ndim, 2)} ints "
                         f"for x.shape={x.shape}; got {offset!r}")
    axes = tuple(range(x.ndim - len(offs), x.ndim))
    if circular:
        return np.roll(x, tuple(int(o) for o in offs), axis=axes)
    out = np.zeros_like(x)
    src: list[slice] = [slice(None)] * x.ndim
    dst: list[slice] = [slice(None)] * x.ndim
    for ax, o in zip(axes, offs):
        n = x.shape[ax]
        if abs(o) >= n:
            return out
        src[ax] = slice(0, n - o) if o >= 0 else slice(-o, n)
        dst[ax] = slice(o, n) if o >= 0 else slice(0, n + o)
    out[tuple(dst)] = x[tuple(src)]
    return out


def _per_image(x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    flat = x.reshape(-1, *x.shape[-2:])
    return np.stack([fn(im) for im in flat]).reshape(x.shape)


def rotate(x: npt.ArrayLike, degrees: float, *, order: int = 1) -> np.ndarray:
    """Rotate an image (or every image of a batch) about its centre, keeping its shape.

    Counter-clockwise by ``degrees``, with spline interpolation of ``order``
    (1: bilinear) and zeros where nothing is known; multiples of 90 degrees
    on a square image are exact (``numpy.rot90``).

    Returns
    -------
    array of float, same shape as ``x``

    Examples
    --------
    A quarter turn counter-clockwise moves the pixel right of the centre to
    the pixel above it; other angles keep the shape too.

    >>> import numpy as np
    >>> im = np.zeros((3, 3))
    >>> im[1, 2] = 1
    >>> rotate(im, 90).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    >>> rotate(np.ones((2, 5, 5)), 30).shape  # a batch of two 5 x 5 images
    (2, 5, 5)
    """
    from scipy import ndimage

    x = as_array("rotate", "x", x)
    x = x.astype(float_dtype(x.dtype), copy=False)
    degrees = as_real("rotate", "degrees", degrees)
    order = as_int("rotate", "order", order, 0)
    if x.ndim < 2:
        raise ValueError(f"rotate: x must have at least 2 axes (..., H, W); got shape {x.shape}")
    if degrees % 90 == 0 and x.shape[-1] == x.shape[-2]:
        return np.rot90(x, int(degrees // 90) % 4, axes=(-2, -1)).copy()
    return _per_image(x, lambda im: ndimage.rotate(im, degrees, reshape=False, order=order, mode="constant"))


def rescale(x: npt.ArrayLike, factor: float, *, order: int = 1) -> np.ndarray:
    """Zoom an image (or every image of a batch) about its centre by ``factor``, keeping its shape.

    ``factor > 1`` enlarges the content (the borders are cut off), ``< 1``
    shrinks it (zeros enter at the borders). Spline interpolation of ``order``.

    Returns
    -------
    array of float, same shape as ``x``

    Examples
    --------
    A 3 x 3 square of ones in a 5 x 5 image: halved it becomes the single
    centre pixel, doubled it fills all 5 x 5 = 25 pixels.

    >>> import numpy as np
    >>> sq = np.zeros((5, 5))
    >>> sq[1:4, 1:4] = 1
    >>> float(rescale(sq, 0.5).sum()), float(rescale(sq, 0.5)[2, 2]), float(rescale(sq, 2).sum())
    (1.0, 1.0, 25.0)
    """
    from scipy import ndimage

    x = as_array("rescale", "x", x)
    x = x.astype(float_dtype(x.dtype), copy=False)
    factor = as_real("rescale", "factor", factor, positive=True)
    order = as_int("rescale", "order", order, 0)
    if x.ndim < 2:
        raise ValueError(f"rescale: x must have at least 2 axes (..., H, W); got shape {x.shape}")
    centre = (np.array(x.shape[-2:]) - 1) / 2
    m = np.eye(2) / factor
    off = centre - m @ centre
    return _per_image(x, lambda im: ndimage.affine_transform(im, m, offset=off, order=order, mode="constant"))


def equivariance_map(f: Callable[[Any], Any], g: Transform, x: npt.ArrayLike,
                     g_out: Transform | None = None) -> np.ndarray:
    """Pointwise ``|f(g(x)) - g_out(f(x))|``: where equivariance fails.

    ``g_out`` is the transform applied to the output (default ``g``); pass
    the identity ``lambda y: y`` to measure invariance instead.

    Returns
    -------
    array of float, the shape of ``f``'s output

    Examples
    --------
    'same' correlation with zero padding commutes with a zero-filling shift
    except at the borders, where the padding and the shift disagree.

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 2., 1.])
    >>> equivariance_map(lambda v: correlate_same(v, k), lambda v: shift(v, 1), x).tolist()
    [1.0, 0.0, 0.0, 0.0, 5.0]
    """
    g_out = g if g_out is None else g_out
    x = np.asarray(x)
    a = np.asarray(f(g(x)), dtype=np.float64)
    b = np.asarray(g_out(f(x)), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"equivariance_map: f(g(x)) has shape {a.shape} but g_out(f(x)) has shape {b.shape}; "
                         "choose g_out so that both sides live on the same grid")
    return np.abs(a - b)


def _crop(a: np.ndarray, border: int | tuple[int, int], spatial: int) -> np.ndarray:
    if spatial == 0:
        if border not in (0, (0, 0)):
            raise ValueError(f"equivariance_error: border={border!r} needs an output with positions; f returned "
                             "a single number")
        return a
    bs = border if isinstance(border, tuple) else (border,) * spatial
    idx: list[slice] = [slice(None)] * a.ndim
    for ax, b in zip(range(a.ndim - spatial, a.ndim), bs[-spatial:]):
        b = as_int("equivariance_error", "border", b, 0)
        if 2 * b >= a.shape[ax]:
            raise ValueError(f"equivariance_error: border={border} leaves nothing of an output of shape {a.shape}")
        idx[ax] = slice(b, a.shape[ax] - b)
    return a[tuple(idx)]


def equivariance_error(f: Callable[[Any], Any], g: Transform, x: npt.ArrayLike, g_out: Transform | None = None,
                       *, border: int | tuple[int, int] = 0, norm: str = "relative") -> float:
    """How far ``f`` is from commuting with ``g``: ``f(g(x))`` against ``g_out(f(x))``.

    Parameters
    ----------
    f : callable
        Any map from arrays to arrays (a layer, a network, a pooling).
    g, g_out : callable
        The transform of the input and of the output (default: the same).
        ``g_out = lambda y: y`` measures invariance.
    x : array
        The input to test on.
    border : int or (int, int)
        Output pixels to ignore on each side of the spatial axes (the last
        axis of a 1-D output, the last two otherwise).
    norm : {'relative', 'max'}
        ``'relative'``: ``||f(g(x)) - g_out(f(x))||_2 / ||g_out(f(x))||_2``
        over the kept region (0 means equivariant, about 1 or more means
        unrelated); ``'max'``: the largest absolute difference.

    Returns
    -------
    float

    Examples
    --------
    The errors of :func:`equivariance_map`'s example sit in the outermost
    output on each side; ``border=1`` ignores them.

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 2., 1.])
    >>> f, g = (lambda v: correlate_same(v, k)), (lambda v: shift(v, 1))
    >>> equivariance_error(f, g, x, norm="max"), equivariance_error(f, g, x, border=1)
    (5.0, 0.0)
    >>> top = lambda v: v.max(keepdims=True)  # global max pooling: invariant to cyclic shifts
    >>> equivariance_error(top, lambda v: shift(v, 1, circular=True), x, g_out=lambda y: y)
    0.0
    """
    if norm not in ("relative", "max"):
        raise ValueError(f"equivariance_error: norm must be 'relative' or 'max'; got {norm!r}")
    g_out = g if g_out is None else g_out
    x = np.asarray(x)
    a = np.asarray(f(g(x)), dtype=np.float64)
    b = np.asarray(g_out(f(x)), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"equivariance_error: f(g(x)) has shape {a.shape} but g_out(f(x)) has shape {b.shape}")
    sp = _spatial(a)
    a, b = _crop(a, border, sp), _crop(b, border, sp)
    if norm == "max":
        return float(np.abs(a - b).max())
    denom = float(np.linalg.norm(b))
    return float(np.linalg.norm(a - b)) / denom if denom else float(np.linalg.norm(a - b))


def clean_border(error_map: npt.ArrayLike, tol: float = 0.0) -> int:
    """The smallest border (pixels on each side) outside of which ``error_map <= tol``.

    Works on the last axis of a 1-D map and the last two of any other.

    Returns
    -------
    int
        Between 0 (no error anywhere) and half the map's size.

    Examples
    --------
    Errors only in the first and last of 5 samples: a border of 1 removes them;
    an error 2 samples in from the edge needs a border of 2.

    >>> import numpy as np
    >>> clean_border(np.array([1., 0., 0., 0., 5.]))
    1
    >>> clean_border(np.array([0., 0.5, 0., 0., 0.])), clean_border(np.array([0., 0.5, 0., 0., 0.]), tol=1.0)
    (2, 0)
    """
    e = as_array("clean_border", "error_map", error_map)
    if e.ndim == 1:
        idx = np.nonzero(e > tol)[0]
        n = e.shape[0]
        return int(max((min(i + 1, n - i) for i in idx), default=0))
    bad = (e > tol).reshape(-1, *e.shape[-2:]).any(axis=0)
    h, w = bad.shape
    rows, cols = np.nonzero(bad)
    depth = np.minimum(np.minimum(rows + 1, h - rows), np.minimum(cols + 1, w - cols))
    return int(depth.max()) if depth.size else 0


def _correlate(x: np.ndarray, k: np.ndarray, stride: int, wrap: bool, caller: str) -> np.ndarray:
    """'same' correlation along the last ``k.ndim`` axes, zero or wrap-around padding, every ``stride``-th output."""
    pads = tuple(mode_padding(m, "same") for m in k.shape)
    geo = Geometry.conv(x.shape[x.ndim - k.ndim:], k.shape, stride, pads)
    win = windows(x, geo, wrap=wrap, caller=caller)
    return np.tensordot(win, k, axes=k.ndim)


def _check_corr(f: str, x: Any, k: Any, stride: Any) -> tuple[np.ndarray, np.ndarray, int]:
    x = as_array(f, "x", x)
    k = as_array(f, "k", k)
    dtype = float_dtype(x.dtype, k.dtype)
    x, k = x.astype(dtype, copy=False), k.astype(dtype, copy=False)
    if k.ndim not in (1, 2) or x.ndim < k.ndim:
        raise ValueError(f"{f}: k must be 1-D or 2-D and x must have at least k.ndim axes; "
                         f"got x.shape={x.shape}, k.shape={k.shape}")
    if any(m > n for m, n in zip(k.shape, x.shape[-k.ndim:])):
        raise ValueError(f"{f}: kernel k with shape {k.shape} is larger than x's last axes {x.shape[-k.ndim:]}")
    return x, k, as_int(f, "stride", stride, 1)


def correlate_same(x: npt.ArrayLike, k: npt.ArrayLike, stride: int = 1) -> np.ndarray:
    """'same' cross-correlation with zero padding along the last ``k.ndim`` axes.

    ``out[..., i] = sum_m x[..., i + m - (len(k) - 1)//2] k[m]`` (zeros outside
    ``x``), then every ``stride``-th output is kept. Equal to
    ``correlate2d(x, k, 'same')`` for a 2-D image and stride 1.

    Returns
    -------
    array of float, shape ``x.shape``, or ``(..., ceil(n / stride))`` (each kernel axis) with a stride

    Examples
    --------
    5 samples give 5 outputs; with stride 2, ceil(5 / 2) = 3 of them.

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 2., 1.])
    >>> correlate_same(x, k).tolist()  # first: 0 + 2*1 + 2; last: 4 + 2*5 + 0
    [4.0, 8.0, 12.0, 16.0, 14.0]
    >>> correlate_same(x, k, stride=2).tolist()
    [4.0, 12.0, 14.0]
    """
    x, k, s = _check_corr("correlate_same", x, k, stride)
    return _correlate(x, k, s, wrap=False, caller="correlate_same")


def correlate_circular(x: npt.ArrayLike, k: npt.ArrayLike, stride: int = 1) -> np.ndarray:
    """Cross-correlation with circular (wrap-around) padding along the last ``k.ndim`` axes.

    Parameters
    ----------
    x : array, shape (..., n) or (..., H, W)
    k : array, shape (m,) or (KH, KW), no larger than those axes
    stride : int
        Keep every ``stride``-th output (along each axis).

    Returns
    -------
    array, shape (..., ceil(n / stride)) or (..., ceil(H/s), ceil(W/s))
        ``out[i] = sum_m x[(i + m - (len(k) - 1)//2) mod n] k[m]``. Equal to
        torch's ``conv2d`` after ``F.pad(x, ..., mode='circular')``. The map
        is a circulant matrix (doubly block circulant in 2-D), so it commutes
        with every cyclic shift when ``stride == 1``.

    Examples
    --------
    As :func:`correlate_same`, but the ends wrap around: the first output
    sees ``x[4]`` and the last sees ``x[0]``.

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 2., 1.])
    >>> correlate_circular(x, k).tolist()  # first: 5 + 2*1 + 2; last: 4 + 2*5 + 1
    [9.0, 8.0, 12.0, 16.0, 15.0]
    >>> correlate_circular(np.ones((2, 4, 4)), np.ones((3, 3)), stride=2).shape  # ceil(4 / 2) = 2
    (2, 2, 2)
    """
    x, k, s = _check_corr("correlate_circular", x, k, stride)
    return _correlate(x, k, s, wrap=True, caller="correlate_circular")


def correlate_circular_fft(x: npt.ArrayLike, k: npt.ArrayLike) -> np.ndarray:
    """:func:`correlate_circular` (stride 1) computed in the Fourier domain.

    The circulant matrix is diagonalised by the DFT: with ``c`` the kernel
    placed in a zero array of ``x``'s size and rolled so that tap
    ``(m - 1)//2`` sits at index 0, ``out = ifft(fft(x) * conj(fft(c)))``.

    Returns
    -------
    array of float, shape ``x.shape``

    Examples
    --------
    The same numbers as :func:`correlate_circular`, up to rounding:

    >>> import numpy as np
    >>> x, k = np.array([1., 2., 3., 4., 5.]), np.array([1., 2., 1.])
    >>> np.round(correlate_circular_fft(x, k), 6).tolist()
    [9.0, 8.0, 12.0, 16.0, 15.0]
    >>> bool(np.allclose(correlate_circular_fft(x, k), correlate_circular(x, k)))
    True
    """
    x, k, _ = _check_corr("correlate_circular_fft", x, k, 1)
    axes = tuple(range(x.ndim - k.ndim, x.ndim))
    size = x.shape[-k.ndim:]
    c = np.zeros(size)
    c[tuple(slice(0, m) for m in k.shape)] = k
    c = np.roll(c, tuple(-((m - 1) // 2) for m in k.shape), axis=tuple(range(k.ndim)))
    spec = np.fft.fftn(x, axes=axes) * np.conj(np.fft.fftn(c))
    return np.real(np.fft.ifftn(spec, axes=axes)).astype(x.dtype, copy=False)


def circulant_matrix(k: npt.ArrayLike, n: int) -> np.ndarray:
    """The n x n matrix ``C`` with ``C @ x == correlate_circular(x, k)`` for a 1-D ``x`` of length n.

    Every row is the row above shifted one place to the right, wrapping
    around: a circulant matrix.

    Returns
    -------
    array of float, shape (n, n)

    Examples
    --------
    A 3-tap kernel on length-4 signals: row ``i`` holds ``1 2 3`` centred on
    column ``i``, wrapping around.

    >>> import numpy as np
    >>> c = circulant_matrix([1., 2., 3.], 4)
    >>> c.astype(int).tolist()
    [[2, 3, 0, 1], [1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2]]
    >>> x = np.array([1., 2., 3., 4.])
    >>> (c @ x).tolist() == correlate_circular(x, [1., 2., 3.]).tolist()
    True
    """
    f = "circulant_matrix"
    k = as_array(f, "k", k, 1, "(m,)")
    k = k.astype(float_dtype(k.dtype), copy=False)
    n = as_int(f, "n", n, k.shape[0])
    c = np.zeros((n, n), dtype=k.dtype)
    before = (k.shape[0] - 1) // 2
    for i in range(n):
        for m, v in enumerate(k):
            c[i, (i + m - before) % n] += v
    return c


def cyclic_shift_matrix(n: int, t: int = 1) -> np.ndarray:
    """The permutation matrix ``P`` with ``P @ x == numpy.roll(x, t)``.

    Returns
    -------
    array of float, shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> p = cyclic_shift_matrix(3)
    >>> p.astype(int).tolist()
    [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    >>> (p @ np.array([1., 2., 3.])).tolist(), (cyclic_shift_matrix(3, -1) @ np.array([1., 2., 3.])).tolist()
    ([3.0, 1.0, 2.0], [2.0, 3.0, 1.0])
    >>> c = circulant_matrix([1., 2., 3.], 3)  # circulant matrices commute with cyclic shifts
    >>> bool(np.allclose(c @ p, p @ c))
    True
    """
    n = as_int("cyclic_shift_matrix", "n", n, 1)
    return np.roll(np.eye(n), as_shift("cyclic_shift_matrix", "t", t), axis=0)


def conv_relu_stack(x: npt.ArrayLike, kernels: Sequence[npt.ArrayLike], *, circular: bool = False) -> np.ndarray:
    """Apply 'same' correlation then ReLU with each kernel in turn (single channel).

    Zero padding by default, wrap-around with ``circular=True``.

    Returns
    -------
    array of float, shape ``x.shape``

    Examples
    --------
    A spike: ``[-1, 2, -1]`` then ReLU keeps only its peak, and ``[1, 1, 1]``
    spreads it over 3 samples. Every layer keeps the 5 samples.

    >>> import numpy as np
    >>> x = np.array([0., 0., 1., 0., 0.])
    >>> conv_relu_stack(x, [np.array([-1., 2., -1.]), np.array([1., 1., 1.])]).tolist()
    [0.0, 2.0, 2.0, 2.0, 0.0]
    >>> conv_relu_stack(np.array([1., 0., 0., 0., 0.]), [np.ones(3)], circular=True).tolist()  # wraps around
    [1.0, 1.0, 0.0, 0.0, 1.0]
    """
    corr = correlate_circular if circular else correlate_same
    y = np.asarray(x)
    y = y.astype(float_dtype(y.dtype), copy=False)
    for k in kernels:
        y = np.maximum(corr(y, k), 0.0)
    return y


def best_output_shift(f: Callable[[Any], Any], x: npt.ArrayLike, t: int, *,
                      circular: bool = True) -> tuple[int, float]:
    """For an input shift of ``t`` pixels along the width, the output shift that fits best.

    Tries every cyclic shift ``u`` of the output along its last axis and
    returns ``(u, error)`` with the smallest relative error
    ``||f(shift(x, t)) - roll(f(x), u)|| / ||f(x)||``. An error of 0 means
    ``f`` is equivariant to this shift (with output shift ``u``).

    Returns
    -------
    (int, float)
        The best output shift ``u``, between 0 and the output width - 1, and its error.

    Examples
    --------
    A stride-2 correlation turns an input shift of 2 into an output shift of
    1 exactly; an odd input shift has no exact output shift.

    >>> import numpy as np
    >>> x, k = np.array([0., 1., 3., 0., 0., 2., 0., 0.]), np.array([1., 2., 1.])
    >>> f = lambda v: correlate_circular(v, k, stride=2)
    >>> best_output_shift(f, x, 2)
    (1, 0.0)
    >>> u, err = best_output_shift(f, x, 1)
    >>> u, round(err, 2)
    (0, 0.42)
    """
    y = np.asarray(f(x), dtype=float)
    moved = np.asarray(f(shift(x, t, circular=circular)), dtype=float)
    norm = float(np.linalg.norm(y)) or 1.0
    errs = [float(np.linalg.norm(moved - np.roll(y, u, axis=-1))) / norm for u in range(y.shape[-1])]
    u = int(np.argmin(errs))
    return u, errs[u]
