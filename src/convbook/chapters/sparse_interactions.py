"""The chapter *Sparse interactions*: stacks of layers drawn from their connectivity, the receptive-field
explorer, receptive fields measured by back-propagation, and the local-perception example.

The figures 9.2-9.4 of Goodfellow et al. are drawn by :func:`plot_stack` from
connectivity matrices (:func:`convbook.conv_connectivity`), side by side for a
convolution and a dense layer by :func:`plot_seen_from_below` and
:func:`plot_seen_from_above`; :func:`plot_multiplications`,
:func:`plot_growth` and :func:`plot_path_profiles` draw the chapter's other
figures, all at the page's width and checked legible; the explorer
(:func:`receptive_field_widget`, with :func:`receptive_field_panels` as its
static version) states the size and jump given by
:func:`convbook.receptive_field`, and :func:`receptive_field_empirical`
measures the same numbers on a random torch network.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from .._checks import as_int
from ..connectivity import affected_outputs, check_stack, conv_connectivity, receptive_inputs
from ..cost import local_perception
from ..memory import array_bytes, check_memory
from ..plotting import FIG_WIDTH, check_legible, figure_widget, plot_connectivity, plot_cost_growth
from ..receptive import ReceptiveField, layer_specs, receptive_field
from ..shapes import output_size

__all__ = ["plot_stack", "plot_seen_from_below", "plot_seen_from_above", "plot_multiplications", "plot_growth",
           "plot_path_profiles", "stack_connectivity", "plot_receptive_field", "receptive_field_panels",
           "receptive_field_widget", "receptive_field_empirical", "path_counts", "recursion_table",
           "growth_table", "positions_table", "power_of_ten"]

#: One colour per layer kind, the same in every figure of the chapter.
COLOURS = {"dense": "C0", "sparse": "C1"}


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
        Draw into this axes; by default a new figure at most the page's width.
    title : str
        Title of the axes.

    Returns
    -------
    matplotlib Axes
    """
    mats = check_stack(layers, caller="plot_stack")
    sizes = [mats[0].shape[1]] + [m.shape[0] for m in mats]
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(min(FIG_WIDTH, max(4.0, 0.45 * max(sizes) + 1.5)), 0.9 * len(sizes) + 0.6))
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
    # spacing of adjacent units in points: circles fill at most 80 % of it, numbers need 18 pt
    spacing = ax.get_position().width * ax.figure.get_figwidth() * 72 / (width + 0.4)
    numbered = width <= 20 and spacing >= 18
    area = min(300.0, (0.8 * spacing) ** 2) if numbered else max(9.0, min(150.0, (0.8 * spacing) ** 2))
    for row, (n, x) in enumerate(zip(sizes, xs)):
        colors = ["C3" if u in on_units[row] else "white" for u in range(n)]
        ax.scatter(x, np.full(n, row), s=area, c=colors,
                   edgecolors="0.2", linewidths=0.8 if numbered else 0.4, zorder=3)
        for u in range(n if numbered else 0):
            ax.text(x[u], row, f"{u + 1}", ha="center", va="center", fontsize=8, zorder=4,
                    color="white" if u in on_units[row] else "0.1")
    ax.set_yticks(range(len(sizes)), list(names))
    ax.set_xticks([])
    ax.set_xlabel("unit position")
    ax.set_ylabel("layer")
    ax.set_ylim(-0.5, len(sizes) - 0.5)
    ax.set_xlim(-(width - 1) / 2 - 0.7, (width - 1) / 2 + 0.7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def plot_seen_from_below(sparse: np.ndarray, dense: np.ndarray, unit: int) -> Any:
    """What one input affects, in a convolution (top) and a fully connected layer (bottom): fig. 9.2.

    Parameters
    ----------
    sparse, dense : bool arrays, shape (n_out, n_in)
        Connectivity of the two layers (:func:`convbook.conv_connectivity`,
        :func:`convbook.dense_connectivity`).
    unit : int
        The input to highlight, counted from 0.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(2, 1, figsize=(FIG_WIDTH * 0.8, 4.4))
    plot_stack([sparse], highlight_input=unit, ax=axes[0], title="convolution, kernel width 3")
    plot_stack([dense], highlight_input=unit, ax=axes[1], title="fully connected")
    fig.tight_layout()
    return check_legible(fig)


def plot_seen_from_above(sparse: np.ndarray, dense: np.ndarray, unit: int) -> Any:
    """What one output sees, as a graph (top) and as the layer's connectivity matrix (bottom): fig. 9.3.

    Parameters
    ----------
    sparse, dense : bool arrays, shape (n_out, n_in)
        Connectivity of a convolution and of a fully connected layer.
    unit : int
        The output to highlight, counted from 0.

    Returns
    -------
    matplotlib Figure
        Left column the convolution, right column the dense layer; the
        matrix titles count the connections (nonzero entries).
    """
    fig, axes = plt.subplots(2, 2, figsize=(FIG_WIDTH, 5.4), height_ratios=[1, 1.5])
    plot_stack([sparse], highlight_output=unit, ax=axes[0, 0], title="convolution")
    plot_stack([dense], highlight_output=unit, ax=axes[0, 1], title="fully connected")
    plot_connectivity(sparse, ax=axes[1, 0], title=f"convolution: {int(sparse.sum())} connections")
    plot_connectivity(dense, ax=axes[1, 1], title=f"fully connected: {int(dense.sum())} connections")
    fig.tight_layout()
    return check_legible(fig)


def plot_multiplications(sizes: Sequence[int], dense: Sequence[int], sparse: Sequence[int], *,
                         taps: int = 3) -> Any:
    """Multiplications of a dense and a sparse layer against the layer width, on log-log axes.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer ``n``.
    dense, sparse : sequences of int
        Multiplications of the dense (``n × n``) and of the sparse layer
        (``taps`` connections per output) at each size.
    taps : int
        Connections per output of the sparse layer (for the legend).

    Returns
    -------
    matplotlib Axes
    """
    ax = plot_cost_growth(sizes, {"dense: n × n": dense, f"sparse: {taps} per output": sparse},
                          xlabel="units per layer n", ylabel="multiplications")
    for line, kind in zip(ax.get_lines(), ("dense", "sparse")):
        line.set_color(COLOURS[kind])
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    ax.grid(False, which="minor")
    return check_legible(ax)


def plot_growth(depths: Sequence[int], series: dict[str, Sequence[int]]) -> Any:
    """Receptive field size against depth, one curve per kind of stack, on a logarithmic size axis.

    Parameters
    ----------
    depths : sequence of int
        Number of layers.
    series : dict of str -> sequence of int
        Receptive field sizes at each depth, by the label of the stack.

    Returns
    -------
    matplotlib Axes
        Open markers and a dashed third line keep curves that coincide
        visible.
    """
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.4))
    for (label, ys), style in zip(series.items(), ["o-", "s-", "x--", "d:"]):
        ax.semilogy(depths, ys, style, label=label, ms=8, mfc="none")
    ax.set_xlabel("depth (layers)")
    ax.set_ylabel("receptive field (input pixels)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    fig.tight_layout()
    return check_legible(ax)


def plot_path_profiles(paths: dict[int, np.ndarray]) -> Any:
    """Paths from each input to one unit, scaled to a maximum of 1, for stacks of several depths.

    Parameters
    ----------
    paths : dict of int -> 1-D array
        Path counts (:func:`path_counts`) by depth.

    Returns
    -------
    matplotlib Axes
        The inputs are counted from the centre of the receptive field.
    """
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.2))
    for depth, p in paths.items():
        centre = np.arange(len(p)) - len(p) // 2
        ax.plot(centre, p / p.max(), "o-", ms=3, label=f"L = {depth} (size {len(p)})")
    ax.set_xlabel("input pixel relative to the centre")
    ax.set_ylabel("paths (relative)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    fig.tight_layout()
    return check_legible(ax)


def recursion_table(layers: Sequence[tuple[int, int, int]]) -> str:
    """The receptive-field recursion layer by layer, as a Markdown table.

    Parameters
    ----------
    layers : sequence of (kernel, stride, dilation)
        As in :func:`convbook.receptive_field`.

    Returns
    -------
    str
        One row per layer: its kernel, stride and dilation, then the size
        ``r`` and jump ``j`` after it.

    Examples
    --------
    >>> print(recursion_table([(3, 2, 1), (3, 1, 1)]))
    | layer | kernel k | stride s | dilation d | size r | jump j |
    |--:|--:|--:|--:|--:|--:|
    | 1 | 3 | 2 | 1 | 3 | 2 |
    | 2 | 3 | 1 | 1 | 7 | 2 |
    """
    spec = layer_specs(layers, caller="recursion_table")
    rows = ["| layer | kernel k | stride s | dilation d | size r | jump j |", "|--:|--:|--:|--:|--:|--:|"]
    for i, ((k, s, d), (r, j)) in enumerate(zip(spec, receptive_field(spec).per_layer), 1):
        rows.append(f"| {i} | {k} | {s} | {d} | {r} | {j} |")
    return "\n".join(rows)


def growth_table(strided: Sequence[tuple[int, int, int]], dilated: Sequence[tuple[int, int, int]]) -> str:
    """Two stacks side by side, layer by layer: the strided one's stride and the dilated one's dilation, each
    with its jump and receptive field size after the layer (:func:`convbook.receptive_field`).

    Parameters
    ----------
    strided, dilated : sequences of (kernel, stride, dilation) of the same length
        As in :func:`convbook.receptive_field`.

    Returns
    -------
    str
        A Markdown table: layer, then stride, jump and size of the first
        stack, then dilation, jump and size of the second.

    Examples
    --------
    Stride 2 at every layer: the stride stays 2, the jump doubles; dilations
    1, 2 at stride 1: the jump stays 1.

    >>> print(growth_table([(3, 2, 1)] * 2, [(3, 1, 1), (3, 1, 2)]))
    | layer | stride | jump | size | dilation | jump | size |
    |--:|--:|--:|--:|--:|--:|--:|
    | 1 | 2 | 2 | 3 | 1 | 1 | 3 |
    | 2 | 2 | 4 | 7 | 2 | 1 | 7 |
    """
    a, b = layer_specs(strided, caller="growth_table"), layer_specs(dilated, caller="growth_table")
    if len(a) != len(b):
        raise ValueError(f"growth_table: the two stacks must have the same number of layers; got {len(a)} "
                         f"and {len(b)}")
    rows = ["| layer | stride | jump | size | dilation | jump | size |", "|--:|--:|--:|--:|--:|--:|--:|"]
    per_a, per_b = receptive_field(a).per_layer, receptive_field(b).per_layer
    for i, ((_, s, _), (_, _, d), (ra, ja), (rb, jb)) in enumerate(zip(a, b, per_a, per_b), 1):
        rows.append(f"| {i} | {s} | {ja} | {ra} | {d} | {jb} | {rb} |")
    return "\n".join(rows)


def positions_table(image: int = 500, kernel: int = 10, strides: Sequence[int] = (1, 2),
                    units: int = 10**5) -> str:
    """The local-perception example of seed 003 beside the convolutional layers that exist on its image.

    The first row is the notes' thought experiment (``units`` units, each
    with a ``kernel`` × ``kernel`` field); the others are valid layers of
    that kernel on the square ``image`` with each stride, whose units are
    their output positions (:func:`convbook.output_size`). Weights come from
    :func:`convbook.local_perception`; a shared kernel has ``kernel**2`` in
    every row.

    Returns
    -------
    str
        A Markdown table: the layer, units per side, units, fully connected
        and locally connected weights.

    Examples
    --------
    >>> print(positions_table(image=12, kernel=3, strides=(1,), units=50))
    | layer | units per side | units | fully connected weights | locally connected weights |
    |---|--:|--:|--:|--:|
    | the notes: 50 units | none | 50 | 7,200 | 450 |
    | valid, stride 1 | 10 | 100 | 14,400 | 900 |
    """
    f = "positions_table"
    image, kernel, units = as_int(f, "image", image, 1), as_int(f, "kernel", kernel, 1), as_int(f, "units", units, 1)
    rows = ["| layer | units per side | units | fully connected weights | locally connected weights |",
            "|---|--:|--:|--:|--:|"]

    def row(name: str, side: str, n: int) -> str:
        c = local_perception((image, image), n, (kernel, kernel))
        return f"| {name} | {side} | {n:,} | {c['fully connected'].params:,} | {c['locally connected'].params:,} |"

    rows.append(row(f"the notes: {units:,} units", "none", units))
    for s in strides:
        side = output_size(image, kernel, stride=as_int(f, "stride", s, 1))
        rows.append(row(f"valid, stride {s}", str(side), side * side))
    return "\n".join(rows)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(x: float) -> str:
    """A number as the prose writes a large one: ``2.5 × 10¹⁰``, ``10⁷``.

    Parameters
    ----------
    x : positive real number

    Returns
    -------
    str
        The mantissa with at most three significant digits (left out when
        it is 1), then the power of ten in superscript.

    Examples
    --------
    >>> power_of_ten(25_000_000_000), power_of_ten(10**7), power_of_ten(3e6)
    ('2.5 × 10¹⁰', '10⁷', '3 × 10⁶')
    """
    if not x > 0:
        raise ValueError(f"power_of_ten: x must be a positive number; got {x!r}")
    exponent = int(np.floor(np.log10(float(x))))
    mantissa = float(f"{float(x) / 10.0**exponent:.3g}")
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == 1 else f"{mantissa:g} × {power}"


def stack_connectivity(kernel: int, stride: int, dilation: int, depth: int, n_out: int = 3) -> list[np.ndarray]:
    """Connectivity matrices of ``depth`` identical valid 1-D convolutions with ``n_out`` top units.

    Returns
    -------
    list of bool arrays
        Shapes ``(n_1, n_0), (n_2, n_1), ...``, input side first, ``n_depth = n_out``;
        ``n_0`` is the smallest input with that many top units.
    """
    f = "stack_connectivity"
    kernel, stride = as_int(f, "kernel", kernel, 1), as_int(f, "stride", stride, 1)
    dilation, depth = as_int(f, "dilation", dilation, 1), as_int(f, "depth", depth, 1)
    n = as_int(f, "n_out", n_out, 1)
    sizes = [n]
    for _ in range(depth):
        n = (n - 1) * stride + (kernel - 1) * dilation + 1
        sizes.append(n)
    sizes = sizes[::-1]
    return [conv_connectivity(sizes[i], kernel, stride, dilation) for i in range(depth)]


def plot_receptive_field(kernel: int = 3, stride: int = 1, dilation: int = 1, depth: int = 2, *,
                         ax: Any = None) -> Any:
    """Draw a stack of convolutions with the receptive field of its middle top unit highlighted.

    Returns
    -------
    matplotlib Axes
        Titled with the size and jump of :func:`convbook.receptive_field`; the
        highlighted inputs are computed from the connectivity (with dilation
        they can leave holes inside the receptive field).
    """
    layers = stack_connectivity(kernel, stride, dilation, depth)
    rf = receptive_field([(kernel, stride, dilation)] * depth)
    seen = receptive_inputs(layers, 1)[-1]
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 0.6 * depth + 1.4))
    plot_stack(layers, highlight_output=1, ax=ax,
               names=["input"] + [f"conv {i}" for i in range(1, depth + 1)],
               title=(f"kernel {kernel}, stride {stride}, dilation {dilation}, depth {depth}\n"
                      f"receptive field {rf.size} inputs ({len(seen)} of them connected), jump {rf.jump}"))
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def receptive_field_panels(settings: Sequence[tuple[int, int, int, int]]) -> Any:
    """One panel of :func:`plot_receptive_field` per ``(kernel, stride, dilation, depth)``: the static version.

    Returns
    -------
    matplotlib Figure
    """
    heights = [0.6 * s[3] + 1.4 for s in settings]
    fig, axes = plt.subplots(len(settings), 1, figsize=(FIG_WIDTH, sum(heights)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (k, s, d, depth) in zip(axes[:, 0], settings):
        plot_receptive_field(k, s, d, depth, ax=ax)
    fig.tight_layout()
    return check_legible(fig)


def receptive_field_widget() -> Any:
    """Sliders for kernel, stride, dilation and depth that redraw :func:`plot_receptive_field`.

    Returns
    -------
    ipywidgets.VBox
        Live in Jupyter or Binder; a static page shows its first state only.
        The two rows of sliders wrap onto two lines each on a narrow screen
        (a phone).
    """
    import ipywidgets

    def slider(name: str, value: int, top: int) -> Any:
        return ipywidgets.IntSlider(value=value, min=1, max=top, description=name,
                                    layout=ipywidgets.Layout(flex="1 1 280px", min_width="240px",
                                                             max_width="100%"))

    sliders = {"kernel": slider("kernel", 3, 5), "stride": slider("stride", 1, 3),
               "dilation": slider("dilation", 1, 3), "depth": slider("depth", 2, 4)}
    box = figure_widget(lambda **values: plot_receptive_field(**values), sliders,
                        rows=[["kernel", "stride"], ["dilation", "depth"]])
    for row in box.children[:2]:
        row.layout = ipywidgets.Layout(flex_flow="row wrap", width="100%")
    return box


def receptive_field_empirical(layers: Sequence[tuple[int, int, int] | tuple[int, int] | int], *, ndim: int = 1,
                              channels: int = 2, seed: int = 0) -> ReceptiveField:
    """Measure receptive field size and jump by back-propagating through a random torch network.

    Builds ``torch.nn.Conv1d`` (or ``Conv2d`` with square kernels) layers with
    the given kernels, strides and dilations, no padding, and positive random
    weights (so no two paths cancel), on an input generously longer than any
    receptive field the stack can have. The input gradient of one output unit
    near the middle is nonzero exactly on that unit's receptive field; its
    extent is the ``size``, and the offset between the fields of two adjacent
    output units is the ``jump``.

    Parameters
    ----------
    layers : sequence of (kernel, stride, dilation)
        As in :func:`receptive_field`.
    ndim : {1, 2}
        Measure with a 1-D or a 2-D network (2-D checks both axes agree).
    channels : int
        Channels of the hidden layers.
    seed : int
        Seed of the random weights.

    Returns
    -------
    ReceptiveField
        Measured ``size`` and ``jump`` (``per_layer`` holds the measurement
        after each prefix of the stack).
    """
    f = "receptive_field_empirical"
    spec = layer_specs(layers, caller=f)
    if ndim not in (1, 2):
        raise ValueError(f"{f}: ndim must be 1 or 2; got {ndim!r}")
    if isinstance(channels, bool) or not isinstance(channels, numbers.Integral) or channels < 1:
        raise ValueError(f"{f}: channels must be an int >= 1; got {channels!r}")
    n = _input_length(spec)   # the deepest prefix needs the longest input
    # the input, its gradient and the first layer's output channels are the largest tensors
    check_memory(array_bytes((n,) * ndim, np.float64) * (2 + channels), caller=f,
                 what=f"a network input of {n:,} pixels per side that holds five receptive fields",
                 advice="use fewer strided or dilated layers")
    gen = torch.Generator().manual_seed(seed)
    history = []
    for depth in range(1, len(spec) + 1):
        history.append(_measure(spec[:depth], ndim, channels, gen))
    return ReceptiveField(history[-1][0], history[-1][1], tuple(history))


def _input_length(spec: list[tuple[int, int, int]]) -> int:
    """The input length for which the stack has exactly five outputs along each axis."""
    n = 5
    for k, s, d in reversed(spec):
        n = (n - 1) * s + (k - 1) * d + 1
    return n


def _measure(spec: list[tuple[int, int, int]], ndim: int, channels: int, gen: torch.Generator) -> tuple[int, int]:
    n = _input_length(spec)
    conv = torch.nn.functional.conv1d if ndim == 1 else torch.nn.functional.conv2d
    x = torch.rand((1, 1) + (n,) * ndim, dtype=torch.float64, generator=gen, requires_grad=True)
    y = x
    c_in = 1
    for k, s, d in spec:
        w = torch.rand((channels, c_in) + (k,) * ndim, dtype=torch.float64, generator=gen) + 0.1
        y = conv(y, w, stride=s, dilation=d)
        c_in = channels
    length = y.shape[-1]
    centre = length // 2
    starts = []
    size = 0
    for pos in (centre, centre + 1):
        (grad,) = torch.autograd.grad(y[(0, 0) + (pos,) * ndim], x, retain_graph=True)
        g = grad[0, 0].numpy()
        spans = []
        for axis in range(ndim):
            other = tuple(a for a in range(ndim) if a != axis)
            touched = np.flatnonzero(np.abs(g).sum(axis=other) if other else g)
            spans.append((int(touched.min()), int(touched.max())))
        if len({hi - lo for lo, hi in spans}) != 1:  # pragma: no cover - square kernels on a square input
            raise RuntimeError(f"receptive_field_empirical: the axes disagree: {spans}")
        lo, hi = spans[0]
        size = hi - lo + 1
        starts.append(lo)
    return size, starts[1] - starts[0]


def path_counts(depth: int, kernel: int = 3) -> np.ndarray:
    """Paths from each input pixel to one unit of a stack of 1-D convolutions, by back-propagation.

    Every layer has stride 1, no padding and a kernel of ``kernel`` ones, so
    the gradient of the top unit with respect to the input counts the paths
    through the network from each input of its receptive field.

    Parameters
    ----------
    depth : int >= 1
        Number of layers.
    kernel : int >= 1
        Kernel width of every layer.

    Returns
    -------
    array, shape (receptive_field([(kernel, 1, 1)] * depth).size,) = ((kernel - 1) * depth + 1,)
        Entry ``i`` is the number of paths from input ``i`` of the field: the
        coefficient of ``z**i`` in ``(1 + z + ... + z**(kernel - 1))**depth``
        (for ``kernel = 3`` a trinomial coefficient). Computed with torch
        autograd in float64, which holds them exactly: their sum,
        ``kernel**depth``, must stay at most 2**53 (``depth <= 33`` for a
        3-tap kernel), or the call is refused.
    """
    f = "path_counts"
    depth = as_int(f, "depth", depth, 1)
    kernel = as_int(f, "kernel", kernel, 1)
    if kernel > 1 and kernel**depth > 2**53:
        raise ValueError(
            f"{f}: with kernel={kernel} the counts add up to kernel**depth = {kernel}**{depth}, past 2**53, the "
            f"largest integer float64 back-propagation holds exactly; use depth <= "
            f"{int(53 / np.log2(kernel) + 1e-9)}"
        )
    if kernel == 1 and depth > 10_000:
        raise ValueError(f"{f}: depth={depth} layers of a 1-tap kernel are one path each; use depth <= 10000")
    size = (kernel - 1) * depth + 1
    x = torch.zeros((1, 1, size), dtype=torch.float64, requires_grad=True)
    ones = torch.ones((1, 1, kernel), dtype=torch.float64)
    y = x
    for _ in range(depth):
        y = torch.nn.functional.conv1d(y, ones)
    (paths,) = torch.autograd.grad(y[0, 0, 0], x)
    return paths[0, 0].numpy()
