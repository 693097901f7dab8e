"""The chapter *Pooling*: invariance measured, rotation-pooled detectors, whole networks' shapes, and
fully connected layers run as convolutions.

Pooling is said to make a representation approximately invariant (近似不变)
to small translations; :func:`shift_sensitivity` measures how approximately
(:func:`strided_shift_sensitivity` at the stride networks pool with, and
:func:`shift_consistency` on a classifier's decisions, after Zhang 2019),
:func:`compose_strided` collapses a stack of linear layers into one, and
:func:`rotation_responses` rebuilds Goodfellow et al.'s fig. 9.9 (a max over
detectors of rotated copies of a pattern) with real digits.
:func:`vgg16_shapes` and :class:`TinyNet` follow every size through a network
with :func:`convbook.output_size` (variable input sizes; VGG at 384 x 384).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .._checks import as_array, as_int
from ..conv import conv2d
from ..correlate import convolve2d
from ..equivariance import equivariance_error, rotate, shift
from ..plotting import FIG_WIDTH, check_legible, show_images  # noqa: F401  (show_images: for the notebook)
from ..pooling import avg_pool2d, max_pool2d
from ..shapes import output_size

__all__ = ["shift_sensitivity", "upsample_digits", "rotation_bank", "detector_responses",
           "rotation_responses", "relative_spread", "VGG16", "LayerShape", "vgg16_shapes", "TinyNet",
           "plot_pooling_windows", "plot_floor_and_ceil", "plot_shift_sensitivity", "plot_rotation_responses",
           "METHOD_COLORS", "EXAMPLE_SETTINGS", "describe_pooling", "pooling_equivariance_error",
           "strided_shift_sensitivity", "shift_consistency", "plot_shift_curves", "compose_strided"]


#: Three settings of a 2-D pooling that the chapter compares with torch: the plain default, GoogLeNet's
#: overlapping ceil-mode pooling, and one with different sizes, strides, padding and dilation per axis.
EXAMPLE_SETTINGS: tuple[dict[str, Any], ...] = (
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
)


def _by_axis(v: int | tuple[int, int]) -> str:
    return f"{v[0]} × {v[1]}" if isinstance(v, tuple) and v[0] != v[1] else str(v[0] if isinstance(v, tuple) else v)


def describe_pooling(kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                     padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
                     ceil_mode: bool = False) -> str:
    """A pooling's arguments (torch's names) in words, for a reader: ``"3 × 3 windows, stride 2, ceil mode"``.

    Settings left at their defaults (stride equal to the window, no padding,
    no dilation, floor mode) are not mentioned; a pair that differs between
    the axes reads "height × width".

    Examples
    --------
    >>> describe_pooling(2)
    '2 × 2 windows'
    >>> describe_pooling(3, 2, 1, ceil_mode=True)
    '3 × 3 windows, stride 2, padding 1, ceil mode'
    >>> describe_pooling((3, 2), (1, 2), (1, 0), (2, 1))
    '3 × 2 windows, stride 1 × 2, padding 1 × 0, dilation 2 × 1'
    """
    kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    words = [f"{kh} × {kw} windows"]
    if stride is not None and stride != kernel_size and stride != (kh, kw):
        words.append(f"stride {_by_axis(stride)}")
    if padding not in (0, (0, 0)):
        words.append(f"padding {_by_axis(padding)}")
    if dilation not in (1, (1, 1)):
        words.append(f"dilation {_by_axis(dilation)}")
    if ceil_mode:
        words.append("ceil mode")
    return ", ".join(words)


def shift_sensitivity(image: np.ndarray, op: str, sizes: Sequence[int], shifts: Sequence[int],
                      width: int | None = None) -> np.ndarray:
    """How much a stride-1 pooling's output changes when the scene moves, relative to its input.

    The scene moves by cropping: ``a = image[:, t : t + width]`` is the view
    of a camera moved ``t`` pixels against ``b = image[:, :width]``, so no
    padding or wrap-around enters. For each pool size ``k`` and shift ``t``
    the result is

    .. math:: \\frac{\\lVert P_k(a) - P_k(b) \\rVert_2}{\\lVert a - b \\rVert_2}

    with ``P_k`` the ``k x k`` pooling ``op`` (``'max'`` or ``'avg'``) at
    stride 1, compared position by position. 1 means pooling did not damp the
    change at all (``k = 1``); 0 means perfect invariance.

    Returns
    -------
    array, shape (len(sizes), len(shifts))
    """
    f = "shift_sensitivity"
    x = as_array(f, "image", image, 2, "(H, W)").astype(float)
    if op not in ("max", "avg"):
        raise ValueError(f"{f}: op must be 'max' or 'avg'; got {op!r}")
    tmax = max(as_int(f, "shifts", t, 1) for t in shifts)
    width = x.shape[1] - tmax if width is None else as_int(f, "width", width, 1)
    if width + tmax > x.shape[1]:
        raise ValueError(f"{f}: width + max(shifts) = {width + tmax} exceeds the image width {x.shape[1]}")
    pool = max_pool2d if op == "max" else avg_pool2d
    base = x[:, :width]
    out = np.empty((len(sizes), len(shifts)))
    for i, k in enumerate(sizes):
        pb = pool(base[None, None], k, 1)
        for j, t in enumerate(shifts):
            moved = x[:, t:t + width]
            out[i, j] = np.linalg.norm(pool(moved[None, None], k, 1) - pb) / np.linalg.norm(moved - base)
    return out


def strided_shift_sensitivity(image: np.ndarray, op: str, k: int, shifts: Sequence[int], width: int | None = None,
                              *, best_shift: bool = True) -> np.ndarray:
    """:func:`shift_sensitivity` for a ``k x k`` pooling at stride ``k``, the way networks pool.

    The scene moves by cropping, as in :func:`shift_sensitivity`. At stride
    ``k`` the two pooled grids line up only when ``t`` is a multiple of
    ``k``, so each output is compared with the other moved by whole output
    cells: with ``best_shift`` the smallest of the moves ``u = 0, 1, ...,
    ceil(t / k)`` (the benefit of the doubt: 0 exactly when ``t`` is a
    multiple of ``k``), otherwise ``u = 0`` (plain invariance). As the
    strided output has ``k**2`` times fewer values than the input, the
    change is measured per value (root mean square) on both sides.

    Returns
    -------
    array, shape (len(shifts),)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((12, 40))
    >>> strided_shift_sensitivity(x, "max", 4, [4, 8]).tolist()
    [0.0, 0.0]
    >>> bool(strided_shift_sensitivity(x, "avg", 4, [2])[0] > 0)
    True
    """
    f = "strided_shift_sensitivity"
    x = as_array(f, "image", image, 2, "(H, W)").astype(float)
    if op not in ("max", "avg"):
        raise ValueError(f"{f}: op must be 'max' or 'avg'; got {op!r}")
    k = as_int(f, "k", k, 1)
    tmax = max(as_int(f, "shifts", t, 1) for t in shifts)
    width = x.shape[1] - tmax if width is None else as_int(f, "width", width, k)
    if width + tmax > x.shape[1]:
        raise ValueError(f"{f}: width + max(shifts) = {width + tmax} exceeds the image width {x.shape[1]}")
    pool = max_pool2d if op == "max" else avg_pool2d
    base = x[:, :width]
    pb = pool(base[None, None], k, k)[0, 0]
    n = pb.shape[1]
    out = np.empty(len(shifts))
    for j, t in enumerate(shifts):
        moved = x[:, t:t + width]
        pa = pool(moved[None, None], k, k)[0, 0]
        moves = range(0, -(-t // k) + 1) if best_shift else [0]
        rms_in = np.sqrt(np.mean((moved - base) ** 2))
        out[j] = min(np.sqrt(np.mean((pa[:, :n - u] - pb[:, u:]) ** 2)) for u in moves) / rms_in
    return out


def shift_consistency(images: np.ndarray, labels: np.ndarray, op: str, k: int, max_shift: int,
                      *, seed: int = 0) -> tuple[float, float]:
    """Accuracy and shift consistency of a nearest-centroid classifier on ``k x k``-pooled images (stride ``k``).

    The consistency of Zhang (2019), for a classifier simple
    enough to read: half the images (a fixed random split) give one centroid
    per class of their pooled pixels; each image of the other half is moved
    twice, by two independent random shifts of up to ``max_shift`` pixels
    in each direction (zeros enter; the digits of :func:`upsample_digits`
    have a zero border), and the consistency is the share of images whose
    two predicted classes agree. ``op`` is ``'max'``, ``'avg'`` or
    ``'none'`` (no pooling; ``k`` ignored).

    Returns
    -------
    (accuracy on the shifted images, consistency), both in [0, 1]
    """
    f = "shift_consistency"
    x = as_array(f, "images", images, 3, "(n, H, W)").astype(float)
    y = np.asarray(labels)
    if op not in ("max", "avg", "none"):
        raise ValueError(f"{f}: op must be 'max', 'avg' or 'none'; got {op!r}")
    k, max_shift = as_int(f, "k", k, 1), as_int(f, "max_shift", max_shift, 0)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    train, test = order[: len(x) // 2], order[len(x) // 2:]

    def features(v: np.ndarray) -> np.ndarray:
        if op != "none":
            v = (max_pool2d if op == "max" else avg_pool2d)(v[:, None], k, k)
        return v.reshape(len(v), -1)

    def moved(v: np.ndarray) -> np.ndarray:
        offsets = rng.integers(-max_shift, max_shift + 1, size=(len(v), 2))
        return np.stack([shift(im, (int(a), int(b))) for im, (a, b) in zip(v, offsets)])

    ftrain = features(x[train])
    classes = np.unique(y[train])
    centroids = np.stack([ftrain[y[train] == c].mean(axis=0) for c in classes])

    def predict(v: np.ndarray) -> np.ndarray:
        fv = features(v)
        d = (fv ** 2).sum(1)[:, None] - 2 * fv @ centroids.T + (centroids ** 2).sum(1)[None]
        return classes[d.argmin(axis=1)]

    first, second = predict(moved(x[test])), predict(moved(x[test]))
    return float((first == y[test]).mean()), float((first == second).mean())


def compose_strided(layers: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """One (kernel, stride) equal to single-channel 2-D correlations applied one after another.

    Correlating with ``a`` at stride ``s_a`` and then with ``b`` at stride
    ``s_b`` is correlating once with ``a`` convolved with ``b`` spread out by
    ``s_a`` (zeros between its taps), at stride ``s_a * s_b``: a linear
    stack collapses to one layer.

    Examples
    --------
    >>> import numpy as np
    >>> k, s = compose_strided([(np.ones((2, 2)), 2), (np.ones((2, 2)), 2)])
    >>> k.shape, s, float(k.sum())
    ((4, 4), 4, 16.0)
    """
    kernel, stride = np.ones((1, 1)), 1
    for w, s in layers:
        w = as_array("compose_strided", "kernel", w, 2, "(KH, KW)").astype(float)
        spread = np.zeros(((w.shape[0] - 1) * stride + 1, (w.shape[1] - 1) * stride + 1))
        spread[::stride, ::stride] = w
        kernel, stride = convolve2d(kernel, spread, "full"), stride * as_int("compose_strided", "stride", s, 1)
    return kernel, stride


def pooling_equivariance_error(image: np.ndarray, op: str, stride: int, offset: int, *, window: int = 3,
                               padding: int = 1, border: int = 12) -> float:
    """How far a ``window x window`` pooling at ``stride`` is from commuting with a horizontal shift of the input.

    The input ``image`` (H, W) moves ``offset`` pixels to the right (zeros
    enter); the pooled output is compared, away from ``border`` output pixels
    on every side, with the pooled original moved by ``offset / stride``
    pixels when the stride divides the shift, and otherwise with the best of
    every output shift from 0 to ``offset`` (no output shift can then match).

    Returns
    -------
    float
        The relative error of :func:`convbook.equivariance_error`: 0 where the
        pooling is equivariant to this shift.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((30, 40))
    >>> pooling_equivariance_error(x, "max", 2, 4, border=3)
    0.0
    >>> pooling_equivariance_error(x, "avg", 2, 1, border=3) > 0.05
    True
    """
    f = "pooling_equivariance_error"
    x = as_array(f, "image", image, 2, "(H, W)").astype(float)
    if op not in ("max", "avg"):
        raise ValueError(f"{f}: op must be 'max' or 'avg'; got {op!r}")
    stride, offset = as_int(f, "stride", stride, 1), as_int(f, "offset", offset, 0)
    pool = max_pool2d if op == "max" else avg_pool2d

    def pooled(v: np.ndarray) -> np.ndarray:
        return pool(v[None, None], window, stride, padding)[0, 0]

    def error(out_shift: int) -> float:
        return equivariance_error(pooled, lambda v: shift(v, (0, offset)), x,
                                  lambda y: shift(y, (0, out_shift)), border=border)

    if offset % stride == 0:
        return error(offset // stride)
    return min(error(v) for v in range(0, offset + 1))


def upsample_digits(images: np.ndarray, factor: int = 3, pad: int = 4) -> np.ndarray:
    """Enlarge 8x8 digits bilinearly by ``factor`` and add ``pad`` zeros around them.

    Returns (n, 8*factor + 2*pad, 8*factor + 2*pad): room to rotate a digit
    without cutting its corners off.
    """
    from scipy import ndimage

    x = as_array("upsample_digits", "images", images, 3, "(n, H, W)").astype(float)
    factor = as_int("upsample_digits", "factor", factor, 1)
    pad = as_int("upsample_digits", "pad", pad, 0)
    big = ndimage.zoom(x, (1, factor, factor), order=1)
    return np.pad(big, ((0, 0), (pad, pad), (pad, pad)))


def rotation_bank(template: np.ndarray, angles: Sequence[float]) -> np.ndarray:
    """Detectors that are rotated copies of ``template``: shape (len(angles), H, W)."""
    t = as_array("rotation_bank", "template", template, 2, "(H, W)")
    return np.stack([rotate(t, a) for a in angles])


def _standardise(v: np.ndarray) -> np.ndarray:
    v = v.reshape(v.shape[0], -1)
    v = v - v.mean(axis=1, keepdims=True)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def detector_responses(images: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """Response of every detector of ``bank`` to every image: their correlation coefficient.

    Each detector is one unit whose weights are its (centred, unit-norm)
    template; the response to an image is the Pearson correlation, in
    [-1, 1], so that brightness and contrast do not matter.

    Returns
    -------
    array, shape (n_images, n_detectors)
    """
    x = as_array("detector_responses", "images", images, 3, "(n, H, W)")
    b = as_array("detector_responses", "bank", bank, 3, "(d, H, W)")
    if x.shape[1:] != b.shape[1:]:
        raise ValueError(f"detector_responses: images {x.shape[1:]} and detectors {b.shape[1:]} differ in size")
    return _standardise(x) @ _standardise(b).T


def rotation_responses(images: np.ndarray, bank: np.ndarray, angles: Sequence[float]) -> np.ndarray:
    """Responses of the bank to every image rotated by every angle: (len(angles), n_images, n_detectors)."""
    return np.stack([detector_responses(rotate(images, a), bank) for a in angles])


def relative_spread(responses: np.ndarray) -> float:
    """Mean over images of ``(max - min) / max`` across rotations (axis 0 = angle, axis 1 = image).

    0 for a perfectly invariant unit; near 1 when a rotation can silence it.
    """
    r = as_array("relative_spread", "responses", responses, 2, "(angles, images)")
    return float(((r.max(axis=0) - r.min(axis=0)) / np.abs(r).max(axis=0)).mean())


#: VGG-16 (Simonyan & Zisserman 2015, configuration D): channels of each 3x3
#: convolution (padding 1), and "M" for a 2x2 max pooling with stride 2.
VGG16: tuple[int | str, ...] = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                                512, 512, 512, "M")


@dataclass(frozen=True)
class LayerShape:
    """One layer and the (C, H, W) of its output."""

    name: str
    shape: tuple[int, int, int]


def vgg16_shapes(size: int, fc_as_conv: bool = True, classes: int = 1000) -> list[LayerShape]:
    """Output shape of every layer of VGG-16 on a ``size x size`` RGB image.

    The 13 convolutions keep the size (3x3, padding 1); each of the 5 max
    poolings halves it (floor). With ``fc_as_conv`` the three fully connected
    layers become convolutions (7x7 with 4096 outputs, then 1x1, then 1x1 to
    ``classes``), so any input of at least 224 pixels gives a map of class
    scores; otherwise only the flatten point is reported.
    """
    size = as_int("vgg16_shapes", "size", size, 32)
    c, h = 3, size
    out = [LayerShape("input", (c, h, h))]
    conv_i = pool_i = 0
    for v in VGG16:
        if v == "M":
            pool_i += 1
            h = output_size(h, 2, 2)
            out.append(LayerShape(f"pool{pool_i}", (c, h, h)))
        else:
            conv_i += 1
            c, h = int(v), output_size(h, 3, 1, 1)
            out.append(LayerShape(f"conv{conv_i}", (c, h, h)))
    if fc_as_conv:
        for name, k, ch in (("fc6 as 7x7 conv", 7, 4096), ("fc7 as 1x1 conv", 1, 4096),
                            ("fc8 as 1x1 conv", 1, classes)):
            c, h = ch, output_size(h, k)
            out.append(LayerShape(name, (c, h, h)))
    return out


class TinyNet:
    """A small random VGG-like net whose fully connected head can also run as a convolution.

    Two stages of (3x3 conv with ``padding``, ReLU, 2x2 max pooling): total
    stride 4. Its trained input size is the smallest one that leaves a
    ``fc_size x fc_size`` map, on which the head is a dense layer.
    :meth:`as_conv` runs the same head weights as a ``fc_size x fc_size``
    convolution on an input of any larger size.
    """

    stride = 4

    def __init__(self, channels: int = 4, fc_size: int = 3, classes: int = 3, padding: int = 0, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.fc_size = as_int("TinyNet", "fc_size", fc_size, 1)
        self.padding = as_int("TinyNet", "padding", padding, 0)
        self.w1 = rng.normal(size=(channels, 1, 3, 3)) / 3
        self.w2 = rng.normal(size=(channels, channels, 3, 3)) / (3 * np.sqrt(channels))
        self.head = rng.normal(size=(classes, channels, fc_size, fc_size)) / (fc_size * np.sqrt(channels))
        n = 3
        while self.feature_size(n) < self.fc_size:
            n += 1
        self.input_size = n

    def feature_size(self, n: int) -> int:
        """Side of the feature map for an ``n x n`` input (0 if too small)."""
        for _ in range(2):
            if n + 2 * self.padding < 3:
                return 0
            n = output_size(n, 3, 1, self.padding)
            if n < 2:
                return 0
            n = output_size(n, 2, 2)
        return n

    def features(self, x: np.ndarray) -> np.ndarray:
        """(N, 1, H, W) -> (N, C, H', W') after the two stages."""
        x = as_array("TinyNet.features", "x", x, 4, "(N, 1, H, W)")
        y = max_pool2d(np.maximum(conv2d(x, self.w1, padding=self.padding), 0), 2)
        return max_pool2d(np.maximum(conv2d(y, self.w2, padding=self.padding), 0), 2)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Class scores (N, classes) of inputs of exactly the trained size."""
        x = as_array("TinyNet", "x", x, 4, "(N, 1, H, W)")
        if x.shape[2:] != (self.input_size, self.input_size):
            raise ValueError(f"TinyNet: the dense head needs {self.input_size}x{self.input_size} inputs; "
                             f"got x.shape={x.shape} (use as_conv for other sizes)")
        feats = self.features(x).reshape(x.shape[0], -1)
        return feats @ self.head.reshape(self.head.shape[0], -1).T

    def as_conv(self, x: np.ndarray) -> np.ndarray:
        """Class-score maps (N, classes, OH, OW) for inputs at least the trained size."""
        return conv2d(self.features(x), self.head)

    def crop_errors(self, x: np.ndarray, offsets: range | list[int]) -> np.ndarray:
        """For each crop offset ``(a, b)``: distance from the dense net on that crop to the nearest score-map entry.

        Returns an array (len(offsets), len(offsets)) of ``min_{i,j} max |net(crop) - map[:, :, i, j]|``:
        0 where the convolutional head evaluated exactly that crop.
        """
        maps = self.as_conv(x)
        s = self.input_size
        out = np.empty((len(offsets), len(offsets)))
        for r, a in enumerate(offsets):
            for c, b in enumerate(offsets):
                y = self(x[:, :, a:a + s, b:b + s])[:, :, None, None]
                out[r, c] = np.abs(maps - y).max(axis=1).min()
        return out


