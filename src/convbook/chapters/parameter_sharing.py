"""The chapter *Parameter sharing*: a convolution against its sparse and dense matrices, and tied gradients.

Each function returns plain numbers, arrays or figures; the notebook only
shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from .._checks import as_array, as_int
from ..conv import conv2d
from ..correlate import correlate2d
from ..cost import Cost, correlate2d_cost, dense_matrix_cost, sparse_matrix_cost
from ..matrix import conv_matrix
from ..plotting import FIG_WIDTH, check_legible, plot_matrix, show_images  # noqa: F401  (plot_matrix re-exported)
from ..shapes import output_size
from ..timing import median_time

__all__ = ["GrowthPoint", "dense_growth", "power_law", "extrapolate", "tied_gradient", "map_sizes",
           "strides_for_units", "strip_responses", "strip_perturbations", "weight_ids", "weight_uses",
           "plot_edges", "plot_dense_growth", "plot_feature_maps", "plot_sharing", "print_timings",
           "print_layer_costs", "METHOD_COLOURS", "LAYER_KINDS"]

#: One colour per method, the same in every panel of the chapter's figures.
METHOD_COLOURS = {"convolution": "C0", "sparse matrix": "C1", "dense matrix": "C3"}


@dataclass(frozen=True)
class GrowthPoint:
    """Cost and measured time of the three methods on one image size."""

    shape: tuple[int, int]
    conv: Cost
    sparse: Cost
    dense: Cost
    seconds: dict[str, float]
    max_abs_difference: float


def dense_growth(kernel: np.ndarray, shapes: Sequence[tuple[int, int]], seed: int = 0,
                 repeat: int = 5) -> list[GrowthPoint]:
    """Build and apply the convolution, sparse and dense matrices on growing images.

    For each ``(H, W)`` in ``shapes`` a random image is filtered three ways;
    the results must agree (``max_abs_difference``), and each way is timed
    (median of ``repeat`` rounds) in the same run.
    """
    k = as_array("dense_growth", "kernel", kernel, 2, "(KH, KW)")
    rng = np.random.default_rng(seed)
    points = []
    for shape in shapes:
        x = rng.normal(size=shape)
        m = conv_matrix(k, shape)
        d = conv_matrix(k, shape, sparse=False)
        v = x.ravel()
        ref = correlate2d(x, k).ravel()
        diff = max(float(np.abs(m @ v - ref).max()), float(np.abs(d @ v - ref).max()))
        secs = {
            "convolution": median_time(lambda x=x: correlate2d(x, k), repeat),
            "sparse matrix": median_time(lambda m=m, v=v: m @ v, repeat),
            "dense matrix": median_time(lambda d=d, v=v: d @ v, repeat),
        }
        points.append(GrowthPoint(tuple(shape), correlate2d_cost(shape, k.shape), sparse_matrix_cost(m),
                                  dense_matrix_cost(*d.shape), secs, diff))
    return points


def power_law(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Least-squares fit ``y = c * x**p`` on a log-log scale; returns ``(c, p)``."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    p, logc = np.polyfit(lx, ly, 1)
    return float(np.exp(logc)), float(p)


def extrapolate(points: Sequence[GrowthPoint], quantity: str, pixels: int) -> tuple[float, float]:
    """Fit ``quantity ~ c * (pixels)**p`` over ``points`` and evaluate it at ``pixels``.

    ``quantity`` is ``"dense bytes"`` or the name of a timed method (e.g.
    ``"dense matrix"``). Returns ``(p, value at pixels)``.
    """
    xs = [p.shape[0] * p.shape[1] for p in points]
    if quantity == "dense bytes":
        ys = [p.dense.nbytes for p in points]
    elif quantity in points[0].seconds:
        ys = [p.seconds[quantity] for p in points]
    else:
        raise ValueError(f"extrapolate: quantity must be 'dense bytes' or one of {list(points[0].seconds)}; "
                         f"got {quantity!r}")
    c, p = power_law(xs, ys)
    return p, c * pixels**p


def tied_gradient(x: np.ndarray, k: np.ndarray, grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """Gradient of a 1-D valid correlation with respect to its shared kernel, three ways.

    Parameters
    ----------
    x : array, shape (n,)
    k : array, shape (m,)
    grad_out : array, shape (n - m + 1,)
        The gradient arriving from above.

    Returns
    -------
    dict
        ``"autograd"``: torch's gradient w.r.t. ``k``; ``"matrix"``: torch's
        gradient w.r.t. every entry of the unrolled (Toeplitz) weight matrix,
        shape (n - m + 1, n); ``"summed"``: that matrix gradient summed over
        the entries that hold each kernel tap; ``"by_hand"``: the formula
        ``dL/dk[j] = sum_i grad_out[i] * x[i + j]``.
    """
    x = as_array("tied_gradient", "x", x, 1, "(n,)").astype(np.float64)
    k = as_array("tied_gradient", "k", k, 1, "(m,)").astype(np.float64)
    g = as_array("tied_gradient", "grad_out", grad_out, 1, "(n - m + 1,)").astype(np.float64)
    n, m = x.shape[0], k.shape[0]
    if m > n or g.shape[0] != n - m + 1:
        raise ValueError(f"tied_gradient: need len(k) <= len(x) and len(grad_out) == len(x) - len(k) + 1; "
                         f"got x.shape={x.shape}, k.shape={k.shape}, grad_out.shape={g.shape}")
    kt = torch.tensor(k, requires_grad=True)
    y = torch.nn.functional.conv1d(torch.tensor(x)[None, None], kt[None, None])[0, 0]
    y.backward(torch.tensor(g))
    rows = np.arange(n - m + 1)[:, None]
    cols = rows + np.arange(m)[None, :]
    big = torch.zeros(n - m + 1, n, dtype=torch.float64)
    big[rows, cols] = torch.tensor(k)
    big.requires_grad_(True)
    (big @ torch.tensor(x)).backward(torch.tensor(g))
    gm = big.grad.numpy()
    summed = np.array([gm[rows[:, 0], rows[:, 0] + j].sum() for j in range(m)])
    by_hand = np.array([np.dot(g, x[j:j + n - m + 1]) for j in range(m)])
    return {"autograd": kt.grad.numpy(), "matrix": gm, "summed": summed, "by_hand": by_hand}


def map_sizes(total: int, channels: int) -> list[tuple[int, int]]:
    """Every feature-map size ``(H, W)`` with ``H <= W`` and ``channels*H*W == total``.

    Used to check a flattening claim: ``channels`` maps of ``H x W`` flatten
    to a vector of ``channels*H*W`` numbers. Empty when ``channels`` does not
    divide ``total``.
    """
    total = as_int("map_sizes", "total", total, 1)
    channels = as_int("map_sizes", "channels", channels, 1)
    if total % channels:
        return []
    area = total // channels
    return [(h, area // h) for h in range(1, int(area**0.5) + 1) if area % h == 0]


def strides_for_units(units: int, n: tuple[int, int] = (500, 500), kernel: tuple[int, int] = (10, 10),
                      ) -> list[tuple[int, int]]:
    """Every pair of strides ``(SH, SW)`` (no padding) at which a ``kernel`` on an ``n`` image has ``units`` positions.

    A convolution places one unit at each position of its kernel, so a layer
    with ``units`` units per feature map needs ``OH * OW == units`` with
    ``OH = output_size(n[0], kernel[0], SH)`` and likewise for the width.

    Examples
    --------
    A 10 x 10 kernel on a 500 x 500 image: 491 x 491 positions at stride 1,
    246 x 246 at stride 2, and no strides at all give 10**5 positions.

    >>> strides_for_units(491 * 246)
    [(1, 2), (2, 1)]
    >>> strides_for_units(10**5)
    []
    """
    f = "strides_for_units"
    units = as_int(f, "units", units, 1)
    sizes = [{output_size(int(size), int(k), s): s for s in range(int(size), 0, -1)}
             for size, k in zip(n, kernel)]  # output size -> the smallest stride giving it
    found = [(sizes[0][a], sizes[1][units // a]) for a in sizes[0] if units % a == 0 and units // a in sizes[1]]
    # every stride that gives the same output size is equivalent; list the smallest ones, sorted
    return sorted(found)


def strip_responses(maps: np.ndarray, parts: int = 10) -> np.ndarray:
    """Mean absolute response of each feature map in each of ``parts`` vertical strips, over its mean overall.

    Parameters
    ----------
    maps : array, shape (C, H, W)
        The feature maps of one image.

    Returns
    -------
    array, shape (C, parts)
        1 where a strip responds as strongly as the map on average; a map that
        covered only one strip would be 0 in all the others.

    Examples
    --------
    >>> strip_responses(np.ones((2, 3, 20)), parts=4)
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    maps = np.abs(as_array("strip_responses", "maps", maps, 3, "(C, H, W)"))
    parts = as_int("strip_responses", "parts", parts, 1)
    strips = np.stack([s.mean(axis=(1, 2)) for s in np.array_split(maps, parts, axis=2)], axis=1)
    return strips / maps.mean(axis=(1, 2))[:, None]


