"""The chapter *Convolution and pooling as an infinitely strong prior*: the priors built literally, and trained.

A convolutional layer is a fully connected layer whose weight matrix obeys
two infinitely strong priors, locality and sharing (:mod:`convbook.priors`
builds the mask and the tying pattern). :class:`TiedDense` is such a fully
connected layer in torch; :func:`train_tied_and_conv` trains it beside a
``Conv2d`` and finds the same function. :func:`prior_experiment` trains four
models with more and more prior (an MLP, a locally connected net, a
convolutional net, a convolutional net with max pooling) on scikit-learn's
digits placed on a 16 x 16 canvas, and tests them where the priors help
(shifted digits, little data) and where they hurt (permuted pixels, a task
that needs the digit's position).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data import digits
from ..plotting import FIG_WIDTH, check_legible, plot_cost_growth
from ..priors import locality_mask, prior_costs, tied_matrix, tying_pattern
from . import one_torch_thread

__all__ = [
    "CANVAS", "MODELS", "TASKS", "MODEL_COLORS", "place_digits", "shifted_offsets", "make_tasks",
    "neighbour_distance",
    "LocallyConnected2d", "GlobalMaxPool", "TiedDense", "make_model", "n_params", "train", "accuracy",
    "train_tied_and_conv", "TiedResult", "prior_experiment", "Experiment", "results_table", "size_curve",
    "plot_prior_matrices", "plot_costs", "plot_prior_costs", "conv_layer_rank", "plot_size_curve",
    "plot_learned_weights",
]

#: Side of the canvas the 8 x 8 digits are placed on; centred, a digit has 4 pixels of margin on every side.
CANVAS = 16

#: The four models, from no prior to the strongest.
MODELS = ("MLP", "locally connected", "convolutional", "conv + max pool")

#: The tasks of :func:`make_tasks`, in the order of the table.
TASKS = ("centred", "shifted", "permuted", "position")

#: One colour per model, the same in every figure.
MODEL_COLORS = {"MLP": "tab:blue", "locally connected": "tab:orange", "convolutional": "tab:green",
                "conv + max pool": "tab:red"}


def place_digits(images: np.ndarray, offsets: np.ndarray, canvas: int = CANVAS) -> np.ndarray:
    """Put each 8 x 8 image on a zero ``canvas x canvas`` at its (row, column) offset: (n, canvas, canvas) float32."""
    images = np.asarray(images)
    offsets = np.asarray(offsets)
    if images.ndim != 3 or offsets.shape != (len(images), 2):
        raise ValueError(f"place_digits: need images (n, h, w) and offsets (n, 2); got {images.shape}, {offsets.shape}")
    h, w = images.shape[1:]
    if offsets.min() < 0 or offsets[:, 0].max() + h > canvas or offsets[:, 1].max() + w > canvas:
        raise ValueError(f"place_digits: offsets must keep the images inside the {canvas} x {canvas} canvas")
    out = np.zeros((len(images), canvas, canvas), np.float32)
    for n, (r, c) in enumerate(offsets):
        out[n, r:r + h, c:c + w] = images[n]
    return out


def shifted_offsets(n: int, max_shift: int, rng: np.random.Generator, centre: int = 4) -> np.ndarray:
    """Offsets of ``n`` digits moved from ``centre`` by 1 to ``max_shift`` pixels (the larger of the two moves).

    Each digit moves by ``(dr, dc)``, both uniform in ``-max_shift ... max_shift``,
    redrawn until it is not ``(0, 0)``: no shifted digit is where the training digits were.
    """
    moves = rng.integers(-max_shift, max_shift + 1, size=(n, 2))
    while (still := (moves == 0).all(axis=1)).any():
        moves[still] = rng.integers(-max_shift, max_shift + 1, size=(int(still.sum()), 2))
    return centre + moves


@dataclass(frozen=True)
class Task:
    """Training and test images (n, 1, CANVAS, CANVAS) and labels of one task."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    permutation: np.ndarray | None = None  # for ``permuted``: pixel ``j`` of an image is pixel ``permutation[j]``


