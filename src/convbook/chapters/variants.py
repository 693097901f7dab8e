"""The chapter *Variants of the basic convolution*: tiled, factorised, grouped and dilated convolutions, counted.

:func:`tile_pattern` reads which kernel each output position uses off
:func:`convbook.tiled_conv2d` itself (Goodfellow et al. fig. 9.16);
:func:`stack_ratio` and :func:`factorised_ratio` count stacks of small kernels
against one large kernel with :func:`convbook.conv2d_cost`;
:func:`dilated_dense_kernel` writes a dilated kernel as the dense kernel it
equals; :func:`channel_dependence` and :func:`input_field` read which input
channels and which input positions an output sees off the operator, probed
with one channel or one unit impulse at a time; :func:`rate_survey` compares
Wang et al.'s HDC rule with the coverage mask on every short list of rates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from ..cost import conv2d_cost
from ..plotting import FIG_WIDTH, check_legible
from ..receptive import receptive_field
from ..variants import dilation_coverage, hdc_ok, hdc_rule, tiled_conv2d, tiled_conv2d_cost

__all__ = ["tile_pattern", "plot_tile_patterns", "stack_params", "stack_ratio", "factorised_ratio", "INCEPTION_3A",
           "inception_multiplies", "input_field", "plot_input_fields", "channel_dependence", "plot_channel_mixing",
           "variant_costs", "variant_table",
           "sharing_matrix", "plot_sharing_matrices",
           "dilated_dense_kernel", "plot_coverage", "rate_survey", "bottleneck_ratio", "METHOD_COLORS"]

#: One colour per method, the same in every panel.
METHOD_COLORS = {"covered": "tab:blue", "hole": "0.92"}


def tile_pattern(out_size: tuple[int, int], tiles: tuple[int, int], kernel: int = 3) -> np.ndarray:
    """Which of the ``t_h * t_w`` kernels each output position of :func:`convbook.tiled_conv2d` uses.

    Kernel number ``a * t_w + b`` is filled with that number divided by its
    size; the layer is run on an image of ones, so each output is the number
    of the kernel it used: the pattern is read off the operator.

    Returns
    -------
    int array, shape out_size
    """
    th, tw = tiles
    oh, ow = out_size
    ids = np.arange(th * tw, dtype=float).reshape(th, tw)
    weight = np.broadcast_to(ids[:, :, None, None, None, None] / kernel**2, (th, tw, 1, 1, kernel, kernel))
    y = tiled_conv2d(np.ones((1, 1, oh + kernel - 1, ow + kernel - 1)), weight)[0, 0]
    return np.rint(y).astype(int)


def plot_tile_patterns(out_size: tuple[int, int], tile_list: Sequence[tuple[int, int]],
                       titles: Sequence[str]) -> Any:
    """One panel per tiling: each output position coloured by the kernel it uses, numbered.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, len(tile_list), figsize=(FIG_WIDTH, 2.7), squeeze=False)
    cmap = plt.get_cmap("tab20")
    for ax, tiles, title in zip(axes[0], tile_list, titles):
        pat = tile_pattern(out_size, tiles)
        ax.imshow(pat % 20, cmap=ListedColormap([cmap(i) for i in range(20)]), vmin=0, vmax=19)
        for (i, j), v in np.ndenumerate(pat):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8.5)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(0, out_size[1], 2))
        ax.set_yticks(range(0, out_size[0], 2))
        ax.set_xlabel("output column j", fontsize=10)
    axes[0][0].set_ylabel("output row i", fontsize=10)
    fig.tight_layout()
    return check_legible(fig)


