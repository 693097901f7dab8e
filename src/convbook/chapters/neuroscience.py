"""The chapter *The neuroscientific basis*: Gabor functions, simple and complex cells, measured.

A simple cell (简单细胞) is modelled as a linear filter whose weights are a
Gabor function (:func:`convbook.gabor`); :func:`grating_responses` probes it
with gratings as a physiologist would, giving orientation and frequency
tuning curves (:func:`tuning_curve`). A complex cell (复杂细胞) is modelled by
the energy model, the length of the responses of a quadrature pair
(:func:`energy`); :func:`phase_modulation` measures how much a response
changes as the grating's phase moves. :func:`maxout_over_phases` and
:func:`pooled_over_space` show the two pooling mechanisms of a
convolutional network that approximate the energy model. Figures:
:func:`plot_gabor_grid` (Goodfellow et al., fig. 9.18), :func:`plot_bank`,
:func:`plot_tuning`, :func:`plot_phase_responses`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ..conv import conv2d
from ..data import digits, grace_hopper
from ..gabor import gabor, gabor_kernel, grating, kernel_grid
from ..plotting import FIG_WIDTH, check_legible
from ..pooling import max_pool2d

__all__ = ["SIZE", "CELL", "bank", "bank_responses", "grating_responses", "tuning_curve", "energy",
           "phase_modulation", "maxout_over_phases", "pooled_over_space", "plot_gabor_grid", "plot_bank",
           "plot_tuning", "plot_phase_responses", "CELL_COLORS", "TIMELINE", "FEEDFORWARD_MS",
           "natural_images", "sample_patches", "learn_filters", "fit_gabor", "digit_cnn_filters", "plot_filters",
           "plot_kernel"]

#: Side of the kernels and stimuli of the chapter (pixels).
SIZE = 21

#: The model simple cell of the chapter: a Gabor of orientation 0 and period 8 pixels.
CELL: dict[str, float] = dict(beta_x=1 / 50, beta_y=1 / 50, f=2 * math.pi / 8, tau=0.0)

#: The literature's time for the first, feed-forward sweep from the retina to IT (ms; Thorpe et al., 1996;
#: DiCarlo et al., 2012), after which feedback from higher areas starts to act.
FEEDFORWARD_MS = 100

#: One colour per kind of cell, the same in every figure.
CELL_COLORS = {"simple": "tab:blue", "complex": "tab:red", "maxout": "tab:green", "pooled": "tab:purple"}

#: The history of section 9.11 of Goodfellow et al.: (year, event, bibliography key).
TIMELINE: tuple[tuple[int, str, str], ...] = (
    (1959, "Hubel & Wiesel: single neurons of the cat's V1 respond to oriented bars", "hubel1959receptive"),
    (1962, "Hubel & Wiesel: simple and complex cells", "hubel1962receptive"),
    (1980, "Fukushima's Neocognitron: simple and complex layers, no back-propagation", "fukushima1980neocognitron"),
    (1989, "LeCun et al.: a convolutional network trained with back-propagation reads ZIP codes",
     "lecun1989backpropagation"),
    (1998, "LeCun et al.: LeNet-5 and the cheque-reading system", "lecun1998gradient"),
    (2012, "Krizhevsky et al.: a deep convolutional network wins ImageNet", "krizhevsky2012imagenet"),
)


def bank(n_orientations: int = 4, periods: Sequence[float] = (6.0, 12.0), phi: float = 0.0,
         size: int = SIZE) -> tuple[np.ndarray, list[str]]:
    """A bank of Gabor kernels: ``n_orientations`` orientations for each period, envelope width tied to the period.

    Returns
    -------
    kernels : array, shape (n_orientations * len(periods), 1, size, size)
        PyTorch's weight layout for :func:`convbook.conv2d`, each kernel of zero mean and unit norm.
    labels : list of str, one per kernel
    """
    kernels, labels = [], []
    for period in periods:
        beta = 1 / (2 * (0.6 * period) ** 2)
        for i in range(n_orientations):
            tau = math.pi * i / n_orientations
            k = gabor_kernel(size, beta_x=beta, beta_y=beta, f=2 * math.pi / period, phi=phi, tau=tau)
            k = k - k.mean()
            kernels.append(k / np.linalg.norm(k))
            labels.append(f"τ = {round(math.degrees(tau))}°, period {period:g}")
    return np.stack(kernels)[:, None], labels


def bank_responses(image: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """The rectified responses of simple cells with weights ``kernels`` at every position of a grey image.

    Returns
    -------
    array, shape (len(kernels), H, W): ``max(0, kernel ⋆ image)`` with zero padding (``same`` size)
    """
    pad = kernels.shape[-1] // 2
    return np.maximum(conv2d(np.asarray(image, float)[None, None], kernels, padding=pad)[0], 0.0)


def grating_responses(kernel: np.ndarray, *, f: float, thetas: Sequence[float] = (0.0,),
                      phases: Sequence[float] | np.ndarray = (0.0,)) -> np.ndarray:
    """The linear response ``Σ kernel · grating`` of a cell centred on gratings of frequency ``f``.

    Returns
    -------
    array, shape (len(thetas), len(phases))
    """
    k = np.asarray(kernel, float)
    return np.array([[float(np.sum(k * grating(k.shape, f=f, theta=t, phi=p))) for p in phases] for t in thetas])


def tuning_curve(kernel: np.ndarray, *, fs: Sequence[float], thetas: Sequence[float],
                 n_phases: int = 16) -> np.ndarray:
    """The best response over the grating's phase, for each frequency and orientation: a tuning curve.

    Returns
    -------
    array, shape (len(fs), len(thetas))
    """
    phases = np.linspace(0, 2 * math.pi, n_phases, endpoint=False)
    return np.array([grating_responses(kernel, f=f, thetas=thetas, phases=phases).max(axis=1) for f in fs])


def energy(s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """The energy model of a complex cell: ``sqrt(s0² + s1²)`` of a quadrature pair's responses.

    Returns
    -------
    array, the broadcast shape of ``s0`` and ``s1``
    """
    return np.sqrt(np.asarray(s0, float) ** 2 + np.asarray(s1, float) ** 2)


def phase_modulation(response: np.ndarray) -> float:
    """How much a response changes over a stimulus's phases: ``(max − min) / (max + min)``, 0 when invariant.

    Returns
    -------
    float in [0, 1] for non-negative responses (1: the response falls to zero at some phase)
    """
    r = np.asarray(response, float)
    return float((r.max() - r.min()) / (r.max() + r.min()))


def maxout_over_phases(s0: np.ndarray, s1: np.ndarray, k: int) -> np.ndarray:
    """A maxout unit over ``k`` simple cells of equally spaced phases ``2πi/k``, from the pair's responses.

    The cell of phase φ responds ``cos φ · s0 + sin φ · s1`` (its weights are
    ``cos φ`` times the even Gabor plus ``sin φ`` times the odd one), so the
    maxout unit's response lies between ``cos(π/k)`` times the energy and the energy.

    Returns
    -------
    array, the broadcast shape of ``s0`` and ``s1``
    """
    phis = 2 * math.pi * np.arange(k) / k
    s0, s1 = np.asarray(s0, float), np.asarray(s1, float)
    return np.max([math.cos(p) * s0 + math.sin(p) * s1 for p in phis], axis=0)


def pooled_over_space(kernel: np.ndarray, *, f: float, phases: Sequence[float], window: int,
                      size: int = 64) -> np.ndarray:
    """A simple cell's rectified response map on a grating, max-pooled over a ``window``-wide neighbourhood.

    Moving a grating's phase moves its bars; a max over positions finds the
    best-aligned bar within the window, as max pooling does.

    Returns
    -------
    array, shape (len(phases),): the pooled response at the centre of the map, one per phase
    """
    k = np.asarray(kernel, float)
    out = []
    for p in phases:
        g = grating(size, f=f, phi=p)
        resp = np.maximum(conv2d(g[None, None], k[None, None])[0, 0], 0.0)
        c = resp.shape[0] // 2
        out.append(float(max_pool2d(resp[None, None, c - window // 2:c + window // 2 + 1,
                                         c - window // 2:c + window // 2 + 1], window)[0, 0, 0, 0]))
    return np.array(out)


def _show(ax: Any, k: np.ndarray, title: str) -> None:
    lim = float(np.abs(k).max()) or 1.0
    ax.imshow(k, cmap="gray", vmin=-lim, vmax=lim)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_gabor_grid(size: int = SIZE) -> Any:
    """Goodfellow et al.'s fig. 9.18 as rows: orientation τ, envelope (β_x, β_y), frequency f, phase φ varied.

    White is positive, black negative, grey zero. Each row changes one
    group of parameters of :data:`CELL` and keeps the others.

    Returns
    -------
    matplotlib Figure
    """
    n = 5
    rows = [("τ", [dict(tau=math.pi * i / n) for i in range(n)], [f"{round(180 * i / n)}°" for i in range(n)]),
            ("β", [dict(beta_x=b, beta_y=b * r) for b, r in zip((0.1, 0.05, 0.02, 0.01, 0.005), (1, 2, 1, 0.25, 1))],
             ["0.1, 0.1", "0.05, 0.1", "0.02, 0.02", "0.01, 0.0025", "0.005, 0.005"]),
            ("f", [dict(f=2 * math.pi / p) for p in (16, 10, 8, 5, 3)], ["2π/16", "2π/10", "2π/8", "2π/5", "2π/3"]),
            ("φ", [dict(phi=math.pi * i / 4) for i in range(n)], ["0", "π/4", "π/2", "3π/4", "π"])]
    fig, axes = plt.subplots(4, n, figsize=(FIG_WIDTH * 0.8, 4 * FIG_WIDTH * 0.8 / n + 0.6))
    for r, (name, settings, titles) in enumerate(rows):
        for c, (setting, title) in enumerate(zip(settings, titles)):
            _show(axes[r, c], gabor_kernel(size, **{**CELL, **setting}), f"{name} = {title}" if c == 0 else title)
    fig.tight_layout()
    return check_legible(fig)


def plot_bank(image: np.ndarray, kernels: np.ndarray, labels: Sequence[str], show: Sequence[int]) -> Any:
    """Kernels of :func:`bank` (top row) above their rectified responses on ``image`` (bottom row).

    Returns
    -------
    matplotlib Figure
    """
    resp = bank_responses(image, kernels[list(show)])
    n = len(show)
    fig, axes = plt.subplots(2, n, figsize=(FIG_WIDTH, FIG_WIDTH / n * (1 + image.shape[0] / image.shape[1]) + 0.5),
                             gridspec_kw=dict(height_ratios=(1, image.shape[0] / image.shape[1])))
    for j, i in enumerate(show):
        _show(axes[0, j], kernels[i, 0], labels[i].replace(", ", "\n"))
        axes[1, j].imshow(resp[j], cmap="gray", vmin=0, vmax=float(np.percentile(resp[j], 99.5)) or 1.0)
        axes[1, j].set_xticks([])
        axes[1, j].set_yticks([])
    fig.tight_layout()
    return check_legible(fig)


def plot_tuning(thetas_deg: np.ndarray, orientation: np.ndarray, periods: np.ndarray, frequency: np.ndarray) -> Any:
    """Two tuning curves of the model simple cell, each normalized to its peak: orientation, then period.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 2.8), sharey=True)
    axes[0].plot(thetas_deg, orientation / orientation.max(), "o-", ms=3, color=CELL_COLORS["simple"])
    axes[0].set_xlabel("grating orientation θ (degrees)")
    axes[0].set_ylabel("response / peak")
    axes[0].xaxis.set_major_locator(mpl.ticker.MultipleLocator(45))
    axes[1].plot(periods, frequency / frequency.max(), "o-", ms=3, color=CELL_COLORS["simple"])
    axes[1].set_xlabel("grating period (pixels)")
    axes[1].xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return check_legible(fig)