@lru_cache(maxsize=8)
def make_tasks(seed: int = 0, n_train: int = 1000) -> dict[str, Task]:
    """The tasks of the chapter, on one random split of the 1,797 digits (``n_train`` for training).

    - ``centred``: every digit at the centre; label the digit.
    - ``shifted``: trained on centred digits, tested on digits moved 1 to 4 pixels.
    - ``permuted``: centred digits with one fixed random permutation of the 256 pixels, in training and test.
    - ``position``: digits anywhere on the canvas; label the digit's column offset (9 classes, 0 to 8).
    - ``anywhere``: digits anywhere on the canvas; label the digit.

    The result is kept in memory (the same seed gives the same, unmodified tensors).
    """
    rng = np.random.default_rng(seed)
    images, labels = digits()
    order = rng.permutation(len(images))
    tr, te = order[:n_train], order[n_train:]
    centred = place_digits(images, np.full((len(images), 2), 4))
    shifted = place_digits(images, shifted_offsets(len(images), 4, rng))
    perm = rng.permutation(CANVAS * CANVAS)
    permuted = centred.reshape(len(images), -1)[:, perm].reshape(centred.shape)
    offsets = rng.integers(0, CANVAS - 8 + 1, size=(len(images), 2))
    anywhere = place_digits(images, offsets)

    def t(x: np.ndarray) -> torch.Tensor:
        return torch.tensor(x)[:, None]

    y, pos = torch.tensor(labels), torch.tensor(offsets[:, 1])
    return {"centred": Task(t(centred[tr]), y[tr], t(centred[te]), y[te]),
            "shifted": Task(t(centred[tr]), y[tr], t(shifted[te]), y[te]),
            "permuted": Task(t(permuted[tr]), y[tr], t(permuted[te]), y[te], perm),
            "position": Task(t(anywhere[tr]), pos[tr], t(anywhere[te]), pos[te]),
            "anywhere": Task(t(anywhere[tr]), y[tr], t(anywhere[te]), y[te])}


def neighbour_distance(permutation: np.ndarray, canvas: int = CANVAS) -> float:
    """Mean distance (pixels) in the permuted image between pixels that were horizontal or vertical neighbours.

    1 for the identity; about half the canvas side (0.52 × side) for a random permutation.
    """
    perm = np.asarray(permutation)
    if sorted(perm.tolist()) != list(range(canvas * canvas)):
        raise ValueError(f"neighbour_distance: permutation must be a permutation of range({canvas * canvas})")
    where = np.argsort(perm)  # where[p]: the new place of old pixel p
    r, c = np.divmod(where.reshape(canvas, canvas), canvas)
    pairs = [(r[:, 1:], c[:, 1:], r[:, :-1], c[:, :-1]), (r[1:], c[1:], r[:-1], c[:-1])]
    d = np.concatenate([np.hypot(a - b, e - f).ravel() for a, e, b, f in pairs])
    return float(d.mean())


