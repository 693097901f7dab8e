"""The chapter *Equivariance to translation*: its figures, the shift widget and its static version.

:func:`plot_error_map` shows where a zero-padded correlation fails to
commute with a shift (a thin frame, drawn on a log colour scale with the
exact zeros in white, and a zoomed corner); :func:`shift_widget` moves the
photo live in Jupyter and :func:`shift_strip` draws the same four panels for
a few fixed shifts, for the static page; :func:`plot_circulant`,
:func:`plot_stride_errors` and :func:`plot_delay` draw the chapter's other
figures. Every figure is drawn at the page's width and checked with
:func:`convbook.plotting.check_legible`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .._checks import as_array
from ..equivariance import clean_border, correlate_circular, correlate_same, equivariance_map, shift
from ..plotting import FIG_WIDTH, check_legible, figure_widget

__all__ = ["shift_panels", "shift_text", "error_table", "plot_error_map", "plot_error_columns", "shift_widget",
           "shift_strip", "plot_circulant", "plot_stride_errors", "plot_delay"]

#: Titles of the four panels of the widget and of :func:`shift_strip`.
_TITLES = ("g(x): moved", "f(g(x))", "g(f(x))", "|f(g(x)) − g(f(x))|")
#: Colour of an error that is exactly zero (the error maps use a log scale for the rest).
_ZERO_COLOUR = "white"


def shift_text(offset: Sequence[int]) -> str:
    """A shift ``(dy, dx)`` as the book writes it, with a true minus sign.

    Examples
    --------
    >>> shift_text((-4, 7))
    '(−4, 7)'
    """
    return "(" + ", ".join(f"{int(t)}".replace("-", "−") for t in offset) + ")"


def error_table(errors: Mapping[tuple[str, str], float], *, first: str = "transform", percent: bool = True) -> str:
    """Errors keyed by (row, column) as a text table: one row per transform, one column per map.

    Values are shown as percentages (relative errors), or as numbers with
    ``percent=False`` (largest absolute errors); 0 as "0". ``first`` heads
    the first column.

    Examples
    --------
    >>> print(error_table({("shift", "random"): 0.0, ("shift", "identity"): 0.0,
    ...                    ("rotate 90°", "random"): 0.5778, ("rotate 90°", "identity"): 0.0}))
    transform        random  identity
    shift                 0         0
    rotate 90°      57.78 %         0
    >>> print(error_table({("sigmoid", "zero-filling"): 0.5, ("sigmoid", "circular"): 0.0}, first="map",
    ...                   percent=False))
    map        zero-filling  circular
    sigmoid             0.5         0
    """
    rows = list(dict.fromkeys(t for t, _ in errors))
    cols = list(dict.fromkeys(m for _, m in errors))

    def cell(v: float) -> str:
        return "0" if v == 0 else f"{100 * v:.2f} %" if percent else f"{v:.3g}"

    width = max(10, *(len(c) + 2 for c in cols))
    lead = max(len(first), *(len(t) for t in rows)) + 2
    lines = [first.ljust(lead) + "".join(c.rjust(width) for c in cols)]
    lines += [t.ljust(lead) + "".join(cell(errors[t, c]).rjust(width) for c in cols) for t in rows]
    return "\n".join(line.rstrip() for line in lines)


def shift_panels(image: np.ndarray, kernel: np.ndarray, dy: int, dx: int,
                 circular: bool = False) -> list[np.ndarray]:
    """The four images the widget shows for one shift ``(dy, dx)``: g(x), f(g(x)), g(f(x)) and the error map.

    ``f`` correlates with ``kernel`` ("same" size, zero or circular
    padding) and ``g`` moves the image by ``(dy, dx)`` pixels (zeros enter,
    or pixels wrap around with ``circular``).

    Returns
    -------
    list of 4 arrays, each of the image's shape

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(30.0).reshape(5, 6)
    >>> moved, fg, gf, err = shift_panels(x, np.ones((3, 3)), 0, 1, circular=True)
    >>> float(err.max())
    0.0
    """
    x = as_array("shift_panels", "image", image, 2, "(H, W)")
    k = as_array("shift_panels", "kernel", kernel, 2, "(KH, KW)")

    def f(z: np.ndarray) -> np.ndarray:
        return correlate_circular(z, k) if circular else correlate_same(z, k)

    def g(z: np.ndarray) -> np.ndarray:
        return shift(z, (dy, dx), circular=circular)

    return [g(x), f(g(x)), g(f(x)), equivariance_map(f, g, x)]


def _no_ticks(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _pixel_ticks(ax: Any, n: int = 4) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(n, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(n, integer=True))


def _error_norm(err: np.ndarray, floor: float) -> LogNorm:
    top = float(err.max())
    return LogNorm(vmin=floor, vmax=max(top, 10 * floor))


def _draw_error(ax: Any, err: np.ndarray, norm: LogNorm, smooth: bool = False) -> Any:
    """The error map on a log colour scale, exact zeros white.

    ``smooth`` draws a map shown smaller than its pixels with antialiasing,
    so that a frame one pixel wide stays visible instead of falling between
    the screen's pixels.
    """
    cmap = plt.get_cmap("viridis").with_extremes(bad=_ZERO_COLOUR, under=plt.get_cmap("viridis")(0.0))
    extra = {"interpolation": "antialiased", "interpolation_stage": "rgba"} if smooth else {}
    im = ax.imshow(np.ma.masked_equal(err, 0.0), cmap=cmap, norm=norm, **extra)
    ax.set_facecolor(_ZERO_COLOUR)
    for spine in ax.spines.values():
        spine.set_edgecolor("0.75")  # a light frame, so that errors on the outermost pixels show
    if not np.any(err):
        ax.text(0.5, 0.5, "0 everywhere", transform=ax.transAxes, ha="center", va="center", color="0.3")
    return im


def plot_error_map(image: npt.ArrayLike, kernel: npt.ArrayLike, offset: tuple[int, int], *, corner: int = 20,
                   floor: float = 1e-3) -> Any:
    """Where "same" correlation with zero padding fails to commute with a shift: the error map of the photo,
    drawn one pixel per pixel, and two of its corners enlarged.

    The error ``|f(g(x)) − g(f(x))|`` is drawn on a log colour scale from
    ``floor`` up (smaller errors get the lowest colour), exact zeros in white,
    so that the thin frame where it lives can be seen; in the corners
    (``corner`` × ``corner`` pixels, outlined on the full map) a dashed line
    marks the border :func:`convbook.clean_border` measures, beyond which
    the error is exactly zero.

    Returns
    -------
    matplotlib Figure
    """
    x = as_array("plot_error_map", "image", image, 2, "(H, W)")
    dy, dx = (int(t) for t in offset)
    err = shift_panels(x, as_array("plot_error_map", "kernel", kernel, 2, "(KH, KW)"), dy, dx)[3]
    border = clean_border(err)
    h, w = x.shape
    fig = plt.figure(figsize=(FIG_WIDTH, 3.6))
    grid = fig.add_gridspec(2, 3, width_ratios=[w / h * 2, 1, 0.07], wspace=0.3, hspace=0.55)
    full = fig.add_subplot(grid[:, 0])
    norm = _error_norm(err, floor)
    im = _draw_error(full, err, norm)
    full.set_title(f"|f(g(x)) − g(f(x))|, g: shift {shift_text((dy, dx))}")
    full.set_xlabel("column")
    full.set_ylabel("row")
    _pixel_ticks(full, 5)
    for i, (r0, c0, name) in enumerate(((0, 0, "top-left corner"), (h - corner, w - corner, "bottom-right corner"))):
        ax = fig.add_subplot(grid[i, 1])
        ax.imshow(np.ma.masked_equal(err[r0:r0 + corner, c0:c0 + corner], 0.0), cmap=im.get_cmap(), norm=norm,
                  extent=(c0 - 0.5, c0 + corner - 0.5, r0 + corner - 0.5, r0 - 0.5))
        ax.set_facecolor(_ZERO_COLOUR)
        for t in (border, h - border):
            if r0 - 0.5 < t - 0.5 < r0 + corner - 0.5:
                ax.axhline(t - 0.5, ls="--", lw=1, color="tab:red")
        for t in (border, w - border):
            if c0 - 0.5 < t - 0.5 < c0 + corner - 0.5:
                ax.axvline(t - 0.5, ls="--", lw=1, color="tab:red")
        ax.set_title(name)
        ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
        full.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), corner, corner, fill=False, lw=1, ec="tab:red"))
    bar = fig.colorbar(im, cax=fig.add_subplot(grid[:, 2]), extend="min")
    bar.set_label("error, log scale (white: exactly 0)")
    return check_legible(fig)


def plot_error_columns(image: npt.ArrayLike, kernel: npt.ArrayLike, dx: int, *, margin: int = 12) -> Any:
    """Where the error of a horizontal shift lives, column by column: the largest ``|f(g(x)) − g(f(x))|`` of each
    column near the left and the right edge of the image.

    ``f`` is the "same" correlation with ``kernel`` and zero padding, ``g``
    the zero-filling shift by ``dx`` columns. Behind the bars, shaded from
    the data: the columns where ``g(f(x))`` is 0 (vacated by the shift), the
    columns where ``f(g(x))`` is 0 too, and the ``r`` columns at the edge the
    image moves towards, where ``f(g(x))`` reads padding (``r`` the kernel's
    half-width).

    Returns
    -------
    matplotlib Figure
    """
    x = as_array("plot_error_columns", "image", image, 2, "(H, W)")
    k = as_array("plot_error_columns", "kernel", kernel, 2, "(KH, KW)")
    d = int(dx)
    moved, fg, gf, err = shift_panels(x, k, 0, d)
    w, r = x.shape[1], k.shape[1] // 2
    profile = err.max(axis=0)
    spans = [(~gf.any(axis=0), "0.85", "g(f(x)) = 0: vacated by the shift"),
             (~fg.any(axis=0), "0.6", "f(g(x)) = 0 too"),
             (np.isin(np.arange(w), np.arange(w - r, w) if d > 0 else np.arange(r)), "#f6c89f",
              "f(g(x)) reads padding there")]
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 2.9), sharey=True)
    for ax, cols in zip(axes, (np.arange(margin), np.arange(w - margin, w))):
        for mask, colour, label in spans:
            for c in cols[mask[cols]]:
                ax.axvspan(c - 0.5, c + 0.5, color=colour, lw=0, label=label)
        ax.bar(cols, profile[cols], width=0.7, color="tab:blue", label="largest error in the column")
        ax.set_xlim(cols[0] - 0.5, cols[-1] + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        ax.set_xlabel("column")
    axes[0].set_ylabel("largest |f(g(x)) − g(f(x))|")
    axes[0].set_title("left edge")
    axes[1].set_title("right edge")
    labels: dict[str, Any] = {}
    for ax in axes:
        handles, names = ax.get_legend_handles_labels()
        labels.update({n: h for h, n in zip(handles, names) if n not in labels})
    fig.legend(labels.values(), labels.keys(), loc="upper center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 0.8))
    return check_legible(fig)


def _draw_row(axes: Sequence[Any], panels: list[np.ndarray], floor: float) -> None:
    lim = max(float(np.abs(panels[1]).max()), float(np.abs(panels[2]).max())) or 1.0
    axes[0].imshow(panels[0], cmap="gray")
    for ax, img in zip(axes[1:3], panels[1:3]):
        ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
    _draw_error(axes[3], panels[3], _error_norm(panels[3], floor), smooth=True)
    for ax in axes:
        _no_ticks(ax)


def _row_label(dy: int, dx: int, circular: bool, err: np.ndarray) -> str:
    pad = "circular" if circular else "zero"
    if not err.any():
        return f"shift {shift_text((dy, dx))}, {pad} padding:\nerror 0 everywhere"
    return (f"shift {shift_text((dy, dx))}, {pad} padding: largest error {err.max():.2g},\n"
            f"exactly 0 (white) beyond {clean_border(err)} px of the border")


def _strip(x: np.ndarray, k: np.ndarray, shifts: Sequence[tuple[int, int]], flags: Sequence[bool],
           floor: float) -> Any:
    """Rows of four panels at the page's width, each row under a line that says what it shows."""
    row_height = FIG_WIDTH / 4 * x.shape[0] / x.shape[1] + 0.95
    fig = plt.figure(figsize=(FIG_WIDTH, row_height * len(shifts)), layout="constrained")
    subfigs = np.atleast_1d(fig.subfigures(len(shifts), 1, hspace=0.04))
    for sub, (dy, dx), circ in zip(subfigs, shifts, flags):
        axes = sub.subplots(1, 4)
        panels = shift_panels(x, k, dy, dx, circ)
        _draw_row(axes, panels, floor)
        for ax, title in zip(axes, _TITLES):
            ax.set_title(title)
        sub.suptitle(_row_label(dy, dx, circ, panels[3]), x=0.01, ha="left", fontsize="medium")
    return check_legible(fig)