def strip_perturbations(x: np.ndarray, weight: np.ndarray, parts: int = 10, seed: int = 0,
                        ) -> tuple[np.ndarray, list[tuple[int, int]], list[tuple[int, int]]]:
    """Which feature maps change, and where, when one vertical strip of the input changes.

    The input ``x`` (1, C, H, W) is cut into ``parts`` strips across its
    width; each strip in turn gets random noise, and the layer
    ``conv2d(., weight)`` is applied again.

    Returns
    -------
    changed : bool array, shape (parts, C_out)
        ``changed[i, j]``: map ``j`` differs after strip ``i`` changed.
    strips : list of (first, last) input columns of each strip
    spans : list of (first, last) output columns that changed, for each strip

    Examples
    --------
    >>> x, w = np.zeros((1, 1, 4, 12)), np.ones((2, 1, 3, 3))
    >>> changed, strips, spans = strip_perturbations(x, w, parts=3)
    >>> bool(changed.all()), strips, spans
    (True, [(0, 3), (4, 7), (8, 11)], [(0, 3), (2, 7), (6, 9)])
    """
    x = as_array("strip_perturbations", "x", x, 4, "(1, C, H, W)")
    weight = as_array("strip_perturbations", "weight", weight, 4, "(C_out, C, KH, KW)")
    parts = as_int("strip_perturbations", "parts", parts, 1)
    rng = np.random.default_rng(seed)
    before = conv2d(x, weight)
    changed, strips, spans = [], [], []
    for cols in np.array_split(np.arange(x.shape[3]), parts):
        y = x.copy()
        y[..., cols] += rng.normal(size=y[..., cols].shape)
        diff = np.abs(conv2d(y, weight) - before)[0] > 1e-12
        where = np.flatnonzero(diff.any(axis=(0, 1)))
        changed.append(diff.any(axis=(1, 2)))
        strips.append((int(cols[0]), int(cols[-1])))
        spans.append((int(where[0]), int(where[-1])))
    return np.array(changed), strips, spans