class LocallyConnected2d(nn.Module):
    """A convolution without sharing: every output position has its own ``k x k`` weights (torch, via ``unfold``)."""

    def __init__(self, c_in: int, c_out: int, k: int, size: int, stride: int = 1, padding: int = 0):
        super().__init__()
        self.k, self.stride, self.padding = k, stride, padding
        self.out = (size + 2 * padding - k) // stride + 1
        fan_in = c_in * k * k
        self.weight = nn.Parameter((torch.rand(c_out, self.out ** 2, fan_in) * 2 - 1) / fan_in ** 0.5)
        self.bias = nn.Parameter(torch.zeros(c_out, self.out ** 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = F.unfold(x, self.k, padding=self.padding, stride=self.stride)  # (N, C_in*k*k, positions)
        y = torch.einsum("ncl,olc->nol", u, self.weight) + self.bias
        return y.reshape(len(x), -1, self.out, self.out)


class GlobalMaxPool(nn.Module):
    """Max pooling over the whole map: (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))


def make_model(name: str, classes: int = 10) -> nn.Module:
    """One of :data:`MODELS`, for ``1 x 16 x 16`` inputs.

    - ``MLP``: 256 -> 32 -> ReLU -> classes.
    - ``locally connected``: 8 maps of unshared 5 x 5 windows at stride 2 (8 x 8 each) -> ReLU -> dense.
    - ``convolutional``: the same with shared weights (``Conv2d``) -> ReLU -> dense.
    - ``conv + max pool``: 16 maps of 5 x 5 convolution (16 x 16 each) -> ReLU -> max over each whole map -> dense.
    """
    if name == "MLP":
        return nn.Sequential(nn.Flatten(), nn.Linear(CANVAS ** 2, 32), nn.ReLU(), nn.Linear(32, classes))
    if name == "locally connected":
        return nn.Sequential(LocallyConnected2d(1, 8, 5, CANVAS, 2, 2), nn.ReLU(), nn.Flatten(),
                             nn.Linear(8 * 64, classes))
    if name == "convolutional":
        return nn.Sequential(nn.Conv2d(1, 8, 5, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 64, classes))
    if name == "conv + max pool":
        return nn.Sequential(nn.Conv2d(1, 16, 5, 1, 2), nn.ReLU(), GlobalMaxPool(), nn.Linear(16, classes))
    raise ValueError(f"make_model: name must be one of {MODELS}; got {name!r}")


def n_params(net: nn.Module) -> int:
    """Number of trained numbers (weights and biases) of ``net``."""
    return sum(p.numel() for p in net.parameters())


def train(name: str, x: torch.Tensor, y: torch.Tensor, seed: int = 0, *, updates: int = 160, batch: int = 64,
          lr: float = 0.01) -> nn.Module:
    """Train model ``name`` with Adam on mini-batches (cross-entropy), one thread, fixed seed: deterministic."""
    with one_torch_thread():
        torch.manual_seed(seed)
        net = make_model(name, max(10, int(y.max()) + 1))
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        done = 0
        while done < updates:
            for idx in torch.randperm(len(x), generator=gen).split(batch):
                opt.zero_grad()
                F.cross_entropy(net(x[idx]), y[idx]).backward()
                opt.step()
                done += 1
                if done == updates:
                    break
    return net


def accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of ``x`` that ``net`` labels right."""
    with torch.no_grad(), one_torch_thread():
        return float((net(x).argmax(1) == y).float().mean())


@dataclass(frozen=True)
class Experiment:
    """What :func:`prior_experiment` returns."""

    accuracy: dict[tuple[str, str], float]
    params: dict[str, int]
    nets: dict[tuple[str, str], nn.Module]


def prior_experiment(seed: int = 0, models: Sequence[str] = MODELS, tasks: Sequence[str] = TASKS) -> Experiment:
    """Train every model on every task (``shifted`` reuses the ``centred`` training) and test it.

    Returns
    -------
    Experiment
        ``accuracy[model, task]`` on the task's test set, ``params[model]`` for the
        10-class models, and the trained ``nets[model, task]``.
    """
    data = make_tasks(seed)
    acc: dict[tuple[str, str], float] = {}
    nets: dict[tuple[str, str], nn.Module] = {}
    for m in models:
        for t in tasks:
            source = "centred" if t == "shifted" else t
            if (m, source) not in nets:
                nets[m, source] = train(m, data[source].x_train, data[source].y_train, seed)
            acc[m, t] = accuracy(nets[m, source], data[t].x_test, data[t].y_test)
    return Experiment(acc, {m: n_params(make_model(m)) for m in models}, nets)


def results_table(exp: Experiment) -> str:
    """A Markdown table: one row per model, its parameters and its test accuracy on each task."""
    tasks = list(dict.fromkeys(t for _, t in exp.accuracy))
    heads = {"centred": "(a) centred", "shifted": "(b) shifted 1–4 px", "permuted": "(c) permuted pixels",
             "position": "(d) position"}
    lines = ["| model | parameters | " + " | ".join(heads.get(t, t) for t in tasks) + " |",
             "|---|--:|" + "--:|" * len(tasks)]
    for m, p in exp.params.items():
        lines.append(f"| {m} | {p:,} | " + " | ".join(f"{exp.accuracy[m, t]:.1%}" for t in tasks) + " |")
    return "\n".join(lines)


def size_curve(sizes: Sequence[int], seed: int = 0, models: Sequence[str] = MODELS) -> dict[str, list[float]]:
    """Test accuracy on digits placed anywhere on the canvas, for each model and training-set size.

    Each model trains on the first ``n`` training digits of the ``anywhere``
    task, for the same number of updates whatever ``n``.
    """
    task = make_tasks(seed)["anywhere"]
    return {m: [accuracy(train(m, task.x_train[:n], task.y_train[:n], seed), task.x_test, task.y_test)
                for n in sizes] for m in models}


class TiedDense(nn.Module):
    """A fully connected layer ``y = W x`` whose matrix obeys a tying pattern.

    ``W[i, j] = theta[tie[i, j]]`` where ``tie[i, j] >= 0`` and ``W[i, j] = 0``
    where ``tie[i, j] == -1``: only ``theta`` (one number per tied class) is
    trained. With the pattern of :func:`convbook.tying_pattern` it is a
    convolution written as a fully connected layer.
    """

    def __init__(self, tie: np.ndarray, theta: torch.Tensor):
        super().__init__()
        tie_t = torch.as_tensor(np.asarray(tie), dtype=torch.long)
        self.register_buffer("index", tie_t.clamp(min=0))
        self.register_buffer("mask", (tie_t >= 0).to(theta.dtype))
        self.theta = nn.Parameter(theta.detach().clone().ravel())

    def matrix(self) -> torch.Tensor:
        """The dense weight matrix ``W``, shape (outputs, inputs)."""
        return self.theta[self.index] * self.mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.matrix().T


@dataclass(frozen=True)
class TiedResult:
    """What :func:`train_tied_and_conv` returns (float64 numpy arrays)."""

    conv_kernel: np.ndarray      # (KH, KW) the Conv2d's trained kernel
    tied_theta: np.ndarray       # (KH, KW) the tied dense layer's trained numbers
    tied_matrix: np.ndarray      # (OH*OW, H*W) its dense matrix
    free_matrix: np.ndarray      # (OH*OW, H*W) an unconstrained dense layer trained the same way
    conv_out: np.ndarray         # (n_test, OH*OW) the Conv2d on test images
    tied_out: np.ndarray         # (n_test, OH*OW) the tied dense layer on the same images
    true_kernel: np.ndarray      # (KH, KW) the kernel that made the targets


def train_tied_and_conv(size: int = 8, k: int = 3, n: int = 32, steps: int = 200, lr: float = 0.01,
                        seed: int = 0) -> TiedResult:
    """Train a ``Conv2d`` and a :class:`TiedDense` with its tying pattern side by side, in float64.

    Both start from the same kernel and take ``steps`` steps of plain
    gradient descent on the same regression task: ``n`` random ``size x
    size`` images, targets the valid correlation with a random kernel plus
    noise. An unconstrained fully connected layer, started from the dense
    matrix of that kernel, is trained the same way.
    """
    with one_torch_thread():
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(n, 1, size, size, generator=gen, dtype=torch.float64)
        true = torch.randn(1, 1, k, k, generator=gen, dtype=torch.float64)
        target = F.conv2d(x, true)
        target = target + 0.3 * torch.randn(target.shape, generator=gen, dtype=torch.float64)
        start = 0.1 * torch.randn(1, 1, k, k, generator=gen, dtype=torch.float64)
        conv = nn.Conv2d(1, 1, k, bias=False).double()
        with torch.no_grad():
            conv.weight.copy_(start)
        tie = tying_pattern((k, k), (size, size))
        tied = TiedDense(tie, start[0, 0])
        free = nn.Linear(size * size, tie.shape[0], bias=False).double()
        with torch.no_grad():
            free.weight.copy_(torch.as_tensor(tied_matrix(start[0, 0].numpy(), (size, size))))
        flat = target.flatten(1)
        runs = ((conv, lambda: conv(x).flatten(1)), (tied, lambda: tied(x)), (free, lambda: free(x.flatten(1))))
        for model, out in runs:
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            for _ in range(steps):
                opt.zero_grad()
                F.mse_loss(out(), flat, reduction="sum").div(n).backward()
                opt.step()
        test = torch.randn(8, 1, size, size, generator=gen, dtype=torch.float64)
        with torch.no_grad():
            return TiedResult(conv.weight[0, 0].numpy().copy(), tied.theta.reshape(k, k).numpy().copy(),
                              tied.matrix().numpy().copy(), free.weight.numpy().copy(),
                              conv(test).flatten(1).numpy(), tied(test).numpy(), true[0, 0].numpy().copy())


# --- figures ------------------------------------------------------------------------------------------


def _index_axes(ax: Any, rows: int, cols: int) -> None:
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5, integer=True))
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(5, integer=True))
    ax.set_xlabel(f"input pixel ({cols})")
    ax.set_ylabel(f"output ({rows})")