def plot_phase_responses(phases: np.ndarray, curves: dict[str, np.ndarray], labels: dict[str, str]) -> Any:
    """Responses against the grating's phase, one line per kind of cell (colours of :data:`CELL_COLORS`).

    Returns
    -------
    matplotlib Figure
    """
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.2))
    for kind, r in curves.items():
        ax.plot(np.degrees(phases), r, "o-", ms=3, color=CELL_COLORS[kind], label=labels[kind])
    ax.set_xlabel("grating phase (degrees)")
    ax.set_ylabel("response")
    ax.xaxis.set_major_locator(mpl.ticker.MultipleLocator(90))
    ax.grid(alpha=0.3)
    top = max(float(r.max()) for r in curves.values())
    ax.set_ylim(0, top * 1.6)
    ax.legend(loc="upper center", ncol=2, frameon=False)
    fig.tight_layout()
    return check_legible(fig)


def natural_images() -> list[np.ndarray]:
    """Grey natural photographs that ship with the installed packages: matplotlib's and scikit-learn's.

    Returns
    -------
    list of arrays, shapes (350, 400), (427, 640), (427, 640); values in [0, 1]
    """
    from sklearn.datasets import load_sample_images

    out = [grace_hopper(400, 350)]
    for rgb in load_sample_images().images:
        out.append(rgb.astype(float) @ np.array([0.299, 0.587, 0.114]) / 255.0)
    return out


