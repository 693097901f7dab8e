"""Who is connected to whom: the connectivity of 1-D layers, and the figures that draw it.

Chapter: *Sparse interactions* (Goodfellow et al., figs. 9.2-9.4, drawn by
:func:`convbook.chapters.sparse_interactions.plot_stack`). A layer
from ``n_in`` to ``n_out`` units is described by its boolean connectivity
matrix ``A`` of shape ``(n_out, n_in)``: ``A[o, i]`` is true when input ``i``
enters output ``o``. For a convolution ``A`` is the nonzero pattern of its
matrix; for a fully connected layer every entry is true. Everything the
figures show is computed from these matrices: the outputs one input affects
(a column of ``A``), the inputs one output sees (a row), and through several
layers the boolean product of the matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ._checks import as_int, as_mode
from .shapes import Mode, mode_padding, output_size

__all__ = ["conv_connectivity", "dense_connectivity", "check_stack", "affected_outputs", "receptive_inputs"]


def conv_connectivity(n: int, kernel: int, stride: int = 1, dilation: int = 1, mode: Mode = "valid") -> np.ndarray:
    """Connectivity of a 1-D convolution on ``n`` inputs.

    Parameters
    ----------
    n : int
        Number of inputs.
    kernel, stride, dilation : int
        As in ``torch.nn.functional.conv1d``.
    mode : {'valid', 'same', 'full'}
        Zero padding as in ``scipy.signal`` (``same`` and ``full`` only with
        ``stride=1, dilation=1``).

    Returns
    -------
    array of bool, shape (n_out, n)
        ``A[o, i]`` is true when input ``i`` is under the kernel at output
        ``o``; ``n_out = output_size(n, kernel, stride, padding, dilation)``.

    Examples
    --------
    5 inputs and a 3-tap kernel give 5 - 3 + 1 = 3 outputs, each seeing 3 neighbouring inputs:

    >>> print(conv_connectivity(5, 3).astype(int))
    [[1 1 1 0 0]
     [0 1 1 1 0]
     [0 0 1 1 1]]
    >>> conv_connectivity(5, 3, mode="same").sum(axis=1).tolist()  # 5 outputs; at the edges a tap is on padding
    [2, 3, 3, 3, 2]
    >>> conv_connectivity(7, 3, stride=2).shape  # (7 - 3) // 2 + 1 = 3 outputs
    (3, 7)
    """
    f = "conv_connectivity"
    n = as_int(f, "n", n, 1)
    kernel = as_int(f, "kernel", kernel, 1)
    stride = as_int(f, "stride", stride, 1)
    dilation = as_int(f, "dilation", dilation, 1)
    mode = as_mode(f, mode)
    if mode != "valid" and (stride, dilation) != (1, 1):
        raise ValueError(f"{f}: mode={mode!r} is only defined here for stride=1 and dilation=1; "
                         f"got stride={stride}, dilation={dilation}")
    before, after = mode_padding(kernel, mode)
    n_out = output_size(n, kernel, stride, (before, after), dilation)
    a = np.zeros((n_out, n), dtype=bool)
    for o in range(n_out):
        for t in range(kernel):
            i = o * stride + t * dilation - before
            if 0 <= i < n:
                a[o, i] = True
    return a


def dense_connectivity(n_out: int, n_in: int) -> np.ndarray:
    """Connectivity of a fully connected layer.

    Returns
    -------
    array of bool, shape (n_out, n_in)
        All true.

    Examples
    --------
    3 outputs from 4 inputs: 3 x 4 = 12 connections, against 3 x 2 = 6 for a 2-tap convolution:

    >>> A = dense_connectivity(3, 4)
    >>> A.shape, int(A.sum())
    ((3, 4), 12)
    >>> int(conv_connectivity(4, 2).sum())
    6
    """
    return np.ones((as_int("dense_connectivity", "n_out", n_out, 1),
                    as_int("dense_connectivity", "n_in", n_in, 1)), dtype=bool)


def check_stack(layers: Sequence[npt.ArrayLike] | np.ndarray, *, caller: str = "check_stack") -> list[np.ndarray]:
    """The connectivity matrices of a stack of layers as bool arrays, checked to chain.

    Parameters
    ----------
    layers : sequence of 2-D arrays, or one 2-D array
        Shapes ``(n_1, n_0), (n_2, n_1), ...``, input side first.
    caller : str
        The function named in error messages.

    Returns
    -------
    list of bool arrays

    Raises
    ------
    ValueError
        If a matrix is not 2-D or its inputs are not the outputs of the one below.

    Examples
    --------
    >>> [m.shape for m in check_stack([conv_connectivity(7, 3), conv_connectivity(5, 3)])]
    [(5, 7), (3, 5)]
    """
    f = caller
    if isinstance(layers, np.ndarray):
        layers = [layers]
    mats = [np.asarray(m, dtype=bool) for m in layers]
    if not mats or any(m.ndim != 2 for m in mats):
        raise ValueError(f"{f}: layers must be a non-empty sequence of 2-D connectivity matrices (n_out, n_in); "
                         f"got shapes {[m.shape for m in mats]}")
    for below, above in zip(mats, mats[1:]):
        if above.shape[1] != below.shape[0]:
            raise ValueError(f"{f}: layer with shape {above.shape} cannot follow one with {below.shape}: "
                             "its inputs must be the outputs below")
    return mats


def affected_outputs(layers: Sequence[npt.ArrayLike] | np.ndarray, i: int) -> list[np.ndarray]:
    """Units each layer of a stack that input ``i`` affects (Goodfellow et al., fig. 9.2).

    Parameters
    ----------
    layers : sequence of bool arrays, shapes (n_1, n_0), (n_2, n_1), ...
        Connectivity matrices, input side first.
    i : int
        Index of an input unit.

    Returns
    -------
    list of int arrays
        For each layer, the indices of the units that input ``i`` reaches.

    Examples
    --------
    Through two 3-tap convolutions (``same`` padding, 7 units each) input 3
    reaches 3 units, then 3 + 2 = 5; one dense layer reaches all 7:

    >>> conv = conv_connectivity(7, 3, mode="same")
    >>> [units.tolist() for units in affected_outputs([conv, conv], 3)]
    [[2, 3, 4], [1, 2, 3, 4, 5]]
    >>> affected_outputs(dense_connectivity(7, 7), 3)[0].tolist()
    [0, 1, 2, 3, 4, 5, 6]
    """
    mats = check_stack(layers, caller="affected_outputs")
    i = as_int("affected_outputs", "i", i, 0)
    if i >= mats[0].shape[1]:
        raise ValueError(f"affected_outputs: i must be < {mats[0].shape[1]} (the number of inputs); got {i}")
    reach = np.zeros(mats[0].shape[1], dtype=bool)
    reach[i] = True
    out = []
    for m in mats:
        reach = (m.astype(int) @ reach.astype(int)) > 0
        out.append(np.flatnonzero(reach))
    return out


def receptive_inputs(layers: Sequence[npt.ArrayLike] | np.ndarray, o: int) -> list[np.ndarray]:
    """Units of each layer below that output ``o`` of the top layer sees (figs. 9.3, 9.4).

    Parameters
    ----------
    layers : sequence of bool arrays
        Connectivity matrices, input side first.
    o : int
        Index of a unit of the top layer.

    Returns
    -------
    list of int arrays
        Indices seen in each layer, from the top layer's own inputs down to the
        network's inputs (the last entry is the receptive field).

    Examples
    --------
    Unit 3 on top of two 3-tap convolutions (``same`` padding, 7 units each)
    sees 3 units of the layer below and 1 + 2 + 2 = 5 inputs; at the edge,
    unit 0 sees fewer, because the rest of its field is padding:

    >>> conv = conv_connectivity(7, 3, mode="same")
    >>> [units.tolist() for units in receptive_inputs([conv, conv], 3)]
    [[2, 3, 4], [1, 2, 3, 4, 5]]
    >>> receptive_inputs([conv, conv], 0)[-1].tolist()
    [0, 1, 2]
    """
    mats = check_stack(layers, caller="receptive_inputs")
    o = as_int("receptive_inputs", "o", o, 0)
    if o >= mats[-1].shape[0]:
        raise ValueError(f"receptive_inputs: o must be < {mats[-1].shape[0]} (the top layer's units); got {o}")
    seen = np.zeros(mats[-1].shape[0], dtype=bool)
    seen[o] = True
    out = []
    for m in reversed(mats):
        seen = (seen.astype(int) @ m.astype(int)) > 0
        out.append(np.flatnonzero(seen))
    return out