def plot_prior_matrices(kernel: np.ndarray, input_shape: tuple[int, int]) -> Any:
    """Three panels: the dense matrix of a valid correlation, its locality mask, and its tying pattern.

    Returns
    -------
    matplotlib Figure
    """
    k = np.asarray(kernel, float)
    m = tied_matrix(k, input_shape)
    mask = locality_mask(k.shape, input_shape)
    tie = tying_pattern(k.shape, input_shape)
    fig, axes = plt.subplots(3, 1, figsize=(FIG_WIDTH, 6.4))
    lim = float(np.abs(m).max()) or 1.0
    axes[0].imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    axes[0].set_title("dense matrix of the convolution (red +, blue −, pale 0)")
    axes[1].imshow(mask, cmap="Greys", vmin=0, vmax=1.6, interpolation="nearest")
    axes[1].set_title(f"locality: the {int(mask.sum())} entries allowed to be nonzero (grey)")
    cmap = mpl.colormaps["tab10"].resampled(k.size).with_extremes(under="white")
    axes[2].imshow(np.where(tie >= 0, tie, -1), cmap=cmap, vmin=-0.5, vmax=k.size - 0.5, interpolation="nearest")
    axes[2].set_title(f"sharing: entries of one colour are one of the {k.size} kernel weights")
    for ax in axes:
        _index_axes(ax, m.shape[0], m.shape[1])
    fig.tight_layout()
    return check_legible(fig)


