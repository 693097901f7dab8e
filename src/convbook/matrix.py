"""Convolution written as a matrix, and matrix-vector products by loops.

Chapter: *Parameter sharing* and *The convolution operation*. A 2-D
correlation is linear in the image, so it is a matrix ``M`` (doubly block
Toeplitz) with ``M @ x.ravel() == correlate2d(x, k, mode).ravel()``. Every
row holds the same kernel numbers, shifted: that is parameter sharing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ._checks import as_array, as_computed, as_int, as_mode, as_real, float_dtype
from .shapes import IntPair, Mode, mode_padding, output_size

__all__ = ["conv_matrix", "operator_matrix", "circulant_spectrum_rank", "matvec_naive", "sparse_matvec_naive"]

#: Largest dense matrix ``conv_matrix(..., sparse=False)`` builds (512 MiB in float64).
MAX_DENSE_ENTRIES = 1 << 26


def conv_matrix(k: npt.ArrayLike, input_shape: IntPair, mode: Mode = "valid", sparse: bool = True,
                max_dense_entries: int = MAX_DENSE_ENTRIES) -> Any:
    """The matrix of ``x -> correlate2d(x, k, mode)`` on images of ``input_shape``.

    Parameters
    ----------
    k : array, shape (KH, KW)
    input_shape : (H, W)
    mode : {'valid', 'same', 'full'}
    sparse : bool
        Return a ``scipy.sparse.csr_array`` (default) or a dense ndarray.
    max_dense_entries : int
        Refuse to build a dense matrix with more entries than this.

    Returns
    -------
    matrix, shape (OH*OW, H*W)
        ``OH, OW`` as in :func:`convbook.correlate2d`. Row ``i*OW + j``
        holds the kernel entries at the columns of the input pixels that
        output ``(i, j)`` sees; zero kernel entries are not stored, so
        ``nnz = (nonzero taps) x (in-bounds positions)``.

    Examples
    --------
    A 2 x 2 kernel on 3 x 3 images: (3 - 2 + 1)**2 = 4 outputs, 9 inputs, and
    4 taps x 4 positions = 16 stored entries. Each row holds ``1 2 3 4``, shifted.

    >>> import numpy as np
    >>> import convbook as cb
    >>> k, x = np.array([[1., 2.], [3., 4.]]), np.arange(9.).reshape(3, 3)
    >>> m = conv_matrix(k, (3, 3))
    >>> m.shape, m.nnz, (m @ x.ravel()).tolist() == cb.correlate2d(x, k).ravel().tolist()
    ((4, 9), 16, True)
    >>> print(conv_matrix(k, (3, 3), sparse=False).astype(int))
    [[1 2 0 3 4 0 0 0 0]
     [0 1 2 0 3 4 0 0 0]
     [0 0 0 1 2 0 3 4 0]
     [0 0 0 0 1 2 0 3 4]]
    """
    f = "conv_matrix"
    k = as_array(f, "k", k, 2, "(KH, KW)")
    mode = as_mode(f, mode)
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 2):
        raise ValueError(f"{f}: input_shape must be a pair (H, W); got {input_shape!r}")
    h, w = (as_int(f, "input_shape", v, 1) for v in input_shape)
    kh, kw = k.shape
    if mode == "valid" and (kh > h or kw > w):
        raise ValueError(
            f"{f}: kernel k with shape {k.shape} is larger than the input shape {(h, w)}; "
            "mode='valid' needs k.shape <= input_shape (use mode='same' or 'full')"
        )
    (pt, pb), (pl, pr) = mode_padding(kh, mode), mode_padding(kw, mode)
    oh, ow = output_size(h, kh, padding=(pt, pb)), output_size(w, kw, padding=(pl, pr))
    if not sparse and oh * ow * h * w > max_dense_entries:
        raise ValueError(
            f"{f}: a dense {oh * ow} x {h * w} matrix has {oh * ow * h * w:,} entries "
            f"({oh * ow * h * w * 8 / 2**30:.1f} GiB in float64), over max_dense_entries="
            f"{max_dense_entries:,}; use sparse=True or a smaller input_shape"
        )
    ii, jj = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    rows, cols, vals = [], [], []
    for a in range(kh):
        for b in range(kw):
            if k[a, b] == 0:
                continue
            r, c = ii + a - pt, jj + b - pl
            ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            rows.append((ii * ow + jj)[ok])
            cols.append((r * w + c)[ok])
            vals.append(np.full(int(ok.sum()), k[a, b], dtype=float_dtype(k.dtype)))
    dtype = float_dtype(k.dtype)
    if rows:
        m = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(oh * ow, h * w), dtype=dtype)
    else:
        m = sp.csr_array((oh * ow, h * w), dtype=dtype)
    m.sort_indices()
    return m if sparse else m.toarray()


def operator_matrix(fn: Any, shape: tuple[int, ...], max_entries: int = MAX_DENSE_ENTRIES) -> np.ndarray:
    """The dense matrix of a linear map on arrays of ``shape``, found by applying it to each basis array.

    Parameters
    ----------
    fn : callable
        A linear function of an array of ``shape`` (e.g. a circular
        correlation); it is called once per entry of ``shape``.
    shape : tuple of int
        Shape of the input arrays.
    max_entries : int
        Refuse matrices with more entries than this.

    Returns
    -------
    array, shape (fn(x).size, prod(shape))
        Column ``j`` is ``fn(e_j).ravel()`` for the ``j``-th basis array in
        C order, so that ``M @ x.ravel() == fn(x).ravel()``.

    Examples
    --------
    Reversing a 3-vector and doubling it is a 3 x 3 matrix; valid correlation
    with a 2 x 2 kernel on 3 x 3 images has 2 * 2 = 4 outputs and 9 inputs.

    >>> import numpy as np
    >>> import convbook as cb
    >>> operator_matrix(lambda v: 2 * v[::-1], (3,)).astype(int).tolist()
    [[0, 0, 2], [0, 2, 0], [2, 0, 0]]
    >>> operator_matrix(lambda im: cb.correlate2d(im, np.ones((2, 2))), (3, 3)).shape
    (4, 9)
    """
    f = "operator_matrix"
    if not callable(fn):
        raise TypeError(f"{f}: fn must be callable; got {type(fn).__name__}")
    if not isinstance(shape, (tuple, list)) or not shape:
        raise ValueError(f"{f}: shape must be a non-empty tuple of ints; got {shape!r}")
    dims = tuple(as_int(f, "shape", v, 1) for v in shape)
    n = int(np.prod(dims))
    cols: list[np.ndarray] = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        raw = fn(e.reshape(dims))
        column = np.asarray(raw)
        if column.dtype.kind not in "biuf":
            raise TypeError(f"{f}: fn must return a real numeric array; for the basis array {j} it returned "
                            f"{type(raw).__name__} (dtype {column.dtype})")
        if cols and column.size != cols[0].size:
            raise ValueError(f"{f}: fn must return arrays of one size; got {cols[0].size} and then {column.size}")
        cols.append(column.astype(np.float64).ravel())
        if len(cols) == 1 and cols[0].size * n > max_entries:
            raise ValueError(f"{f}: a dense {cols[0].size} x {n} matrix is over max_entries={max_entries:,}")
    return np.stack(cols, axis=1)


def circulant_spectrum_rank(k: npt.ArrayLike, shape: tuple[int, ...], tol: float = 1e-9) -> int:
    """Rank of the (block) circulant matrix of circular correlation with ``k`` on arrays of ``shape``.

    The discrete Fourier transform diagonalises every circulant matrix, so the
    rank is the number of DFT coefficients of the kernel (placed in a zero
    array of ``shape``) whose magnitude exceeds ``tol`` times the largest.

    Parameters
    ----------
    k : array, shape (m,) or (KH, KW)
    shape : tuple of int
        ``(n,)`` or ``(H, W)``, at least as large as ``k``.

    Returns
    -------
    int
        The rank, between 0 and ``prod(shape)``.

    Examples
    --------
    The difference kernel ``[1, -1]`` sends constant signals to 0, so on
    length-4 signals it loses one dimension: rank 4 - 1 = 3.

    >>> import numpy as np
    >>> import convbook as cb
    >>> circulant_spectrum_rank(np.array([1., -1.]), (4,))
    3
    >>> int(np.linalg.matrix_rank(cb.circulant_matrix([1., -1.], 4)))
    3
    >>> circulant_spectrum_rank(np.ones((2, 2)), (3, 3))  # no zero DFT coefficient
    9
    """
    f = "circulant_spectrum_rank"
    k = as_array(f, "k", k)
    if not np.isfinite(k).all():
        raise ValueError(f"{f}: k must hold finite numbers; got {int((~np.isfinite(k)).sum())} NaN or inf "
                         f"of {k.size}")
    if not isinstance(shape, (tuple, list)) or len(shape) != k.ndim:
        raise ValueError(f"{f}: shape must have one entry per kernel axis ({k.ndim}); got shape={shape!r} "
                         f"for k.shape={k.shape}")
    dims = tuple(as_int(f, "shape", s, 1) for s in shape)
    if any(d < m for d, m in zip(dims, k.shape)):
        raise ValueError(f"{f}: shape must have one entry per kernel axis, each >= the kernel's; got shape={shape!r} "
                         f"for k.shape={k.shape}")
    tol = as_real(f, "tol", tol)
    if tol < 0:
        raise ValueError(f"{f}: tol must be a finite number >= 0; got {tol!r}")
    c = np.zeros(dims)
    c[tuple(slice(0, m) for m in k.shape)] = k
    mags = np.abs(np.fft.fftn(c))
    top = float(mags.max())
    return int((mags > tol * top).sum()) if top > 0 else 0


def matvec_naive(m: npt.ArrayLike, x: npt.ArrayLike) -> np.ndarray:
    """Dense matrix-vector product by two loops (the cost of a dense layer).

    ``m`` of shape (R, C) and ``x`` of shape (C,) give shape (R,): ``C``
    multiplies and ``C - 1`` adds per row. Accepts object arrays for
    :func:`convbook.count_ops`.

    Returns
    -------
    array, shape (R,)

    Examples
    --------
    A 3 x 2 matrix times a 2-vector: 3 outputs, each 2 multiplies and 1 add.

    >>> import numpy as np
    >>> matvec_naive(np.array([[1, 2], [3, 4], [5, 6]]), np.array([1, 1])).tolist()  # integers: float64
    [3.0, 7.0, 11.0]
    """
    f = "matvec_naive"
    m = as_array(f, "m", m, 2, "(R, C)", allow_object=True)
    x = as_array(f, "x", x, 1, "(C,)", allow_object=True)
    if m.shape[1] != x.shape[0]:
        raise ValueError(f"{f}: m.shape[1] must equal x.shape[0]; got m.shape={m.shape}, x.shape={x.shape}")
    m, x = as_computed(m, x)
    out = np.empty(m.shape[0], dtype=x.dtype)
    for r in range(m.shape[0]):
        acc = None
        for c in range(m.shape[1]):
            p = m[r, c] * x[c]
            acc = p if acc is None else acc + p
        out[r] = acc
    return out


def sparse_matvec_naive(m: Any, x: npt.ArrayLike) -> np.ndarray:
    """Sparse (CSR) matrix-vector product by loops over the stored entries.

    ``m`` of shape (R, C) with ``nnz`` stored entries and ``x`` of shape (C,)
    give shape (R,): ``nnz`` multiplies and ``nnz - (non-empty rows)`` adds.

    Returns
    -------
    array, shape (R,)
        Zero in the rows with no stored entry.

    Examples
    --------
    3 stored entries in 2 non-empty rows: 3 multiplies and 3 - 2 = 1 add.

    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> m = sp.csr_array(np.array([[1, 0, 2], [0, 0, 0], [0, 3, 0]]))
    >>> sparse_matvec_naive(m, np.array([1, 1, 1])).tolist()
    [3.0, 0.0, 3.0]
    """
    f = "sparse_matvec_naive"
    if not sp.issparse(m):
        raise TypeError(f"{f}: m must be a scipy.sparse matrix; got {type(m).__name__}")
    m = sp.csr_array(m)
    x = as_array(f, "x", x, 1, "(C,)", allow_object=True)
    if m.shape[1] != x.shape[0]:
        raise ValueError(f"{f}: m.shape[1] must equal x.shape[0]; got m.shape={m.shape}, x.shape={x.shape}")
    data, x = as_computed(m.data, x)
    out = np.zeros(m.shape[0], dtype=x.dtype)
    for r in range(m.shape[0]):
        acc = None
        for idx in range(m.indptr[r], m.indptr[r + 1]):
            p = data[idx] * x[m.indices[idx]]
            acc = p if acc is None else acc + p
        if acc is not None:
            out[r] = acc
    return out