def shift_strip(image: np.ndarray, kernel: np.ndarray, shifts: Sequence[tuple[int, int]],
                circular: bool | Sequence[bool] = False, floor: float = 1e-3) -> Any:
    """Static version of :func:`shift_widget`: one row of four panels per shift, at the page's width.

    ``circular`` is one flag for all rows or one per shift. The error panel
    uses a log colour scale from ``floor`` up, exact zeros in white.

    Returns
    -------
    matplotlib Figure
    """
    flags = [circular] * len(shifts) if isinstance(circular, bool) else list(circular)
    if len(flags) != len(shifts):
        raise ValueError(f"shift_strip: need one circular flag per shift; got {len(flags)} for {len(shifts)} shifts")
    x = as_array("shift_strip", "image", image, 2, "(H, W)")
    k = as_array("shift_strip", "kernel", kernel, 2, "(KH, KW)")
    return _strip(x, k, shifts, flags, floor)


def shift_widget(image: npt.ArrayLike, kernel: npt.ArrayLike, max_shift: int = 40) -> Any:
    """Sliders for the shift (dy, dx) and the padding; shows the four panels live.

    The controls wrap onto several lines on a narrow screen (a phone). The
    error panel is white where the error is exactly zero: everywhere but a
    thin frame with zero padding, everywhere with circular padding.

    Returns
    -------
    ipywidgets.VBox
        Its first child is the row of controls (dy, dx, padding).
    """
    import ipywidgets

    x = as_array("shift_widget", "image", image, 2, "(H, W)")
    k = as_array("shift_widget", "kernel", kernel, 2, "(KH, KW)")

    def control_layout() -> Any:
        return ipywidgets.Layout(width="auto", flex="1 1 280px", min_width="0", max_width="100%")

    controls = {
        "dy": ipywidgets.IntSlider(0, -max_shift, max_shift, description="dy (down)", layout=control_layout()),
        "dx": ipywidgets.IntSlider(5, -max_shift, max_shift, description="dx (right)", layout=control_layout()),
        "padding": ipywidgets.ToggleButtons(options=["zero", "circular"], description="padding",
                                            layout=control_layout(), style={"button_width": "80px"}),
    }

    def draw(dy: int, dx: int, padding: str) -> Any:
        return _strip(x, k, [(dy, dx)], [padding == "circular"], 1e-3)

    box = figure_widget(draw, controls, rows=[["dy", "dx", "padding"]])
    box.children[0].layout = ipywidgets.Layout(flex_flow="row wrap", width="100%")
    return box


