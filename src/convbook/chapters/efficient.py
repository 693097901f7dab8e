"""The chapter *Efficient algorithms, and random and unsupervised features*.

The methods of :func:`convbook.conv2d` (``method=``) are timed against
kernel and image size by :func:`sweep` (with the counts of
:func:`convbook.conv2d_method_cost` beside the times, drawn by
:func:`plot_sweep`), im2col's copy is measured by :func:`peak_bytes`, and
:func:`separable_table` compares the multiplies of full and separable kernels.
:func:`machine_comparison` times a layer, its backward pass and pooling
against torch on one core, beside the core's peak
(:func:`convbook.peak_gemm_flops`), and :func:`machine_table` shows them.

Goodfellow et al. (§9.9) note that the expensive part of training a
convolutional network is learning its filters, and list three ways to get
filters without supervised training: random ones, hand-designed ones and
ones learned without labels. :func:`feature_comparison` puts each of them on
the 8 x 8 digits under one architecture (convolution, ReLU, max pooling, a
trained linear classifier) beside the same network trained end to end;
:func:`architecture_ranking` checks the procedure of choosing an
architecture by training only its last layer on random filters (Saxe et
al., 2011). Figures: :func:`plot_filter_sets`, :func:`plot_ranking`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ..algorithms import CONV2D_METHODS, choose_conv2d_method, separable_correlate2d
from ..conv import conv2d, conv2d_backward
from ..cost import conv2d_cost, conv2d_method_cost, separable_cost
from ..data import digits
from ..gabor import gabor_kernel
from ..plotting import FIG_WIDTH, check_legible
from ..pooling import avg_pool2d, max_pool2d
from ..timing import compare_times, median_time, peak_gemm_flops
from . import one_torch_thread

__all__ = ["LINEAR_STEPS", "FULL_STEPS", "N_TRAIN", "RANKING_N_TRAIN", "N_PATCHES",
           "METHOD_COLORS", "Sweep", "sweep", "crossover", "peak_bytes", "plot_sweep", "separable_table",
           "method_cost_table", "plot_low_rank", "MACHINE_LAYER", "MACHINE_POOL_SHAPE", "Compared", "SpeedRow",
           "MachineComparison", "machine_comparison", "machine_table",
           "FEATURE_COLORS", "FEATURE_KINDS", "ARCHITECTURES", "Split", "digit_split", "random_filters",
           "hand_filters", "kmeans_filters", "FeatureResult", "fixed_filter_accuracy", "trained_accuracy",
           "feature_comparison", "filter_correlations", "feature_table", "Ranking", "architecture_ranking",
           "ranking_table", "plot_filter_sets", "plot_ranking"]

#: One colour per method of computing a convolution, the same in every figure.
METHOD_COLORS = {"direct": "tab:blue", "im2col": "tab:red", "fft": "tab:green", "winograd": "tab:purple",
                 "separable": "tab:brown"}

#: One colour per kind of filters, the same in every figure.
FEATURE_COLORS = {"random": "tab:orange", "hand-designed": "tab:green", "k-means": "tab:purple",
                  "trained": "tab:blue", "pixels only": "tab:gray"}

#: The rows of :func:`feature_comparison`, in order.
FEATURE_KINDS = ("pixels only", "random", "hand-designed", "k-means", "trained")

#: The architectures of :func:`architecture_ranking`: (kernel side, number of filters, pooling window).
ARCHITECTURES: tuple[tuple[int, int, int], ...] = ((3, 2, 2), (7, 2, 4), (3, 4, 4), (5, 8, 4), (3, 8, 2),
                                                   (5, 16, 2))

_SIDE = 8  # the digits are 8 x 8
#: Full-batch Adam steps for a classifier alone, and for a whole network.
LINEAR_STEPS, FULL_STEPS = 100, 100
_LINEAR_LR, _FULL_LR = 0.05, 0.03
#: Training digits of :func:`feature_comparison` and of :func:`architecture_ranking`; patches for k-means.
N_TRAIN, RANKING_N_TRAIN, N_PATCHES = 1200, 600, 5000


@dataclass(frozen=True)
class Split:
    """A split of the digits: images ``(N, 1, 8, 8)`` float32 tensors and labels, for training and testing."""

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any


def digit_split(n_train: int = N_TRAIN, seed: int = 0) -> Split:
    """The 1,797 digits shuffled with ``seed``: the first ``n_train`` for training, the rest for testing."""
    import torch

    images, labels = digits()
    perm = np.random.default_rng(seed).permutation(len(images))
    x = torch.tensor(images[perm], dtype=torch.float32)[:, None]
    y = torch.tensor(labels[perm])
    return Split(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def random_filters(n: int, size: int, seed: int = 0) -> np.ndarray:
    """``n`` filters of ``size x size`` independent standard normal weights, divided by ``size``.

    Returns
    -------
    array, shape (n, 1, size, size)
    """
    return np.random.default_rng(seed).normal(size=(n, 1, size, size)) / size


def hand_filters(size: int = 5, n_orientations: int = 8) -> tuple[np.ndarray, list[str]]:
    """Gabor-like filters designed by hand: an edge (odd phase) and a bar (even phase) per orientation.

    Period 4 pixels and an envelope of width about 1.8 pixels suit strokes
    about 2 pixels wide on 8 x 8 digits; each filter has zero mean and unit norm.

    Returns
    -------
    kernels : array, shape (2 * n_orientations, 1, size, size)
    labels : list of str
    """
    kernels, labels = [], []
    for i in range(n_orientations):
        tau = math.pi * i / n_orientations
        for phi, kind in ((math.pi / 2, "edge"), (0.0, "bar")):
            k = gabor_kernel(size, beta_x=0.15, beta_y=0.15, f=2 * math.pi / 4, phi=phi, tau=tau)
            k = k - k.mean()
            kernels.append(k / np.linalg.norm(k))
            labels.append(f"{kind} {round(math.degrees(tau))}°")
    return np.stack(kernels)[:, None], labels


def kmeans_filters(images: Any, n: int, size: int = 5, n_patches: int = N_PATCHES, seed: int = 0) -> np.ndarray:
    """Filters learned without labels by k-means on image patches (Coates et al., 2011).

    ``n_patches`` random ``size x size`` patches (zero padding at the
    borders, as the convolution sees them) are centred and contrast-normalised,
    ZCA-whitened (regulariser 0.1) and clustered into ``n`` centroids; each
    filter is a centroid taken back through the whitening (so that
    correlating it with a raw patch equals the dot product of the centroid
    with the whitened patch), with zero mean and unit norm. No convolution
    and no label is used.

    Returns
    -------
    array, shape (n, 1, size, size)
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    x = np.asarray(images, dtype=np.float64).reshape(-1, _SIDE, _SIDE)
    p = size // 2
    padded = np.pad(x, ((0, 0), (p, p), (p, p)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size), axis=(1, 2))
    rng = np.random.default_rng(seed)
    pick = rng.choice(windows.shape[0] * _SIDE * _SIDE, n_patches, replace=False)
    patches = windows.reshape(-1, size * size)[pick]
    patches = patches - patches.mean(axis=1, keepdims=True)
    patches = patches / np.sqrt(patches.var(axis=1, keepdims=True) + 0.01)
    evals, evecs = np.linalg.eigh(np.cov(patches, rowvar=False))
    zca = evecs @ np.diag(1.0 / np.sqrt(evals + 0.1)) @ evecs.T
    with threadpool_limits(1):  # one thread, as the networks are trained
        km = KMeans(n, n_init=1, random_state=seed).fit(patches @ zca)
    filters = km.cluster_centers_ @ zca
    filters = filters - filters.mean(axis=1, keepdims=True)
    filters = filters / np.linalg.norm(filters, axis=1, keepdims=True)
    return filters.reshape(n, 1, size, size)


