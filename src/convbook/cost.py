"""Cost model: parameters, multiplies, adds, FLOPs and bytes of a layer.

Chapter: *Parameter sharing* (and every chapter that states a count). Each
count in the book comes from here, and :func:`count_ops` checks the model by
running the plain-loop specification on numbers that count their own
arithmetic.

Conventions: a sum of ``m`` products costs ``m`` multiplies and ``m - 1``
adds (the first product starts the sum); a bias costs one more add per
output; FLOPs = multiplies + adds. ``nbytes`` is the storage of the
parameters (or of the matrix, for the matrix forms).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._checks import as_int, as_mode, as_pair
from .memory import format_bytes
from .shapes import Geometry, IntPair, Mode, Padding, Size2, mode_padding, output_size

__all__ = [
    "Cost",
    "OpCount",
    "conv2d_cost",
    "correlate2d_cost",
    "dense_matrix_cost",
    "sparse_matrix_cost",
    "locally_connected_cost",
    "local_perception",
    "count_ops",
    "cost_table",
]


@dataclass(frozen=True)
class Cost:
    """What one application of a linear layer costs.

    Attributes
    ----------
    params : int
        Numbers stored (weights, biases, or matrix entries).
    multiplies, adds : int
        Arithmetic for one input example.
    nbytes : int
        Storage of the stored numbers (and indices, for a sparse matrix).
    output_shape : tuple
        Shape of the result.

    Examples
    --------
    A 3x3 kernel on a 5x5 image: 9 outputs x 9 multiplies = 81, and
    9 x 8 = 72 adds.

    >>> c = Cost(params=9, multiplies=81, adds=72, nbytes=72, output_shape=(3, 3))
    >>> c.flops
    153
    """

    params: int
    multiplies: int
    adds: int
    nbytes: int
    output_shape: tuple[int, ...] = field(default=())

    @property
    def flops(self) -> int:
        """Multiplies plus adds."""
        return self.multiplies + self.adds


@dataclass(frozen=True)
class OpCount:
    """Arithmetic counted by :func:`count_ops` in a real run.

    Examples
    --------
    >>> OpCount(multiplies=81, adds=72).flops
    153
    """

    multiplies: int
    adds: int

    @property
    def flops(self) -> int:
        """Multiplies plus adds."""
        return self.multiplies + self.adds


def _sums(outputs: int, terms: int, bias: bool) -> tuple[int, int]:
    return outputs * terms, outputs * (terms - 1) + (outputs if bias else 0)


def conv2d_cost(input_shape: tuple[int, int, int, int], weight_shape: tuple[int, int, int, int],
                stride: Size2 = 1, padding: Padding = 0, dilation: Size2 = 1, groups: int = 1,
                bias: bool = False, itemsize: int = 8) -> Cost:
    """Cost of :func:`convbook.conv2d` on an input of ``input_shape``.

    Parameters
    ----------
    input_shape : (N, C_in, H, W)
    weight_shape : (C_out, C_in/groups, KH, KW)
    stride, padding, dilation, groups
        As in :func:`convbook.conv2d`.
    bias : bool
        One bias per output channel (shared across positions).
    itemsize : int
        Bytes per stored number (8 for float64).

    Returns
    -------
    Cost
        ``outputs = N*C_out*OH*OW``; ``multiplies = outputs*C_in/groups*KH*KW``;
        ``adds = outputs*(C_in/groups*KH*KW - 1)`` (+ ``outputs`` with bias);
        ``params = C_out*C_in/groups*KH*KW`` (+ ``C_out``).

    Examples
    --------
    A 3x3 kernel on a 5x5 image: 3x3 = 9 outputs x 9 multiplies = 81, and
    9 x 8 = 72 adds.

    >>> c = conv2d_cost((1, 1, 5, 5), (1, 1, 3, 3))
    >>> c.output_shape, c.multiplies, c.adds, c.params
    ((1, 1, 3, 3), 81, 72, 9)

    Four 3x3x3 kernels with bias on a padded 3x8x8 input: 4*8*8 = 256 outputs
    x 27 taps = 6912 multiplies; 256*26 + 256 = 6912 adds; 4*27 + 4 = 112 params.

    >>> c = conv2d_cost((1, 3, 8, 8), (4, 3, 3, 3), padding=1, bias=True)
    >>> c.multiplies, c.adds, c.params
    (6912, 6912, 112)
    """
    f = "conv2d_cost"
    itemsize = as_int(f, "itemsize", itemsize, 1)
    geo = Geometry.conv2d(input_shape, weight_shape, stride, padding, dilation, groups, caller=f)
    n_out = int(weight_shape[0])
    out_shape = (int(input_shape[0]), n_out, *geo.output_size)
    outputs = math.prod(out_shape)
    taps = math.prod(int(v) for v in weight_shape[1:])
    mul, add = _sums(outputs, taps, bias)
    params = n_out * taps + (n_out if bias else 0)
    return Cost(params, mul, add, params * itemsize, out_shape)


def correlate2d_cost(input_shape: IntPair, kernel_shape: IntPair, mode: Mode = "valid",
                     itemsize: int = 8) -> Cost:
    """Cost of :func:`convbook.correlate2d` (or ``convolve2d``).

    ``input_shape = (H, W)`` and ``kernel_shape = (KH, KW)`` give
    ``OH*OW*KH*KW`` multiplies and ``OH*OW*(KH*KW - 1)`` adds; the
    parameters are the ``KH*KW`` kernel numbers. For the book's edge
    detector, ``(280, 320)`` and ``(1, 2)``: ``319*280*3 = 267,960`` FLOPs.

    Returns
    -------
    Cost
        With ``output_shape == (OH, OW)`` and ``nbytes = KH*KW * itemsize``.

    Examples
    --------
    A 3x3 kernel on a 5x5 image: 9 outputs x 9 multiplies = 81, 9 x 8 = 72 adds.

    >>> c = correlate2d_cost((5, 5), (3, 3))
    >>> c.output_shape, c.multiplies, c.adds, c.flops
    ((3, 3), 81, 72, 153)
    >>> correlate2d_cost((5, 5), (3, 3), mode="same").output_shape
    (5, 5)
    >>> correlate2d_cost((280, 320), (1, 2)).flops      # 280*319 outputs x (2 + 1)
    267960
    """
    f = "correlate2d_cost"
    mode = as_mode(f, mode)
    itemsize = as_int(f, "itemsize", itemsize, 1)
    for name, shape, layout in (("input_shape", input_shape, "(H, W)"), ("kernel_shape", kernel_shape, "(KH, KW)")):
        if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
            raise ValueError(f"{f}: {name} must be two ints {layout}; got {shape!r}")
    h, w = (as_int(f, "input_shape", v, 1) for v in input_shape)
    kh, kw = (as_int(f, "kernel_shape", v, 1) for v in kernel_shape)
    oh = output_size(h, kh, padding=mode_padding(kh, mode))
    ow = output_size(w, kw, padding=mode_padding(kw, mode))
    mul, add = _sums(oh * ow, kh * kw, False)
    return Cost(kh * kw, mul, add, kh * kw * itemsize, (oh, ow))


def dense_matrix_cost(n_out: int, n_in: int, bias: bool = False, itemsize: int = 8) -> Cost:
    """Cost of a dense (fully connected) layer: an ``(n_out, n_in)`` matrix times a vector.

    ``n_out*n_in`` multiplies and parameters, ``n_out*(n_in - 1)`` adds
    (+ ``n_out`` and ``n_out`` parameters with bias).

    Returns
    -------
    Cost
        With ``output_shape == (n_out,)``; ``bytes = params * itemsize``.

    Examples
    --------
    A 3x4 matrix: 3*4 = 12 multiplies and parameters, 3*(4 - 1) = 9 adds;
    a bias adds 3 parameters and 3 adds.

    >>> c = dense_matrix_cost(3, 4)
    >>> c.params, c.multiplies, c.adds, c.nbytes      # 12 float64 = 96 bytes
    (12, 12, 9, 96)
    >>> c = dense_matrix_cost(3, 4, bias=True)
    >>> c.params, c.adds
    (15, 12)
    """
    f = "dense_matrix_cost"
    itemsize = as_int(f, "itemsize", itemsize, 1)
    n_out, n_in = as_int(f, "n_out", n_out, 1), as_int(f, "n_in", n_in, 1)
    mul, add = _sums(n_out, n_in, bias)
    params = n_out * n_in + (n_out if bias else 0)
    return Cost(params, mul, add, params * itemsize, (n_out,))


def sparse_matrix_cost(m: Any, itemsize: int = 8, index_itemsize: int = 4) -> Cost:
    """Cost of a sparse (CSR) matrix times a vector, from the matrix itself.

    ``nnz`` multiplies and ``nnz - (non-empty rows)`` adds; storage is CSR:
    ``nnz`` values and column indices plus ``rows + 1`` row pointers.

    Returns
    -------
    Cost
        ``params = nnz`` (the stored numbers), ``output_shape == (rows,)``.

    Examples
    --------
    Four nonzeros in two non-empty rows: 4 multiplies, 4 - 2 = 2 adds;
    storage ``4*(8 + 4) + (3 + 1)*4 = 64`` bytes.

    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> m = sp.csr_array(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 3.0, 4.0]]))
    >>> c = sparse_matrix_cost(m)
    >>> c.params, c.multiplies, c.adds, c.nbytes, c.output_shape
    (4, 4, 2, 64, (3,))
    """
    if not sp.issparse(m):
        raise TypeError(f"sparse_matrix_cost: m must be a scipy.sparse matrix; got {type(m).__name__}")
    itemsize = as_int("sparse_matrix_cost", "itemsize", itemsize, 1)
    index_itemsize = as_int("sparse_matrix_cost", "index_itemsize", index_itemsize, 1)
    m = sp.csr_array(m)
    nnz = int(m.nnz)
    nonempty = int(np.count_nonzero(np.diff(m.indptr)))
    storage = nnz * (itemsize + index_itemsize) + (m.shape[0] + 1) * index_itemsize
    return Cost(nnz, nnz, nnz - nonempty, storage, (m.shape[0],))


def locally_connected_cost(n_outputs: int, taps: int, bias: bool = False, itemsize: int = 8) -> Cost:
    """Cost of a locally connected (unshared) layer.

    Each of ``n_outputs`` units has its own ``taps`` weights: the
    arithmetic equals a convolution with the same receptive fields
    (``n_outputs*taps`` multiplies), but nothing is shared, so the
    parameters are ``n_outputs*taps`` too (+ one bias per unit).

    Returns
    -------
    Cost
        With ``output_shape == (n_outputs,)``.

    Examples
    --------
    The 9 outputs of a 3x3 kernel on a 5x5 image, each with its own 9 weights:
    the arithmetic of the convolution (81 and 72), but 81 parameters, not 9.

    >>> c = locally_connected_cost(9, 9)
    >>> c.params, c.multiplies, c.adds
    (81, 81, 72)
    >>> locally_connected_cost(9, 9, bias=True).params    # + one bias per unit
    90
    """
    f = "locally_connected_cost"
    itemsize = as_int(f, "itemsize", itemsize, 1)
    n_outputs, taps = as_int(f, "n_outputs", n_outputs, 1), as_int(f, "taps", taps, 1)
    mul, add = _sums(n_outputs, taps, bias)
    params = n_outputs * taps + (n_outputs if bias else 0)
    return Cost(params, mul, add, params * itemsize, (n_outputs,))


def local_perception(image: IntPair = (500, 500), units: int = 10**5, field: IntPair = (10, 10),
                     kernels: int = 1) -> dict[str, Cost]:
    """Parameters and arithmetic of the local-perception example (seed 003).

    ``units`` hidden units look at an image of ``image`` pixels:

    - fully connected: every unit sees every pixel;
    - locally connected: every unit sees a ``field`` patch with its own weights;
    - convolutional: the ``field`` weights are shared by all units (``kernels``
      feature maps, each with its own kernel).

    Biases are left out, as in the source example.

    Returns
    -------
    dict of str -> Cost
        Keys ``'fully connected'``, ``'locally connected'`` and
        ``'convolutional'``, each with ``output_shape == (units,)``.

    Examples
    --------
    The defaults: 10^5 units on a 500x500 image with 10x10 fields need
    10^5 x 250,000 = 2.5e10 weights fully connected, 10^5 x 100 = 10^7 locally
    connected, and 100 shared.

    >>> costs = local_perception()
    >>> {name: c.params for name, c in costs.items()}
    {'fully connected': 25000000000, 'locally connected': 10000000, 'convolutional': 100}
    >>> costs["convolutional"].multiplies      # sharing saves parameters, not arithmetic
    10000000
    """
    f = "local_perception"
    units = as_int(f, "units", units, 1)
    kernels = as_int(f, "kernels", kernels, 1)
    pixels = math.prod(as_pair(f, "image", image, 1))
    taps = math.prod(as_pair(f, "field", field, 1))
    local = locally_connected_cost(units, taps)
    shared = Cost(kernels * taps, local.multiplies, local.adds, kernels * taps * 8, (units,))
    return {"fully connected": dense_matrix_cost(units, pixels), "locally connected": local,
            "convolutional": shared}


class _Tally:
    __slots__ = ("multiplies", "adds")

    def __init__(self) -> None:
        self.multiplies = 0
        self.adds = 0


class _Counted:
    """A float that counts the multiplies and adds done with it."""

    __slots__ = ("v", "t")
    __array_ufunc__ = None  # make numpy scalars defer to our reflected methods

    def __init__(self, v: float, t: _Tally) -> None:
        self.v = v
        self.t = t

    @staticmethod
    def _val(o: Any) -> float:
        return o.v if isinstance(o, _Counted) else o

    def __mul__(self, o: Any) -> _Counted:
        self.t.multiplies += 1
        return _Counted(self.v * self._val(o), self.t)

    __rmul__ = __mul__

    def __add__(self, o: Any) -> _Counted:
        self.t.adds += 1
        return _Counted(self.v + self._val(o), self.t)

    __radd__ = __add__

    def __sub__(self, o: Any) -> _Counted:
        self.t.adds += 1
        return _Counted(self.v - self._val(o), self.t)

    def __rsub__(self, o: Any) -> _Counted:
        self.t.adds += 1
        return _Counted(self._val(o) - self.v, self.t)

    def __float__(self) -> float:
        return float(self.v)


def count_ops(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[OpCount, Any]:
    """Run ``fn`` on counting numbers and report the arithmetic it did.

    Every ndarray argument (positional or keyword) becomes an object array
    whose entries count each multiply and add they take part in. Use it on
    the plain-loop specifications (``conv2d_naive``, ``correlate2d_naive``,
    ``matvec_naive``, ...) to check :class:`Cost` against a real run.

    Returns
    -------
    (OpCount, result)
        The counts and ``fn``'s result converted back to float64.

    Examples
    --------
    A 3x3 kernel on a 5x5 image, run for real: 9 outputs x 9 = 81 multiplies and
    9 x 8 = 72 adds, as :func:`correlate2d_cost` predicts.

    >>> import numpy as np
    >>> import convbook as cb
    >>> ops, out = count_ops(cb.correlate2d_naive, np.ones((5, 5)), np.ones((3, 3)))
    >>> ops.multiplies, ops.adds, out.shape
    (81, 72, (3, 3))
    >>> ops.flops == correlate2d_cost((5, 5), (3, 3)).flops
    True
    """
    tally = _Tally()

    def wrap(a: Any) -> Any:
        if isinstance(a, np.ndarray) and a.dtype.kind in "biuf":
            out = np.empty(a.shape, dtype=object)
            for idx, v in np.ndenumerate(a):
                out[idx] = _Counted(float(v), tally)
            return out
        return a

    result = fn(*(wrap(a) for a in args), **{k: wrap(v) for k, v in kwargs.items()})
    if isinstance(result, np.ndarray) and result.dtype == object:
        result = np.vectorize(float, otypes=[np.float64])(result)
    return OpCount(tally.multiplies, tally.adds), result


def cost_table(costs: Mapping[str, Cost], *, itemsize: int = 4) -> str:
    """A Markdown table of layer costs: parameters, arithmetic, parameter memory.

    Parameters
    ----------
    costs : mapping of name -> Cost
        The layers to compare, in the order to show them.
    itemsize : {2, 4, 8}
        Bytes per parameter for the memory column (4: float32).

    Returns
    -------
    str
        A Markdown table with one row per layer: parameters, multiplications
        and additions for one input example, and the memory the parameters
        take at ``itemsize`` bytes each.

    Examples
    --------
    At 4 bytes each, 12 dense parameters take 48 B and 9 kernel numbers 36 B.

    >>> costs = {"dense": dense_matrix_cost(3, 4), "conv": correlate2d_cost((5, 5), (3, 3))}
    >>> print(cost_table(costs))
    | layer | parameters | multiplications | additions | parameters in float32 |
    |---|--:|--:|--:|--:|
    | dense | 12 | 12 | 9 | 48 B |
    | conv | 9 | 81 | 72 | 36 B |
    """
    if itemsize not in (2, 4, 8) or isinstance(itemsize, bool):
        raise ValueError(f"cost_table: itemsize must be 2, 4 or 8 (float16, float32, float64); got {itemsize!r}")
    if not costs or not all(isinstance(c, Cost) for c in costs.values()):
        raise TypeError("cost_table: costs must be a non-empty mapping of name -> Cost; "
                        f"got {type(costs).__name__} with values {[type(c).__name__ for c in dict(costs).values()]}")
    bits = 8 * itemsize
    lines = [f"| layer | parameters | multiplications | additions | parameters in float{bits} |",
             "|---|--:|--:|--:|--:|"]
    for name, c in costs.items():
        lines.append(f"| {name} | {c.params:,} | {c.multiplies:,} | {c.adds:,} | "
                     f"{format_bytes(c.params * itemsize)} |")
    return "\n".join(lines)
