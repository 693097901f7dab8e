"""Structured outputs and data types: fully convolutional networks, pixel labels, inputs of any size and kind.

Chapter: *Structured outputs*. A dense layer that reads a ``C x H x W``
feature map is a convolution with ``H x W`` kernels (:func:`dense_to_conv`);
run on a larger input, a network whose dense layers became convolutions
yields a grid of predictions (:func:`prediction_grid_size`), one for each
crop whose offset is a multiple of the network's total stride
(:func:`aligned_offsets`). Pixel-wise labelling is scored per class
(:func:`class_iou`) on synthetic scenes (:func:`synthetic_shapes`) and
cleaned up by connected regions (:func:`merge_regions`). :func:`convnd` is
the N-dimensional correlation layer (1-D signals, 2-D images, 3-D volumes
and videos), :func:`convbook.convnd_cost` its cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ._checks import as_array, as_computed, as_int, as_real, float_dtype
from ._windows import unfold
from .memory import array_bytes, check_memory
from .shapes import Geometry, output_size

__all__ = ["dense_to_conv", "dense_to_conv_naive", "prediction_grid_size", "aligned_offsets", "SHAPE_CLASSES",
           "synthetic_shapes", "class_iou", "class_iou_naive", "merge_regions", "convnd", "convnd_naive"]

#: The classes of :func:`synthetic_shapes`, in label order.
SHAPE_CLASSES: tuple[str, ...] = ("background", "disc", "square", "bar")


def _shape3(f: str, input_shape: Any) -> tuple[int, int, int]:
    if not isinstance(input_shape, Sequence) or isinstance(input_shape, str) or len(input_shape) != 3:
        raise ValueError(f"{f}: input_shape must be the (C, H, W) of the feature map the dense layer reads, "
                         f"three ints >= 1; got {input_shape!r}")
    c, h, w = (as_int(f, "input_shape", v, 1) for v in input_shape)
    return c, h, w


def _dense_weight(f: str, weight: Any, input_shape: Any) -> tuple[np.ndarray, tuple[int, int, int]]:
    w = as_array(f, "weight", weight, 2, "(C_out, C*H*W), as torch.nn.Linear stores it")
    c, h, ww = _shape3(f, input_shape)
    if w.shape[1] != c * h * ww:
        raise ValueError(f"{f}: weight must have C*H*W = {c}*{h}*{ww} = {c * h * ww} columns for "
                         f"input_shape={tuple(input_shape)}; got weight.shape={w.shape}")
    return w, (c, h, ww)


def dense_to_conv(weight: npt.ArrayLike, input_shape: Sequence[int]) -> np.ndarray:
    """The weights of a dense layer as those of the equal convolution.

    A dense layer that reads a feature map of shape ``(C, H, W)`` flattened
    in C, H, W order (``torch.flatten`` of an ``(N, C, H, W)`` batch, numpy's
    ``reshape``) computes ``y[o] = sum_{c,i,j} weight[o, (c*H + i)*W + j]
    x[c, i, j]``: a ``H x W`` convolution with ``C`` input channels, no
    padding, evaluated once. Its kernel is row ``o`` of the weight reshaped.

    Parameters
    ----------
    weight : array, shape (C_out, C*H*W)
        The dense layer's weight, as ``torch.nn.Linear`` stores it.
    input_shape : (C, H, W)
        The feature map the dense layer reads.

    Returns
    -------
    array, shape (C_out, C, H, W)
        A :func:`convbook.conv2d` weight (a view of ``weight`` when it is
        contiguous). The bias is the same vector in both layers.

    Raises
    ------
    ValueError
        If ``weight`` does not have ``C*H*W`` columns or ``input_shape`` is
        not three positive ints.

    Examples
    --------
    >>> import numpy as np
    >>> from convbook import conv2d
    >>> x = np.arange(12.0).reshape(1, 3, 2, 2)          # (N, C, H, W)
    >>> weight = np.arange(24.0).reshape(2, 12)          # 2 outputs
    >>> k = dense_to_conv(weight, (3, 2, 2))
    >>> k.shape
    (2, 3, 2, 2)
    >>> (weight @ x.reshape(1, -1).T).ravel().tolist(), conv2d(x, k).ravel().tolist()
    ([506.0, 1298.0], [506.0, 1298.0])
    """
    w, (c, h, ww) = _dense_weight("dense_to_conv", weight, input_shape)
    return w.reshape(w.shape[0], c, h, ww)


def dense_to_conv_naive(weight: npt.ArrayLike, input_shape: Sequence[int]) -> np.ndarray:
    """Loop specification of :func:`dense_to_conv`: ``k[o, c, i, j] = weight[o, (c*H + i)*W + j]``.

    Parameters
    ----------
    weight : array, shape (C_out, C*H*W)
    input_shape : (C, H, W)

    Returns
    -------
    array, shape (C_out, C, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> w = np.arange(8.0).reshape(1, 8)
    >>> dense_to_conv_naive(w, (2, 2, 2))[0, 1].tolist()     # channel 1: columns 4..7
    [[4.0, 5.0], [6.0, 7.0]]
    """
    w, (c, h, ww) = _dense_weight("dense_to_conv_naive", weight, input_shape)
    out = np.empty((w.shape[0], c, h, ww), dtype=w.dtype)
    for o in range(w.shape[0]):
        for ci in range(c):
            for i in range(h):
                for j in range(ww):
                    out[o, ci, i, j] = w[o, (ci * h + i) * ww + j]
    return out


def _sizes(f: str, input_size: Any, train_size: Any, stride: Any) -> tuple[bool, list[tuple[int, int, int]]]:
    """``(one axis?, [(n, t, s) per axis])``, checked; a crop must fit the input."""
    one = not (isinstance(input_size, Sequence) and not isinstance(input_size, str))
    ns = [input_size] if one else list(input_size)
    nd = len(ns)

    def per_axis(name: str, v: Any) -> list[Any]:
        if isinstance(v, Sequence) and not isinstance(v, str):
            if len(v) != nd:
                raise ValueError(f"{f}: {name} must be an int or one per axis of input_size ({nd}); "
                                 f"got {v!r} (length {len(v)})")
            return list(v)
        return [v] * nd

    if nd == 0:
        raise ValueError(f"{f}: input_size must be an int >= 1 or a sequence of them; got {input_size!r}")
    axes = []
    for n, t, s in zip(ns, per_axis("train_size", train_size), per_axis("stride", stride)):
        n, t, s = as_int(f, "input_size", n, 1), as_int(f, "train_size", t, 1), as_int(f, "stride", s, 1)
        if t > n:
            raise ValueError(f"{f}: the input ({n}) must be at least the training size ({t}) along every axis; "
                             f"got input_size={input_size!r}, train_size={train_size!r}")
        axes.append((n, t, s))
    return one, axes


def prediction_grid_size(input_size: int | Sequence[int], train_size: int | Sequence[int],
                         stride: int | Sequence[int]) -> int | tuple[int, ...]:
    """Size of the grid of predictions a fully convolutional network yields on a larger input.

    A network trained on ``train_size`` inputs, whose layers move their
    windows by a total ``stride`` (the product of its strides) and whose
    dense layers became convolutions, slides its whole receptive field over
    the input in steps of ``stride``: ``output_size(n, train_size, stride)``
    positions, ``floor((n - t) / s) + 1``, along each axis.

    Parameters
    ----------
    input_size, train_size, stride : int or sequence of int, one per axis
        An int for ``input_size`` gives an int back; a sequence, a tuple.

    Returns
    -------
    int or tuple of int

    Examples
    --------
    VGG-16 (trained at 224, total stride 32) on 384 x 384: 6 x 6 predictions.

    >>> prediction_grid_size(384, 224, 32), prediction_grid_size((384, 512), 224, 32)
    (6, (6, 10))
    """
    one, axes = _sizes("prediction_grid_size", input_size, train_size, stride)
    sizes = tuple(output_size(n, t, s) for n, t, s in axes)
    return sizes[0] if one else sizes


def aligned_offsets(input_size: int | Sequence[int], train_size: int | Sequence[int],
                    stride: int | Sequence[int]) -> list[int] | tuple[list[int], ...]:
    """Offsets of the crops a fully convolutional network evaluates: the multiples of its total stride.

    Entry ``i`` of the prediction grid along an axis is the network on the
    crop that starts at ``i * stride`` (when its layers have no padding);
    crops at other offsets are not evaluated.

    Parameters
    ----------
    input_size, train_size, stride : int or sequence of int, one per axis

    Returns
    -------
    list of int, or a tuple of them (one per axis)
        ``[0, stride, ..., (g - 1) * stride]`` with ``g`` from
        :func:`prediction_grid_size`.

    Examples
    --------
    >>> aligned_offsets(384, 224, 32)
    [0, 32, 64, 96, 128, 160]
    >>> aligned_offsets((12, 10), 8, 2)
    ([0, 2, 4], [0, 2])
    """
    one, axes = _sizes("aligned_offsets", input_size, train_size, stride)
    offsets = tuple([i * s for i in range(output_size(n, t, s))] for n, t, s in axes)
    return offsets[0] if one else offsets


def synthetic_shapes(n: int, size: int = 24, *, rng: np.random.Generator, noise: float = 0.3,
                     max_shapes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Images of discs, squares and bars on noise, with the class of every pixel.

    Each image holds 1 to ``max_shapes`` shapes of random class at random
    places (a later shape covers an earlier one): a **disc** of radius 4 to
    6, an axis-parallel **square** of side 7 to 11, a **bar** 2 pixels wide
    and 10 to 16 long, horizontal or vertical. Every shape has intensity 1 on
    a background of 0, and Gaussian noise of standard deviation ``noise`` is
    added to every pixel, so that a pixel's class cannot be read from its
    own value: it takes the shape around it.

    Parameters
    ----------
    n : int
        Number of images.
    size : int
        Side of each image (>= 16).
    rng : numpy.random.Generator
        The source of randomness (keyword-only): the same seed gives the same images.
    noise : float
        Standard deviation of the noise (>= 0).
    max_shapes : int
        Most shapes in one image (>= 1).

    Returns
    -------
    images : array, shape (n, size, size), float64
    labels : array, shape (n, size, size), int64
        The index in :data:`SHAPE_CLASSES` of every pixel (0 background,
        1 disc, 2 square, 3 bar).

    Examples
    --------
    >>> import numpy as np
    >>> x, y = synthetic_shapes(2, 20, rng=np.random.default_rng(0))
    >>> x.shape, y.shape, y.dtype.name
    ((2, 20, 20), (2, 20, 20), 'int64')
    >>> sorted(set(np.unique(y).tolist()) | {0}) <= [0, 1, 2, 3]
    True
    """
    f = "synthetic_shapes"
    n, size = as_int(f, "n", n, 1), as_int(f, "size", size, 16)
    max_shapes = as_int(f, "max_shapes", max_shapes, 1)
    noise = as_real(f, "noise", noise)
    if noise < 0:
        raise ValueError(f"{f}: noise must be a finite number >= 0; got {noise!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{f}: rng must be a numpy.random.Generator (numpy.random.default_rng(seed)); "
                        f"got {type(rng).__name__}")
    rows, cols = np.mgrid[:size, :size]
    images = np.zeros((n, size, size))
    labels = np.zeros((n, size, size), dtype=np.int64)
    for k in range(n):
        for _ in range(int(rng.integers(1, max_shapes + 1))):
            kind = int(rng.integers(1, 4))
            if kind == 1:
                r = rng.uniform(4, 6)
                ci, cj = rng.uniform(r, size - r, size=2)
                mask = (rows - ci) ** 2 + (cols - cj) ** 2 <= r * r
            elif kind == 2:
                side = int(rng.integers(7, 12))
                i0, j0 = rng.integers(0, size - side + 1, size=2)
                mask = (rows >= i0) & (rows < i0 + side) & (cols >= j0) & (cols < j0 + side)
            else:
                length = int(rng.integers(10, 17))
                a0, b0 = int(rng.integers(0, size - length + 1)), int(rng.integers(0, size - 1))
                along, across = (cols, rows) if rng.random() < 0.5 else (rows, cols)
                mask = (along >= a0) & (along < a0 + length) & (across >= b0) & (across < b0 + 2)
            images[k][mask] = 1.0
            labels[k][mask] = kind
    images += noise * rng.standard_normal(images.shape)
    return images, labels


def _labels(f: str, pred: Any, target: Any, n_classes: Any) -> tuple[np.ndarray, np.ndarray, int]:
    p = as_array(f, "pred", pred)
    t = as_array(f, "target", target)
    if p.shape != t.shape:
        raise ValueError(f"{f}: pred and target must have the same shape (one class per pixel); "
                         f"got pred.shape={p.shape}, target.shape={t.shape}")
    n_classes = as_int(f, "n_classes", n_classes, 1)
    for name, a in (("pred", p), ("target", t)):
        if a.dtype.kind not in "iu" or a.min() < 0 or a.max() >= n_classes:
            raise ValueError(f"{f}: {name} must hold integer class labels 0 .. {n_classes - 1}; got dtype "
                             f"{a.dtype} with values {a.min()} .. {a.max()}")
    return p, t, n_classes


def class_iou(pred: npt.ArrayLike, target: npt.ArrayLike, n_classes: int) -> np.ndarray:
    """Intersection over union of every class between predicted and true pixel labels.

    For class ``c``: ``|{pred == c} & {target == c}| / |{pred == c} | {target == c}|``
    over all pixels of all images, 1 for a perfect labelling of the class, 0
    when no pixel of it is right.

    Parameters
    ----------
    pred, target : int arrays of the same shape (any, e.g. (N, H, W))
        Class labels 0 .. ``n_classes - 1``.
    n_classes : int

    Returns
    -------
    array, shape (n_classes,), float64
        ``nan`` for a class that is neither predicted nor present.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[0, 0, 1, 1]])
    >>> p = np.array([[0, 1, 1, 1]])
    >>> class_iou(p, t, 3).tolist()      # class 0: 1 of 2; class 1: 2 of 3; class 2 absent
    [0.5, 0.6666666666666666, nan]
    """
    p, t, k = _labels("class_iou", pred, target, n_classes)
    joint = np.bincount((t.ravel() * k + p.ravel()).astype(np.int64), minlength=k * k).reshape(k, k)
    inter = np.diag(joint).astype(float)
    union = joint.sum(0) + joint.sum(1) - np.diag(joint)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), np.nan)


