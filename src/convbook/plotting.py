"""Thin plotting helpers: each takes ``ax=None`` and returns the figure/axes.

Computation lives elsewhere; these only draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["show_images", "plot_cost_growth", "plot_matrix", "plot_dense_growth", "print_timings",
           "plot_pooling_windows"]


def show_images(images: Sequence[np.ndarray], titles: Sequence[str], *, cmap: str = "gray",
                axes: Sequence[Any] | None = None, symmetric: Sequence[bool] | None = None,
                width: float = 4.0) -> tuple[Any, list[Any]]:
    """Show 2-D arrays side by side with their pixel sizes on the axes.

    ``symmetric[i]`` centres the colour scale of image ``i`` on zero (for
    signed responses such as edges, drawn with a diverging map).
    """
    import matplotlib.pyplot as plt

    if len(images) != len(titles):
        raise ValueError(f"show_images: need one title per image; got {len(images)} images, {len(titles)} titles")
    if axes is None:
        fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width * 0.9))
        axes = list(np.atleast_1d(axes))
    else:
        axes = list(axes)
        fig = axes[0].figure
    sym = list(symmetric) if symmetric is not None else [False] * len(images)
    for ax, img, title, s in zip(axes, images, titles, sym):
        if s:
            lim = float(np.abs(img).max()) or 1.0
            im = ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
            fig.colorbar(im, ax=ax, fraction=0.04)
        else:
            ax.imshow(img, cmap=cmap)
        ax.set_title(f"{title}\n{img.shape[1]} wide x {img.shape[0]} high")
        ax.set_xlabel("column (pixels)")
        ax.set_ylabel("row (pixels)")
    fig.tight_layout()
    return fig, axes


def plot_cost_growth(sizes: Sequence[float], series: dict[str, Sequence[float]], *, xlabel: str,
                     ylabel: str, extrapolate: dict[str, tuple[float, float]] | None = None,
                     ax: Any = None) -> Any:
    """Log-log plot of costs against problem size, with optional extrapolated points.

    ``extrapolate[name] = (x, y)`` draws an open marker joined to the last
    measured point of ``series[name]`` by a dashed line.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, ys in series.items():
        line, = ax.loglog(sizes, ys, "o-", label=name)
        if extrapolate and name in extrapolate:
            x, y = extrapolate[name]
            ax.loglog([sizes[-1], x], [ys[-1], y], "--", color=line.get_color())
            ax.loglog([x], [y], "o", mfc="white", color=line.get_color(), label=f"{name} (extrapolated)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def plot_matrix(m: Any, *, ax: Any = None, title: str = "") -> Any:
    """Draw a (small) matrix as an image: zeros white, signs in red and blue.

    Rows are outputs, columns are inputs, as in ``y = M @ x``.
    """
    import matplotlib.pyplot as plt

    dense = m.toarray() if hasattr(m, "toarray") else np.asarray(m)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7 * dense.shape[0] / max(dense.shape[1], 1) + 0.8))
    lim = float(np.abs(dense).max()) or 1.0
    im = ax.imshow(dense, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, fraction=0.03, label="matrix entry")
    ax.set_xlabel(f"input pixel (column of M, {dense.shape[1]} in all)")
    ax.set_ylabel(f"output pixel (row of M, {dense.shape[0]} in all)")
    if title:
        ax.set_title(title)
    return ax


def plot_dense_growth(points: Sequence[Any], full_shape: tuple[int, int], axes: Sequence[Any] | None = None
                      ) -> Any:
    """Memory and measured time of the three methods against image size (chapter *Parameter sharing*).

    ``points`` come from :func:`convbook.sharing.dense_growth`; the dense
    matrix is extrapolated to ``full_shape`` with a fitted power law.
    """
    import matplotlib.pyplot as plt

    from .sharing import extrapolate

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    else:
        fig = axes[0].figure
    pixels = [p.shape[0] * p.shape[1] for p in points]
    full = full_shape[0] * full_shape[1]
    memory = {"dense matrix": [p.dense.bytes for p in points],
              "sparse matrix (CSR)": [p.sparse.bytes for p in points],
              "convolution (kernel)": [p.conv.bytes for p in points]}
    plot_cost_growth(pixels, memory, xlabel="pixels in the image", ylabel="bytes stored",
                     extrapolate={"dense matrix": (full, extrapolate(points, "dense bytes", full)[1])}, ax=axes[0])
    times = {name: [p.seconds[name] for p in points] for name in points[0].seconds}
    plot_cost_growth(pixels, times, xlabel="pixels in the image", ylabel="seconds per product (median)",
                     extrapolate={"dense matrix": (full, extrapolate(points, "dense matrix", full)[1])}, ax=axes[1])
    axes[0].set_title("memory")
    axes[1].set_title("time, measured on this machine")
    fig.tight_layout()
    return fig


def print_timings(timings: Sequence[Any], reference: str, extra: dict[str, float] | None = None) -> None:
    """Print :func:`convbook.timing.compare_times` results as a table of ratios.

    ``extra`` adds rows that were estimated rather than measured (seconds).
    """
    ref = next(t.seconds for t in timings if t.name == reference)
    rows = [(t.name, t.seconds, t.ratio) for t in timings]
    rows += [(f"{name} (estimated)", s, s / ref) for name, s in (extra or {}).items()]
    width = max(len(r[0]) for r in rows)
    print(f"{'method':{width}s}  {'time':>11s}  ratio to {reference}")
    for name, s, r in rows:
        print(f"{name:{width}s}  {s * 1e3:8.3f} ms  {r:10.3g}")


def plot_pooling_windows(n: int, window: int, stride: int, *, ceil_mode: bool = False, ax: Any = None) -> Any:
    """Draw the pooling windows along one axis of ``n`` inputs, as floor or ceil mode places them.

    Inputs are boxes numbered 1 to ``n``; each window is an outline, dashed
    where it hangs over the end of the input (ceil mode keeps such a window
    and pools only the inputs it covers). The number of windows is
    :func:`convbook.output_size` ``(n, window, stride, ceil_mode=ceil_mode)``.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from .shapes import output_size

    count = output_size(n, window, stride, ceil_mode=ceil_mode)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * (n + window), 1.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i in range(n):
        ax.add_patch(plt.Rectangle((i + 0.025, 0), 0.95, 0.95, fc="0.85", ec="k"))
    for o in range(count):
        start = o * stride
        ax.add_patch(plt.Rectangle((start, -0.15 - 0.12 * o), window, 1.25 + 0.24 * o, fill=False,
                                   ec=colors[o % len(colors)], lw=2,
                                   ls="-" if start + window <= n else "--"))
    last = max(n, (count - 1) * stride + window)
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_ylim(-0.3 - 0.12 * count, 1.2 + 0.12 * count)
    ax.set_xticks(np.arange(n) + 0.5, [str(i + 1) for i in range(n)])
    ax.set_yticks([])
    ax.set_xlabel(f"input position (windows of width {window}, stride {stride})")
    rounding = "⌈(N − W)/S⌉" if ceil_mode else "⌊(N − W)/S⌋"
    ax.set_title(f"{'ceil' if ceil_mode else 'floor'} mode: {rounding} + 1 = {count} windows", fontsize="medium")
    return ax