def plot_pooling_windows(n: int, window: int, stride: int, *, ceil_mode: bool = False, ax: Any = None) -> Any:
    """Draw the pooling windows along one axis of ``n`` inputs, as floor or ceil mode places them.

    Inputs are boxes numbered 1 to ``n``; each window is an outline, dashed
    where it hangs over the end of the input (ceil mode keeps such a window
    and pools only the inputs it covers). The number of windows is
    :func:`convbook.output_size` ``(n, window, stride, ceil_mode=ceil_mode)``.

    Returns
    -------
    matplotlib Axes
    """
    count = output_size(n, window, stride, ceil_mode=ceil_mode)
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(FIG_WIDTH, 2.0))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i in range(n):
        ax.add_patch(plt.Rectangle((i + 0.025, 0), 0.95, 0.95, fc="0.85", ec="k"))
    for o in range(count):
        start = o * stride
        ax.add_patch(plt.Rectangle((start, -0.15 - 0.12 * o), window, 1.25 + 0.24 * o, fill=False,
                                   ec=colors[o % len(colors)], lw=2,
                                   ls="-" if start + window <= n else "--"))
    last = max(n, (count - 1) * stride + window)
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_ylim(-0.3 - 0.12 * count, 1.2 + 0.12 * count)
    ax.set_xticks(np.arange(n) + 0.5, [str(i + 1) for i in range(n)])
    ax.set_yticks([])
    ax.set_xlabel(f"input position (windows of width {window}, stride {stride})")
    rounding = "⌈(N − W)/S⌉" if ceil_mode else "⌊(N − W)/S⌋"
    ax.set_title(f"{'ceil' if ceil_mode else 'floor'} mode: {rounding} + 1 = {count} windows")
    if own:
        ax.figure.tight_layout()
        check_legible(ax)
    return ax


