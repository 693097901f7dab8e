"""The chapter *The convolution operation*: its step-by-step pictures, widget and kernels.

:func:`conv1d_steps` lists, for each output of a 1-D convolution (or
cross-correlation), the inputs under the kernel, their products and their
sum; :func:`plot_conv1d_step` draws one step, :func:`conv1d_step_widget`
lets a reader move through them, and :func:`plot_conv1d_steps` draws them
all (the static version). :func:`classic_kernels` returns the hand-made image
kernels the chapter applies to the photograph and :func:`plot_filtered` shows
what they do to it; :func:`plot_conv_matrices` draws the Toeplitz matrices of
a 1-D and a 2-D correlation (with lines between the blocks of the 2-D one),
and :func:`same_padding_sides` finds where four libraries put the extra zero
of ``same`` padding for an even kernel.

:func:`products_2d` and :func:`plot_worked_example_2d` write every output of
a small 2-D correlation as its sum of products; :func:`plot_multichannel`
shows one output channel as the sum over input channels of single-channel
correlations; :func:`stack_sizes`, :func:`taps_on_pixels` and
:func:`plot_padding_dilemma` measure what ``valid``, ``same`` and ``full``
do to a stack of layers and to the border; :func:`learn_kernel` recovers a
kernel from input/output pairs by gradient descent and
:func:`plot_learned_kernel` shows the result.
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
           "classic_kernels", "plot_filtered", "plot_conv_matrices", "same_padding_sides", "products_2d",
           "plot_worked_example_2d", "plot_multichannel", "stack_sizes", "taps_on_pixels", "plot_padding_dilemma",
           "learn_kernel", "plot_learned_kernel", "LEARN_TOLERANCE"]


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
    for s in steps[: t + 1]:  # s[t] under input t, the first input it reads, so that positions are indices
        ax.add_patch(plt.Rectangle((s.output - 0.45, 0.05), 0.9, 0.8, fc="#c7e9c0" if s is step else "white",
                                   ec="0.3"))
        ax.text(s.output, 0.45, _num(s.value), ha="center", va="center", color="black")
    terms = " + ".join(_product(x[i], v) for i, v in zip(step.inputs, step.weights))
    ax.set_title(f"s[{t}] = {terms} = {_num(step.value)}")
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylim(-0.05, 2.95)
    names = ["output s", "kernel (flipped)" if flip else "kernel", "input x"]
    ax.set_yticks([0.45, 1.45, 2.45], names if labels else ["", "", ""])
    ax.tick_params(axis="y", length=0)
    ax.set_xticks(range(n))
    ax.set_xlabel("position (input a, output t)")
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


def plot_conv_matrices(one_d: np.ndarray, two_d: np.ndarray, *, blocks: tuple[int, int] | None = None) -> Any:
    """The matrix of a 1-D correlation (Toeplitz) beside that of a 2-D one (doubly block Toeplitz).

    Each nonzero entry is written in its cell, so that the constant
    diagonals can be read; zeros are left white.

    Parameters
    ----------
    one_d, two_d : array, shape (outputs, inputs)
        Dense matrices, rows = outputs and columns = inputs, as built by
        ``convbook.conv_matrix(..., sparse=False)``.
    blocks : (output width, input width), optional
        The size of one block of ``two_d``: its rows come in groups of
        the output's width (one group per output row), its columns in
        groups of the input's width (one per input row). Lines are drawn
        between the blocks, and the block rows and columns are numbered
        by the output row and input row they stand for.

    Returns
    -------
    matplotlib Figure
    """
    mats = [np.asarray(m, dtype=float) for m in (one_d, two_d)]
    for name, m in zip(("one_d", "two_d"), mats):
        if m.ndim != 2:
            raise ValueError(f"plot_conv_matrices: {name} must be 2-D (outputs, inputs); got shape {m.shape}")
    if blocks is not None:
        rb, cb_ = (int(b) for b in blocks)
        if rb < 1 or cb_ < 1 or mats[1].shape[0] % rb or mats[1].shape[1] % cb_:
            raise ValueError(f"plot_conv_matrices: blocks {tuple(blocks)} must divide the shape of two_d "
                             f"{mats[1].shape}")
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 3.3 if blocks else 2.7),
                             width_ratios=[m.shape[1] + 3 for m in mats])
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
    if blocks is not None:
        _block_grid(axes[1], mats[1].shape, rb, cb_)
    fig.tight_layout(w_pad=1.5)
    return check_legible(fig)


def _block_grid(ax: Any, shape: tuple[int, ...], rb: int, cb_: int) -> None:
    """Lines between the blocks of a block matrix, block rows and columns numbered on the far sides."""
    n_r, n_c = shape[0] // rb, shape[1] // cb_
    for i in range(1, n_r):
        ax.axhline(i * rb - 0.5, color="black", lw=1.2)
    for j in range(1, n_c):
        ax.axvline(j * cb_ - 0.5, color="black", lw=1.2)
    top = ax.secondary_xaxis("top")
    top.set_xticks([j * cb_ + (cb_ - 1) / 2 for j in range(n_c)], [str(j) for j in range(n_c)])
    top.tick_params(length=0)
    top.set_xlabel("block column = input row")
    right = ax.secondary_yaxis("right")
    right.set_yticks([i * rb + (rb - 1) / 2 for i in range(n_r)], [str(i) for i in range(n_r)])
    right.tick_params(length=0)
    right.set_ylabel("block row = output row")


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


# --- a 2-D worked example, every output as its sum of products --------------------------------------------------

def products_2d(x: npt.ArrayLike, k: npt.ArrayLike) -> list[list[str]]:
    """Each output of the valid 2-D cross-correlation of ``x`` with ``k``, written as its sum of products.

    Parameters
    ----------
    x : array, shape (H, W)
    k : array, shape (KH, KW), KH <= H and KW <= W

    Returns
    -------
    list of rows of str, shape (H - KH + 1, W - KW + 1)
        Entry ``[i][j]`` reads ``x[i, j] · k[0, 0] + x[i, j+1] · k[0, 1] + ... = value``,
        one kernel row per line, with true minus signs.

    Examples
    --------
    >>> products_2d([[1, 2, 3], [4, 5, 6]], [[1, -1]])
    [['1 · 1 + 2 · (−1) = −1', '2 · 1 + 3 · (−1) = −1'], ['4 · 1 + 5 · (−1) = −1', '5 · 1 + 6 · (−1) = −1']]
    """
    x = as_array("products_2d", "x", x, 2, "(H, W)").astype(float)
    k = as_array("products_2d", "k", k, 2, "(KH, KW)").astype(float)
    kh, kw = k.shape
    if kh > x.shape[0] or kw > x.shape[1]:
        raise ValueError(f"products_2d: kernel k with shape {k.shape} does not fit in x with shape {x.shape}")
    rows = []
    for i in range(x.shape[0] - kh + 1):
        row = []
        for j in range(x.shape[1] - kw + 1):
            lines = [" + ".join(_product(x[i + a, j + e], k[a, e]) for e in range(kw)) for a in range(kh)]
            value = float((x[i:i + kh, j:j + kw] * k).sum())
            row.append(" +\n".join(lines) + f" = {_num(value)}")
        rows.append(row)
    return rows


def _grid(ax: Any, m: np.ndarray, title: str, colour: str, *, texts: Sequence[Sequence[str]] | None = None,
          fontsize: float = 10) -> None:
    """A small array as a grid of boxes with its entries (or ``texts``) written in them."""
    h, w = m.shape
    for i in range(h):
        for j in range(w):
            ax.add_patch(plt.Rectangle((j, -i - 1), 1, 1, fc=colour, ec="0.3"))
            ax.text(j + 0.5, -i - 0.5, texts[i][j] if texts is not None else _num(m[i, j]),
                    ha="center", va="center", fontsize=fontsize, color="black")
    ax.set_xlim(-0.05, w + 0.05)
    ax.set_ylim(-h - 0.05, 0.05)
    ax.set_aspect("equal" if texts is None else "auto")
    ax.set_axis_off()
    ax.set_title(title)


def plot_worked_example_2d(x: npt.ArrayLike, k: npt.ArrayLike) -> Any:
    """Goodfellow et al.'s fig. 9.1 with numbers: input, kernel, and every output as its sum of products.

    Returns
    -------
    matplotlib Figure
        Top: the input and the kernel; bottom: the valid output, each
        box holding the products that make it (:func:`products_2d`).
    """
    x = as_array("plot_worked_example_2d", "x", x, 2, "(H, W)").astype(float)
    k = as_array("plot_worked_example_2d", "k", k, 2, "(KH, KW)").astype(float)
    texts = products_2d(x, k)
    out = np.array([[float(t.rsplit("= ", 1)[1].replace("\u2212", "-")) for t in row] for row in texts])
    fig = plt.figure(figsize=(FIG_WIDTH, 1.0 + 0.55 * x.shape[0] + 0.62 * k.shape[0] * out.shape[0]))
    gs = fig.add_gridspec(2, 2, height_ratios=[x.shape[0], 1.15 * k.shape[0] * out.shape[0]],
                          width_ratios=[x.shape[1], k.shape[1] + 1.5])
    _grid(fig.add_subplot(gs[0, 0]), x, f"input x, {x.shape[0]} × {x.shape[1]}", "#fde0c5")
    _grid(fig.add_subplot(gs[0, 1]), k, f"kernel k, {k.shape[0]} × {k.shape[1]}", "#c6dbef")
    _grid(fig.add_subplot(gs[1, :]), out, f"output (valid), {out.shape[0]} × {out.shape[1]}: "
          "each box is the sum of the products of the window with k", "#c7e9c0", texts=texts, fontsize=9.5)
    fig.tight_layout()
    return check_legible(fig)


# --- many channels: one output channel sums a correlation per input channel --------------------------------------

def plot_multichannel(x: npt.ArrayLike, w: npt.ArrayLike) -> Any:
    """One output channel of a multi-channel layer: input channel ``c`` ⋆ kernel slice ``c``, summed over ``c``.

    Parameters
    ----------
    x : array, shape (C_in, H, W)
        One image.
    w : array, shape (C_in, KH, KW)
        The weight of ONE output channel: one kernel slice per input channel.

    Returns
    -------
    matplotlib Figure
        A row per input channel (channel, kernel slice, their valid
        correlation), and the sum of the rows, the output channel, at the right.
    """
    x = as_array("plot_multichannel", "x", x, 3, "(C_in, H, W)").astype(float)
    w = as_array("plot_multichannel", "w", w, 3, "(C_in, KH, KW)").astype(float)
    if w.shape[0] != x.shape[0]:
        raise ValueError(f"plot_multichannel: w must have one slice per input channel: x has {x.shape[0]} "
                         f"channels, w has shape {w.shape}")
    from ..correlate import correlate2d

    parts = [correlate2d(x[c], w[c]) for c in range(x.shape[0])]
    total = np.sum(parts, axis=0)
    c_in = x.shape[0]
    fig = plt.figure(figsize=(FIG_WIDTH, 1.25 * c_in + 0.6))
    gs = fig.add_gridspec(c_in, 4, width_ratios=[x.shape[2], w.shape[2] + 0.6, parts[0].shape[1] + 0.6,
                                                 total.shape[1] + 1.2])
    lim_w = float(np.abs(w).max()) or 1.0
    lim_p = float(max(np.abs(total).max(), max(np.abs(p).max() for p in parts))) or 1.0
    for c in range(c_in):
        for col, (img, cmap, lim, label) in enumerate([
                (x[c], "gray", None, f"input channel {c}"), (w[c], "RdBu_r", lim_w, f"⋆ kernel slice {c}"),
                (parts[c], "PuOr_r", lim_p, f"= map {c}")]):
            ax = fig.add_subplot(gs[c, col])
            ax.imshow(img, cmap=cmap, vmin=-lim if lim else None, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_ylabel(label, rotation=0, ha="right", va="center") if col == 0 else ax.set_title(label)
    ax = fig.add_subplot(gs[max(0, c_in // 2 - 1):c_in // 2 + 1, 3])
    ax.imshow(total, cmap="PuOr_r", vmin=-lim_p, vmax=lim_p)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"sum of the {c_in} maps\n= output channel")
    fig.tight_layout()
    return check_legible(fig)


# --- the padding dilemma: valid shrinks, same under-weights the border, full grows ------------------------------

def stack_sizes(n: int, k: int, layers: int, mode: str) -> list[int]:
    """Width of the map after 0, 1, ..., ``layers`` layers of ``k``-tap correlations in ``mode``.

    A map that has shrunk below the kernel stays at 0 (no window fits).

    >>> stack_sizes(8, 3, 5, "valid"), stack_sizes(8, 3, 2, "same"), stack_sizes(8, 3, 2, "full")
    ([8, 6, 4, 2, 0, 0], [8, 8, 8], [8, 10, 12])
    """
    from ..shapes import output_size

    sizes = [int(n)]
    for _ in range(layers):
        m = sizes[-1]
        pad = mode_padding(k, mode)  # type: ignore[arg-type]
        sizes.append(output_size(m, k, padding=pad) if m + sum(pad) >= k else 0)
    return sizes


def taps_on_pixels(shape: tuple[int, int], k: int, mode: str) -> np.ndarray:
    """For each output of a ``k x k`` correlation in ``mode``: how many kernel taps fall on real pixels (not padding).

    >>> taps_on_pixels((4, 4), 3, "same")[0]
    array([4., 6., 6., 4.])
    """
    from ..correlate import correlate2d

    return correlate2d(np.ones(shape), np.ones((k, k)), mode)  # type: ignore[arg-type]


def plot_padding_dilemma(n: int, k: int, layers: int, shape: tuple[int, int]) -> Any:
    """The padding dilemma: map width through a stack of layers (three modes); kernel taps on real pixels ('same').

    Returns
    -------
    matplotlib Figure
    """
    colours = {"valid": "#d95f02", "same": "#1b9e77", "full": "#7570b3"}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(FIG_WIDTH, 2.9), width_ratios=[1.25, 1])
    depth = np.arange(layers + 1)
    for mode, colour in colours.items():
        a1.plot(depth, stack_sizes(n, k, layers, mode), "o-", ms=3.5, color=colour, label=mode)
    a1.set_xlabel("layers")
    a1.set_ylabel("map width (pixels)")
    a1.set_title(f"{k} × {k} kernels on a width-{n} input")
    a1.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    a1.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    a1.legend(loc="upper left", frameon=True)
    share = taps_on_pixels(shape, k, "same") / k**2
    a2.imshow(share, cmap="Greens", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(share):
        a2.text(j, i, f"{int(round(v * k * k))}", ha="center", va="center", fontsize=8.5,
                color="white" if v > 0.8 else "black")
    a2.set_title(f"'same': taps on real pixels (of {k * k})")
    a2.set_xlabel("output column")
    a2.set_ylabel("output row")
    a2.xaxis.set_major_locator(plt.MaxNLocator(4, integer=True))
    a2.yaxis.set_major_locator(plt.MaxNLocator(4, integer=True))
    fig.tight_layout()
    return check_legible(fig)


# --- learning a kernel by gradient descent ----------------------------------------------------------------------

#: The largest entry error of :func:`learn_kernel`'s kernel that the book promises (tested over several seeds).
LEARN_TOLERANCE = 0.02


def learn_kernel(true_kernel: npt.ArrayLike, *, seed: int = 0, images: int = 8, size: int = 16,
                 noise: float = 0.1, steps: int = 300, lr: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Recover ``true_kernel`` from (input, noisy output) pairs by gradient descent, numpy only.

    Random images (standard normal, ``images`` of ``size x size``) are
    correlated with the true kernel and given Gaussian noise of standard
    deviation ``noise``; a kernel starting at zero follows the gradient of
    the mean squared error ``L = mean((conv2d(x, w) - y)**2) / 2``, computed
    by :func:`convbook.conv2d_backward`.

    Returns
    -------
    (losses, kernel)
        ``losses`` has ``steps + 1`` entries (before each step and after
        the last); ``kernel`` has the shape of ``true_kernel``.

    Examples
    --------
    >>> losses, k = learn_kernel(np.eye(2), steps=100, lr=0.5, noise=0.0)
    >>> bool(np.allclose(k, np.eye(2), atol=1e-6)), bool(losses[-1] < 1e-10)
    (True, True)
    """
    from ..conv import conv2d, conv2d_backward

    true = as_array("learn_kernel", "true_kernel", true_kernel, 2, "(KH, KW)").astype(float)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(images, 1, size, size))
    y = conv2d(x, true[None, None])
    y = y + noise * rng.normal(size=y.shape)
    w = np.zeros((1, 1) + true.shape)
    losses = []
    for step in range(steps + 1):
        r = conv2d(x, w) - y
        losses.append(0.5 * float(np.mean(r**2)))
        if step == steps:
            break
        w = w - lr * conv2d_backward(r / r.size, x, w)[1]
    return np.array(losses), w[0, 0]


