"""Who is connected to whom: the connectivity of 1-D layers, and the figures that draw it.

Chapter: *Sparse interactions* (Goodfellow et al., figs. 9.2-9.4). A layer
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
from typing import Any

import numpy as np

from ._checks import as_int, as_mode
from .shapes import mode_padding, output_size

__all__ = ["conv_connectivity", "dense_connectivity", "affected_outputs", "receptive_inputs",
           "plot_connectivity", "plot_stack"]


def conv_connectivity(n: int, kernel: int, stride: int = 1, dilation: int = 1, mode: str = "valid") -> np.ndarray:
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
    """
    return np.ones((as_int("dense_connectivity", "n_out", n_out, 1),
                    as_int("dense_connectivity", "n_in", n_in, 1)), dtype=bool)


def _check_stack(f: str, layers: Any) -> list[np.ndarray]:
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


def affected_outputs(layers: Sequence[np.ndarray] | np.ndarray, i: int) -> list[np.ndarray]:
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
    """
    mats = _check_stack("affected_outputs", layers)
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


def receptive_inputs(layers: Sequence[np.ndarray] | np.ndarray, o: int) -> list[np.ndarray]:
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
    """
    mats = _check_stack("receptive_inputs", layers)
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


def _positions(n: int, width: float) -> np.ndarray:
    return np.arange(n) - (n - 1) / 2 if n > 1 else np.zeros(1)


def plot_stack(layers: Sequence[np.ndarray] | np.ndarray, *, highlight_input: int | None = None,
               highlight_output: int | None = None, names: Sequence[str] | None = None, ax: Any = None,
               title: str = "") -> Any:
    """Draw a stack of layers as a graph: units as circles, connections as lines.

    Parameters
    ----------
    layers : sequence of bool arrays
        Connectivity matrices, input side (drawn at the bottom) first.
    highlight_input : int, optional
        Highlight what this input affects (fig. 9.2 style).
    highlight_output : int, optional
        Highlight what this top unit sees (figs. 9.3 and 9.4 style).
    names : sequence of str, optional
        Row labels, bottom first (default ``x``, ``h``, ``g``, ... with ``s``
        on top).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    mats = _check_stack("plot_stack", layers)
    sizes = [mats[0].shape[1]] + [m.shape[0] for m in mats]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.45 * max(sizes) + 1), 1.1 * len(sizes) + 0.4))
    if names is None:
        names = ["x"] + [f"{nm} (layer {r})" for r, nm in enumerate("hgfe"[: len(sizes) - 2], 1)] + ["s"]
    width = max(sizes)
    xs = [_positions(n, width) for n in sizes]
    on_units = [set() for _ in sizes]
    on_edges: set[tuple[int, int, int]] = set()
    if highlight_input is not None:
        reached = affected_outputs(mats, highlight_input)
        on_units[0].add(highlight_input)
        frontier = {highlight_input}
        for layer, (m, hit) in enumerate(zip(mats, reached)):
            for o in hit:
                on_units[layer + 1].add(int(o))
                for i in np.flatnonzero(m[o]):
                    if int(i) in frontier:
                        on_edges.add((layer, int(o), int(i)))
            frontier = {int(o) for o in hit}
    if highlight_output is not None:
        seen = receptive_inputs(mats, highlight_output)[::-1]  # bottom first
        on_units[-1].add(highlight_output)
        frontier = {highlight_output}
        for layer in range(len(mats) - 1, -1, -1):
            for o in frontier:
                for i in np.flatnonzero(mats[layer][o]):
                    on_edges.add((layer, o, int(i)))
            frontier = {int(i) for i in seen[layer]}
            on_units[layer] |= frontier
    for layer, m in enumerate(mats):
        for o, i in zip(*np.nonzero(m)):
            hot = (layer, int(o), int(i)) in on_edges
            ax.plot([xs[layer][i], xs[layer + 1][o]], [layer, layer + 1], color="C3" if hot else "0.8",
                    lw=(2.0 if hot else 0.8) if width <= 20 else (1.0 if hot else 0.3), zorder=2 if hot else 1)
    numbered = width <= 20
    for row, (n, x) in enumerate(zip(sizes, xs)):
        colors = ["C3" if u in on_units[row] else "white" for u in range(n)]
        ax.scatter(x, np.full(n, row), s=260 if numbered else max(12.0, 5200 / width), c=colors,
                   edgecolors="0.2", linewidths=0.8 if numbered else 0.4, zorder=3)
        for u in range(n if numbered else 0):
            ax.text(x[u], row, f"{u + 1}", ha="center", va="center", fontsize=7, zorder=4,
                    color="white" if u in on_units[row] else "0.1")
    ax.set_yticks(range(len(sizes)), list(names))
    ax.set_xticks([])
    ax.set_xlabel("unit position")
    ax.set_ylabel("layer")
    ax.set_ylim(-0.5, len(sizes) - 0.5)
    ax.set_xlim(-width / 2 - 0.2, width / 2 - 0.3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_connectivity(a: np.ndarray, *, ax: Any = None, title: str = "") -> Any:
    """Draw a connectivity matrix as an image: a dark cell for each connection.

    Parameters
    ----------
    a : bool array, shape (n_out, n_in)

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    a = np.asarray(a, dtype=bool)
    if a.ndim != 2:
        raise ValueError(f"plot_connectivity: a must be 2-D (n_out, n_in); got shape {a.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2 * a.shape[0] / a.shape[1] + 0.6))
    ax.imshow(a, cmap="Greys", vmin=0, vmax=1.25, interpolation="nearest")
    ax.set_xlabel("input unit")
    ax.set_ylabel("output unit")
    ax.set_title(title or f"{int(a.sum())} of {a.size} connections", fontsize=10)
    return ax