def _features(weight: Any, x: Any, pool: int) -> Any:
    import torch.nn.functional as F

    return F.max_pool2d(F.relu(F.conv2d(x, weight, padding=weight.shape[-1] // 2)), pool).flatten(1)


def _accuracy(scores: Any, y: Any) -> float:
    return float((scores.argmax(1) == y).float().mean())


@dataclass(frozen=True)
class FeatureResult:
    """Test accuracy, seconds of training (features included) and parameters trained, for one network."""

    accuracy: float
    seconds: float
    trained_parameters: int


def fixed_filter_accuracy(filters: Any, split: Split, pool: int = 2, seed: int = 0,
                          extra_seconds: float = 0.0) -> FeatureResult:
    """Filters kept fixed; only a linear classifier on the pooled ReLU responses is trained.

    The network is ``conv (filters, same size) -> ReLU -> max pool (pool) ->
    linear``; the responses are standardised with the training set's mean and
    spread, and the linear layer is trained with Adam (full batch, :data:`LINEAR_STEPS` steps,
    learning rate 0.05). ``filters`` of shape ``(1, 1, 1, 1)`` equal to 1 and
    ``pool = 1`` give a linear classifier on the pixels. The seconds count
    computing the features and training (plus ``extra_seconds``, e.g. the time
    to learn the filters).
    """
    import torch
    import torch.nn.functional as F

    with one_torch_thread():
        torch.manual_seed(seed)
        w = torch.as_tensor(np.asarray(filters), dtype=torch.float32)
        start = time.perf_counter()
        with torch.no_grad():
            f_train = _features(w, split.x_train, pool)
            mu, sd = f_train.mean(0), f_train.std(0) + 1e-6
            f_train = (f_train - mu) / sd
        lin = torch.nn.Linear(f_train.shape[1], 10)
        opt = torch.optim.Adam(lin.parameters(), lr=_LINEAR_LR)
        for _ in range(LINEAR_STEPS):
            opt.zero_grad()
            F.cross_entropy(lin(f_train), split.y_train).backward()
            opt.step()
        seconds = time.perf_counter() - start + extra_seconds
        with torch.no_grad():
            acc = _accuracy(lin((_features(w, split.x_test, pool) - mu) / sd), split.y_test)
    return FeatureResult(acc, seconds, sum(p.numel() for p in lin.parameters()))


def trained_accuracy(size: int, n: int, split: Split, pool: int = 2, seed: int = 0) -> tuple[FeatureResult, np.ndarray]:
    """The same network with its filters trained too, from the random start of :func:`random_filters`.

    Adam on all parameters (full batch, :data:`FULL_STEPS` steps, learning rate 0.03).

    Returns
    -------
    result : FeatureResult
    filters : array, shape (n, 1, size, size), the trained filters
    """
    import torch
    import torch.nn.functional as F

    with one_torch_thread():
        torch.manual_seed(seed)
        w = torch.tensor(random_filters(n, size, seed), dtype=torch.float32, requires_grad=True)
        side = _SIDE // pool
        lin = torch.nn.Linear(n * side * side, 10)
        opt = torch.optim.Adam([w, *lin.parameters()], lr=_FULL_LR)
        start = time.perf_counter()
        for _ in range(FULL_STEPS):
            opt.zero_grad()
            F.cross_entropy(lin(_features(w, split.x_train, pool)), split.y_train).backward()
            opt.step()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            acc = _accuracy(lin(_features(w, split.x_test, pool)), split.y_test)
    n_params = w.numel() + sum(p.numel() for p in lin.parameters())
    return FeatureResult(acc, seconds, n_params), w.detach().numpy().astype(np.float64)


def feature_comparison(seed: int = 0, n: int = 16, size: int = 5) -> tuple[dict[str, FeatureResult],
                                                                        dict[str, np.ndarray]]:
    """Every row of the chapter's table for one seed (the split, the random filters and the training).

    Returns
    -------
    results : dict kind -> FeatureResult, keys :data:`FEATURE_KINDS`
    filters : dict kind -> array (n, 1, size, size), the filters of the four convolutional rows
    """
    import sklearn.cluster  # noqa: F401  (imported before the clocks start)

    split = digit_split(seed=seed)
    fixed_filter_accuracy(np.ones((1, 1, 1, 1)), split, pool=1, seed=seed)  # warm-up: not timed
    filters: dict[str, np.ndarray] = {"random": random_filters(n, size, seed),
                                      "hand-designed": hand_filters(size, n // 2)[0]}
    start = time.perf_counter()
    filters["k-means"] = kmeans_filters(split.x_train.numpy(), n, size, seed=seed)
    kmeans_seconds = time.perf_counter() - start
    results = {"pixels only": fixed_filter_accuracy(np.ones((1, 1, 1, 1)), split, pool=1, seed=seed)}
    for kind in ("random", "hand-designed", "k-means"):
        extra = kmeans_seconds if kind == "k-means" else 0.0
        results[kind] = fixed_filter_accuracy(filters[kind], split, seed=seed, extra_seconds=extra)
    results["trained"], filters["trained"] = trained_accuracy(size, n, split, seed=seed)
    return results, filters


def filter_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each filter of ``a`` with the same filter of ``b`` (shapes ``(n, ...)``).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(8.0).reshape(2, 4)
    >>> filter_correlations(a, 3 * a + 1).round(6).tolist()
    [1.0, 1.0]
    """
    x = np.asarray(a, float).reshape(len(a), -1)
    y = np.asarray(b, float).reshape(len(b), -1)
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    return (x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))


def feature_table(results: dict[str, FeatureResult]) -> str:
    """The rows of :func:`feature_comparison` as a Markdown table."""
    what = {"pixels only": "none (pixels)", "random": "random", "hand-designed": "Gabor", "k-means": "k-means",
            "trained": "trained"}
    lines = ["| filters | trained parameters | test accuracy | seconds |", "|---|--:|--:|--:|"]
    for kind, r in results.items():
        lines.append(f"| {what.get(kind, kind)} | {r.trained_parameters:,} | {r.accuracy:.1%} | {r.seconds:.2f} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Ranking:
    """Test accuracy of each architecture with random filters (last layer trained) and fully trained."""

    architectures: tuple[tuple[int, int, int], ...]
    random: np.ndarray
    trained: np.ndarray
    spearman: float

    @property
    def picked(self) -> int:
        """Index of the architecture the random-filter accuracies choose."""
        return int(np.argmax(self.random))

    @property
    def best(self) -> int:
        """Index of the best architecture after full training."""
        return int(np.argmax(self.trained))

    @property
    def regret(self) -> float:
        """Accuracy lost by training the picked architecture instead of the best one."""
        return float(self.trained[self.best] - self.trained[self.picked])


def architecture_ranking(architectures: Sequence[tuple[int, int, int]] = ARCHITECTURES, seed: int = 0,
                         n_train: int = RANKING_N_TRAIN) -> Ranking:
    """Rank architectures by random filters + a trained last layer, and by full training; compare.

    The procedure of Saxe et al. (2011) that the notes describe: each
    architecture ``(kernel side, filters, pooling window)`` gets random
    filters and a trained linear classifier (:func:`fixed_filter_accuracy`),
    then the same architecture is trained in full (:func:`trained_accuracy`);
    both on ``n_train`` training digits. Spearman's rank correlation
    (``scipy.stats.spearmanr``) says how well the first ranking predicts the second.
    """
    from scipy.stats import spearmanr

    split = digit_split(n_train, seed)
    rand, full = [], []
    for size, n, pool in architectures:
        rand.append(fixed_filter_accuracy(random_filters(n, size, seed), split, pool, seed).accuracy)
        full.append(trained_accuracy(size, n, split, pool, seed)[0].accuracy)
    rho = float(spearmanr(rand, full).statistic)
    return Ranking(tuple(architectures), np.array(rand), np.array(full), rho)


def _arch_name(arch: tuple[int, int, int]) -> str:
    size, n, pool = arch
    return f"{n} filters {size} × {size}, pool {pool} × {pool}"


def ranking_table(r: Ranking) -> str:
    """A :class:`Ranking` as a Markdown table, best random-filter accuracy first."""
    order = np.argsort(-r.random, kind="stable")
    rank_full = {int(i): k + 1 for k, i in enumerate(np.argsort(-r.trained, kind="stable"))}
    lines = ["| architecture | random filters | rank | fully trained | rank |", "|---|--:|--:|--:|--:|"]
    for k, i in enumerate(order):
        lines.append(f"| {_arch_name(r.architectures[i])} | {r.random[i]:.1%} | {k + 1} | {r.trained[i]:.1%} | "
                     f"{rank_full[int(i)]} |")
    return "\n".join(lines)


def plot_filter_sets(sets: dict[str, np.ndarray], ax: Any = None) -> Any:
    """The filters of each kind, one row per kind, each filter on its own symmetric grey scale.

    Each row is one mosaic: the filters side by side, one pixel of white between them.

    Returns
    -------
    matplotlib Axes
    """
    n = max(len(f) for f in sets.values())
    size = max(f.shape[-1] for f in sets.values())
    cell = size + 1
    mosaic = np.full((len(sets) * cell - 1, n * cell - 1), np.nan)
    for r, filters in enumerate(sets.values()):
        for c, k in enumerate(np.asarray(filters).reshape(len(filters), *filters.shape[-2:])):
            lim = float(np.abs(k).max()) or 1.0
            mosaic[r * cell:r * cell + k.shape[0], c * cell:c * cell + k.shape[1]] = k / lim
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 0.3 + FIG_WIDTH * 0.78 * mosaic.shape[0] / mosaic.shape[1]))
    cmap = mpl.colormaps["gray"].with_extremes(bad="white")
    ax.imshow(np.ma.masked_invalid(mosaic), cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([r * cell + (size - 1) / 2 for r in range(len(sets))], list(sets))
    for label, kind in zip(ax.get_yticklabels(), sets):
        label.set_color(FEATURE_COLORS.get(kind, "black"))
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def plot_ranking(r: Ranking, ax: Any = None) -> Any:
    """Full-training accuracy against random-filter accuracy, one point per architecture.

    Returns
    -------
    matplotlib Axes
    """
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 3.4))
    ax.plot(100 * r.random, 100 * r.trained, "o", color=FEATURE_COLORS["random"], markersize=7)
    right = 100 * r.random.max()
    for rank, i in enumerate(np.argsort(r.random)):
        size, n, pool = r.architectures[i]
        x, y = 100 * r.random[i], 100 * r.trained[i]
        left = x > right - 10  # labels of the points on the right go to their left
        ax.annotate(f"{n} × {size}², pool {pool}", (x, y), xytext=(-9 if left else 9, 8 if rank % 2 else -12),
                    textcoords="offset points", fontsize=10, ha="right" if left else "left")
    ax.plot(100 * r.random[r.picked], 100 * r.trained[r.picked], "o", mfc="none", mec="black", markersize=13)
    ax.set_xlabel("accuracy with random filters, last layer trained (%)")
    ax.set_ylabel("accuracy fully trained (%)")
    lo = 100 * r.random.min() - 3
    ax.set_xlim(lo, min(100.0, right + 3))
    ax.set_ylim(100 * r.trained.min() - 1.5, 100 * r.trained.max() + 1.5)
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(5))
    ax.grid(True, alpha=0.3)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


# --- efficient algorithms -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sweep:
    """Seconds measured and operations counted for each method over a range of sizes.

    ``seconds[m][i]`` and ``flops[m][i]`` belong to ``sizes[i]``; NaN where
    the method does not apply (Winograd beyond 3 x 3 kernels). ``nbytes[m][i]``
    is the extra buffer of :func:`convbook.conv2d_method_cost`.
    """

    sizes: tuple[int, ...]
    seconds: dict[str, np.ndarray]
    flops: dict[str, np.ndarray]
    nbytes: dict[str, np.ndarray]


def _rank_one(k: int) -> np.ndarray:
    """A ``k x k`` binomial (Gaussian-like) blur: separable, rank 1."""
    row = np.array([math.comb(k - 1, i) for i in range(k)], dtype=float)
    return np.outer(row, row) / row.sum() ** 2


def sweep(kernel_sizes: Sequence[int], image_sizes: Sequence[int], *, repeat: int = 3,
          min_time: float = 0.002, seed: int = 0) -> Sweep:
    """Time ``conv2d(x, w, method=m)`` on one channel for every pair (image size, kernel size) given.

    Exactly one of the two sequences has more than one entry; it is the
    swept axis. The kernel is a rank-1 binomial blur, so that the separable
    method (:func:`convbook.separable_correlate2d` with rank 1) computes the
    same result; ``'winograd'`` runs for 3 x 3 kernels only. Times are
    :func:`convbook.median_time` medians on the machine that runs this.
    """
    if len(kernel_sizes) > 1 and len(image_sizes) > 1:
        raise ValueError("sweep: sweep kernel sizes or image sizes, not both; got "
                         f"{len(kernel_sizes)} kernel sizes and {len(image_sizes)} image sizes")
    pairs = [(n, k) for n in image_sizes for k in kernel_sizes]
    sizes = tuple(kernel_sizes) if len(kernel_sizes) > 1 else tuple(image_sizes)
    rng = np.random.default_rng(seed)
    methods = ("direct", "im2col", "fft", "winograd", "separable")
    sec = {m: np.full(len(pairs), np.nan) for m in methods}
    ops = {m: np.full(len(pairs), np.nan) for m in methods}
    mem = {m: np.full(len(pairs), np.nan) for m in methods}
    for i, (n, k) in enumerate(pairs):
        x = rng.normal(size=(1, 1, n, n))
        w = _rank_one(k)[None, None]
        for m in methods[:4]:
            if m == "winograd" and k != 3:
                continue
            c = conv2d_method_cost(m, x.shape, w.shape)
            ops[m][i], mem[m][i] = c.flops, c.nbytes
            sec[m][i] = median_time(lambda m=m, x=x, w=w: conv2d(x, w, method=m), repeat=repeat,
                                    min_time=min_time)
        sep = separable_cost((k, k), 1, (n - k + 1, n - k + 1))["separable"]
        ops["separable"][i], mem["separable"][i] = sep.flops, 0
        sec["separable"][i] = median_time(lambda x=x, w=w: separable_correlate2d(x[0, 0], w[0, 0], rank=1),
                                          repeat=repeat, min_time=min_time)
    return Sweep(sizes, sec, ops, mem)


def crossover(sizes: Sequence[int], slow: Sequence[float], fast: Sequence[float]) -> int | None:
    """The first size from which ``fast`` stays below ``slow`` to the end of the sweep (None if never).

    Examples
    --------
    >>> crossover([3, 5, 9, 15], [1, 2, 4, 8], [3, 3, 3, 3])
    9
    >>> crossover([3, 5], [1, 2], [3, 3]) is None
    True
    """
    below = [f < s for s, f in zip(slow, fast)]
    for i in range(len(below)):
        if all(below[i:]):
            return int(sizes[i])
    return None


def peak_bytes(fn: Any, *args: Any, **kwargs: Any) -> int:
    """Peak bytes allocated while ``fn(*args, **kwargs)`` runs, measured with :mod:`tracemalloc`.

    numpy reports its array buffers to ``tracemalloc``, so this is the peak
    of the temporary arrays and the result together.

    Examples
    --------
    >>> import numpy as np
    >>> peak_bytes(np.zeros, 1_000_000) >= 8_000_000
    True
    """
    import tracemalloc

    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def plot_sweep(s: Sweep, xlabel: str, ax: Any = None) -> Any:
    """Two panels over the swept size: operations counted by the cost model, and seconds measured.

    Returns
    -------
    matplotlib Figure
    """
    if ax is None:
        fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 3.3))
    else:
        axes = ax
        fig = axes[0].figure
    for m, color in METHOD_COLORS.items():
        ok = ~np.isnan(s.seconds[m])
        if not ok.any():
            continue
        xs = np.array(s.sizes)[ok]
        marker = "s" if ok.sum() == 1 else "o-"
        axes[0].loglog(xs, s.flops[m][ok], marker, color=color, label=m, markersize=5)
        axes[1].loglog(xs, s.seconds[m][ok] * 1e3, marker, color=color, label=m, markersize=5)
    axes[0].set_ylabel("multiplies + adds (counted)")
    axes[1].set_ylabel("milliseconds (measured)")
    for a in axes:
        a.set_xlabel(xlabel)
        a.set_xticks(list(s.sizes))
        a.xaxis.set_major_formatter(mpl.ticker.ScalarFormatter())
        a.xaxis.set_minor_locator(mpl.ticker.NullLocator())
        a.grid(True, which="major", alpha=0.3)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return check_legible(fig)


def separable_table(widths: Sequence[int], dims: Sequence[int], output_side: int = 100) -> str:
    """Multiplies per output of a ``w``-wide kernel in ``d`` dimensions: full, and as one separable pass.

    From :func:`convbook.separable_cost` on an output of ``output_side``
    along every axis (the separable pass's intermediate arrays are a little
    larger than the output, so its count per output is a little above
    ``w * d``).
    """
    lines = ["| kernel | full: multiplies per output | separable | ratio |", "|---|--:|--:|--:|"]
    for d in dims:
        for w in widths:
            c = separable_cost((w,) * d, 1, (output_side,) * d)
            outputs = output_side ** d
            full, sep = c["full"].multiplies / outputs, c["separable"].multiplies / outputs
            lines.append(f"| {' × '.join([str(w)] * d)} | {full:,.0f} | {sep:.1f} | {full / sep:.1f} |")
    return "\n".join(lines)


def method_cost_table(costs: dict[str, Any]) -> str:
    """:class:`convbook.Cost` of each method (from :func:`convbook.conv2d_method_cost`) as a Markdown table."""
    lines = ["| method | multiplies | adds | extra memory (MiB) |", "|---|--:|--:|--:|"]
    for m, c in costs.items():
        lines.append(f"| {m} | {c.multiplies:,} | {c.adds:,} | {c.nbytes / 2**20:.1f} |")
    return "\n".join(lines)


def plot_low_rank(errors: dict[str, Sequence[float]], ax: Any = None) -> Any:
    """Relative error of the best rank-r approximation against r, one line per kernel.

    ``errors[name][r - 1]`` is the error at rank ``r`` (from :func:`convbook.low_rank_kernel`).

    Returns
    -------
    matplotlib Axes
    """
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 3.0))
    colors = ("tab:blue", "tab:orange", "tab:green", "tab:gray")
    for (name, errs), color in zip(errors.items(), colors):
        ranks = np.arange(1, len(errs) + 1)
        ax.plot(ranks, 100 * np.asarray(errs), "o-", color=color, label=name, markersize=5)
    ax.set_xlabel("rank r of the approximation (separable passes)")
    ax.set_ylabel("relative error (%)")
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylim(-3, 103)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


# --- how close to the machine ---------------------------------------------------------------------------------------

#: The medium layer of ``make bench``: (batch, C_in, side, C_out); 3 x 3 kernels, padding 1, float32.
MACHINE_LAYER = (8, 32, 32, 64)
#: The map pooled by :func:`machine_comparison` (2 x 2 windows, stride 2), float32.
MACHINE_POOL_SHAPE = (8, 64, 32, 32)


@dataclass(frozen=True)
class Compared:
    """One result of convbook and torch's (``reference``) for the same call, equal within ``atol`` (float32)."""

    name: str
    ours: np.ndarray
    reference: np.ndarray
    atol: float


@dataclass(frozen=True)
class SpeedRow:
    """One timed call: median seconds, its time over torch's for the same operation, and FLOPs counted.

    ``flops`` is 0 where no FLOPs are counted (pooling does no
    multiply-adds, only a comparison or an addition per input read, and is
    limited by memory).
    """

    operation: str
    by: str
    seconds: float
    ratio: float
    flops: int


@dataclass(frozen=True)
class MachineComparison:
    """What :func:`machine_comparison` measured: the core's peak (FLOP/s), the rows, and the results compared."""

    peak: float
    rows: tuple[SpeedRow, ...]
    compared: tuple[Compared, ...]

    def row(self, operation: str, by: str) -> SpeedRow:
        """The row of ``operation`` computed ``by`` (``'torch'``, ``'convbook'`` or a method's name)."""
        for r in self.rows:
            if (r.operation, r.by.split(" ")[0]) == (operation, by):
                return r
        raise KeyError(f"MachineComparison.row: no row {operation!r} by {by!r}")

    def share(self, r: SpeedRow) -> float:
        """The share of the peak a row reaches: its FLOPs per second over :attr:`peak` (0 without FLOPs)."""
        return r.flops / r.seconds / self.peak


#: Results are equal when within this fraction of the reference's largest magnitude (float32 sums of thousands).
_RELATIVE_TOLERANCE = 2e-5


def _checked(name: str, ours: Any, ref: Any) -> Compared:
    ours = np.asarray(ours)
    ref = ref.detach().numpy() if hasattr(ref, "detach") else np.asarray(ref)
    atol = _RELATIVE_TOLERANCE * max(1.0, float(np.abs(ref).max()))
    if ours.shape != ref.shape or ours.dtype != ref.dtype or not np.allclose(ours, ref, rtol=0, atol=atol):
        raise RuntimeError(f"machine_comparison: {name} is not torch's result (shapes {ours.shape} and "
                           f"{ref.shape}, dtypes {ours.dtype} and {ref.dtype}); nothing was timed")
    return Compared(name, ours, ref, atol)


def machine_comparison(*, repeat: int = 5, min_time: float = 0.02, trials: int = 20,
                       seed: int = 0) -> MachineComparison:
    """Time convbook against torch on one core, beside the core's peak; every result checked equal first.

    On one thread (numpy's BLAS and torch): the peak is
    :func:`convbook.peak_gemm_flops` (float32, ``trials`` per size); then
    ``conv2d`` on :data:`MACHINE_LAYER` (as called, ``method='auto'``, and by
    each method), ``conv2d_backward`` against torch's
    ``convolution_backward`` (the three gradients), and ``max_pool2d`` and
    ``avg_pool2d`` (2 x 2, stride 2) on :data:`MACHINE_POOL_SHAPE`, all
    float32. Each result is compared with torch's (within 2e-5 of its
    largest magnitude; :class:`RuntimeError` before any timing otherwise),
    then each operation is timed with :func:`convbook.compare_times`
    (``repeat`` interleaved rounds of about ``min_time`` seconds per call,
    torch the reference). FLOPs are the cost model's, 2 per multiply-add:
    ``2 * conv2d_cost(...).multiplies`` forward, and the input and weight
    gradients (two correlations of the same size) backward.

    Returns
    -------
    MachineComparison
    """
    f = "machine_comparison"
    for name, v, low in (("repeat", repeat, 1), ("trials", trials, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{f}: {name} must be a whole number >= {low}; got {v!r}")
    if isinstance(min_time, bool) or not isinstance(min_time, (int, float)) or not 0 < min_time <= 1:
        raise ValueError(f"{f}: min_time (seconds per call per round) must be in (0, 1]; got {min_time!r}")
    import torch
    import torch.nn.functional as F
    from threadpoolctl import threadpool_limits

    n, c, side, o = MACHINE_LAYER
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, side, side)).astype(np.float32)
    w = (rng.normal(size=(o, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
    g = rng.normal(size=(n, o, side, side)).astype(np.float32)
    xp = rng.normal(size=MACHINE_POOL_SHAPE).astype(np.float32)
    tx, tw, tg, txp = (torch.from_numpy(a) for a in (x, w, g, xp))
    forward = 2 * conv2d_cost(x.shape, w.shape, padding=1).multiplies
    backward = 2 * (conv2d_cost(g.shape, (c, o, 3, 3), padding=1).multiplies              # input gradient
                    + conv2d_cost((c, n, side, side), (o, n, side, side), padding=1).multiplies)  # weight gradient

    def torch_backward() -> Any:
        return torch.ops.aten.convolution_backward(tg, tx, tw, [o], [1, 1], [1, 1], [1, 1], False, [0, 0], 1,
                                                   [True, True, True])

    with threadpool_limits(1), one_torch_thread():
        peak = peak_gemm_flops(np.float32, trials=trials)
        methods = [m for m in CONV2D_METHODS if m != "auto"]
        auto = choose_conv2d_method(x, w, padding=1)
        ref = F.conv2d(tx, tw, padding=1)
        compared = [_checked(f"conv2d, method {m}", conv2d(x, w, padding=1, method=m), ref)
                    for m in CONV2D_METHODS]
        compared += [_checked(f"conv2d_backward, {what}", ours, theirs) for what, ours, theirs in
                     zip(("input gradient", "weight gradient", "bias gradient"),
                         conv2d_backward(g, x, w, padding=1), torch_backward())]
        compared.append(_checked("max_pool2d", max_pool2d(xp, 2), F.max_pool2d(txp, 2)))
        compared.append(_checked("avg_pool2d", avg_pool2d(xp, 2), F.avg_pool2d(txp, 2)))
        groups: list[tuple[str, int, dict[str, Any]]] = [
            ("conv2d", forward, {"torch": lambda: F.conv2d(tx, tw, padding=1),
                                 f"convbook (auto: {auto})": lambda: conv2d(x, w, padding=1),
                                 **{m: (lambda m=m: conv2d(x, w, padding=1, method=m)) for m in methods}}),
            ("conv2d_backward", backward, {"torch": torch_backward,
                                           "convbook": lambda: conv2d_backward(g, x, w, padding=1)}),
            ("max_pool2d", 0, {"torch": lambda: F.max_pool2d(txp, 2), "convbook": lambda: max_pool2d(xp, 2)}),
            ("avg_pool2d", 0, {"torch": lambda: F.avg_pool2d(txp, 2), "convbook": lambda: avg_pool2d(xp, 2)}),
        ]
        rows = []
        for operation, flops, calls in groups:
            for t in compare_times(calls, "torch", repeat=repeat, min_time=min_time):
                rows.append(SpeedRow(operation, t.name, t.seconds, t.ratio, flops))
    return MachineComparison(peak, tuple(rows), tuple(compared))


def machine_table(m: MachineComparison) -> str:
    """The rows of :func:`machine_comparison` as a Markdown table, after a line giving the peak.

    Examples
    --------
    >>> m = MachineComparison(1e11, (SpeedRow("conv2d", "torch", 0.004, 1.0, 2 * 10**8),
    ...                                SpeedRow("max_pool2d", "convbook", 0.001, 1.5, 0)), ())
    >>> print(machine_table(m))
    Peak of this core (the best float32 matrix product, numpy, one thread): **100.0 GFLOP/s**
    <BLANKLINE>
    | operation | computed by | ms | time / torch's | GFLOP/s | share of peak |
    |---|---|--:|--:|--:|--:|
    | conv2d | torch | 4.00 | 1.00 | 50.0 | 50% |
    | max_pool2d | convbook | 1.00 | 1.50 | – | – |
    """
    if not isinstance(m, MachineComparison):
        raise TypeError(f"machine_table: m must be a MachineComparison (from machine_comparison); "
                        f"got {type(m).__name__}")
    lines = [f"Peak of this core (the best float32 matrix product, numpy, one thread): **{m.peak / 1e9:.1f} GFLOP/s**",
             "", "| operation | computed by | ms | time / torch's | GFLOP/s | share of peak |",
             "|---|---|--:|--:|--:|--:|"]
    last = ""
    for r in m.rows:
        rate = f"{r.flops / r.seconds / 1e9:.1f} | {m.share(r):.0%}" if r.flops else "– | –"
        op = r.operation if r.operation != last else ""
        last = r.operation
        lines.append(f"| {op} | {r.by} | {r.seconds * 1e3:.2f} | {r.ratio:.2f} | {rate} |")
    return "\n".join(lines)
