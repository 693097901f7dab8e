"""Figures and widgets shared by the chapters: each ``plot_*`` takes ``ax=None`` and returns what it drew.

Computation lives in the library's core; these only draw. With the
chapter modules (:mod:`convbook.chapters`), this is the one place the
library imports matplotlib and ipywidgets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["show_images", "plot_cost_growth", "plot_matrix", "plot_connectivity", "figure_widget"]


def show_images(images: Sequence[np.ndarray], titles: Sequence[str], *, cmap: str = "gray",
                axes: Sequence[Any] | None = None, symmetric: Sequence[bool] | None = None,
                width: float = 4.0) -> tuple[Any, list[Any]]:
    """Show 2-D arrays side by side with their pixel sizes on the axes.

    ``symmetric[i]`` centres the colour scale of image ``i`` on zero (for
    signed responses such as edges, drawn with a diverging map).
    """
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


def plot_connectivity(a: np.ndarray, *, ax: Any = None, title: str = "") -> Any:
    """Draw a connectivity matrix as an image: a dark cell for each connection.

    Parameters
    ----------
    a : bool array, shape (n_out, n_in)

    Returns
    -------
    matplotlib Axes
    """
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


def figure_widget(draw: Callable[..., Any], controls: Mapping[str, Any],
                  rows: Sequence[Sequence[str]] | None = None) -> Any:
    """Controls above a figure that ``draw(**values)`` redraws whenever one of them moves.

    Parameters
    ----------
    draw : callable
        Called with one keyword argument per control, named as in
        ``controls``, holding the control's value; returns a matplotlib
        Figure (or Axes), which is shown and closed.
    controls : mapping of name -> ipywidgets control
        Sliders, toggle buttons, ... (anything with a ``value``).
    rows : sequence of sequences of names, optional
        How to lay out the controls, one ``HBox`` per row; by default each
        control is a row of its own, without a box.

    Returns
    -------
    ipywidgets.VBox
        The control rows, then the output area. Live in Jupyter or Binder; a
        static page shows the first figure only, so a chapter shows static
        panels beside it.

    Notes
    -----
    The first figure is put into the output area directly
    (``Output.append_display_data``) instead of being captured from the
    running cell: with capture, the notebook client that builds the book can
    miss the cell's reply and wait for its whole timeout. Only later redraws,
    which run when a reader moves a control, go through capture.
    """
    import ipywidgets
    from IPython.display import display

    out = ipywidgets.Output()

    def figure() -> Any:
        drawn = draw(**{name: c.value for name, c in controls.items()})
        return getattr(drawn, "figure", drawn)

    def redraw(_: Any = None) -> None:
        with out:
            out.clear_output(wait=True)
            fig = figure()
            display(fig)
            plt.close(fig)

    for control in controls.values():
        control.observe(redraw, names="value")
    first = figure()
    out.append_display_data(first)
    plt.close(first)
    if rows is None:
        boxes = list(controls.values())
    else:
        boxes = [ipywidgets.HBox([controls[name] for name in row]) for row in rows]
    return ipywidgets.VBox([*boxes, out])