def sample_patches(images: Sequence[np.ndarray], n: int, size: int, seed: int = 0) -> np.ndarray:
    """``n`` random ``size x size`` patches, taken in turn from each image, each with its mean removed.

    Returns
    -------
    array, shape (n, size * size)
    """
    rng = np.random.default_rng(seed)
    out = np.empty((n, size * size))
    for k in range(n):
        im = images[k % len(images)]
        i, j = rng.integers(0, im.shape[0] - size), rng.integers(0, im.shape[1] - size)
        out[k] = im[i:i + size, j:j + size].ravel()
    return out - out.mean(axis=1, keepdims=True)


def learn_filters(patches: np.ndarray, k: int, method: str, seed: int = 0) -> np.ndarray:
    """``k`` features learned from patches: ``'ica'`` (FastICA), ``'sparse'`` (sparse coding) or ``'pca'``.

    The data are whitened by PCA to ``k`` dimensions; ICA finds a rotation of
    the whitened data whose components are as independent (as non-Gaussian)
    as possible, sparse coding (``MiniBatchDictionaryLearning``, L1 penalty
    3, three passes) a dictionary in which each patch is a sparse
    combination. The features shown are the basis functions (ICA's mixing
    matrix, the dictionary's atoms) taken back to pixel space, as in
    Bell & Sejnowski (1997) and Olshausen & Field (1996), and PCA's components.

    Returns
    -------
    array, shape (k, size, size), each feature scaled to a largest magnitude of 1
    """
    from sklearn.decomposition import PCA, FastICA, MiniBatchDictionaryLearning

    if method not in ("ica", "sparse", "pca"):
        raise ValueError(f"learn_filters: method must be 'ica', 'sparse' or 'pca'; got {method!r}")
    size = int(round(math.sqrt(patches.shape[1])))
    pca = PCA(n_components=k, whiten=True, random_state=seed).fit(patches)
    if method == "pca":
        feats = pca.components_
    elif method == "ica":
        z = pca.transform(patches)
        ica = FastICA(whiten=False, random_state=seed, max_iter=400, tol=1e-4).fit(z)
        feats = ica.mixing_.T @ (pca.components_ * np.sqrt(pca.explained_variance_[:, None]))
    else:  # sparse coding
        z = pca.transform(patches)
        dl = MiniBatchDictionaryLearning(n_components=k, alpha=3.0, batch_size=256, max_iter=3, fit_algorithm="cd",
                                         random_state=seed).fit(z)
        feats = dl.components_ @ (pca.components_ * np.sqrt(pca.explained_variance_[:, None]))
    feats = feats / np.abs(feats).max(axis=1, keepdims=True)
    return feats.reshape(k, size, size)


