"""The chapter *The convolution operation*: its step-by-step pictures, widget and kernels.

:func:`conv1d_steps` lists, for each output of a 1-D convolution (or
cross-correlation), the inputs under the kernel, their products and their
sum; :func:`plot_conv1d_step` draws one step, :func:`conv1d_step_widget`
lets a reader move through them, and :func:`plot_conv1d_steps` draws them
all (the static version). :func:`classic_kernels` returns the hand-made image
kernels the chapter applies to the photograph and :func:`plot_filtered` shows
what they do to it; :func:`plot_conv_matrices` draws the Toeplitz matrices of
a 1-D and a 2-D correlation, and :func:`same_padding_sides` finds where four
libraries put the extra zero of ``same`` padding for an even kernel.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

from .._checks import as_array
from ..correlate import correlate1d
from ..plotting import FIG_WIDTH, check_legible, figure_widget, plot_matrix, show_images
from ..shapes import mode_padding

__all__ = ["Step", "conv1d_steps", "plot_conv1d_step", "plot_conv1d_steps", "conv1d_step_widget",
           "classic_kernels", "plot_filtered", "plot_conv_matrices", "same_padding_sides"]


def _num(v: float) -> str:
    """A number as a figure shows it: shortest form, with a true minus sign (−, U+2212).

    >>> _num(-1.0), _num(2.5), _num(0.0)
    ('−1', '2.5', '0')
    """
    return f"{v:g}".replace("-", "\u2212")


def _product(a: float, b: float) -> str:
    """``a · b`` as a reader parses it: a negative factor in brackets.

    >>> _product(1.0, -1.0), _product(-2.0, 3.0)
    ('1 · (−1)', '(−2) · 3')
    """
    return " · ".join(f"({_num(v)})" if v < 0 else _num(v) for v in (a, b))


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


def plot_conv1d_step(x: np.ndarray, w: np.ndarray, t: int, *, flip: bool = True, ax: Any = None,
                     labels: bool = True) -> Any:
    """Draw step ``t``: the input, the (flipped) kernel under it, and the output computed so far.

    The title spells the sum, ``s[t] = x · w + ...``, with true minus signs
    and negative factors in brackets, e.g. "s[0] = 1 · (−1) + 2 · 0 + 0 · 1 = −1".

    Parameters
    ----------
    x, w, flip
        As for :func:`conv1d_steps`.
    t : int
        The output to draw, ``0 <= t < len(x) - len(w) + 1``.
    ax : matplotlib Axes, optional
        Where to draw; a new page-wide figure (checked legible) if None.
    labels : bool
        Name the three rows (input x, kernel, output s) on the left.

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
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 2.3))
    n = x.shape[0]
    for i in range(n):
        hot = i in step.inputs
        ax.add_patch(plt.Rectangle((i - 0.45, 2.05), 0.9, 0.8, fc="#fde0c5" if hot else "white", ec="0.3"))
        ax.text(i, 2.45, _num(x[i]), ha="center", va="center", color="black")
    for j, i in enumerate(step.inputs):
        ax.add_patch(plt.Rectangle((i - 0.45, 1.05), 0.9, 0.8, fc="#c6dbef", ec="0.3"))
        ax.text(i, 1.45, _num(step.weights[j]), ha="center", va="center", color="black")
    for s in steps[: t + 1]:
        centre = s.output + (len(step.inputs) - 1) / 2
        ax.add_patch(plt.Rectangle((centre - 0.45, 0.05), 0.9, 0.8, fc="#c7e9c0" if s is step else "white",
                                   ec="0.3"))
        ax.text(centre, 0.45, _num(s.value), ha="center", va="center", color="black")
    terms = " + ".join(_product(x[i], v) for i, v in zip(step.inputs, step.weights))
    ax.set_title(f"s[{t}] = {terms} = {_num(step.value)}")
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylim(-0.05, 2.95)
    names = ["output s", "kernel (flipped)" if flip else "kernel", "input x"]
    ax.set_yticks([0.45, 1.45, 2.45], names if labels else ["", "", ""])
    ax.tick_params(axis="y", length=0)
    ax.set_xticks(range(n))
    ax.set_xlabel("position")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def plot_conv1d_steps(x: np.ndarray, w: np.ndarray, *, flip: bool = True) -> Any:
    """Every step of :func:`plot_conv1d_step`, two panels a row: the static version of the widget.

    Returns
    -------
    matplotlib Figure
        At the page's width; the rows are named in the left column only,
        and an odd last panel leaves no empty frame.
    """
    steps = conv1d_steps(x, w, flip)
    cols = 1 if len(steps) == 1 else 2
    rows = math.ceil(len(steps) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(FIG_WIDTH, 2.15 * rows), squeeze=False)
    for t, ax in enumerate(axes.ravel()):
        if t < len(steps):
            plot_conv1d_step(x, w, t, flip=flip, ax=ax, labels=t % cols == 0)
        else:
            fig.delaxes(ax)
    fig.tight_layout(h_pad=1.2)
    return check_legible(fig)