def plot_floor_and_ceil(n: int, window: int, stride: int) -> Any:
    """The windows of :func:`plot_pooling_windows` in floor mode above those of ceil mode, one figure.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(2, 1, figsize=(FIG_WIDTH, 3.6), sharex=True)
    for ax, ceil in zip(axes, (False, True)):
        plot_pooling_windows(n, window, stride, ceil_mode=ceil, ax=ax)
    axes[0].set_xlabel("")
    fig.tight_layout()
    return check_legible(fig)


#: One colour per pooling method, the same in every panel.
METHOD_COLORS = {"max": "tab:red", "avg": "tab:blue"}
_METHOD_NAMES = {"max": "max pooling", "avg": "average pooling"}


def plot_shift_sensitivity(rho: dict[tuple[str, str], np.ndarray], sizes: Sequence[int], shifts: Sequence[int],
                           *, show: Sequence[int] = (1, 3)) -> Any:
    """One panel per input of :func:`shift_sensitivity`'s ratio against the pool size, for max and average pooling.

    Parameters
    ----------
    rho : dict
        ``rho[input name, op]`` (``op`` ``'max'`` or ``'avg'``) is the array
        that :func:`shift_sensitivity` returns for ``sizes`` and ``shifts``.
    show : the shifts to draw (solid line for the first, dashed for the others)

    Returns
    -------
    matplotlib Figure
    """
    names = list(dict.fromkeys(name for name, _ in rho))
    fig, axes = plt.subplots(1, len(names), figsize=(FIG_WIDTH, 3.0), sharey=True, squeeze=False)
    for ax, name in zip(axes[0], names):
        for op, color in METHOD_COLORS.items():
            for i, t in enumerate(show):
                ax.plot(sizes, rho[name, op][:, list(shifts).index(t)], "o-" if i == 0 else "s--", color=color,
                        ms=4, label=f"{_METHOD_NAMES[op]}, shift t = {t}")
        ax.set_title(name)
        ax.set_xlabel("pool size k")
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("ρ(k, t)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    return check_legible(fig)


def plot_shift_curves(curves: dict[tuple[str, str, int], np.ndarray], shifts: Sequence[int], k: int) -> Any:
    """One panel per input: the share ρ of a shift's change that survives ``k x k`` pooling, against the shift.

    Parameters
    ----------
    curves : dict
        ``curves[input name, op, stride]`` is ρ for each of ``shifts``:
        stride 1 from :func:`shift_sensitivity` (position by position),
        stride ``k`` from :func:`strided_shift_sensitivity` (best output shift).

    Returns
    -------
    matplotlib Figure
    """
    names = list(dict.fromkeys(name for name, _, _ in curves))
    fig, axes = plt.subplots(1, len(names), figsize=(FIG_WIDTH, 3.0), sharey=True, squeeze=False)
    for ax, name in zip(axes[0], names):
        for op, color in METHOD_COLORS.items():
            for s, style in ((1, "o-"), (k, "s--")):
                ax.plot(shifts, curves[name, op, s], style, color=color, ms=4,
                        label=f"{_METHOD_NAMES[op]}, stride {s}")
        for t in shifts:
            if t % k == 0:
                ax.axvline(t, color="0.6", lw=0.8, zorder=0)
        ax.set_title(name)
        ax.set_xlabel("shift t (pixels)")
        ax.xaxis.set_major_locator(mpl.ticker.MultipleLocator(2))
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel(f"ρ, {k} × {k} pooling")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    return check_legible(fig)


def plot_rotation_responses(angles: Sequence[float], responses: np.ndarray, pooled: np.ndarray, *,
                            detectors: Sequence[int] = (0, 3, 6, 9), step: float = 30) -> Any:
    """Mean response over images against the input's rotation: a few single detectors and their max.

    Parameters
    ----------
    angles : rotations of the input (degrees), axis 0 of ``responses``
    responses : array (angles, images, detectors), as :func:`rotation_responses` returns
    pooled : array (angles, images): the max over all detectors
    detectors : which single detectors to draw; detector ``d`` is rotated by ``d * step`` degrees

    Returns
    -------
    matplotlib Axes
    """
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.2))
    for d in detectors:
        ax.plot(angles, responses[:, :, d].mean(axis=1), lw=1, label=f"detector rotated {d * step:g}°")
    ax.plot(angles, pooled.mean(axis=1), "k", lw=2.5, label=f"max over {responses.shape[2]} detectors")
    ax.set_xlabel("rotation of the input five (degrees)")
    ax.set_ylabel("mean correlation")
    ax.xaxis.set_major_locator(mpl.ticker.MultipleLocator(90))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    fig.tight_layout()
    return check_legible(ax)