def fit_gabor(w: np.ndarray) -> tuple[dict[str, float], float]:
    """The Gabor function closest to a filter in least squares (scipy.optimize), and the fit's R².

    Starts from the filter's strongest spatial frequency (its Fourier peak) and
    its largest entry, with phases 0 and π/2; keeps the better fit.

    Returns
    -------
    (parameters of :func:`convbook.gabor`, R² = 1 − residual / variance of the filter)
    """
    from scipy.optimize import least_squares

    w = np.asarray(w, float)
    w = w / np.abs(w).max()
    xg, yg = kernel_grid(w.shape[0])
    spec = np.abs(np.fft.fft2(w, (32, 32)))
    spec[0, 0] = 0
    i, j = np.unravel_index(spec.argmax(), spec.shape)
    fy, fx = 2 * np.pi * (i if i < 16 else i - 32) / 32, 2 * np.pi * (j if j < 16 else j - 32) / 32
    cy, cx = np.unravel_index(np.abs(w).argmax(), w.shape)

    def model(p: np.ndarray) -> np.ndarray:
        a, lbx, lby, f, ph, x0, y0, t = p
        dx, dy = xg - x0, yg - y0
        xr, yr = dx * np.cos(t) + dy * np.sin(t), -dx * np.sin(t) + dy * np.cos(t)
        return a * np.exp(-np.exp(lbx) * xr ** 2 - np.exp(lby) * yr ** 2) * np.cos(f * xr + ph)

    best = None
    for ph in (0.0, np.pi / 2):
        start = [1.0, np.log(0.1), np.log(0.1), np.hypot(fx, fy), ph, xg[cy, cx], yg[cy, cx], np.arctan2(fy, fx)]
        r = least_squares(lambda p: (model(p) - w).ravel(), start, max_nfev=200)
        if best is None or r.cost < best.cost:
            best = r
    assert best is not None
    a, lbx, lby, f, ph, x0, y0, t = best.x
    params = dict(alpha=a, beta_x=float(np.exp(lbx)), beta_y=float(np.exp(lby)), f=f, phi=ph, x0=x0, y0=y0, tau=t)
    r2 = 1 - float(np.sum((gabor(xg, yg, **params) - w) ** 2)) / float(np.sum((w - w.mean()) ** 2))
    return params, r2


