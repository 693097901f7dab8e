"""Convolution as a fully connected layer with two infinitely strong priors.

Chapter: *Convolution and pooling as an infinitely strong prior*. A valid
2-D correlation of an ``H x W`` image with a ``KH x KW`` kernel is the dense
matrix of a fully connected layer whose entries obey two priors: an entry is
zero outside the window its output sees (**locality**, :func:`locality_mask`)
and every entry inside a window equals the kernel weight at the same place in
the window (**sharing**, :func:`tying_pattern`). :func:`tied_matrix` builds
that matrix from a kernel, :func:`project_to_prior` is the nearest matrix that
obeys both priors, and :func:`prior_costs` counts what each prior saves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import as_array, as_int, as_pair, as_real
from .cost import Cost, conv2d_cost, dense_matrix_cost, locally_connected_cost
from .shapes import output_size

__all__ = ["tying_pattern", "tying_pattern_naive", "locality_mask", "tied_matrix", "project_to_prior",
           "prior_costs", "pool_comparisons", "gaussian_entropy"]

#: Largest dense matrix the functions of this module build (``OH*OW*H*W`` entries; 512 MiB in float64).
MAX_ENTRIES = 1 << 26


def _shape(f: str, name: str, value: Any) -> tuple[int, int]:
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise ValueError(f"{f}: {name} must be a pair (H, W) of ints >= 1; got {value!r}")
    return as_int(f, name, value[0], 1), as_int(f, name, value[1], 1)


def _geometry(f: str, kernel_shape: Any, input_shape: Any, stride: Any) -> tuple[int, ...]:
    kh, kw = _shape(f, "kernel_shape", kernel_shape)
    h, w = _shape(f, "input_shape", input_shape)
    sh, sw = as_pair(f, "stride", stride, 1)
    if kh > h or kw > w:
        raise ValueError(f"{f}: kernel_shape {(kh, kw)} must fit in input_shape {(h, w)} (a valid correlation)")
    oh, ow = output_size(h, kh, sh), output_size(w, kw, sw)
    if oh * ow * h * w > MAX_ENTRIES:
        raise ValueError(f"{f}: the dense matrix would have {oh * ow:,} x {h * w:,} = {oh * ow * h * w:,} entries, "
                         f"over {MAX_ENTRIES:,}; use a smaller input_shape")
    return kh, kw, h, w, sh, sw, oh, ow


def tying_pattern(kernel_shape: tuple[int, int], input_shape: tuple[int, int],
                  stride: int | tuple[int, int] = 1) -> np.ndarray:
    """Which kernel weight each entry of a convolution's dense matrix is tied to.

    Parameters
    ----------
    kernel_shape : (KH, KW)
    input_shape : (H, W)
    stride : int or (SH, SW)
        As in :func:`convbook.conv2d` (no padding: a valid correlation).

    Returns
    -------
    array of int64, shape (OH*OW, H*W)
        Entry ``[i*OW + j, r*W + c]`` is ``a*KW + b``, the flat index of the
        kernel weight ``k[a, b]`` that output ``(i, j)`` applies to input
        pixel ``(r, c) = (i*SH + a, j*SW + b)``, and ``-1`` where the pixel
        lies outside the output's window (the prior forces the entry to 0).
        ``OH, OW`` are :func:`convbook.output_size` of ``H, W``.

    Examples
    --------
    A 2 x 2 kernel on a 3 x 3 image: each row holds the indices 0 1 2 3 of
    the kernel's weights, shifted, and -1 elsewhere.

    >>> tying_pattern((2, 2), (3, 3))
    array([[ 0,  1, -1,  2,  3, -1, -1, -1, -1],
           [-1,  0,  1, -1,  2,  3, -1, -1, -1],
           [-1, -1, -1,  0,  1, -1,  2,  3, -1],
           [-1, -1, -1, -1,  0,  1, -1,  2,  3]])
    """
    return _tie("tying_pattern", kernel_shape, input_shape, stride)


def _tie(f: str, kernel_shape: Any, input_shape: Any, stride: Any) -> np.ndarray:
    kh, kw, h, w, sh, sw, oh, ow = _geometry(f, kernel_shape, input_shape, stride)
    i, j, a, b = np.meshgrid(np.arange(oh), np.arange(ow), np.arange(kh), np.arange(kw), indexing="ij")
    tie = np.full((oh * ow, h * w), -1, dtype=np.int64)
    tie[(i * ow + j).ravel(), ((i * sh + a) * w + j * sw + b).ravel()] = (a * kw + b).ravel()
    return tie


def tying_pattern_naive(kernel_shape: tuple[int, int], input_shape: tuple[int, int],
                        stride: int | tuple[int, int] = 1) -> np.ndarray:
    """:func:`tying_pattern` by plain loops over outputs, pixels and kernel places: its specification.

    Returns
    -------
    array of int64, shape (OH*OW, H*W)

    Examples
    --------
    >>> bool((tying_pattern_naive((2, 3), (4, 5), 2) == tying_pattern((2, 3), (4, 5), 2)).all())
    True
    """
    kh, kw, h, w, sh, sw, oh, ow = _geometry("tying_pattern_naive", kernel_shape, input_shape, stride)
    tie = np.full((oh * ow, h * w), -1, dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            for r in range(h):
                for c in range(w):
                    a, b = r - i * sh, c - j * sw
                    if 0 <= a < kh and 0 <= b < kw:
                        tie[i * ow + j, r * w + c] = a * kw + b
    return tie


def locality_mask(kernel_shape: tuple[int, int], input_shape: tuple[int, int],
                  stride: int | tuple[int, int] = 1) -> np.ndarray:
    """The entries of a convolution's dense matrix that the locality prior allows to be nonzero.

    Parameters
    ----------
    kernel_shape : (KH, KW)
    input_shape : (H, W)
    stride : int or (SH, SW)

    Returns
    -------
    array of bool, shape (OH*OW, H*W)
        True where the input pixel lies in the output's ``KH x KW`` window:
        ``tying_pattern(...) >= 0``. Each row has ``KH*KW`` True entries.

    Examples
    --------
    >>> m = locality_mask((2, 2), (3, 3))
    >>> m.shape, int(m.sum()), m.sum(axis=1).tolist()
    ((4, 9), 16, [4, 4, 4, 4])
    """
    return _tie("locality_mask", kernel_shape, input_shape, stride) >= 0


def tied_matrix(kernel: npt.ArrayLike, input_shape: tuple[int, int], stride: int | tuple[int, int] = 1) -> np.ndarray:
    """The dense matrix of a valid correlation: every allowed entry set to the weight it is tied to.

    Parameters
    ----------
    kernel : array, shape (KH, KW)
    input_shape : (H, W)
    stride : int or (SH, SW)

    Returns
    -------
    array of float, shape (OH*OW, H*W)
        ``M @ x.ravel()`` is ``conv2d(x[None, None], kernel[None, None],
        stride).ravel()``; at stride 1 ``M`` equals
        ``convbook.conv_matrix(kernel, input_shape, sparse=False)``.

    Examples
    --------
    >>> import numpy as np
    >>> import convbook as cb
    >>> k = np.array([[1., 2.], [3., 4.]])
    >>> print(tied_matrix(k, (3, 3)).astype(int))
    [[1 2 0 3 4 0 0 0 0]
     [0 1 2 0 3 4 0 0 0]
     [0 0 0 1 2 0 3 4 0]
     [0 0 0 0 1 2 0 3 4]]
    >>> bool((tied_matrix(k, (3, 3)) == cb.conv_matrix(k, (3, 3), sparse=False)).all())
    True
    """
    k = as_array("tied_matrix", "kernel", kernel, 2, "(KH, KW)").astype(float)
    tie = _tie("tied_matrix", k.shape, input_shape, stride)
    return np.where(tie >= 0, k.ravel()[np.maximum(tie, 0)], 0.0)


def project_to_prior(matrix: npt.ArrayLike, kernel_shape: tuple[int, int], input_shape: tuple[int, int],
                     stride: int | tuple[int, int] = 1) -> tuple[np.ndarray, np.ndarray]:
    """The matrix nearest to ``matrix`` (least squares) that obeys locality and sharing.

    Entries outside every window become 0; the entries tied to one kernel
    weight are replaced by their mean, which is that weight.

    Parameters
    ----------
    matrix : array, shape (OH*OW, H*W)
    kernel_shape : (KH, KW)
    input_shape : (H, W)
    stride : int or (SH, SW)

    Returns
    -------
    (projected, kernel)
        ``projected`` (OH*OW, H*W) equals ``tied_matrix(kernel, input_shape,
        stride)``; ``kernel`` has shape (KH, KW).

    Examples
    --------
    A matrix that already is a convolution is left as it is; noise off the
    pattern is removed.

    >>> import numpy as np
    >>> k = np.array([[1., 2.], [3., 4.]])
    >>> m = tied_matrix(k, (3, 3))
    >>> noisy = m + np.random.default_rng(0).normal(size=m.shape) * (m == 0)
    >>> p, k2 = project_to_prior(noisy, (2, 2), (3, 3))
    >>> bool((p == m).all()), k2.tolist()
    (True, [[1.0, 2.0], [3.0, 4.0]])
    """
    f = "project_to_prior"
    m = as_array(f, "matrix", matrix, 2, "(OH*OW, H*W)").astype(float)
    tie = _tie(f, kernel_shape, input_shape, stride)
    if m.shape != tie.shape:
        raise ValueError(f"{f}: matrix must have shape {tie.shape} for kernel_shape {tuple(kernel_shape)}, "
                         f"input_shape {tuple(input_shape)} and stride {stride!r}; got {m.shape}")
    n = int(kernel_shape[0]) * int(kernel_shape[1])
    on = tie >= 0
    sums = np.bincount(tie[on], weights=m[on], minlength=n)
    counts = np.bincount(tie[on], minlength=n)
    kernel = (sums / counts).reshape(int(kernel_shape[0]), int(kernel_shape[1]))
    return np.where(on, kernel.ravel()[np.maximum(tie, 0)], 0.0), kernel


def prior_costs(input_size: int, kernel_size: int, channels_in: int = 1, channels_out: int = 1) -> dict[str, Cost]:
    """Parameters and arithmetic of three layers with the same inputs and outputs: what each prior saves.

    The layers map ``channels_in x input_size x input_size`` inputs to the
    ``channels_out x O x O`` outputs of a valid ``kernel_size`` convolution at
    stride 1 (``O = input_size - kernel_size + 1``), without bias.

    Parameters
    ----------
    input_size, kernel_size, channels_in, channels_out : int

    Returns
    -------
    dict of name -> :class:`convbook.Cost`
        ``"fully connected"`` (no prior: every output sees every input),
        ``"locally connected"`` (locality only: each output its own window
        weights) and ``"convolution"`` (locality and sharing), from
        :func:`convbook.dense_matrix_cost`,
        :func:`convbook.locally_connected_cost` and
        :func:`convbook.conv2d_cost`.

    Examples
    --------
    The notes' example (seed 002 §2.4): 32 x 32 input, 2 x 2 kernel. The
    fully connected layer has 32*32*31*31 parameters, the convolution 4.

    >>> c = prior_costs(32, 2)
    >>> [c[k].params for k in c]
    [984064, 3844, 4]
    >>> fc, conv = c["fully connected"], c["convolution"]
    >>> fc.params // conv.params, fc.multiplies // conv.multiplies
    (246016, 256)
    """
    f = "prior_costs"
    n, k = as_int(f, "input_size", input_size, 1), as_int(f, "kernel_size", kernel_size, 1)
    ci, co = as_int(f, "channels_in", channels_in, 1), as_int(f, "channels_out", channels_out, 1)
    if k > n:
        raise ValueError(f"{f}: kernel_size must be at most input_size ({n}); got {k}")
    o = n - k + 1
    return {"fully connected": dense_matrix_cost(co * o * o, ci * n * n),
            "locally connected": locally_connected_cost(co * o * o, ci * k * k),
            "convolution": conv2d_cost((1, ci, n, n), (co, ci, k, k))}


def pool_comparisons(input_size: int, pool: int, channels: int = 1) -> int:
    """Comparisons of a ``pool x pool`` max pooling at stride ``pool`` on ``channels x input_size x input_size``.

    A max of ``pool**2`` numbers takes ``pool**2 - 1`` comparisons; pooling
    has no parameters and no multiplications.

    Returns
    -------
    int
        ``channels * O**2 * (pool**2 - 1)`` with ``O = output_size(input_size, pool, pool)``.

    Examples
    --------
    >>> pool_comparisons(32, 2)      # 16 x 16 outputs, 3 comparisons each
    768
    """
    f = "pool_comparisons"
    n, p = as_int(f, "input_size", input_size, 1), as_int(f, "pool", pool, 1)
    c = as_int(f, "channels", channels, 1)
    if p > n:
        raise ValueError(f"{f}: pool must be at most input_size ({n}); got {p}")
    return c * output_size(n, p, p) ** 2 * (p * p - 1)


def gaussian_entropy(sigma: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """Differential entropy (nats) of a Gaussian prior on one weight: ``log(sigma * sqrt(2*pi*e))``.

    A weak prior (large ``sigma``) has high entropy; as ``sigma -> 0`` the
    prior becomes infinitely strong and the entropy goes to minus infinity.

    Parameters
    ----------
    sigma : float or array of floats > 0

    Returns
    -------
    array of float, the shape of ``sigma``

    Examples
    --------
    >>> import numpy as np
    >>> h = gaussian_entropy([0.1, 1.0, 10.0])
    >>> bool(np.allclose(np.diff(h), np.log(10)))
    True
    >>> round(float(gaussian_entropy(1.0)), 4)
    1.4189
    """
    f = "gaussian_entropy"
    if isinstance(sigma, (bool, np.bool_)) or (isinstance(sigma, np.ndarray) and sigma.dtype == bool):
        raise TypeError(f"{f}: sigma must be a number or an array of numbers > 0; got {sigma!r}")
    if isinstance(sigma, (int, float, np.number)) and not isinstance(sigma, (bool, np.bool_)):
        s = np.asarray(as_real(f, "sigma", sigma, positive=True))
    else:
        s = as_array(f, "sigma", sigma).astype(float)
        if not (np.all(np.isfinite(s)) and np.all(s > 0)):
            raise ValueError(f"{f}: sigma must be finite and > 0; got min {s.min()!r}")
    return np.log(s) + 0.5 * math.log(2 * math.pi * math.e)
