"""The chapter *Equivariance to translation*: the shift widget and its static fallback.

:func:`shift_widget` returns an ipywidgets control (live in Jupyter or
Binder); :func:`shift_strip` draws the same four panels for a few fixed
shifts, for the static page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

from .._checks import as_array
from ..equivariance import correlate_circular, correlate_same, equivariance_map, shift
from ..plotting import figure_widget

__all__ = ["shift_panels", "shift_widget", "shift_strip"]

_TITLES = ("shifted input g(x)", "f(g(x)): filter the shifted input", "g(f(x)): shift the filtered input",
           "|f(g(x)) - g(f(x))|")


def shift_panels(image: np.ndarray, kernel: np.ndarray, dy: int, dx: int,
                 circular: bool = False) -> list[np.ndarray]:
    """The four images the widget shows for one shift ``(dy, dx)``."""
    x = as_array("shift_panels", "image", image, 2, "(H, W)")
    k = as_array("shift_panels", "kernel", kernel, 2, "(KH, KW)")

    def f(z: np.ndarray) -> np.ndarray:
        return correlate_circular(z, k) if circular else correlate_same(z, k)

    def g(z: np.ndarray) -> np.ndarray:
        return shift(z, (dy, dx), circular=circular)

    return [g(x), f(g(x)), g(f(x)), equivariance_map(f, g, x)]


def _draw(axes: Sequence[Any], panels: list[np.ndarray], label: str) -> None:
    lim = max(float(np.abs(panels[1]).max()), float(np.abs(panels[2]).max())) or 1.0
    for i, (ax, img) in enumerate(zip(axes, panels)):
        if i == 0:
            ax.imshow(img, cmap="gray")
        elif i < 3:
            ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.imshow(img, cmap="magma", vmin=0, vmax=lim)
        ax.set_xlabel("column (pixels)")
        ax.set_ylabel(f"{label}\nrow (pixels)" if i == 0 else "row (pixels)")


def shift_strip(image: np.ndarray, kernel: np.ndarray, shifts: Sequence[tuple[int, int]],
                circular: bool | Sequence[bool] = False) -> Any:
    """Static version of :func:`shift_widget`: one row of four panels per shift. Returns the figure.

    ``circular`` is one flag for all rows or one per shift.
    """
    flags = [circular] * len(shifts) if isinstance(circular, bool) else list(circular)
    fig, axes = plt.subplots(len(shifts), 4, figsize=(13, 2.9 * len(shifts)), squeeze=False)
    for row, (dy, dx), circ in zip(axes, shifts, flags):
        panels = shift_panels(image, kernel, dy, dx, circ)
        pad = "circular" if circ else "zero"
        _draw(row, panels, f"shift ({dy}, {dx}), {pad} padding\nmax error {panels[3].max():.3g}")
    for ax, title in zip(axes[0], _TITLES):
        ax.set_title(title)
    fig.tight_layout()
    return fig


def shift_widget(image: npt.ArrayLike, kernel: npt.ArrayLike, max_shift: int = 40) -> Any:
    """Sliders for the shift (dy, dx) and the padding; shows the four panels live.

    Returns an ``ipywidgets.VBox``; display it in Jupyter. The error panel is
    black away from the border with zero padding and black everywhere with
    circular padding.
    """
    import ipywidgets

    controls = {
        "dy": ipywidgets.IntSlider(0, -max_shift, max_shift, description="dy (down)"),
        "dx": ipywidgets.IntSlider(5, -max_shift, max_shift, description="dx (right)"),
        "padding": ipywidgets.ToggleButtons(options=["zero", "circular"], description="padding"),
    }

    def draw(dy: int, dx: int, padding: str) -> Any:
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
        panels = shift_panels(image, kernel, dy, dx, padding == "circular")
        _draw(axes, panels, f"max error {panels[3].max():.3g}")
        for ax, title in zip(axes, _TITLES):
            ax.set_title(title, fontsize="small")
        fig.tight_layout()
        return fig

    return figure_widget(draw, controls, rows=[["dy", "dx", "padding"]])