def conv1d_step_widget(x: npt.ArrayLike, w: npt.ArrayLike, *, flip: bool = True) -> Any:
    """A slider over the output positions that redraws :func:`plot_conv1d_step`.

    Returns
    -------
    ipywidgets.VBox
        Live in Jupyter or Binder (the slider spans the width, so it fits a
        phone); a page without a kernel shows a picture of its first step.
    """
    import ipywidgets

    n_steps = len(conv1d_steps(x, w, flip))
    slider = ipywidgets.IntSlider(value=0, min=0, max=n_steps - 1, description="output t",
                                  layout=ipywidgets.Layout(width="100%", max_width="420px"))
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


def plot_filtered(photo: np.ndarray, filtered: Mapping[str, np.ndarray], *,
                  signed: Sequence[str] = ("Sobel x", "Prewitt x", "Laplacian"), cols: int = 3) -> Any:
    """The photograph and what each kernel made of it, ``cols`` panels a row at the page's width.

    Parameters
    ----------
    photo : array, shape (H, W)
        The image the kernels were applied to (grey levels).
    filtered : mapping of name -> array, shape (H, W)
        The filtered images, in the order to show them.
    signed : sequence of str
        Names of signed responses (gradients, second differences): drawn in
        red (positive) and blue (negative) on a scale centred on zero that
        ends at the 95th percentile of the absolute response (the few
        stronger values are drawn at full colour). The other images are
        clipped to the photograph's grey levels, as a screen would show
        them (a sharpened image overshoots them).
    cols : int
        Panels per row.

    Returns
    -------
    matplotlib Figure
    """
    photo = as_array("plot_filtered", "photo", photo, 2, "(H, W)").astype(float)
    lo, hi = float(photo.min()), float(photo.max())
    names = list(filtered)
    images = [photo]
    for n in names:
        img = np.asarray(filtered[n], dtype=float)
        if n in signed:  # a few strong edges would leave the rest white: full colour from the 95th percentile on
            top = float(np.percentile(np.abs(img), 95)) or 1.0
            images.append(np.clip(img, -top, top))
        else:
            images.append(np.clip(img, lo, hi))
    rows = math.ceil(len(images) / cols)
    aspect = photo.shape[0] / photo.shape[1]
    fig, axes = plt.subplots(rows, cols, figsize=(FIG_WIDTH, rows * (FIG_WIDTH / cols * aspect * 0.78 + 0.55)),
                             squeeze=False)
    flat = list(axes.ravel())
    show_images(images, ["photograph"] + names, axes=flat[: len(images)],
                symmetric=[False] + [n in signed for n in names])
    for ax in flat[len(images):]:
        fig.delaxes(ax)
    fig.tight_layout()
    return check_legible(fig)


