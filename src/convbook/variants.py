"""Variants of the basic convolution: tiled, depthwise separable, channel shuffle, squeeze-and-excitation, dilated.

Chapter: *Variants of the basic convolution*. :func:`tiled_conv2d` cycles
through a small set of kernels as it moves (Goodfellow et al. eq. 9.10),
between a convolution (one kernel) and a locally connected layer (one kernel
per position); :func:`depthwise_separable_conv2d`, :func:`channel_shuffle` and
:func:`squeeze_excitation` are the blocks of MobileNet, ShuffleNet and SENet;
:func:`dilation_coverage`, :func:`hdc_ok` and :func:`hdc_rule` decide whether
a stack of dilated convolutions sees every input pixel of its receptive field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import as_array, as_computed, as_int, float_dtype
from ._windows import unfold
from .conv import conv2d
from .cost import Cost
from .memory import array_bytes, check_memory
from .shapes import Geometry, Padding, Size2

__all__ = ["tiled_conv2d", "tiled_conv2d_naive", "tiled_conv2d_cost", "depthwise_separable_conv2d",
           "channel_shuffle", "squeeze_excitation", "dilation_coverage", "hdc_ok", "hdc_rule"]


def _check_tiled(f: str, x: Any, weight: Any, bias: Any, stride: Any, padding: Any, allow_object: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Geometry]:
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)", allow_object)
    weight = as_array(f, "weight", weight, 6, "(t_h, t_w, C_out, C_in, KH, KW)", allow_object)
    if weight.shape[3] != x.shape[1]:
        raise ValueError(f"{f}: the weight has {weight.shape[3]} input channels (its fourth axis) but x has "
                         f"{x.shape[1]}; got x.shape={x.shape}, weight.shape={weight.shape}")
    geo = Geometry.conv(x.shape[2:], weight.shape[4:], stride, padding, caller=f)
    if bias is not None:
        bias = as_array(f, "bias", bias, 3, "(t_h, t_w, C_out)", allow_object)
        if bias.shape != weight.shape[:3]:
            raise ValueError(f"{f}: bias must have one entry per tile position and output channel, shape "
                             f"{weight.shape[:3]} for weight.shape={weight.shape}; got {bias.shape}")
    return x, weight, bias, geo


def _tile_index(n: int, t: int) -> np.ndarray:
    return np.arange(n) % t


def tiled_conv2d(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None, *,
                 stride: Size2 = 1, padding: Padding = 0) -> np.ndarray:
    """Tiled convolution: output position (i, j) uses kernel (i mod t_h, j mod t_w).

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    weight : array, shape (t_h, t_w, C_out, C_in, KH, KW)
        ``t_h * t_w`` kernels, cycled through along each direction (t is per
        direction: t_h = t_w = 2 means 4 kernels).
    bias : array, shape (t_h, t_w, C_out), optional
        Biases tiled like the kernels: one per tile position and output channel.
    stride, padding
        As in :func:`convbook.conv2d`.

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``y[n, o, i, j] = sum_{c,a,b} x_p[n, c, i*s_h + a, j*s_w + b] *
        weight[i % t_h, j % t_w, o, c, a, b] (+ bias[i % t_h, j % t_w, o])``
        (Goodfellow et al. eq. 9.10). With ``t_h = t_w = 1`` it is
        :func:`convbook.conv2d`; with ``(t_h, t_w) = (OH, OW)`` it is
        :func:`convbook.locally_connected2d`.

    Examples
    --------
    Two kernels across (t = (1, 2)): all-ones and all-twos, on a 3x4 input of ones:

    >>> import numpy as np
    >>> weight = np.stack([np.ones((1, 1, 2, 2)), 2 * np.ones((1, 1, 2, 2))])[None]
    >>> weight.shape
    (1, 2, 1, 1, 2, 2)
    >>> tiled_conv2d(np.ones((1, 1, 3, 4)), weight)[0, 0].tolist()
    [[4.0, 8.0, 4.0], [4.0, 8.0, 4.0]]
    """
    f = "tiled_conv2d"
    x, weight, bias, geo = _check_tiled(f, x, weight, bias, stride, padding)
    th, tw, o = weight.shape[:3]
    oh, ow = geo.output_size
    dtype = float_dtype(x.dtype, weight.dtype, *([] if bias is None else [bias.dtype]))
    cols = unfold(x.astype(dtype, copy=False), geo, caller=f).reshape(x.shape[0], -1, oh, ow)
    w = weight.astype(dtype, copy=False).reshape(th, tw, o, -1)
    ti, tj = _tile_index(oh, th), _tile_index(ow, tw)
    out = np.einsum("nkij,ijok->noij", cols, w[ti][:, tj])
    if bias is not None:
        out = out + bias.astype(dtype, copy=False)[ti][:, tj].transpose(2, 0, 1)
    return np.asarray(out, dtype=dtype)


def tiled_conv2d_naive(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None, *,
                       stride: Size2 = 1, padding: Padding = 0) -> np.ndarray:
    """The specification of :func:`tiled_conv2d`: plain loops over eq. 9.10.

    Same arguments, shapes and result as :func:`tiled_conv2d`. Each output is
    accumulated one product at a time (``C_in*KH*KW`` multiplies, one fewer
    adds, plus one add for the bias); accepts object arrays, so that
    :func:`convbook.count_ops` can count the arithmetic.

    Examples
    --------
    >>> import numpy as np
    >>> tiled_conv2d_naive(np.ones((1, 1, 2, 3)), np.ones((1, 2, 1, 1, 2, 2)),
    ...                    bias=np.array([[[0.0], [1.0]]])).tolist()
    [[[[4.0, 5.0]]]]
    """
    f = "tiled_conv2d_naive"
    x, weight, bias, geo = _check_tiled(f, x, weight, bias, stride, padding, allow_object=True)
    x, weight, bias = as_computed(x, weight, bias)
    xp = np.pad(x, ((0, 0), (0, 0), *geo.padding))
    th, tw, o, c, kh, kw = weight.shape
    oh, ow = geo.output_size
    sh, sw = geo.stride
    out = np.empty((x.shape[0], o, oh, ow), dtype=x.dtype)
    for n in range(x.shape[0]):
        for q in range(o):
            for i in range(oh):
                for j in range(ow):
                    k = weight[i % th, j % tw, q]
                    acc = None
                    for ci in range(c):
                        for a in range(kh):
                            for b in range(kw):
                                p = xp[n, ci, i * sh + a, j * sw + b] * k[ci, a, b]
                                acc = p if acc is None else acc + p
                    out[n, q, i, j] = acc if bias is None else acc + bias[i % th, j % tw, q]
    return out


def tiled_conv2d_cost(input_shape: tuple[int, int, int, int], weight_shape: tuple[int, int, int, int, int, int],
                      stride: Size2 = 1, padding: Padding = 0, bias: bool = False, itemsize: int = 8) -> Cost:
    """Cost of :func:`tiled_conv2d`: a convolution's arithmetic, ``t_h * t_w`` times its parameters.

    Parameters
    ----------
    input_shape : (N, C_in, H, W)
    weight_shape : (t_h, t_w, C_out, C_in, KH, KW)
    stride, padding
        As in :func:`tiled_conv2d`.
    bias : bool
        Tiled biases, one per tile position and output channel (``t_h*t_w*C_out``).
    itemsize : int
        Bytes per stored number.

    Returns
    -------
    Cost
        ``multiplies = outputs*C_in*KH*KW``, ``adds = outputs*(C_in*KH*KW - 1)``
        (+ ``outputs`` with bias), ``params = t_h*t_w*C_out*C_in*KH*KW``
        (+ ``t_h*t_w*C_out``).

    Examples
    --------
    Four 3x3 kernels (t = 2 per direction) with tiled biases on a 6x6 image:

    >>> c = tiled_conv2d_cost((1, 1, 6, 6), (2, 2, 1, 1, 3, 3), bias=True)
    >>> c.params, c.multiplies, c.adds, c.output_shape
    (40, 144, 144, (1, 1, 4, 4))
    """
    f = "tiled_conv2d_cost"
    if len(input_shape) != 4 or len(weight_shape) != 6:
        raise ValueError(f"{f}: input_shape must be (N, C_in, H, W) and weight_shape (t_h, t_w, C_out, C_in, KH, "
                         f"KW); got input_shape={input_shape!r}, weight_shape={weight_shape!r}")
    n, c = (as_int(f, "input_shape", v, 1) for v in input_shape[:2])
    th, tw, o, ci, kh, kw = (as_int(f, "weight_shape", v, 1) for v in weight_shape)
    if ci != c:
        raise ValueError(f"{f}: weight_shape has {ci} input channels but input_shape has {c}; "
                         f"got input_shape={input_shape!r}, weight_shape={weight_shape!r}")
    geo = Geometry.conv(tuple(input_shape[2:]), (kh, kw), stride, padding, caller=f)
    oh, ow = geo.output_size
    outputs, terms = n * o * oh * ow, c * kh * kw
    params = th * tw * o * terms + (th * tw * o if bias else 0)
    return Cost(params=params, multiplies=outputs * terms, adds=outputs * (terms - 1) + (outputs if bias else 0),
                nbytes=params * as_int(f, "itemsize", itemsize, 1), output_shape=(n, o, oh, ow))


def depthwise_separable_conv2d(x: npt.ArrayLike, w_depth: npt.ArrayLike, w_point: npt.ArrayLike,
                               b_depth: npt.ArrayLike | None = None, b_point: npt.ArrayLike | None = None, *,
                               stride: Size2 = 1, padding: Padding = 0) -> np.ndarray:
    """Depthwise separable convolution: one KHxKW kernel per input channel, then a 1x1 convolution.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    w_depth : array, shape (C * m, 1, KH, KW)
        ``m`` kernels per input channel (the depth multiplier, usually 1).
    w_point : array, shape (C_out, C * m, 1, 1)
    b_depth : array, shape (C * m,), optional
    b_point : array, shape (C_out,), optional
    stride, padding
        Of the depthwise stage, as in :func:`convbook.conv2d`.

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``conv2d(conv2d(x, w_depth, b_depth, stride, padding, groups=C), w_point, b_point)``:
        ``C*m*KH*KW + C_out*C*m`` weights instead of ``C_out*C*KH*KW``.

    Examples
    --------
    >>> import numpy as np
    >>> y = depthwise_separable_conv2d(np.ones((1, 2, 4, 4)), np.ones((2, 1, 3, 3)), np.ones((5, 2, 1, 1)))
    >>> y.shape, float(y[0, 0, 0, 0])  # each channel sums 9 ones, the 1x1 adds the 2 channels
    ((1, 5, 2, 2), 18.0)
    """
    f = "depthwise_separable_conv2d"
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    w_depth = as_array(f, "w_depth", w_depth, 4, "(C * m, 1, KH, KW)")
    w_point = as_array(f, "w_point", w_point, 4, "(C_out, C * m, 1, 1)")
    c = x.shape[1]
    if w_depth.shape[1] != 1 or w_depth.shape[0] % c:
        raise ValueError(f"{f}: w_depth must be (C * m, 1, KH, KW), one or more kernels per input channel; "
                         f"got w_depth.shape={w_depth.shape} for x.shape={x.shape}")
    if w_point.shape[1:] != (w_depth.shape[0], 1, 1):
        raise ValueError(f"{f}: w_point must be (C_out, {w_depth.shape[0]}, 1, 1), a 1x1 kernel over the depthwise "
                         f"outputs; got w_point.shape={w_point.shape}")
    depth = conv2d(x, w_depth, b_depth, stride=stride, padding=padding, groups=c)
    return conv2d(depth, w_point, b_point)


def channel_shuffle(x: npt.ArrayLike, groups: int) -> np.ndarray:
    """ShuffleNet's channel shuffle: deal the channels of ``groups`` groups out like cards.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    groups : int, dividing C

    Returns
    -------
    array, shape (N, C, H, W)
        Channels reshaped to (groups, C/groups), transposed and flattened, as
        ``torch.nn.ChannelShuffle``: output channel ``k*groups + g`` is input
        channel ``g*(C/groups) + k``. The dtype is kept.

    Examples
    --------
    >>> import numpy as np
    >>> channel_shuffle(np.arange(6).reshape(1, 6, 1, 1), 2).ravel().tolist()
    [0, 3, 1, 4, 2, 5]
    """
    f = "channel_shuffle"
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    g = as_int(f, "groups", groups, 1)
    n, c, h, w = x.shape
    if c % g:
        raise ValueError(f"{f}: groups must divide the {c} channels of x; got groups={g}")
    return x.reshape(n, g, c // g, h, w).transpose(0, 2, 1, 3, 4).reshape(n, c, h, w)


def squeeze_excitation(x: npt.ArrayLike, w1: npt.ArrayLike, b1: npt.ArrayLike, w2: npt.ArrayLike,
                       b2: npt.ArrayLike) -> np.ndarray:
    """Squeeze-and-excitation: reweight each channel by a gate computed from all channels' means.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    w1 : array, shape (C_r, C) and b1 : shape (C_r,)
        The squeezing fully connected layer (C_r = C / reduction).
    w2 : array, shape (C, C_r) and b2 : shape (C,)
        The exciting fully connected layer.

    Returns
    -------
    array, shape (N, C, H, W)
        ``x * s[:, :, None, None]`` with ``z = mean_{h,w} x``,
        ``s = sigmoid(w2 @ relu(w1 @ z + b1) + b2)``.

    Examples
    --------
    Zero weights give gates sigmoid(0) = 0.5:

    >>> import numpy as np
    >>> y = squeeze_excitation(np.ones((1, 4, 2, 2)), np.zeros((2, 4)), np.zeros(2), np.zeros((4, 2)), np.zeros(4))
    >>> float(y.max())
    0.5
    """
    f = "squeeze_excitation"
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    c = x.shape[1]
    w1 = as_array(f, "w1", w1, 2, "(C_r, C)")
    r = w1.shape[0]
    b1 = as_array(f, "b1", b1, 1, "(C_r,)")
    w2 = as_array(f, "w2", w2, 2, "(C, C_r)")
    b2 = as_array(f, "b2", b2, 1, "(C,)")
    for name, arr, want in (("w1", w1, (r, c)), ("b1", b1, (r,)), ("w2", w2, (c, r)), ("b2", b2, (c,))):
        if arr.shape != want:
            raise ValueError(f"{f}: {name} must have shape {want} for x with C={c} channels and w1 with C_r={r} "
                             f"rows; got {name}.shape={arr.shape}")
    x, w1, b1, w2, b2 = as_computed(x, w1, b1, w2, b2)
    z = x.mean(axis=(2, 3))
    s = 1.0 / (1.0 + np.exp(-(np.maximum(z @ w1.T + b1, 0) @ w2.T + b2)))
    return x * s[:, :, None, None]


def _check_rates(f: str, rates: Any, kernel_size: Any) -> tuple[list[int], int]:
    if isinstance(rates, (str, bytes)) or not isinstance(rates, (Sequence, np.ndarray)) or len(rates) == 0:
        raise TypeError(f"{f}: rates must be a non-empty sequence of ints >= 1 (one dilation per layer); "
                        f"got {rates!r}")
    return [as_int(f, "rates", r, 1) for r in rates], as_int(f, "kernel_size", kernel_size, 2)


def dilation_coverage(rates: Sequence[int], kernel_size: int) -> np.ndarray:
    """Which input offsets a stack of dilated convolutions reaches: the gridding mask.

    Parameters
    ----------
    rates : sequence of int >= 1
        The dilation of each layer, input side first.
    kernel_size : int >= 2
        Taps of every layer's kernel along each axis.

    Returns
    -------
    bool array, shape (S, S)
        ``S = 1 + (kernel_size - 1) * sum(rates)`` is the receptive field;
        entry (a, b) is True when the input at offset (a, b) from the field's
        corner reaches the output unit along some path (sum over layers of
        ``rate * tap``, taps ``0 .. kernel_size - 1``). A False inside the
        field is a hole: gridding.

    Examples
    --------
    Two 3-tap layers of dilation 2 reach only even offsets:

    >>> dilation_coverage([2, 2], 3)[0].astype(int).tolist()
    [1, 0, 1, 0, 1, 0, 1, 0, 1]
    """
    return _coverage(*_check_rates("dilation_coverage", rates, kernel_size), caller="dilation_coverage")


def _coverage(rates: list[int], k: int, *, caller: str) -> np.ndarray:
    span = 1 + (k - 1) * sum(rates)
    check_memory(array_bytes((span, span), np.bool_), caller=caller, what=f"the {span} x {span} coverage mask",
                 advice="use smaller rates or fewer layers")
    reach = np.ones(1, dtype=bool)
    for r in rates:
        nxt = np.zeros(reach.size + (k - 1) * r, dtype=bool)
        for tap in range(k):
            nxt[tap * r: tap * r + reach.size] |= reach
        reach = nxt
    return np.outer(reach, reach)


def hdc_ok(rates: Sequence[int], kernel_size: int) -> bool:
    """True exactly when :func:`dilation_coverage` has no holes: every input of the receptive field is seen.

    Parameters
    ----------
    rates : sequence of int >= 1
    kernel_size : int >= 2

    Returns
    -------
    bool
        A stack of n layers reaches at most ``kernel_size ** n`` inputs (one
        tap per layer on each path), so a field larger than that has holes
        without building the mask.

    Examples
    --------
    >>> hdc_ok([1, 2, 5], 3), hdc_ok([2, 4, 8], 3), hdc_ok([1, 5, 9], 3)
    (True, False, False)
    """
    rates, k = _check_rates("hdc_ok", rates, kernel_size)
    if sum(rates) > (k ** len(rates) - 1) // (k - 1):
        return False  # more inputs in the field than the k**n paths through the stack can reach
    return bool(_coverage(rates, k, caller="hdc_ok").all())


def hdc_rule(rates: Sequence[int], kernel_size: int) -> tuple[int, bool]:
    """Wang et al.'s (2018) hybrid dilated convolution rules for a list of rates.

    Parameters
    ----------
    rates : sequence of int >= 1
        ``r_1, ..., r_n``, input side first.
    kernel_size : int >= 2

    Returns
    -------
    (M_2, ok) : (int, bool)
        ``M_n = r_n``, ``M_i = max(M_{i+1} - 2 r_i, M_{i+1} - 2 (M_{i+1} - r_i), r_i)``
        (the largest distance between two nonzero taps the layers from i on
        leave); ``ok`` is ``M_2 <= kernel_size`` and ``gcd(rates) == 1``. For
        one layer ``M_2`` is taken as ``r_1``.

    Examples
    --------
    >>> hdc_rule([1, 2, 5], 3), hdc_rule([1, 5, 9], 3), hdc_rule([3, 3, 3], 3)
    ((2, True), (5, False), (3, False))
    """
    rates, k = _check_rates("hdc_rule", rates, kernel_size)
    m = rates[-1]
    for r in reversed(rates[1:-1]):
        m = max(m - 2 * r, m - 2 * (m - r), r)
    return m, bool(m <= k and math.gcd(*rates) == 1)
