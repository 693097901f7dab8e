"""Thin plotting helpers: each takes ``ax=None`` and returns the figure/axes.

Computation lives elsewhere; these only draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["show_images", "plot_cost_growth", "plot_matrix"]


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