def plot_conv_matrices(one_d: np.ndarray, two_d: np.ndarray) -> Any:
    """The matrix of a 1-D correlation (Toeplitz) beside that of a 2-D one (doubly block Toeplitz).

    Each nonzero entry is written in its cell, so that the constant
    diagonals can be read; zeros are left white.

    Parameters
    ----------
    one_d, two_d : array, shape (outputs, inputs)
        Dense matrices, rows = outputs and columns = inputs, as built by
        ``convbook.conv_matrix(..., sparse=False)``.

    Returns
    -------
    matplotlib Figure
    """
    mats = [np.asarray(m, dtype=float) for m in (one_d, two_d)]
    for name, m in zip(("one_d", "two_d"), mats):
        if m.ndim != 2:
            raise ValueError(f"plot_conv_matrices: {name} must be 2-D (outputs, inputs); got shape {m.shape}")
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 2.7), width_ratios=[m.shape[1] + 3 for m in mats])
    for ax, m, title in zip(axes, mats, ("1-D: Toeplitz", "2-D: doubly block Toeplitz")):
        plot_matrix(m, ax=ax, title=f"{title}, {m.shape[0]} × {m.shape[1]}")
        ax.images[0].colorbar.remove()  # the entries are written in their cells
        ax.set_xlabel("input (column)")
        ax.set_ylabel("output (row)")
        lim = float(np.abs(m).max()) or 1.0
        for (i, j), v in np.ndenumerate(m):
            if v:
                ax.text(j, i, _num(v), ha="center", va="center", fontsize=7.5,
                        color="white" if abs(v) > 0.6 * lim else "black")
    fig.tight_layout(w_pad=1.5)
    return check_legible(fig)


def same_padding_sides(signal: npt.ArrayLike, kernel: npt.ArrayLike) -> dict[str, str]:
    """Where four libraries put the extra zero of ``same`` padding: ``"after"``, ``"before"`` or ``"neither"``.

    Each library's ``same`` correlation of ``signal`` with ``kernel`` is
    compared with the valid correlation of the signal padded as
    :func:`convbook.mode_padding` pads it, with the odd zero after
    (``convention="scipy"``) or before (``convention="numpy"``). For an odd
    kernel the two paddings coincide and every answer is ``"either"``.
    Torch's warning that an even kernel needs a padded copy of the input is
    silenced here.

    Parameters
    ----------
    signal : array, shape (n,)
    kernel : array, shape (k,), k <= n

    Returns
    -------
    dict of library -> str
        Keys ``"torch's conv1d"`` (``padding="same"``), ``"scipy's correlate2d"``,
        ``"numpy's correlate"`` and ``"scipy's correlate"``.

    Examples
    --------
    >>> for name, side in same_padding_sides(np.arange(6.0), [1.0, 2.0, 3.0, 4.0]).items():
    ...     print(f"{name}: {side}")
    torch's conv1d: after
    scipy's correlate2d: after
    numpy's correlate: before
    scipy's correlate: before
    """
    import scipy.signal
    import torch
    import torch.nn.functional as F

    signal, kernel = _check("same_padding_sides", signal, kernel)
    k = kernel.shape[0]
    after, before = mode_padding(k, "same"), mode_padding(k, "same", convention="numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_same = F.conv1d(torch.tensor(signal)[None, None], torch.tensor(kernel)[None, None],
                              padding="same")[0, 0].numpy()
    outputs = {
        "torch's conv1d": torch_same,
        "scipy's correlate2d": scipy.signal.correlate2d(signal[None], kernel[None], "same")[0],
        "numpy's correlate": np.correlate(signal, kernel, "same"),
        "scipy's correlate": scipy.signal.correlate(signal, kernel, "same"),
    }
    if after == before:
        return dict.fromkeys(outputs, "either")
    padded_after = correlate1d(np.pad(signal, after), kernel)
    padded_before = correlate1d(np.pad(signal, before), kernel)
    return {name: "after" if np.allclose(out, padded_after) else "before" if np.allclose(out, padded_before)
            else "neither" for name, out in outputs.items()}