def stack_params(kernels: Sequence[tuple[int, int]], channels: int = 64, size: int = 32) -> tuple[int, int]:
    """Parameters and multiplies of a stack of ``channels``-to-``channels`` convolutions, 'same' padded.

    Each entry of ``kernels`` is one layer's (KH, KW); counts come from
    :func:`convbook.conv2d_cost` on a ``size`` x ``size`` map, without bias.
    """
    params = mults = 0
    for kh, kw in kernels:
        c = conv2d_cost((1, channels, size, size), (channels, channels, kh, kw), padding=((kh - 1) // 2, (kw - 1) // 2))
        params += c.params
        mults += c.multiplies
    return params, mults


def stack_ratio(n_small: int, small: int, large: int, channels: int = 64) -> float:
    """Parameters of ``n_small`` stacked small x small convolutions over those of one large x large one."""
    return stack_params([(small, small)] * n_small, channels)[0] / stack_params([(large, large)], channels)[0]


def factorised_ratio(n: int, channels: int = 64) -> float:
    """Parameters of a 1 x n then an n x 1 convolution over those of one n x n convolution."""
    return stack_params([(1, n), (n, 1)], channels)[0] / stack_params([(n, n)], channels)[0]


def bottleneck_ratio(c_out: int, kernel: int = 3) -> float:
    """The notes' bottleneck (1x1 to √C_O, KxK to √C_O, 1x1 to C_O) over one KxK convolution, C_I = C_O.

    ``c_out`` must be a perfect square; the counts come from :func:`convbook.conv2d_cost`.
    """
    r = int(round(c_out**0.5))
    parts = [conv2d_cost((1, c_out, 8, 8), (r, c_out, 1, 1)),
             conv2d_cost((1, r, 8, 8), (r, r, kernel, kernel), padding=kernel // 2),
             conv2d_cost((1, r, 8, 8), (c_out, r, 1, 1))]
    whole = conv2d_cost((1, c_out, 8, 8), (c_out, c_out, kernel, kernel), padding=kernel // 2)
    return sum(p.params for p in parts) / whole.params


def dilated_dense_kernel(kernel: np.ndarray, dilation: int) -> np.ndarray:
    """The dense kernel a dilated one equals: taps ``dilation`` apart, zeros between (span K + (K−1)(dilation−1))."""
    k = np.asarray(kernel, dtype=float)
    span = [n + (n - 1) * (dilation - 1) for n in k.shape]
    dense = np.zeros(span)
    dense[::dilation, ::dilation] = k
    return dense


def plot_coverage(rate_lists: Sequence[Sequence[int]], kernel_size: int = 3) -> Any:
    """One panel per list of rates: the input offsets the stack reaches (:func:`convbook.dilation_coverage`).

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, len(rate_lists), figsize=(FIG_WIDTH, 2.6), squeeze=False)
    cmap = ListedColormap([METHOD_COLORS["hole"], METHOD_COLORS["covered"]])
    for ax, rates in zip(axes[0], rate_lists):
        mask = dilation_coverage(rates, kernel_size)
        ax.imshow(mask, cmap=cmap, vmin=0, vmax=1)
        holes = int(mask.size - mask.sum())
        ax.set_title(f"rates {list(rates)}\n{holes} holes", fontsize=10)
        step = max(1, mask.shape[0] // 3)
        ax.set_xticks(range(0, mask.shape[0], step))
        ax.set_yticks(range(0, mask.shape[0], step))
        ax.set_xlabel("input offset", fontsize=10)
    fig.tight_layout()
    return check_legible(fig)


def rate_survey(max_rate: int = 9, lengths: Sequence[int] = (2, 3), kernel_size: int = 3) -> dict[str, Any]:
    """Wang et al.'s HDC rule against the coverage mask on every non-decreasing list of rates up to ``max_rate``.

    Returns
    -------
    dict
        ``lists`` (how many), ``agree`` (rule == mask), ``rule_only`` (rule
        says yes, the mask has holes), ``mask_only`` (rule says no, no holes),
        each of the last two as a list of rate tuples, split by whether the
        first rate is 1 (``start1_*``); and ``gcd1_holes``: lists with no
        common factor that still leave holes (the notes' rule alone).
    """
    lists = [r for n in lengths for r in itertools.combinations_with_replacement(range(1, max_rate + 1), n)]
    out: dict[str, Any] = {"lists": len(lists), "agree": 0, "rule_only": [], "mask_only": [], "gcd1_holes": []}
    for rates in lists:
        mask, rule = hdc_ok(rates, kernel_size), hdc_rule(rates, kernel_size)[1]
        if mask == rule:
            out["agree"] += 1
        else:
            out["rule_only" if rule else "mask_only"].append(rates)
        if math.gcd(*rates) == 1 and not mask:
            out["gcd1_holes"].append(rates)
    out["start1"] = sum(r[0] == 1 for r in lists)
    out["start1_disagree"] = [r for r in out["rule_only"] + out["mask_only"] if r[0] == 1]
    return out


#: GoogLeNet's Inception block 3a on a 192-channel 28 x 28 map: (kernel, 1x1 reduction or 0, output channels)
#: of its four branches (the last is the 1x1 projection after pooling).
INCEPTION_3A = ((1, 0, 64), (3, 96, 128), (5, 16, 32), (1, 0, 32))


def inception_multiplies(reduce: bool, c_in: int = 192, size: int = 28) -> int:
    """Multiplies of the convolutions of Inception block 3a, with or without its 1 x 1 reductions.

    Counted with :func:`convbook.conv2d_cost`, 'same' padding, no bias; the
    pooling of the fourth branch has no multiplies.
    """
    total = 0
    for k, c_red, c_out in INCEPTION_3A:
        c = c_in
        if reduce and c_red:
            total += conv2d_cost((1, c_in, size, size), (c_red, c_in, 1, 1)).multiplies
            c = c_red
        total += conv2d_cost((1, c, size, size), (c_out, c, k, k), padding=k // 2).multiplies
    return total


def input_field(op: Any, size: int = 9) -> np.ndarray:
    """What the centre output of a one-channel operator ``op`` reads at each input position, found by probing it.

    ``op`` maps an array (N, 1, size, size) to (N, C, H', W'). It is applied
    once to a batch of the ``size * size`` unit impulses (a 1 at one position,
    zeros elsewhere); entry (a, b) of the result is how much the output of
    channel 0 at the centre (H' // 2, W' // 2) moves when the impulse sits at
    (a, b). For a linear operator this is its effective kernel around the
    centre (as a cross-correlation); its nonzero entries are the inputs the
    output sees.

    Returns
    -------
    float array, shape (size, size)
    """
    x = np.eye(size * size).reshape(size * size, 1, size, size)
    y = np.asarray(op(x))
    base = np.asarray(op(np.zeros((1, 1, size, size))))
    ci, cj = y.shape[2] // 2, y.shape[3] // 2
    return (y[:, 0, ci, cj] - base[0, 0, ci, cj]).reshape(size, size)


def plot_input_fields(ops: dict[str, Any], size: int = 9) -> Any:
    """One panel per operator: the input positions its centre output sees (:func:`input_field`), counted.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, len(ops), figsize=(FIG_WIDTH, 1.8), squeeze=False, layout="constrained")
    cmap = ListedColormap([METHOD_COLORS["hole"], METHOD_COLORS["covered"]])
    for ax, (title, op) in zip(axes[0], ops.items()):
        seen = np.abs(input_field(op, size)) > 1e-12
        ax.imshow(seen, cmap=cmap, vmin=0, vmax=1)
        ax.plot(size // 2, size // 2, marker="+", color="black", markersize=7)
        n = int(seen.sum())
        ax.set_title(f"{title}\n{n} input{'s' * (n != 1)}", fontsize=10)
        ax.set_xticks([0, size // 2, size - 1])
        ax.set_yticks([0, size // 2, size - 1])
    axes[0][0].set_ylabel("input row", fontsize=10)
    fig.supxlabel("input column", fontsize=10)
    return check_legible(fig)


def channel_dependence(op: Any, c_in: int, size: int = 5) -> np.ndarray:
    """Which input channels each output channel of a linear operator ``op`` depends on, found by probing it.

    ``op`` maps an array (1, c_in, size, size) to (1, C_out, ...); channel c is
    probed with a random image in channel c only, zeros elsewhere.

    Returns
    -------
    bool array, shape (C_out, c_in)
    """
    rng = np.random.default_rng(0)
    cols = []
    for c in range(c_in):
        x = np.zeros((1, c_in, size, size))
        x[0, c] = rng.standard_normal((size, size))
        y = np.asarray(op(x))[0]
        cols.append(np.abs(y).reshape(y.shape[0], -1).max(axis=1))
    return np.stack(cols, axis=1) > 1e-12


def plot_channel_mixing(ops: dict[str, Any], c_in: int) -> Any:
    """One panel per operator: the output-by-input channel dependence of :func:`channel_dependence`.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, len(ops), figsize=(FIG_WIDTH, 2.3), squeeze=False)
    cmap = ListedColormap([METHOD_COLORS["hole"], METHOD_COLORS["covered"]])
    for ax, (title, op) in zip(axes[0], ops.items()):
        dep = channel_dependence(op, c_in)
        ax.imshow(dep, cmap=cmap, vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(0, c_in, 2))
        ax.set_yticks(range(0, dep.shape[0], 2))
        ax.set_xlabel("input channel", fontsize=10)
    axes[0][0].set_ylabel("output channel", fontsize=10)
    fig.tight_layout()
    return check_legible(fig)


def variant_costs(c: int = 64, size: int = 32, k: int = 3) -> dict[str, tuple[int, int, int, str, str]]:
    """Parameters, multiplies, receptive field, torch equivalent and where used, for each variant of the chapter.

    Every variant maps ``c`` channels to ``c`` on a ``size`` x ``size`` map with
    'same' padding and no bias (the locally connected and tiled layers without
    padding are counted with padding too, one kernel per output position or
    tile); parameters and multiplies come from :func:`convbook.conv2d_cost` and
    :func:`convbook.tiled_conv2d_cost`, the receptive field (one axis) from
    :func:`convbook.receptive_field`. Squeeze-and-excitation (reduction 4) is
    counted as its two fully connected layers plus one multiply per value for
    the reweighting.

    Returns
    -------
    dict
        name -> (params, multiplies, receptive field, torch, used in)
    """
    shape = (1, c, size, size)

    def conv(kh: int, kw: int, c_in: int = c, c_out: int = c, groups: int = 1, dilation: int = 1) -> tuple[int, int]:
        pad = ((kh - 1) * dilation // 2, (kw - 1) * dilation // 2)
        cost = conv2d_cost((1, c_in, size, size), (c_out, c_in // groups, kh, kw), padding=pad, dilation=dilation,
                           groups=groups)
        return cost.params, cost.multiplies

    def total(*parts: tuple[int, int]) -> tuple[int, int]:
        return sum(p for p, _ in parts), sum(m for _, m in parts)

    r = int(round(c**0.5))
    rows: dict[str, tuple[int, int, int, str, str]] = {}
    rows["convolution"] = (*conv(k, k), k, "Conv2d", "everywhere")
    tiled = tiled_conv2d_cost(shape, (2, 2, c, c, k, k), padding=k // 2)
    rows["tiled, t = 2"] = (tiled.params, tiled.multiplies, k, "—", "Le et al. 2010")
    local = tiled_conv2d_cost(shape, (size, size, c, c, k, k), padding=k // 2)
    rows["locally connected"] = (local.params, local.multiplies, k, "—", "DeepFace")
    rows["two 3 × 3"] = (*total(conv(3, 3), conv(3, 3)), receptive_field([3, 3]).size, "Conv2d × 2", "VGG")
    n = 2 * k + 1
    rows[f"1 × {n}, {n} × 1"] = (*total(conv(1, n), conv(n, 1)), n, "Conv2d × 2", "Inception v3")
    rows["group, G = 4"] = (*conv(k, k, groups=4), k, "groups=4", "AlexNet, ResNeXt")
    rows["depthwise separable"] = (*total(conv(k, k, groups=c), conv(1, 1)), k, "groups=C, 1 × 1",
                                   "MobileNet, Xception")
    rows["1 × 1"] = (*conv(1, 1), 1, "kernel_size=1", "NiN, Inception")
    rows["bottleneck"] = (*total(conv(1, 1, c, r), conv(k, k, r, r), conv(1, 1, r, c)), k, "Conv2d × 3",
                          "ResNet")
    rows["dilation 2"] = (*conv(k, k, dilation=2), receptive_field([(k, 1, 2)]).size, "dilation=2", "DeepLab")
    cr = c // 4
    rows["channel shuffle"] = (0, 0, 1, "ChannelShuffle", "ShuffleNet")
    rows["squeeze-excitation"] = (2 * c * cr + c + cr, 2 * c * cr + c * size * size, size, "—", "SENet")
    return rows


def variant_table(rows: dict[str, tuple[int, int, int, str, str]]) -> str:
    """The rows of :func:`variant_costs` as a Markdown table."""
    lines = ["| variant | parameters | multiplies | field | torch | used in |", "|---|--:|--:|--:|---|---|"]
    for name, (p, m, rf, torch_name, used) in rows.items():
        lines.append(f"| {name} | {p:,} | {m:,} | {rf} | {torch_name} | {used} |")
    return "\n".join(lines)


def sharing_matrix(tiles: int, n: int = 10, kernel: int = 3, dilation: int = 1) -> np.ndarray:
    """Which parameter each connection of a 1-D tiled (or dilated) convolution uses, read off the operator.

    The ``tiles * kernel`` weights are numbered 1, 2, ...; the layer is applied
    to each unit impulse of an ``n``-long input, so entry (i, j) of the result
    is the number of the weight joining input j to output i (0: no connection).
    ``tiles`` equal to the number of outputs gives a locally connected layer.

    Returns
    -------
    int array, shape (n_out, n)
    """
    span = (kernel - 1) * dilation + 1
    ids = np.arange(1, tiles * kernel + 1, dtype=float).reshape(1, tiles, 1, 1, 1, kernel)
    dense = np.zeros((1, tiles, 1, 1, 1, span))
    dense[..., ::dilation] = ids
    cols = [tiled_conv2d(np.eye(n)[j][None, None, None, :], dense)[0, 0, 0] for j in range(n)]
    return np.rint(np.stack(cols, axis=1)).astype(int)


def plot_sharing_matrices(panels: Sequence[tuple[str, np.ndarray]]) -> Any:
    """One panel per matrix of :func:`sharing_matrix`: each connection coloured and numbered by its weight.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(FIG_WIDTH, 2.4), squeeze=False)
    cmap = plt.get_cmap("tab20")
    for ax, (title, m) in zip(axes[0], panels):
        rgb = np.ones((*m.shape, 3))
        for (i, j), v in np.ndenumerate(m):
            if v:
                rgb[i, j] = cmap((v - 1) % 20)[:3]
        ax.imshow(rgb)
        if m.max() <= 12:
            for (i, j), v in np.ndenumerate(m):
                if v:
                    ax.text(j, i, str(v), ha="center", va="center", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(0, m.shape[1], 3))
        ax.set_yticks(range(0, m.shape[0], 2))
        ax.set_xlabel("input unit", fontsize=10)
    axes[0][0].set_ylabel("output unit", fontsize=10)
    fig.tight_layout()
    return check_legible(fig)