def class_iou_naive(pred: npt.ArrayLike, target: npt.ArrayLike, n_classes: int) -> np.ndarray:
    """Loop specification of :func:`class_iou`: count every pixel into each class's intersection and union.

    Parameters
    ----------
    pred, target : int arrays of the same shape
    n_classes : int

    Returns
    -------
    array, shape (n_classes,)

    Examples
    --------
    >>> class_iou_naive([[0, 1, 1, 1]], [[0, 0, 1, 1]], 2).tolist()
    [0.5, 0.6666666666666666]
    """
    p, t, k = _labels("class_iou_naive", pred, target, n_classes)
    inter, union = [0] * k, [0] * k
    for a, b in zip(p.ravel().tolist(), t.ravel().tolist()):
        for c in range(k):
            inter[c] += a == c and b == c
            union[c] += a == c or b == c
    return np.array([i / u if u else math.nan for i, u in zip(inter, union)])


def merge_regions(labels: npt.ArrayLike, background: int = 0) -> np.ndarray:
    """Give every connected region of non-background pixels the one label most of its pixels have.

    The regions are those of ``scipy.ndimage.label`` (pixels that touch
    along an edge, 4-connectivity, in 2-D; along a face in N-D) on
    ``labels != background``; a tie goes to the smaller label. Background
    pixels stay as they are. This is the post-processing "large connected
    regions share a label" of pixel-wise prediction.

    Parameters
    ----------
    labels : int array, shape (H, W) (or any N-D shape)
        Class labels >= 0.
    background : int
        The label that separates regions.

    Returns
    -------
    array, same shape and dtype as ``labels``

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1, 1, 2, 0, 3],
    ...               [1, 1, 1, 0, 3]])
    >>> merge_regions(y).tolist()            # the stray 2 joins its region's majority, 1
    [[1, 1, 1, 0, 3], [1, 1, 1, 0, 3]]
    """
    f = "merge_regions"
    y = as_array(f, "labels", labels)
    if y.dtype.kind not in "iu" or y.min() < 0:
        raise ValueError(f"{f}: labels must be an integer array of class labels >= 0; got dtype {y.dtype}"
                         + (f" with minimum {y.min()}" if y.dtype.kind in "iu" else ""))
    background = as_int(f, "background", background, 0)
    regions, count = ndimage.label(y != background)
    if count == 0:
        return y.copy()
    k = int(y.max()) + 1
    votes = np.bincount(regions.ravel() * k + y.ravel(), minlength=(count + 1) * k).reshape(count + 1, k)
    if background < k:
        votes[:, background] = 0
    winner = votes.argmax(axis=1).astype(y.dtype)
    out = y.copy()
    inside = regions > 0
    out[inside] = winner[regions[inside]]
    return out


