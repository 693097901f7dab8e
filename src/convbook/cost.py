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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.fft
import scipy.sparse as sp

from ._checks import as_int, as_mode, as_pair
from .memory import format_bytes
from .shapes import Geometry, IntPair, Mode, Padding, Size2, mode_padding, output_size

__all__ = [
    "Cost",
    "OpCount",
    "conv2d_cost",
    "convnd_cost",
    "correlate2d_cost",
    "dense_matrix_cost",
    "sparse_matrix_cost",
    "locally_connected_cost",
    "local_perception",
    "count_ops",
    "cost_table",
    "conv2d_method_cost",
    "separable_cost",
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


def convnd_cost(input_shape: Sequence[int], weight_shape: Sequence[int], stride: int | Sequence[int] = 1,
                padding: int | Sequence[int] | str = 0, bias: bool = False, itemsize: int = 8) -> Cost:
    """Cost of :func:`convbook.convnd`, the N-d layer, by the conventions of this module.

    Parameters
    ----------
    input_shape : (N, C_in, *spatial)
    weight_shape : (C_out, C_in, *kernel)
    stride, padding : as in :func:`convbook.convnd`
    bias : bool
        One bias per output channel.
    itemsize : int
        Bytes per stored number.

    Returns
    -------
    Cost
        ``multiplies = outputs * C_in * prod(kernel)``, ``adds = outputs *
        (C_in * prod(kernel) - 1)`` (+ ``outputs`` with a bias), as
        :func:`convbook.conv2d_cost` counts in 2-D.

    Examples
    --------
    A 3-tap kernel on a 10-sample signal: 8 outputs x 3 multiplies, 8 x 2 adds.

    >>> c = convnd_cost((1, 1, 10), (1, 1, 3))
    >>> c.output_shape, c.multiplies, c.adds, c.params
    ((1, 1, 8), 24, 16, 3)
    """
    f = "convnd_cost"
    shapes = []
    for name, s in (("input_shape", input_shape), ("weight_shape", weight_shape)):
        if not isinstance(s, Sequence) or isinstance(s, str) or len(s) < 3:
            raise ValueError(f"{f}: {name} must be a sequence of at least 3 ints (batch/out, channels, "
                             f"*spatial); got {s!r}")
        shapes.append(tuple(as_int(f, name, v, 1) for v in s))
    xs, ws = shapes
    if len(xs) != len(ws) or xs[1] != ws[1]:
        raise ValueError(f"{f}: weight_shape must be (C_out, C_in, *kernel) matching input_shape "
                         f"(C_in = {xs[1]}, {len(xs) - 2} spatial axes); got input_shape={xs}, weight_shape={ws}")
    itemsize = as_int(f, "itemsize", itemsize, 1)
    geo = Geometry.conv(xs[2:], ws[2:], stride, padding, caller=f)
    out_shape = (xs[0], ws[0], *geo.output_size)
    outputs, taps = math.prod(out_shape), math.prod(ws[1:])
    mul, add = _sums(outputs, taps, bias)
    params = ws[0] * taps + (ws[0] if bias else 0)
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


# --- the cost of each conv2d method (the efficient-algorithms chapter) ---------------------------------------------

_METHODS = ("direct", "im2col", "fft", "winograd")


def _fft_ops(size: int) -> tuple[int, int]:
    """Real multiplies and adds of one real FFT of ``size`` numbers: half of a radix-2 complex FFT's
    ``2 n log2 n`` multiplies and ``3 n log2 n`` adds, rounded."""
    nlog = size * math.log2(size) if size > 1 else 0.0
    return round(nlog), round(1.5 * nlog)


def conv2d_method_cost(method: str, input_shape: tuple[int, int, int, int],
                       weight_shape: tuple[int, int, int, int], stride: Size2 = 1, padding: Padding = 0,
                       dilation: Size2 = 1, groups: int = 1, itemsize: int = 8) -> Cost:
    """Arithmetic and extra memory of one ``conv2d(..., method=method)`` call (no bias).

    Parameters
    ----------
    method : {'direct', 'im2col', 'fft', 'winograd'}
    input_shape, weight_shape, stride, padding, dilation, groups
        As in :func:`conv2d_cost`.
    itemsize : int
        Bytes per number (8 for float64, 4 for float32).

    Returns
    -------
    Cost
        ``params`` are the weights; ``multiplies`` and ``adds`` count what
        the method does; ``nbytes`` is the extra buffer it allocates
        besides the (padded) input and the output:

        - ``'direct'`` and ``'im2col'``: :func:`conv2d_cost`'s arithmetic;
          direct holds one shifted copy of the input (``N*C*OH*OW``
          numbers), im2col the copy of every window (``N*C*KH*KW*OH*OW``,
          ``KH*KW`` times the input at stride 1: what :func:`convbook.im2col`
          returns for the batch; ``conv2d`` itself copies a few images at a
          time into a reused buffer).
        - ``'winograd'`` (F(2x2, 3x3), ``T = N*ceil(OH/2)*ceil(OW/2)``
          tiles): 16 multiplies per tile per (input channel, output channel)
          and ``16*(C_in/groups - 1)`` adds to sum the channels; the input
          transform ``BT d B`` costs 32 adds per tile and input channel, the
          output transform ``AT M A`` 24 adds per tile and output channel,
          the kernel transform ``G g Gᵀ`` 14 multiplies (halvings) and 28
          adds per kernel; the buffers hold the 16 transformed numbers of
          every input tile, kernel and output tile.
        - ``'fft'`` (padded input at fast sizes ``Hf x Wf``, ``F = Hf*(Wf//2 + 1)``
          frequencies): a real FFT of ``n = Hf*Wf`` numbers counts ``n log2 n``
          multiplies and ``1.5 n log2 n`` adds (half of a radix-2 complex
          FFT), for the ``N*C`` inputs, the ``C_out*C_in/groups`` kernels and
          the ``N*C_out`` inverse transforms; each frequency of each
          (image, output channel) costs ``C_in/groups`` complex multiplies
          (4 multiplies and 2 adds each) and ``C_in/groups - 1`` complex adds
          (2 adds); the buffers hold the three spectra (complex numbers of
          ``2*itemsize`` bytes).

    Raises
    ------
    ValueError
        For a method not in the list, or one that does not apply (``'fft'``
        needs stride 1; ``'winograd'`` a 3x3 kernel, stride 1 and dilation 1).

    Examples
    --------
    One 2x2 output tile of a 3x3 kernel: 36 multiplies directly, 16 by Winograd.

    >>> conv2d_method_cost("direct", (1, 1, 4, 4), (1, 1, 3, 3)).multiplies
    36
    >>> conv2d_method_cost("winograd", (1, 1, 4, 4), (1, 1, 3, 3)).multiplies - 14   # minus the kernel transform
    16

    im2col copies each of the 3*3 = 9 taps of every window: 9 times the input's 8 KiB (float64, stride 1, padded).

    >>> c = conv2d_method_cost("im2col", (1, 1, 32, 32), (1, 1, 3, 3), padding=1)
    >>> c.nbytes, c.nbytes // (32 * 32 * 8)
    (73728, 9)
    """
    f = "conv2d_method_cost"
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"{f}: method must be one of {', '.join(map(repr, _METHODS))}; got {method!r}")
    itemsize = as_int(f, "itemsize", itemsize, 1)
    geo = Geometry.conv2d(input_shape, weight_shape, stride, padding, dilation, groups, caller=f)
    base = conv2d_cost(input_shape, weight_shape, stride, padding, dilation, groups, itemsize=itemsize)
    n, c, h, w = (int(v) for v in input_shape)
    o, cg, kh, kw = (int(v) for v in weight_shape)
    oh, ow = geo.output_size
    if method == "fft" and geo.stride != (1, 1):
        raise ValueError(f"{f}: method='fft' needs stride 1; got stride {geo.stride}")
    if method == "winograd" and not (geo.kernel == (3, 3) and geo.stride == (1, 1) and geo.dilation == (1, 1)):
        raise ValueError(f"{f}: method='winograd' needs a 3x3 kernel, stride 1 and dilation 1; got kernel "
                         f"{kh}x{kw}, stride {geo.stride}, dilation {geo.dilation}")
    if method == "direct":
        return Cost(base.params, base.multiplies, base.adds, n * c * oh * ow * itemsize, base.output_shape)
    if method == "im2col":
        return Cost(base.params, base.multiplies, base.adds, n * c * kh * kw * oh * ow * itemsize,
                    base.output_shape)
    if method == "winograd":
        tiles = n * (-(-oh // 2)) * (-(-ow // 2))
        mul = tiles * o * cg * 16 + o * cg * 14
        add = tiles * o * 16 * (cg - 1) + tiles * c * 32 + tiles * o * 24 + o * cg * 28
        nbytes = 16 * (tiles * c + o * cg + tiles * o) * itemsize
        return Cost(base.params, mul, add, nbytes, base.output_shape)
    hp, wp = (size + before + after for size, (before, after) in zip((h, w), geo.padding))
    hf, wf = scipy.fft.next_fast_len(hp), scipy.fft.next_fast_len(wp, real=True)
    freqs = hf * (wf // 2 + 1)
    fm, fa = _fft_ops(hf * wf)
    transforms = n * c + o * cg + n * o
    mul = transforms * fm + n * o * freqs * cg * 4
    add = transforms * fa + n * o * freqs * (cg * 2 + (cg - 1) * 2)
    return Cost(base.params, mul, add, transforms * freqs * 2 * itemsize, base.output_shape)


def separable_cost(kernel_shape: tuple[int, ...], rank: int, output_shape: tuple[int, ...],
                   itemsize: int = 8) -> dict[str, Cost]:
    """Arithmetic of a ``d``-D correlation with the full kernel and as ``rank`` separable passes.

    Parameters
    ----------
    kernel_shape : tuple of int
        ``(KH, KW)`` (any number ``d`` of axes).
    rank : int >= 1
        Separable passes (the kernel's rank, :func:`convbook.kernel_rank`, for an exact result).
    output_shape : tuple of int
        The output's shape, one entry per axis of the kernel.
    itemsize : int
        Bytes per stored number.

    Returns
    -------
    dict with keys 'full' and 'separable' -> Cost
        Full: ``prod(K)`` multiplies per output (``w**d`` for a ``w``-wide
        cube). Separable: each pass filters along axis 0, then 1, ...; the
        filter along axis ``i`` has ``K_i`` taps and runs over an
        intermediate array whose axes before ``i`` already have the output's
        length and the others the padded input's (``output + K - 1``); the
        ``rank`` passes are summed (``rank - 1`` adds per output). About
        ``rank * sum(K)`` multiplies per output (``r*w*d``). ``params``: the
        numbers stored (``prod(K)`` or ``rank*sum(K)``).

    Examples
    --------
    A 7x7 kernel on a 100x100 output: 49 multiplies per output, against
    7 + 7*106/100 = 14.42 for one separable pass.

    >>> costs = separable_cost((7, 7), 1, (100, 100))
    >>> costs["full"].multiplies // 10_000, costs["separable"].multiplies / 10_000
    (49, 14.42)
    >>> costs["full"].params, costs["separable"].params
    (49, 14)
    """
    f = "separable_cost"
    itemsize = as_int(f, "itemsize", itemsize, 1)
    rank = as_int(f, "rank", rank, 1)
    for name, shape in (("kernel_shape", kernel_shape), ("output_shape", output_shape)):
        if not isinstance(shape, (tuple, list)) or not shape:
            raise ValueError(f"{f}: {name} must be a tuple of ints, one per axis; got {shape!r}")
    ks = [as_int(f, "kernel_shape", v, 1) for v in kernel_shape]
    outs = [as_int(f, "output_shape", v, 1) for v in output_shape]
    if len(ks) != len(outs):
        raise ValueError(f"{f}: kernel_shape and output_shape must have one entry per axis each; got "
                         f"{tuple(ks)} and {tuple(outs)}")
    if rank > min(ks):
        raise ValueError(f"{f}: rank must be at most the smallest kernel side {min(ks)} for kernel_shape "
                         f"{tuple(ks)}; got {rank}")
    outputs = math.prod(outs)
    full_mul, full_add = _sums(outputs, math.prod(ks), False)
    mul = add = 0
    for i, k in enumerate(ks):
        positions = math.prod(outs[: i + 1]) * math.prod(o + kk - 1 for o, kk in zip(outs[i + 1:], ks[i + 1:]))
        m, a = _sums(positions, k, False)
        mul, add = mul + m, add + a
    sep_params = rank * sum(ks)
    full = Cost(math.prod(ks), full_mul, full_add, math.prod(ks) * itemsize, tuple(outs))
    sep = Cost(sep_params, rank * mul, rank * add + (rank - 1) * outputs, sep_params * itemsize, tuple(outs))
    return {"full": full, "separable": sep}
