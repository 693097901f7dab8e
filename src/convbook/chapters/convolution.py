"""The chapter *The convolution operation*: its step-by-step pictures, widget and kernels.

:func:`conv1d_steps` lists, for each output of a 1-D convolution (or
cross-correlation), the inputs under the kernel, their products and their
sum; :func:`plot_conv1d_step` draws one step, :func:`conv1d_step_widget`
lets a reader move through them, and :func:`plot_conv1d_steps` draws them
all (the static version). :func:`classic_kernels` returns the hand-made image
kernels the chapter applies to the photograph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

from .._checks import as_array
from ..plotting import figure_widget, plot_matrix, show_images  # noqa: F401  (re-exported for the notebook)

__all__ = ["Step", "conv1d_steps", "plot_conv1d_step", "plot_conv1d_steps", "conv1d_step_widget",
           "classic_kernels"]


@dataclass(frozen=True)
class Step:
    """One output of a 1-D 'valid' convolution: where the kernel sits and what it sums."""

    output: int
    inputs: tuple[int, ...]
    weights: tuple[float, ...]
    products: tuple[float, ...]
    value: float


def _check(f: str, x: Any, w: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_array(f, "x", x, 1, "(n,)").astype(float)
    w = as_array(f, "w", w, 1, "(k,)").astype(float)
    if w.shape[0] > x.shape[0]:
        raise ValueError(f"{f}: kernel w with shape {w.shape} is longer than the input x with shape {x.shape}")
    return x, w


def conv1d_steps(x: np.ndarray, w: np.ndarray, flip: bool = True) -> list[Step]:
    """Every step of the 'valid' convolution (``flip=True``) or cross-correlation of ``x`` with ``w``.

    Parameters
    ----------
    x : array, shape (n,)
    w : array, shape (k,)
    flip : bool
        True: convolution, ``s[t] = sum_a x[a] w[t - a]`` (the kernel is
        reversed as it slides). False: cross-correlation ``s[t] = sum_a x[t + a] w[a]``.

    Returns
    -------
    list of Step, length n - k + 1
        Step ``t`` covers inputs ``t .. t + k - 1``; its ``value`` equals
        ``numpy.convolve(x, w, 'valid')[t]`` (or ``numpy.correlate``).
    """
    x, w = _check("conv1d_steps", x, w)
    k = w.shape[0]
    used = w[::-1] if flip else w
    steps = []
    for t in range(x.shape[0] - k + 1):
        idx = tuple(range(t, t + k))
        prods = tuple(float(x[i] * used[j]) for j, i in enumerate(idx))
        steps.append(Step(t, idx, tuple(float(v) for v in used), prods, float(sum(prods))))
    return steps


def plot_conv1d_step(x: np.ndarray, w: np.ndarray, t: int, *, flip: bool = True, ax: Any = None) -> Any:
    """Draw step ``t``: the input, the (flipped) kernel under it, and the output computed so far.

    Returns
    -------
    matplotlib Axes
    """
    steps = conv1d_steps(x, w, flip)
    if not 0 <= t < len(steps):
        raise ValueError(f"plot_conv1d_step: t must be in 0..{len(steps) - 1}; got {t}")
    x = np.asarray(x, dtype=float)
    step = steps[t]
    own = ax is None
    if own:
        _, ax = plt.subplots(figsize=(7, 2.6))
    n = x.shape[0]
    for i in range(n):
        hot = i in step.inputs
        ax.add_patch(plt.Rectangle((i - 0.45, 2.05), 0.9, 0.8, fc="#fde0c5" if hot else "white", ec="0.3"))
        ax.text(i, 2.45, f"{x[i]:g}", ha="center", va="center")
    for j, i in enumerate(step.inputs):
        ax.add_patch(plt.Rectangle((i - 0.45, 1.05), 0.9, 0.8, fc="#c6dbef", ec="0.3"))
        ax.text(i, 1.45, f"{step.weights[j]:g}", ha="center", va="center")
    for s in steps[: t + 1]:
        centre = s.output + (len(step.inputs) - 1) / 2
        ax.add_patch(plt.Rectangle((centre - 0.45, 0.05), 0.9, 0.8, fc="#c7e9c0" if s is step else "white",
                                   ec="0.3"))
        ax.text(centre, 0.45, f"{s.value:g}", ha="center", va="center")
    terms = " + ".join(f"{a:g}·{b:g}" for a, b in zip((x[i] for i in step.inputs), step.weights))
    ax.set_title(f"s[{t}] = {terms} = {step.value:g}", fontsize=10)
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylim(-0.05, 2.95)
    ax.set_yticks([0.45, 1.45, 2.45], ["output s", "kernel (flipped)" if flip else "kernel", "input x"])
    ax.set_xticks(range(n))
    ax.set_xlabel("position")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if own:
        ax.figure.tight_layout()
    return ax


def plot_conv1d_steps(x: np.ndarray, w: np.ndarray, *, flip: bool = True) -> Any:
    """Every step of :func:`plot_conv1d_step`, one panel each: the static version of the widget.

    Returns
    -------
    matplotlib Figure
    """
    steps = conv1d_steps(x, w, flip)
    fig, axes = plt.subplots(len(steps), 1, figsize=(7, 2.2 * len(steps)), squeeze=False)
    for t, ax in enumerate(axes[:, 0]):
        plot_conv1d_step(x, w, t, flip=flip, ax=ax)
    fig.tight_layout()
    return fig


def conv1d_step_widget(x: npt.ArrayLike, w: npt.ArrayLike, *, flip: bool = True) -> Any:
    """A slider over the output positions that redraws :func:`plot_conv1d_step`.

    Returns
    -------
    ipywidgets.VBox
        Live in Jupyter or Binder; a static page shows its first state only.
    """
    import ipywidgets

    n_steps = len(conv1d_steps(x, w, flip))
    slider = ipywidgets.IntSlider(value=0, min=0, max=n_steps - 1, description="output t")
    return figure_widget(lambda t: plot_conv1d_step(x, w, t, flip=flip), {"t": slider})


def classic_kernels() -> dict[str, np.ndarray]:
    """Hand-designed 3 x 3 image kernels, for cross-correlation (as a conv layer applies them).

    Returns
    -------
    dict of name -> array, shape (3, 3)
        ``box blur`` (mean of the window), ``Sobel x`` and ``Prewitt x``
        (horizontal gradient: positive where brightness increases to the
        right), ``Sobel y`` (downwards), ``Laplacian`` (4-neighbour second
        difference; sums to 0) and ``sharpen`` (identity minus the Laplacian;
        sums to 1).
    """
    sobel_x = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    laplacian = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    identity = np.zeros((3, 3))
    identity[1, 1] = 1.0
    return {
        "box blur": np.full((3, 3), 1 / 9),
        "Sobel x": sobel_x,
        "Sobel y": sobel_x.T.copy(),
        "Prewitt x": np.array([[-1.0, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
        "Laplacian": laplacian,
        "sharpen": identity - laplacian,
    }