def plot_circulant(c: npt.ArrayLike, d: npt.ArrayLike) -> Any:
    """The circulant matrix ``C`` of a circular correlation and ``|F C F⁻¹|``, diagonal in the Fourier basis.

    Returns
    -------
    matplotlib Figure
    """
    cm = as_array("plot_circulant", "c", c, 2, "(n, n)")
    dm = np.abs(np.asarray(d))
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 3.2))
    lim = float(np.abs(cm).max()) or 1.0
    im0 = axes[0].imshow(cm, cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[0].set_title("C: circular correlation")
    axes[0].set_xlabel("input index")
    axes[0].set_ylabel("output index")
    im1 = axes[1].imshow(dm, cmap="viridis")
    axes[1].set_title("|F C F⁻¹|: Fourier basis")
    axes[1].set_xlabel("frequency")
    axes[1].set_ylabel("frequency")
    for ax, im, label in zip(axes, (im0, im1), ("entry", "magnitude")):
        _pixel_ticks(ax, 6)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=label)
    fig.tight_layout()
    return check_legible(fig)


def plot_stride_errors(rows: Mapping[int, Sequence[tuple[int, float]]], ax: Any = None) -> Any:
    """Relative error of the best output shift against the input shift, one line per stride.

    ``rows[s][t]`` is what :func:`convbook.best_output_shift` returns for
    stride ``s`` and input shift ``t`` (shifts 0, 1, 2, ...): the best output
    shift and its relative error.

    Returns
    -------
    matplotlib Axes
    """
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 3.0))
    for s, pairs in rows.items():
        ax.plot(range(len(pairs)), [e for _, e in pairs], "o-", label=f"stride {s}")
    ax.set_xlabel("input shift t (pixels)")
    ax.set_ylabel("relative error of\nthe best output shift")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def plot_delay(signal: npt.ArrayLike, delay: int, detect: Callable[[np.ndarray], np.ndarray]) -> Any:
    """A signal and the signal delayed by ``delay`` samples (top), and the detector's output for each (bottom).

    The same colour is the same input in both panels; the legend is above them.

    Returns
    -------
    matplotlib Figure
    """
    x = as_array("plot_delay", "signal", signal, 1, "(n,)")
    delayed = shift(x, int(delay))
    fig, axes = plt.subplots(2, 1, figsize=(FIG_WIDTH, 4.2), sharex=True)
    for z, colour, label in ((x, "tab:blue", "input"), (delayed, "tab:orange", f"input delayed by {int(delay)}")):
        axes[0].plot(z, lw=0.8, color=colour, label=label)
        axes[1].plot(detect(z), lw=0.9, color=colour)
    axes[0].set_ylabel("signal")
    axes[1].set_ylabel("detector output")
    axes[1].set_xlabel("time (samples)")
    axes[1].xaxis.set_major_locator(MaxNLocator(7, integer=True, steps=[1, 2, 5, 10]))
    fig.legend(loc="upper center", ncol=2, bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return check_legible(fig)