#: One colour and line per layer in the cost figures (the convolution's line covers the locally connected one's).
COST_STYLES = {"fully connected": {"color": "tab:blue", "marker": "o", "ms": 4},
               "locally connected": {"color": "tab:orange", "marker": "s", "linestyle": "--", "ms": 4},
               "convolution": {"color": "tab:green", "marker": "^", "ms": 4}}


def plot_costs(sizes: Sequence[int], costs: dict[str, Sequence[int]], *, ylabel: str, ax: Any = None) -> Any:
    """Log-log plot of a count (parameters or multiply-adds) against the input side, one line per layer.

    Returns
    -------
    matplotlib Axes
    """
    return plot_cost_growth(sizes, costs, xlabel="input side N (N × N pixels)", ylabel=ylabel, styles=COST_STYLES,
                            ax=ax)


def plot_prior_costs(sizes: Sequence[int], kernel_size: int) -> Any:
    """Parameters (left) and multiply-adds (right) of the layers of :func:`convbook.prior_costs` against the input side.

    Returns
    -------
    matplotlib Figure
    """
    costs = [prior_costs(n, kernel_size) for n in sizes]
    names = list(costs[0])
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 3.3))
    plot_costs(sizes, {m: [c[m].params for c in costs] for m in names}, ylabel="parameters", ax=axes[0])
    plot_costs(sizes, {m: [c[m].multiplies for c in costs] for m in names}, ylabel="multiply-adds", ax=axes[1])
    for ax in axes:
        ax.get_legend().remove()
        ax.set_xlabel("input side N")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    return check_legible(fig)


def conv_layer_rank(net: nn.Module, size: int = CANVAS) -> int:
    """Rank of the linear part of ``net``'s first layer (a ``Conv2d``), as a matrix on ``size x size`` images."""
    conv = net[0]
    basis = torch.eye(size * size).reshape(-1, 1, size, size)
    with torch.no_grad(), one_torch_thread():
        m = F.conv2d(basis, conv.weight, None, conv.stride, conv.padding).flatten(1)
    return int(torch.linalg.matrix_rank(m.double()))


def plot_size_curve(sizes: Sequence[int], curves: dict[str, Sequence[float]]) -> Any:
    """Test accuracy against training-set size (log axis), one line per model in :data:`MODEL_COLORS`.

    Returns
    -------
    matplotlib Axes
    """
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.2))
    for m, acc in curves.items():
        ax.semilogx(sizes, 100 * np.asarray(acc), "o-", color=MODEL_COLORS[m], ms=4, label=m)
    ax.set_xticks(list(sizes), [str(s) for s in sizes])
    ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
    ax.set_xlabel("training digits")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    fig.tight_layout()
    return check_legible(ax)


def plot_learned_weights(filters: np.ndarray, unit: np.ndarray) -> Any:
    """Left: the convolutional net's first-layer kernels; right: one MLP hidden unit's 256 weights as an image.

    Colours are centred on zero (red +, blue −) for each panel.

    Returns
    -------
    matplotlib Figure
    """
    f = np.asarray(filters, float)
    n, s, _ = f.shape
    cols = 4
    rows = -(-n // cols)
    mosaic = np.full((rows * (s + 1) - 1, cols * (s + 1) - 1), np.nan)
    for i, w in enumerate(f):
        r, c = divmod(i, cols)
        mosaic[r * (s + 1):r * (s + 1) + s, c * (s + 1):c * (s + 1) + s] = w / (np.abs(w).max() or 1.0)
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 3.4))
    cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="white")
    axes[0].imshow(mosaic, cmap=cmap, vmin=-1, vmax=1)
    axes[0].set_title(f"{n} kernels of the conv + max pool net\n({s} × {s} weights each)")
    lim = float(np.abs(unit).max()) or 1.0
    axes[1].imshow(np.asarray(unit, float), cmap=cmap, vmin=-lim, vmax=lim)
    axes[1].set_title(f"one MLP hidden unit\n({unit.shape[0]} × {unit.shape[1]} weights)")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return check_legible(fig)
