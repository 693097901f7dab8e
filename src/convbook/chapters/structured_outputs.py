"""The chapter *Structured outputs and data types*: fully convolutional networks, pixel-wise prediction and
inputs of any size and kind.

:func:`train_digits_net` trains a small network on the 8 x 8 digits whose
dense head :class:`DigitsNet` can also run as convolutions
(:func:`convbook.dense_to_conv`): on a scene of several digits it yields a
grid of predictions, each the network on one crop aligned to its total
stride (:func:`crop_match`). :func:`vgg16_multiplies` counts what that
sharing saves for VGG-16 at 384 x 384. :func:`train_segmenter` trains a
fully convolutional net to label every pixel of :func:`convbook.synthetic_shapes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .._checks import as_array
from ..conv import conv2d
from ..cost import conv2d_cost
from ..data import digits
from ..plotting import FIG_WIDTH, check_legible
from ..pooling import max_pool2d
from ..shapes import output_size
from ..structured import SHAPE_CLASSES, dense_to_conv, synthetic_shapes
from . import one_torch_thread
from .pooling import VGG16, vgg16_shapes

__all__ = ["DigitsNet", "train_digits_net", "test_indices", "digit_scene", "crop_match", "vgg16_multiplies",
           "digits_multiplies",
           "plot_prediction_grid", "Segmenter", "train_segmenter", "segment", "plot_segmentation", "iou_table",
           "CLASS_COLORS", "vgg16_layer_shapes", "Refiner", "train_refiner", "refine", "unrolled", "receptive_sides",
           "data_type_examples", "data_types_table"]


def _relu(v: np.ndarray) -> np.ndarray:
    return np.maximum(v, 0.0)


@dataclass
class DigitsNet:
    """A trained digits classifier, in numpy: 3 x 3 convolution (no padding), ReLU, 2 x 2 max pooling, two dense layers.

    On its training size, 8 x 8, the feature map is ``channels x 3 x 3``,
    which the first dense layer reads flattened; :meth:`as_conv` runs the
    same weights as a 3 x 3 convolution and a 1 x 1 convolution, on any
    input of at least 8 x 8. Total stride 2 (the pooling's).
    """

    conv_w: np.ndarray
    conv_b: np.ndarray
    fc1_w: np.ndarray
    fc1_b: np.ndarray
    fc2_w: np.ndarray
    fc2_b: np.ndarray
    train_size: int = 8
    stride: int = 2

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the feature map at the training size."""
        side = output_size(output_size(self.train_size, 3), 2, 2)
        return (self.conv_w.shape[0], side, side)

    @property
    def n_params(self) -> int:
        """Number of weights and biases."""
        return sum(int(a.size) for a in (self.conv_w, self.conv_b, self.fc1_w, self.fc1_b, self.fc2_w, self.fc2_b))

    def features(self, x: np.ndarray) -> np.ndarray:
        """(N, 1, H, W) -> (N, C, (H - 2) // 2, (W - 2) // 2)."""
        x = as_array("DigitsNet.features", "x", x, 4, "(N, 1, H, W)")
        return max_pool2d(_relu(conv2d(x, self.conv_w, self.conv_b)), 2)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Class scores (N, 10) of 8 x 8 inputs, with the dense head."""
        x = as_array("DigitsNet", "x", x, 4, "(N, 1, 8, 8)")
        if x.shape[2:] != (self.train_size, self.train_size):
            raise ValueError(f"DigitsNet: the dense head needs {self.train_size} x {self.train_size} inputs; "
                             f"got x.shape={x.shape} (use as_conv for other sizes)")
        flat = self.features(x).reshape(len(x), -1)
        return _relu(flat @ self.fc1_w.T + self.fc1_b) @ self.fc2_w.T + self.fc2_b

    def conv_head(self) -> tuple[np.ndarray, np.ndarray]:
        """The two dense weights as convolution weights: (hidden, C, 3, 3) and (10, hidden, 1, 1)."""
        return (dense_to_conv(self.fc1_w, self.feature_shape),
                dense_to_conv(self.fc2_w, (self.fc2_w.shape[1], 1, 1)))

    def as_conv(self, x: np.ndarray) -> np.ndarray:
        """Class-score maps (N, 10, OH, OW) for inputs of at least 8 x 8: the fully convolutional network."""
        k1, k2 = self.conv_head()
        return conv2d(_relu(conv2d(self.features(x), k1, self.fc1_b)), k2, self.fc2_b)


def train_digits_net(seed: int = 0, channels: int = 12, hidden: int = 32, steps: int = 100,
                     n_train: int = 1300) -> tuple[DigitsNet, float, Any]:
    """Train :class:`DigitsNet` on scikit-learn's digits with torch (CPU, full batch, Adam, one thread).

    The first ``n_train`` images of a seeded permutation train it, the rest
    test it.

    Returns
    -------
    (the net in numpy float64, its test accuracy, the torch model in float64)
    """
    import torch

    with one_torch_thread():
        torch.manual_seed(seed)
        images, labels = digits()
        order = np.random.default_rng(seed).permutation(len(images))
        x = torch.tensor(images[order], dtype=torch.float32)[:, None]
        y = torch.tensor(labels[order])
        model = torch.nn.Sequential(torch.nn.Conv2d(1, channels, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                    torch.nn.Flatten(), torch.nn.Linear(channels * 9, hidden), torch.nn.ReLU(),
                                    torch.nn.Linear(hidden, 10))
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[:n_train]), y[:n_train]).backward()
            opt.step()
        model = model.double().eval()
        with torch.no_grad():
            acc = float((model(x[n_train:].double()).argmax(1) == y[n_train:]).double().mean())
    p = [t.detach().numpy().copy() for t in model.parameters()]
    return DigitsNet(*p), acc, model


def test_indices(seed: int = 0, n_train: int = 1300) -> np.ndarray:
    """Indices of the digits :func:`train_digits_net` with the same ``seed`` and ``n_train`` did not train on.

    Returns
    -------
    array of int, shape (1797 - n_train,)
        The tail of the same seeded permutation that ``train_digits_net`` splits.
    """
    return np.random.default_rng(seed).permutation(len(digits()[0]))[n_train:]


def digit_scene(rows: int = 3, cols: int = 3, seed: int = 0, train_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A scene of ``rows x cols`` digits side by side (8 x 8 each), drawn from the test digits.

    The digits are drawn (with ``seed``) from :func:`test_indices` of the net trained with ``train_seed``,
    so that none of them was seen in training.

    Returns
    -------
    (image of shape (8 rows, 8 cols), labels of shape (rows, cols))
    """
    images, labels = digits()
    pick = np.random.default_rng(seed).choice(test_indices(train_seed), rows * cols, replace=False)
    tiles = images[pick].reshape(rows, cols, 8, 8)
    return tiles.transpose(0, 2, 1, 3).reshape(8 * rows, 8 * cols), labels[pick].reshape(rows, cols)


def crop_match(net: DigitsNet, scene: np.ndarray) -> np.ndarray:
    """For every crop offset ``(a, b)``: distance from the dense net on that crop to the nearest grid entry.

    Returns
    -------
    array, shape (H - 7, W - 7)
        ``min_{i,j} max_class |net(crop) - grid[:, i, j]|``: 0 where the
        fully convolutional net evaluated exactly that crop.
    """
    x = as_array("crop_match", "scene", scene, 2, "(H, W)").astype(float)
    t = net.train_size
    offsets = [(a, b) for a in range(x.shape[0] - t + 1) for b in range(x.shape[1] - t + 1)]
    crops = np.stack([x[a:a + t, b:b + t] for a, b in offsets])[:, None]
    dense = net(crops)                                           # (crops, 10)
    grid = net.as_conv(x[None, None])[0].reshape(10, -1).T        # (positions, 10)
    dist = np.abs(dense[:, None, :] - grid[None, :, :]).max(axis=2).min(axis=1)
    return dist.reshape(x.shape[0] - t + 1, x.shape[1] - t + 1)


def digits_multiplies(net: DigitsNet, size: int | tuple[int, int]) -> int:
    """Multiplies of one pass of the fully convolutional net on a ``size`` input (convolutions and head)."""
    h, w = (size, size) if isinstance(size, int) else size
    c1 = conv2d_cost((1, 1, h, w), net.conv_w.shape)
    fh, fw = output_size(c1.output_shape[2], 2, 2), output_size(c1.output_shape[3], 2, 2)
    k1, k2 = net.conv_head()
    c2 = conv2d_cost((1, k1.shape[1], fh, fw), k1.shape)
    c3 = conv2d_cost((1, k2.shape[1], *c2.output_shape[2:]), k2.shape)
    return c1.multiplies + c2.multiplies + c3.multiplies


def vgg16_layer_shapes(size: int) -> dict[str, tuple[int, int, int]]:
    """The (C, H, W) of every layer of VGG-16 on a ``size x size`` image, dense layers as convolutions.

    The pooling chapter's :func:`convbook.chapters.pooling.vgg16_shapes`, as a dict by layer name.
    """
    return {layer.name: layer.shape for layer in vgg16_shapes(size)}


def vgg16_multiplies(size: int) -> int:
    """Multiplies of VGG-16 on one ``size x size`` RGB image, its dense layers run as convolutions.

    The 13 convolutions (3 x 3, padding 1), then the head: 7 x 7 to 4096,
    1 x 1 to 4096, 1 x 1 to 1000 (on 224 x 224 exactly the dense layers'
    multiplies). Poolings multiply nothing. Counted by :func:`convbook.conv2d_cost`.
    """
    c, h, total = 3, size, 0
    for v in VGG16:
        if v == "M":
            h = output_size(h, 2, 2)
        else:
            cost = conv2d_cost((1, c, h, h), (int(v), c, 3, 3), padding=1)
            total, c = total + cost.multiplies, int(v)
    for out, k in ((4096, 7), (4096, 1), (1000, 1)):
        cost = conv2d_cost((1, c, h, h), (out, c, k, k))
        total, c, h = total + cost.multiplies, out, cost.output_shape[2]
    return total


def plot_prediction_grid(scene: np.ndarray, scores: np.ndarray, match: np.ndarray, stride: int) -> Any:
    """Three panels: the scene with two crops, the grid of predicted digits, and which crops the grid evaluated.

    Parameters
    ----------
    scene : (H, W) image
    scores : (10, OH, OW) class scores of the fully convolutional net
    match : (H - 7, W - 7) array of :func:`crop_match`
    stride : the net's total stride

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, 3, figsize=(FIG_WIDTH, 2.9))
    ax = axes[0]
    ax.imshow(scene, cmap="gray_r")
    for (a, b), style, color in (((0, 0), "-", "tab:green"), ((stride * 2, stride * 2), "-", "tab:green"),
                                 ((1, 1 + stride * 4), "--", "tab:red")):
        ax.add_patch(plt.Rectangle((b - 0.5, a - 0.5), 8, 8, fill=False, ec=color, ls=style, lw=2))
    ax.set_title("scene, three crops")
    pred = scores.argmax(0)
    prob = np.exp(scores - scores.max(0))
    prob = prob.max(0) / prob.sum(0)
    ax = axes[1]
    ax.imshow(prob, cmap="Blues", vmin=0, vmax=1)
    for (i, j), d in np.ndenumerate(pred):
        ax.text(j, i, str(d), ha="center", va="center", fontsize=8, color="w" if prob[i, j] > 0.6 else "k")
    ax.set_title("predicted digit per position")
    ax = axes[2]
    ax.imshow(match < 1e-12, cmap="Greens", vmin=0, vmax=1.4)
    ax.set_title("crops in the grid")
    for a, lab in zip(axes, ("pixel", "grid position", "crop offset")):
        a.set_xlabel(lab)
        a.xaxis.set_major_locator(mpl.ticker.MaxNLocator(4, integer=True))
        a.yaxis.set_major_locator(mpl.ticker.MaxNLocator(4, integer=True))
    fig.tight_layout()
    return check_legible(fig)


# --- pixel-wise prediction ------------------------------------------------------------------------------------------

#: One colour per class of :data:`convbook.SHAPE_CLASSES`, in every figure.
CLASS_COLORS: dict[str, str] = {"background": "#f0f0f0", "disc": "tab:blue", "square": "tab:orange",
                                "bar": "tab:green"}


def _TinyUNet(c: int) -> Any:
    """Two 3 x 3 convolutions at full size, 2 x 2 max pooling, two at half size (dilation 1, 2), nearest
    upsampling, the full-size features joined back (a skip connection), a 3 x 3 and a 1 x 1 convolution."""
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.full = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1),
                                      nn.ReLU())
            self.coarse = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(2 * c, 2 * c, 3, padding=2, dilation=2), nn.ReLU(),
                                      nn.Upsample(scale_factor=2))
            self.out = nn.Sequential(nn.Conv2d(3 * c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, len(SHAPE_CLASSES), 1))

        def forward(self, x: Any) -> Any:
            import torch

            f = self.full(x)
            return self.out(torch.cat([f, self.coarse(f)], dim=1))

    return Net()


@dataclass
class Segmenter:
    """A trained fully convolutional net that labels every pixel, and how it was trained."""

    model: Any
    n_params: int
    losses: list[float]


def train_segmenter(seed: int = 0, n_train: int = 384, size: int = 24, channels: int = 8, steps: int = 300,
                    batch: int = 32) -> Segmenter:
    """Train a small fully convolutional net to label the pixels of :func:`convbook.synthetic_shapes`.

    Convolutions with padding at full and at half size (a 2 x 2 max
    pooling, then nearest upsampling back, with the full-size features
    joined to the upsampled ones) and a last 1 x 1 convolution to the 4
    classes: the output has the input's size, the tensor S of class scores,
    one per class and pixel. Adam on mini-batches of ``batch`` images,
    cross-entropy per pixel; torch on one thread.
    """
    import torch
    from torch import nn

    with one_torch_thread():
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        images, labels = synthetic_shapes(n_train, size, rng=rng)
        x = torch.tensor(images, dtype=torch.float32)[:, None]
        y = torch.tensor(labels)
        model = _TinyUNet(channels)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        losses = []
        for _ in range(steps):
            idx = torch.tensor(rng.choice(n_train, batch, replace=False))
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        model.eval()
    return Segmenter(model, sum(p.numel() for p in model.parameters()), losses)


def segment(seg: Segmenter, images: np.ndarray) -> np.ndarray:
    """Class scores S of shape (N, classes, H, W) for images (N, H, W)."""
    import torch

    x = as_array("segment", "images", images, 3, "(N, H, W)")
    with torch.no_grad():
        return seg.model(torch.tensor(x, dtype=torch.float32)[:, None]).numpy().astype(float)


def iou_table(ious: dict[str, np.ndarray]) -> str:
    """A Markdown table of per-class IoU: one row per setting, one column per class of :data:`~convbook.SHAPE_CLASSES`.

    Returns
    -------
    str
    """
    lines = ["| | " + " | ".join(SHAPE_CLASSES) + " |", "|---|" + "--:|" * len(SHAPE_CLASSES)]
    for name, v in ious.items():
        lines.append(f"| {name} | " + " | ".join(f"{float(a):.2f}" for a in v) + " |")
    return "\n".join(lines)


def _label_image(labels: np.ndarray) -> np.ndarray:
    colors = np.array([mpl.colors.to_rgb(CLASS_COLORS[c]) for c in SHAPE_CLASSES])
    return colors[labels]


def plot_segmentation(images: np.ndarray, truth: np.ndarray, panels: dict[str, np.ndarray]) -> Any:
    """One row per image: the input, the true labels, then each labelling of ``panels`` (name -> (N, H, W)).

    Returns
    -------
    matplotlib Figure
    """
    n, k = len(images), 2 + len(panels)
    fig, axes = plt.subplots(n, k, figsize=(FIG_WIDTH, FIG_WIDTH / k * n + 0.7), squeeze=False)
    for r in range(n):
        cells = [("input", None), ("true labels", truth[r]), *((name, lab[r]) for name, lab in panels.items())]
        for c, (title, lab) in enumerate(cells):
            ax = axes[r, c]
            ax.imshow(images[r], cmap="gray") if lab is None else ax.imshow(_label_image(lab))
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title)
    handles = [mpl.patches.Patch(fc=CLASS_COLORS[c], ec="k", label=c) for c in SHAPE_CLASSES]
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False)
    return check_legible(fig)




# --- recurrent refinement -------------------------------------------------------------------------------------------

def _Refiner(hidden: int, k: int) -> Any:
    """Goodfellow et al.'s fig. 9.17: H(t) = relu(U * X + W * Y(t-1)), Y(t) = softmax(V * H(t)), shared over t."""
    import torch
    from torch import nn

    classes = len(SHAPE_CLASSES)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.U = nn.Conv2d(1, hidden, k, padding=k // 2)
            self.W = nn.Conv2d(classes, hidden, k, padding=k // 2, bias=False)
            self.V = nn.Conv2d(hidden, classes, 1)

        def forward(self, x: Any, steps: int) -> list[Any]:
            ux = self.U(x)
            outs, y = [], None
            for _ in range(steps):
                h = torch.relu(ux if y is None else ux + self.W(y))
                scores = self.V(h)
                outs.append(scores)
                y = torch.softmax(scores, dim=1)
            return outs

    return Net()


@dataclass
class Refiner:
    """A trained recurrent refinement network (:func:`train_refiner`)."""

    model: Any
    n_params: int
    steps: int


def train_refiner(seed: int = 0, steps: int = 4, n_train: int = 384, size: int = 24, hidden: int = 8,
                  kernel: int = 5, iterations: int = 200, batch: int = 16) -> Refiner:
    """Train the recurrent refinement network of Goodfellow et al.'s fig. 9.17 on :func:`convbook.synthetic_shapes`.

    Kernels U (image to hidden, ``kernel x kernel``), W (previous class
    probabilities to hidden, ``kernel x kernel``) and V (hidden to class
    scores, 1 x 1) are the same at every step; the loss is the per-pixel
    cross-entropy summed over the ``steps`` outputs. Adam; torch on one thread.
    """
    import torch
    from torch import nn

    with one_torch_thread():
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        images, labels = synthetic_shapes(n_train, size, rng=rng)
        x = torch.tensor(images, dtype=torch.float32)[:, None]
        y = torch.tensor(labels)
        model = _Refiner(hidden, kernel)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(iterations):
            idx = torch.tensor(rng.choice(n_train, batch, replace=False))
            opt.zero_grad()
            loss = sum(nn.functional.cross_entropy(s, y[idx]) for s in model(x[idx], steps))
            loss.backward()
            opt.step()
        model.eval()
    return Refiner(model, sum(p.numel() for p in model.parameters()), steps)


def refine(ref: Refiner, images: np.ndarray, steps: int | None = None) -> np.ndarray:
    """Class scores after each step, shape (steps, N, classes, H, W), for images (N, H, W)."""
    import torch

    x = as_array("refine", "images", images, 3, "(N, H, W)")
    with torch.no_grad():
        outs = ref.model(torch.tensor(x, dtype=torch.float32)[:, None], steps or ref.steps)
    return np.stack([o.numpy().astype(float) for o in outs])


def unrolled(ref: Refiner, images: np.ndarray, steps: int) -> tuple[np.ndarray, list[str]]:
    """The refinement network unrolled into a plain feed-forward stack, computed with :func:`convbook.conv2d`.

    Returns
    -------
    (class scores after the last step, shape (N, classes, H, W); the layers of the unrolled network in order,
    each named by the kernel it uses: ``"U"``, ``"W"``, ``"V"``)
    """
    x = as_array("unrolled", "images", images, 3, "(N, H, W)")[:, None].astype(float)
    m = ref.model
    u_w, u_b = m.U.weight.detach().double().numpy(), m.U.bias.detach().double().numpy()
    w_w = m.W.weight.detach().double().numpy()
    v_w, v_b = m.V.weight.detach().double().numpy(), m.V.bias.detach().double().numpy()
    pad = u_w.shape[-1] // 2
    ux = conv2d(x, u_w, u_b, padding=pad)
    layers = ["U"]
    y = None
    for _ in range(steps):
        h = ux if y is None else ux + conv2d(y, w_w, padding=pad)
        layers += [] if y is None else ["W"]
        scores = conv2d(_relu(h), v_w, v_b)
        layers.append("V")
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
    return scores, layers


def receptive_sides(ref: Refiner, steps: int, size: int = 49) -> list[int]:
    """Side of the input window that one output pixel depends on, after each of ``steps`` steps (by autograd)."""
    import torch

    x = torch.zeros(1, 1, size, size, requires_grad=True)
    sides = []
    for scores in ref.model(x, steps):
        (grad,) = torch.autograd.grad(scores[0, :, size // 2, size // 2].sum(), x, retain_graph=True)
        rows = np.flatnonzero(grad[0, 0].abs().sum(1).numpy())
        sides.append(int(rows[-1] - rows[0] + 1) if rows.size else 0)
    return sides


# --- data types -----------------------------------------------------------------------------------------------------

def data_type_examples(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, tuple[int, ...]]]:
    """Goodfellow et al.'s table 9.1 in code: name -> (input (1, C, *spatial), kernel shape (4, C, *k)).

    A 1-D audio signal (a 40 Hz tone, 400 samples), a 1-D motion-capture
    record (3 joint angles over 200 time steps), a 2-D grey photo, a 3-D
    single-channel volume (a 32-slice scan of 32 x 32) and a 3-D colour video
    (8 frames of 32 x 32, 3 channels); four kernels each.
    """
    from ..data import grace_hopper

    t = np.linspace(0, 1, 400)
    return {
        "1-D, one channel: audio": (np.sin(2 * np.pi * 40 * t)[None, None], (4, 1, 9)),
        "1-D, 3 channels: motion capture": (rng.normal(size=(1, 3, 200)), (4, 3, 5)),
        "2-D, one channel: grey photo": (grace_hopper()[None, None], (4, 1, 5, 5)),
        "3-D, one channel: volume (scan)": (rng.random((1, 1, 32, 32, 32)), (4, 1, 3, 3, 3)),
        "3-D, 3 channels: colour video": (rng.random((1, 3, 8, 32, 32)), (4, 3, 3, 3, 3)),
    }


def _shape_text(shape: Sequence[int]) -> str:
    return " × ".join(str(v) for v in shape)


def data_types_table(rows: Sequence[tuple[str, Sequence[int], Sequence[int], Sequence[int], int]]) -> str:
    """A Markdown table: name, input (C × spatial), kernel, output (C × spatial), multiplies; one row per example."""
    lines = ["| data | input | kernels | output | multiplies |", "|---|---|---|---|--:|"]
    for name, x_shape, w_shape, y_shape, mult in rows:
        lines.append(f"| {name} | {_shape_text(x_shape[1:])} | {w_shape[0]} × {_shape_text(w_shape[1:])} | "
                     f"{_shape_text(y_shape[1:])} | {mult:,} |")
    return "\n".join(lines)