#: The three layers of the parameter-sharing figure (Goodfellow et al., fig. 9.5, with a third).
LAYER_KINDS = ("convolution", "locally connected", "fully connected")


def weight_ids(n: int, k: int, kind: str) -> np.ndarray:
    """Which parameter each connection of a 1-D layer uses: ``-1`` where there is no connection.

    The layer maps ``n`` inputs to ``n`` outputs; ``kind`` is one of
    :data:`LAYER_KINDS`. The convolution and the locally connected layer
    see ``k`` inputs each (zero padding at the borders, ``mode='same'``);
    the convolution's connections hold the ``k`` taps of one kernel, the
    others each hold a parameter of their own.

    Returns
    -------
    int array, shape (n, n)
        Rows are outputs, columns inputs, as in ``y = M @ x``.

    Examples
    --------
    >>> weight_ids(4, 3, "convolution")
    array([[ 1,  2, -1, -1],
           [ 0,  1,  2, -1],
           [-1,  0,  1,  2],
           [-1, -1,  0,  1]])
    >>> weight_ids(3, 3, "locally connected")
    array([[ 0,  1, -1],
           [ 2,  3,  4],
           [-1,  5,  6]])
    """
    f = "weight_ids"
    n, k = as_int(f, "n", n, 1), as_int(f, "k", k, 1)
    if kind not in LAYER_KINDS:
        raise ValueError(f"{f}: kind must be one of {list(LAYER_KINDS)}; got {kind!r}")
    if kind == "fully connected":
        return np.arange(n * n).reshape(n, n)
    taps = conv_matrix(np.arange(1.0, k + 1)[None, :], (1, n), mode="same", sparse=False).astype(int) - 1
    if kind == "convolution":
        return taps
    ids = np.full((n, n), -1)
    ids[taps >= 0] = np.arange(int((taps >= 0).sum()))
    return ids


def weight_uses(ids: np.ndarray) -> np.ndarray:
    """How many connections use each parameter, from :func:`weight_ids`.

    Examples
    --------
    >>> weight_uses(weight_ids(5, 3, "convolution"))
    array([4, 5, 4])
    """
    ids = np.asarray(ids)
    return np.bincount(ids[ids >= 0].ravel())