def plot_learned_kernel(losses: npt.ArrayLike, learned: npt.ArrayLike, true_kernel: npt.ArrayLike) -> Any:
    """The loss per step (log scale) beside the learned and the true kernel, entries written in their cells.

    Returns
    -------
    matplotlib Figure
    """
    losses = np.asarray(losses, dtype=float)
    learned, true = np.asarray(learned, dtype=float), np.asarray(true_kernel, dtype=float)
    fig, axes = plt.subplots(1, 3, figsize=(FIG_WIDTH, 2.6), width_ratios=[1.6, 1, 1])
    axes[0].semilogy(np.arange(losses.size), losses, color="#1b9e77")
    axes[0].set_xlabel("gradient step")
    axes[0].set_ylabel("loss (mean squared error / 2)")
    axes[0].set_title("training loss")
    axes[0].xaxis.set_major_locator(plt.MaxNLocator(4, integer=True))
    lim = float(np.abs(true).max()) or 1.0
    for ax, m, title in ((axes[1], learned, "learned kernel"), (axes[2], true, "true kernel")):
        ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{round(v, 2) + 0.0:.2f}".replace("-", "\u2212"), ha="center", va="center", fontsize=9,
                    color="white" if abs(v) > 0.6 * lim else "black")
        ax.set_title(title)
        ax.set_xticks(range(m.shape[1]))
        ax.set_yticks(range(m.shape[0]))
    fig.tight_layout()
    return check_legible(fig)
