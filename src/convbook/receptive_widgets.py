"""The receptive-field explorer: a widget, and the static panels that stand in for it on the site.

Chapter: *Sparse interactions*. Sliders set the kernel, stride, dilation and
depth of a stack of identical 1-D convolutions; the figure highlights the
input units that one output unit sees, computed from the stack's
connectivity, and states the size and jump given by
:func:`convbook.receptive_field`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._checks import as_int
from .connectivity import conv_connectivity, plot_stack, receptive_inputs
from .receptive import receptive_field

__all__ = ["stack_connectivity", "plot_receptive_field", "receptive_field_panels", "receptive_field_widget"]


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
    import matplotlib.pyplot as plt

    layers = stack_connectivity(kernel, stride, dilation, depth)
    rf = receptive_field([(kernel, stride, dilation)] * depth)
    seen = receptive_inputs(layers, 1)[-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.9 * depth + 1.4))
    plot_stack(layers, highlight_output=1, ax=ax,
               names=["input"] + [f"conv {i}" for i in range(1, depth + 1)],
               title=(f"kernel {kernel}, stride {stride}, dilation {dilation}, depth {depth}: receptive field "
                      f"{rf.size} inputs ({len(seen)} of them connected), jump {rf.jump}"))
    return ax


def receptive_field_panels(settings: Sequence[tuple[int, int, int, int]]) -> Any:
    """One panel of :func:`plot_receptive_field` per ``(kernel, stride, dilation, depth)``: the static version.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    heights = [0.9 * s[3] + 1.4 for s in settings]
    fig, axes = plt.subplots(len(settings), 1, figsize=(9, sum(heights)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (k, s, d, depth) in zip(axes[:, 0], settings):
        plot_receptive_field(k, s, d, depth, ax=ax)
    fig.tight_layout()
    return fig


def receptive_field_widget() -> Any:
    """Sliders for kernel, stride, dilation and depth that redraw :func:`plot_receptive_field`.

    Returns
    -------
    ipywidgets.VBox
        Live in Jupyter or Binder; a static page shows its first state only.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    sliders = {
        "kernel": w.IntSlider(value=3, min=1, max=5, description="kernel"),
        "stride": w.IntSlider(value=1, min=1, max=3, description="stride"),
        "dilation": w.IntSlider(value=1, min=1, max=3, description="dilation"),
        "depth": w.IntSlider(value=2, min=1, max=4, description="depth"),
    }
    out = w.Output()

    def redraw(_: Any = None) -> None:
        with out:
            out.clear_output(wait=True)
            ax = plot_receptive_field(**{name: s.value for name, s in sliders.items()})
            display(ax.figure)
            plt.close(ax.figure)

    for s in sliders.values():
        s.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox(list(sliders.values())[:2]), w.HBox(list(sliders.values())[2:]), out])
