"""Figures and widgets shared by the chapters: each ``plot_*`` takes ``ax=None`` and returns what it drew.

Computation lives in the library's core; these only draw. With the
chapter modules (:mod:`convbook.chapters`), this is the one place the
library imports matplotlib and ipywidgets.

The book's figures are drawn at the width the page shows them
(:data:`PAGE_WIDTH_PX`, at :data:`DPI`), in the book's style
(:data:`BOOK_STYLE`, applied on import), and every function that makes a
figure passes it through :func:`check_legible`, which refuses a figure a
reader could not read: wider than the page, text under :data:`MIN_TEXT_PX`,
a hyphen for a minus sign, fractional ticks on a pixel axis, a legend over
the data.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["show_images", "plot_cost_growth", "plot_matrix", "plot_connectivity", "figure_widget",
           "check_legible", "figure_problems", "PAGE_WIDTH_PX", "FIG_WIDTH", "DPI", "MIN_TEXT_PX", "BOOK_STYLE"]

#: Width of a cell output on a 1280 px desktop screen (CSS pixels, measured: 672-688): no figure is drawn wider.
PAGE_WIDTH_PX = 680
#: Dots per inch of the figures on the page (one dot is one CSS pixel there).
DPI = 100
#: Width of a full-width figure, in inches (a little under the column, for the border the crop keeps).
FIG_WIDTH = 6.6
#: Smallest text on a figure, in pixels as the page shows it.
MIN_TEXT_PX = 10.0

#: The book's matplotlib settings: sizes in points at :data:`DPI` (9 pt is 12.5 px).
BOOK_STYLE: dict[str, Any] = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (FIG_WIDTH, 3.6),
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.unicode_minus": True,
    "legend.framealpha": 0.9,
    "image.interpolation": "nearest",
}
mpl.rcParams.update(BOOK_STYLE)

#: An ASCII hyphen used as a minus sign in figure text ("-1", "1·-1", "t = -3").
_HYPHEN_MINUS = re.compile(r"(?:^|[\s(\[=·×,/*:])-(?=[\d.])")


def _figure_of(obj: Any) -> Any:
    fig = getattr(obj, "figure", obj)
    if isinstance(obj, np.ndarray) or isinstance(obj, (list, tuple)):
        fig = np.ravel(obj)[0].figure
    return getattr(fig, "get_figure", lambda: fig)() or fig


def figure_problems(fig: Any) -> list[str]:
    """What would make ``fig`` hard to read on the page, in words ([] if nothing).

    Checks the width as cropped for the page (at most ``PAGE_WIDTH_PX``
    plus 10 %), every visible text (at least ``MIN_TEXT_PX`` pixels high, and
    a true minus sign "−" where a hyphen stands before a number), the ticks of
    image axes (whole pixel indices) and every legend (no plotted point
    under it).

    Returns
    -------
    list of str

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(12, 3))
    >>> _ = ax.plot([0, 1], [0, 1]); _ = ax.set_title("t = -1", fontsize=5)
    >>> for problem in figure_problems(fig): print(problem)
    figure is 980 px wide: more than 10 % over the 680 px page
    text 't = -1' is 6.9 px high (at least 10 px)
    text 't = -1' has a hyphen for a minus sign: write − (U+2212)
    >>> plt.close(fig)
    """
    fig = _figure_of(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    width = fig.get_tightbbox(renderer).padded(0.1).width * fig.dpi
    if width > 1.1 * PAGE_WIDTH_PX:
        problems.append(f"figure is {width:,.0f} px wide: more than 10 % over the {PAGE_WIDTH_PX} px page")
    seen = set()
    for text in fig.findobj(mpl.text.Text):
        label = text.get_text()
        if not label.strip() or not text.get_visible() or not _shown_in(text, fig, renderer):
            continue
        px = text.get_fontsize() * fig.dpi / 72
        key = (label, round(px, 1))
        if key in seen:
            continue
        seen.add(key)
        if px < MIN_TEXT_PX - 1e-9:
            problems.append(f"text {label!r} is {px:.1f} px high (at least {MIN_TEXT_PX:g} px)")
        if _HYPHEN_MINUS.search(label) and not label.startswith("$"):
            problems.append(f"text {label!r} has a hyphen for a minus sign: write − (U+2212)")
    for ax in fig.axes:
        problems += _axes_problems(ax, renderer)
    return problems


def _shown_in(text: Any, fig: Any, renderer: Any) -> bool:
    """Whether a text artist lies (at least partly) inside the figure (tick labels outside the view are not drawn)."""
    try:
        box = text.get_window_extent(renderer)
    except Exception:  # pragma: no cover - a text that cannot be laid out is not drawn
        return False
    return bool(box.width > 0 and box.overlaps(fig.bbox))


def _axes_problems(ax: Any, renderer: Any) -> list[str]:
    problems = []
    name = ax.get_title() or ax.get_xlabel() or "an axes"
    if ax.images:
        for axis, (lo, hi) in (("x", sorted(ax.get_xlim())), ("y", sorted(ax.get_ylim()))):
            ticks = getattr(ax, f"get_{axis}ticks")()
            inside = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
            labelled = getattr(ax, f"get_{axis}ticklabels")()
            if any(lab.get_text() for lab in labelled) and any(abs(t - round(t)) > 1e-9 for t in inside):
                shown = ", ".join(f"{float(t):g}" for t in inside)
                problems.append(f"{name!r}: {axis} ticks {shown} are not whole pixel indices")
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        box = legend.get_window_extent(renderer)
        for line in ax.get_lines():
            xy = line.get_xydata()
            if not len(xy) or not line.get_visible():
                continue
            pts = ax.transData.transform(np.asarray(xy, dtype=float))
            pts = pts[np.isfinite(pts).all(axis=1)]
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
            if inside.any():
                problems.append(f"{name!r}: the legend covers data of {line.get_label()!r}")
                break
    return problems


def check_legible(obj: Any) -> Any:
    """Refuse a figure a reader could not read on the page; return ``obj`` unchanged otherwise.

    ``obj`` is a Figure, an Axes or an array of Axes; the problems are
    those of :func:`figure_problems`.

    Returns
    -------
    the same object

    Raises
    ------
    ValueError
        Listing every problem found.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> check_legible(ax) is ax
    True
    >>> plt.close(fig)
    """
    problems = figure_problems(obj)
    if problems:
        raise ValueError("check_legible: this figure would be hard to read on the page:\n  " + "\n  ".join(problems))
    return obj


def show_images(images: Sequence[np.ndarray], titles: Sequence[str], *, cmap: str = "gray",
                axes: Sequence[Any] | None = None, symmetric: Sequence[bool] | None = None,
                width: float = FIG_WIDTH) -> tuple[Any, list[Any]]:
    """Show 2-D arrays side by side with their pixel sizes on the axes.

    ``symmetric[i]`` centres the colour scale of image ``i`` on zero (for
    signed responses such as edges, drawn with a diverging map). The row of
    images is at most ``width`` inches wide (the page's width by default).

    Returns
    -------
    (Figure, list of Axes)
    """
    if len(images) != len(titles):
        raise ValueError(f"show_images: need one title per image; got {len(images)} images, {len(titles)} titles")
    sym = list(symmetric) if symmetric is not None else [False] * len(images)
    own = axes is None
    if axes is None:
        n = len(images)
        panel = min(width, FIG_WIDTH) / max(n, 1)
        aspect = max(np.shape(img)[0] / max(np.shape(img)[1], 1) for img in images) if n else 1.0
        fig, axes = plt.subplots(1, n, figsize=(panel * n, panel * aspect * (0.85 if any(sym) else 1) + 0.9))
        axes = list(np.atleast_1d(axes))
    else:
        axes = list(axes)
        fig = axes[0].figure
    for ax, img, title, s in zip(axes, images, titles, sym):
        if s:
            lim = float(np.abs(img).max()) or 1.0
            im = ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        else:
            ax.imshow(img, cmap=cmap)
        ax.set_title(f"{title}\n{img.shape[1]} × {img.shape[0]} pixels")
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(3, integer=True))
        ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(3, integer=True))
    if own:
        fig.tight_layout()
        check_legible(fig)
    return fig, axes


def plot_cost_growth(sizes: Sequence[float], series: dict[str, Sequence[float]], *, xlabel: str,
                     ylabel: str, extrapolate: dict[str, tuple[float, float]] | None = None,
                     styles: dict[str, dict[str, Any]] | None = None, ax: Any = None) -> Any:
    """Log-log plot of costs against problem size, with optional extrapolated points.

    ``extrapolate[name] = (x, y)`` draws an open marker joined to the last
    measured point of ``series[name]`` by a dashed line, in the series' colour.
    ``styles[name]`` holds line keywords (``color``, ``marker``, ``linestyle``,
    ``ms``...) for that series, over the default of round markers joined by
    solid lines in the colour cycle's next colour.

    Returns
    -------
    matplotlib Axes
    """
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH * 0.8, 3.8))
    for name, ys in series.items():
        line, = ax.loglog(sizes, ys, label=name, **{"marker": "o", "linestyle": "-", **(styles or {}).get(name, {})})
        if extrapolate and name in extrapolate:
            x, y = extrapolate[name]
            ax.loglog([sizes[-1], x], [ys[-1], y], "--", color=line.get_color())
            ax.loglog([x], [y], "o", mfc="white", color=line.get_color(), label=f"{name} (extrapolated)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def plot_matrix(m: Any, *, ax: Any = None, title: str = "") -> Any:
    """Draw a (small) matrix as an image: zeros white, signs in red and blue.

    Rows are outputs, columns are inputs, as in ``y = M @ x``.

    Returns
    -------
    matplotlib Axes
    """
    dense = m.toarray() if hasattr(m, "toarray") else np.asarray(m)
    own = ax is None
    if ax is None:
        side = min(FIG_WIDTH * 0.75, 5.2 / max(dense.shape[0] / max(dense.shape[1], 1), 1e-9))
        _, ax = plt.subplots(figsize=(side + 1.2, side * dense.shape[0] / max(dense.shape[1], 1) + 0.9))
    lim = float(np.abs(dense).max()) or 1.0
    im = ax.imshow(dense, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label="matrix entry")
    ax.set_xlabel(f"input pixel (column of M, {dense.shape[1]} in all)")
    ax.set_ylabel(f"output pixel (row of M, {dense.shape[0]} in all)")
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(6, integer=True))
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(6, integer=True))
    if title:
        ax.set_title(title)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
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
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2 * a.shape[0] / a.shape[1] + 0.6))
    ax.imshow(a, cmap="Greys", vmin=0, vmax=1.25, interpolation="nearest")
    ax.set_xlabel("input unit")
    ax.set_ylabel("output unit")
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5, integer=True))
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(5, integer=True))
    ax.set_title(title or f"{int(a.sum())} of {a.size} connections")
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
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
        The control rows, then the output area. Live in Jupyter, Binder or
        Colab. It also carries a picture of its first figure
        (``image/png``), which a page without a Python kernel shows instead
        (the book's site drops the live widget, whose controls would move
        nothing there).

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
    first = check_legible(figure())
    out.append_display_data(first)
    buffer = io.BytesIO()
    first.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(first)
    if rows is None:
        boxes = list(controls.values())
    else:
        boxes = [ipywidgets.HBox([controls[name] for name in row]) for row in rows]

    class FigureWithControls(ipywidgets.VBox):
        """A VBox that also offers its first figure as a picture, for pages without a kernel."""

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            bundle = super()._repr_mimebundle_(**kwargs)
            bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
            bundle["text/plain"] = "a figure with controls (they move it in Jupyter)"
            return bundle

    return FigureWithControls([*boxes, out])