def _check_nd(f: str, x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
              allow_object: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Geometry]:
    x = as_array(f, "x", x, None, allow_object=allow_object)
    weight = as_array(f, "weight", weight, None, allow_object=allow_object)
    if x.ndim < 3:
        raise ValueError(f"{f}: x must be (N, C_in, *spatial) with at least one spatial axis; got shape {x.shape}")
    if weight.ndim != x.ndim:
        raise ValueError(f"{f}: weight must be (C_out, C_in, *kernel) with as many axes as x ({x.ndim}); "
                         f"got weight.shape={weight.shape} for x.shape={x.shape}")
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"{f}: weight must have C_in = {x.shape[1]} input channels (x.shape[1]); "
                         f"got weight.shape={weight.shape}")
    geo = Geometry.conv(x.shape[2:], weight.shape[2:], stride, padding, caller=f)
    if bias is not None:
        bias = as_array(f, "bias", bias, 1, "(C_out,)", allow_object)
        if bias.shape[0] != weight.shape[0]:
            raise ValueError(f"{f}: bias must have one entry per output channel, shape ({weight.shape[0]},) "
                             f"for weight.shape={weight.shape}; got {bias.shape}")
    return x, weight, bias, geo


def convnd(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None,
           stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str = 0) -> np.ndarray:
    """Convolution layer (cross-correlation) with any number of spatial axes: 1-D, 2-D, 3-D, ...

    Parameters
    ----------
    x : array, shape (N, C_in, *spatial)
        One spatial axis for a signal (time), two for an image, three for a
        volume or a video (time, height, width).
    weight : array, shape (C_out, C_in, *kernel)
        As many kernel axes as ``x`` has spatial axes.
    bias : array, shape (C_out,), optional
    stride : int or one int per spatial axis, >= 1
    padding : int, one int per spatial axis, 'valid' or 'same'
        Zeros on both sides, as in torch.

    Returns
    -------
    array, shape (N, C_out, *out)
        ``out[a] = output_size(spatial[a], kernel[a], stride[a], padding[a])``;
        equal to ``torch.nn.functional.conv1d``/``conv2d``/``conv3d``.

    Examples
    --------
    A colour video of 8 frames of 32 x 32, sixteen 3 x 3 x 3 kernels:

    >>> import numpy as np
    >>> convnd(np.ones((1, 3, 8, 32, 32)), np.ones((16, 3, 3, 3, 3)), padding=1).shape
    (1, 16, 8, 32, 32)
    >>> convnd(np.ones((1, 1, 10)), np.ones((1, 1, 3)), stride=2).ravel().tolist()  # a 1-D signal
    [3.0, 3.0, 3.0, 3.0]
    """
    f = "convnd"
    x, weight, bias, geo = _check_nd(f, x, weight, bias, stride, padding)
    dtype = float_dtype(x.dtype, weight.dtype, *([] if bias is None else [bias.dtype]))
    out_shape = (x.shape[0], weight.shape[0], *geo.output_size)
    check_memory(array_bytes(out_shape, dtype), caller=f, what=f"the output {out_shape}",
                 advice="use a smaller batch or padding, fewer output channels or a larger stride")
    cols = unfold(x.astype(dtype, copy=False), geo, caller=f)           # N, C, *kernel, *out
    nd = len(geo.kernel)
    taps = tuple(range(1, nd + 2))
    out = np.tensordot(weight.astype(dtype, copy=False), cols, axes=(taps, taps))   # C_out, N, *out
    out = np.moveaxis(out, 0, 1)
    if bias is not None:
        out = out + bias.astype(dtype, copy=False).reshape(-1, *([1] * nd))
    return np.ascontiguousarray(out)