def plot_sharing(n: int = 5, k: int = 3, axes: Sequence[Any] | None = None) -> Any:
    """Parameter sharing drawn (after Goodfellow et al., fig. 9.5): which weight each connection uses.

    Three panels, one per layer of :data:`LAYER_KINDS`, inputs below and
    outputs above. In the convolution every connection is coloured by the
    kernel tap it holds, so each colour recurs at every position; in the
    other two layers every connection holds a weight of its own, drawn grey,
    and the one holding the weight that corresponds to the kernel's centre
    at the middle output is drawn in the centre tap's colour: it is used once.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_sharing()
    >>> [ax.get_title(loc="left").split(":")[0] for ax in fig.axes]
    ['convolution', 'locally connected', 'fully connected']
    >>> plt.close(fig)
    """
    tap_colours = ["C2", "C4", "C9", "C6", "C8"]
    if k > len(tap_colours):
        raise ValueError(f"plot_sharing: k must be at most {len(tap_colours)}; got {k}")
    if axes is None:
        fig, axes = plt.subplots(len(LAYER_KINDS), 1, figsize=(FIG_WIDTH, 5.4))
    else:
        fig = axes[0].figure
    centre, mid = k // 2, n // 2
    handles = []
    for ax, kind in zip(axes, LAYER_KINDS):
        ids = weight_ids(n, k, kind)
        taps = weight_ids(n, k, "convolution")
        uses = weight_uses(ids)
        for i, j in zip(*np.nonzero(ids >= 0)):
            if kind == "convolution":
                colour, width, z = tap_colours[taps[i, j]], 2.4, 2
            elif i == mid and j == mid:
                colour, width, z = tap_colours[centre], 2.4, 3
            else:
                colour, width, z = "0.75", 1.0, 1
            line, = ax.plot([j, i], [0, 1], color=colour, lw=width, zorder=z)
            if kind == "convolution" and i == mid:
                line.set_label(f"tap {taps[i, j] + 1} of the kernel")
                handles.append(line)
        ax.scatter(range(n), [0] * n, s=260, color="white", edgecolor="black", zorder=4)
        ax.scatter(range(n), [1] * n, s=260, color="white", edgecolor="black", zorder=4)
        for j in range(n):
            ax.text(j, 0, f"$x_{{{j + 1}}}$", ha="center", va="center", fontsize=8.5, zorder=5)
            ax.text(j, 1, f"$s_{{{j + 1}}}$", ha="center", va="center", fontsize=8.5, zorder=5)
        every = "each used once" if uses.max() == 1 else f"each used up to {uses.max()} times"
        ax.set_title(f"{kind}: {uses.size} weights, {every}", loc="left")
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(-0.3, 1.3)
        ax.axis("off")
    fig.legend(handles=sorted(handles, key=lambda h: h.get_label()), loc="lower center", ncol=k, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return check_legible(fig)


def plot_feature_maps(maps: np.ndarray, columns: int = 5) -> Any:
    """Feature maps of one image side by side, each at its full size, on a signed colour scale.

    Parameters
    ----------
    maps : array, shape (C, H, W)

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_feature_maps(np.random.default_rng(0).normal(size=(4, 6, 8)), columns=2)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['map 1', 'map 2']
    >>> plt.close(fig)
    """
    maps = as_array("plot_feature_maps", "maps", maps, 3, "(C, H, W)")
    columns = as_int("plot_feature_maps", "columns", columns, 1)
    c, h, w = maps.shape
    rows = -(-c // columns)
    panel = FIG_WIDTH / columns
    fig, axes = plt.subplots(rows, columns, figsize=(FIG_WIDTH, rows * (panel * h / w + 0.35)), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < c:
            lim = float(np.percentile(np.abs(maps[i]), 99)) or 1.0
            ax.imshow(maps[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"map {i + 1}")
    fig.tight_layout(pad=0.3)
    return check_legible(fig)


def plot_edges(image: np.ndarray, edges: np.ndarray) -> Any:
    """The photograph and its edge image side by side, at the page's width.

    Parameters
    ----------
    image : array, shape (H, W)
        The grey-scale photograph.
    edges : array, shape (H, W - 1)
        Its correlation with the kernel ``[-1, 1]`` along the width: signed,
        drawn red where brightness rises to the right and blue where it falls,
        on a colour scale centred on zero that saturates at the 98th
        percentile of ``|edges|`` (so that the many weak edges stay visible).

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> fig = plot_edges(x, x[:, 1:] - x[:, :-1])
    >>> [ax.get_title().splitlines()[1] for ax in fig.axes[:2]]
    ['4 × 3 pixels', '3 × 3 pixels']
    >>> plt.close(fig)
    """
    image = as_array("plot_edges", "image", image, 2, "(H, W)")
    edges = as_array("plot_edges", "edges", edges, 2, "(H, W - 1)")
    h, w = image.shape
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, FIG_WIDTH / 2 * h / w + 0.7))
    axes[0].imshow(image, cmap="gray")
    lim = float(np.percentile(np.abs(edges), 98)) or 1.0
    im = axes[1].imshow(edges, cmap="RdBu_r", vmin=-lim, vmax=lim)
    fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.03, extend="both")
    for ax, img, title in zip(axes, (image, edges), ("input", "kernel [−1, 1] along the width")):
        ax.set_title(f"{title}\n{img.shape[1]} × {img.shape[0]} pixels")
        ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
    fig.tight_layout()
    return check_legible(fig)


def plot_dense_growth(points: Sequence[GrowthPoint], full_shape: tuple[int, int],
                      axes: Sequence[Any] | None = None) -> Any:
    """Memory and measured time of the three methods against image size, on log-log axes.

    Parameters
    ----------
    points : sequence of GrowthPoint
        From :func:`dense_growth`.
    full_shape : (int, int)
        The image size to which the dense matrix is extrapolated with a
        fitted power law (:func:`extrapolate`); drawn as an open marker.
    axes : two matplotlib Axes, optional
        Where to draw; a new figure at the page's width by default.

    Returns
    -------
    matplotlib Figure
        One colour per method (:data:`METHOD_COLOURS`) in both panels, and
        one legend for both, below them.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> pts = dense_growth(np.array([[-1.0, 1.0]]), [(7, 8), (14, 16)], repeat=1)
    >>> fig = plot_dense_growth(pts, (28, 32))
    >>> [ax.get_title() for ax in fig.axes]
    ['memory', 'time on this machine']
    >>> plt.close(fig)
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 3.7))
    else:
        fig = axes[0].figure
    pixels = [p.shape[0] * p.shape[1] for p in points]
    full = full_shape[0] * full_shape[1]
    memory = {"convolution": [p.conv.nbytes for p in points],
              "sparse matrix": [p.sparse.nbytes for p in points],
              "dense matrix": [p.dense.nbytes for p in points]}
    times = {name: [p.seconds[name] for p in points] for name in METHOD_COLOURS}
    panels = ((axes[0], memory, "dense bytes", "bytes stored", "memory"),
              (axes[1], times, "dense matrix", "seconds per product (median)", "time on this machine"))
    dense = METHOD_COLOURS["dense matrix"]
    for ax, series, quantity, ylabel, title in panels:
        for name, ys in series.items():
            ax.loglog(pixels, ys, "o-", color=METHOD_COLOURS[name], label=name)
        guess = extrapolate(points, quantity, full)[1]
        ax.loglog([pixels[-1], full], [series["dense matrix"][-1], guess], "--", color=dense)
        ax.loglog([full], [guess], "o", mfc="white", color=dense,
                  label=f"dense matrix, extrapolated to {full_shape[1]} × {full_shape[0]}")
        ax.set_xlabel("pixels in the image")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.15, 1, 1))
    return check_legible(fig)


def print_layer_costs(layers: dict[str, Cost]) -> None:
    """Print the parameters, multiplies and memory of layers from :func:`convbook.local_perception` as a table.

    Examples
    --------
    >>> from convbook import local_perception
    >>> print_layer_costs(local_perception(image=(4, 4), units=4, field=(2, 2)))
    layer                    parameters        multiplies      memory
    fully connected                  64                64       512 B
    locally connected                16                16       128 B
    convolutional                     4                16        32 B
    """
    print(f"{'layer':18s}  {'parameters':>16s}  {'multiplies':>16s}  {'memory':>10s}")
    for name, c in layers.items():
        print(f"{name:18s}  {c.params:>16,}  {c.multiplies:>16,}  {_bytes(c.nbytes):>10s}")


def _bytes(n: float) -> str:
    """A number of bytes in B, kB, MB or GB (decimal prefixes), three significant digits."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def print_timings(timings: Sequence[Any], reference: str, extra: dict[str, float] | None = None) -> None:
    """Print :func:`convbook.compare_times` results as a table of ratios.

    ``extra`` adds rows that were estimated rather than measured (seconds).
    """
    ref = next(t.seconds for t in timings if t.name == reference)
    rows = [(t.name, t.seconds, t.ratio) for t in timings]
    rows += [(f"{name} (estimated)", s, s / ref) for name, s in (extra or {}).items()]
    width = max(len(r[0]) for r in rows)
    print(f"{'method':{width}s}  {'time':>11s}  ratio to {reference}")
    for name, s, r in rows:
        print(f"{name:{width}s}  {s * 1e3:8.3f} ms  {r:10.3g}")