def digit_cnn_filters(n_filters: int = 8, size: int = 5, epochs: int = 60, seed: int = 0) -> tuple[np.ndarray, float]:
    """First-layer filters of a small CNN trained on scikit-learn's 8 x 8 digits, and its training accuracy.

    Convolution (``n_filters`` kernels of ``size x size``, padding to keep 8 x 8), ReLU,
    2 x 2 max pooling, one dense layer to 10 classes; Adam on all 1,797 images.

    Returns
    -------
    (filters, array of shape (n_filters, size, size) scaled to a largest magnitude of 1; accuracy in [0, 1])
    """
    import torch

    torch.manual_seed(seed)
    images, labels = digits()
    x = torch.tensor(images, dtype=torch.float32)[:, None]
    y = torch.tensor(labels)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, n_filters, size, padding=size // 2), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(n_filters * 16, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
    acc = float((net(x).argmax(1) == y).float().mean())
    w = net[0].weight.detach().numpy()[:, 0].astype(float)
    return w / np.abs(w).max(axis=(1, 2), keepdims=True), acc


def _mosaic(filters: np.ndarray, cols: int) -> np.ndarray:
    k, s, _ = filters.shape
    rows = -(-k // cols)
    out = np.full((rows * (s + 1) - 1, cols * (s + 1) - 1), np.nan)
    for i, f in enumerate(filters):
        r, c = divmod(i, cols)
        out[r * (s + 1):r * (s + 1) + s, c * (s + 1):c * (s + 1) + s] = f
    return out


def plot_filters(sets: dict[str, np.ndarray], cols: Sequence[int]) -> Any:
    """Sets of filters side by side, each as a mosaic (white positive, black negative, grey zero).

    Returns
    -------
    matplotlib Figure
    """
    n = len(sets)
    fig, axes = plt.subplots(1, n, figsize=(FIG_WIDTH, FIG_WIDTH / n + 0.6), squeeze=False)
    cmap = mpl.colormaps["gray"].with_extremes(bad="white")
    for ax, (title, filters), c in zip(axes[0], sets.items(), cols):
        ax.imshow(_mosaic(filters, c), cmap=cmap, vmin=-1, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return check_legible(fig)


def plot_kernel(kernel: np.ndarray, title: str = "") -> Any:
    """One kernel, large, with its pixel rows and columns numbered (white positive, black negative, grey zero).

    Returns
    -------
    matplotlib Figure
    """
    k = np.asarray(kernel, float)
    lim = float(np.abs(k).max()) or 1.0
    fig, ax = plt.subplots(figsize=(FIG_WIDTH * 0.55, FIG_WIDTH * 0.5))
    im = ax.imshow(k, cmap="gray", vmin=-lim, vmax=lim)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.xaxis.set_major_locator(mpl.ticker.MultipleLocator(2))
    ax.yaxis.set_major_locator(mpl.ticker.MultipleLocator(2))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return check_legible(fig)