def convnd_naive(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None,
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str = 0) -> np.ndarray:
    """Loop specification of :func:`convnd`: one sum of products per output, over channels and kernel taps.

    Parameters
    ----------
    x : array, shape (N, C_in, *spatial)
    weight : array, shape (C_out, C_in, *kernel)
    bias : array, shape (C_out,), optional
    stride, padding : as in :func:`convnd`

    Returns
    -------
    array, shape (N, C_out, *out)

    Examples
    --------
    >>> convnd_naive([[[1.0, 2.0, 3.0, 4.0]]], [[[1.0, -1.0]]]).tolist()
    [[[-1.0, -1.0, -1.0]]]
    """
    f = "convnd_naive"
    x, weight, bias, geo = _check_nd(f, x, weight, bias, stride, padding, allow_object=True)
    x, weight, bias = as_computed(x, weight, bias)
    pads = geo.window_padding
    out = np.zeros((x.shape[0], weight.shape[0], *geo.output_size), dtype=x.dtype)
    for n in range(x.shape[0]):
        for o in range(weight.shape[0]):
            for pos in np.ndindex(*geo.output_size):
                acc = None
                for c in range(x.shape[1]):
                    for tap in np.ndindex(*geo.kernel):
                        where = tuple(p * s - before + t for p, s, (before, _), t in zip(pos, geo.stride, pads, tap))
                        if all(0 <= w < m for w, m in zip(where, x.shape[2:])):
                            term = weight[(o, c, *tap)] * x[(n, c, *where)]
                            acc = term if acc is None else acc + term
                if bias is not None:
                    acc = bias[o] if acc is None else acc + bias[o]
                out[(n, o, *pos)] = 0 if acc is None else acc
    return out
