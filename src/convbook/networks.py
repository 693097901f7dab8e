"""Shape arithmetic of whole networks, and fully connected layers run as convolutions.

Chapter: *Pooling* (variable input sizes; VGG at 384 x 384). Every size comes
from :func:`convbook.output_size`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_array, as_int
from .conv import conv2d
from .pooling import max_pool2d
from .shapes import output_size

__all__ = ["VGG16", "LayerShape", "vgg16_shapes", "TinyNet"]

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
