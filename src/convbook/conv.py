"""Multi-channel 2-D convolution layers (NCHW input, OIHW weights).

Chapter: *The convolution operation* (multi-channel convolution, stride,
padding, dilation, groups) and *Parameter sharing*.

Like every deep-learning library, ``conv2d`` computes a cross-correlation:

.. math::

    y[n, o, i, j] = b[o] + \\sum_{c, a, b'} x_p[n,\\, g(o) C_g + c,\\,
    i s_h + a d_h,\\, j s_w + b' d_w]\\; w[o, c, a, b']

where ``x_p`` is the zero-padded input, ``C_g = C / groups`` and ``g(o)``
the group of output channel ``o``. Output size per axis is
:func:`convbook.output_size`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import as_array, as_computed, as_pair, float_dtype
from ._windows import fold_into, unfold, unfold_into
from .memory import array_bytes, check_memory, get_memory_limit
from .shapes import Geometry, Padding, Size2

__all__ = ["conv2d", "conv2d_naive", "conv2d_backward", "im2col"]


def _check_layer(f: str, x: Any, weight: Any, bias: Any, groups: Any, stride: Any, padding: Any, dilation: Any,
                 allow_object: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, Geometry]:
    """Check a conv layer's arguments; return them as arrays with ``groups`` and the layer's :class:`Geometry`."""
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)", allow_object)
    weight = as_array(f, "weight", weight, 4, "(C_out, C_in/groups, KH, KW)", allow_object)
    geo = Geometry.conv2d(x.shape, weight.shape, stride, padding, dilation, groups, caller=f)
    if bias is not None:
        bias = as_array(f, "bias", bias, 1, "(C_out,)", allow_object)
        if bias.shape[0] != weight.shape[0]:
            raise ValueError(f"{f}: bias must have one entry per output channel, shape ({weight.shape[0]},) "
                             f"for weight.shape={weight.shape}; got {bias.shape}")
    return x, weight, bias, int(groups), geo


def im2col(x: npt.ArrayLike, kernel_size: Size2, stride: Size2 = 1, padding: Padding = 0,
           dilation: Size2 = 1) -> np.ndarray:
    """Unfold every receptive field of ``x`` into a column.

    Parameters
    ----------
    x : array, shape (N, C, H, W)
    kernel_size, stride, padding, dilation
        As in :func:`conv2d` (``padding`` may also be ``'valid'``/``'same'``).

    Returns
    -------
    array, shape (N, C*KH*KW, OH*OW)
        Column ``l`` holds the input patch seen by output position ``l``
        (row-major over ``OH x OW``), ordered channel, row, column; equal to
        ``torch.nn.functional.unfold``.

    Notes
    -----
    The columns hold ``KH*KW`` copies of the input (for stride 1): the
    memory a convolution by one matrix product pays for its speed.

    Examples
    --------
    Two channels of 4x4 and 3x3 windows: 2*3*3 = 18 numbers per window, and
    (4 - 3 + 1)**2 = 4 windows.

    >>> import numpy as np
    >>> x = np.arange(32.0).reshape(1, 2, 4, 4)
    >>> im2col(x, 3).shape
    (1, 18, 4)
    >>> im2col(x, 3)[0, :3, 0].tolist()  # first row of the first window
    [0.0, 1.0, 2.0]
    """
    f = "im2col"
    x = as_array(f, "x", x, 4, "(N, C, H, W)")
    geo = Geometry.conv(x.shape[2:], as_pair(f, "kernel_size", kernel_size, 1), stride, padding, dilation,
                        caller=f)
    return unfold(x, geo, caller=f).reshape(x.shape[0], x.shape[1] * math.prod(geo.kernel), -1)


def conv2d(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None, stride: Size2 = 1,
           padding: Padding = 0, dilation: Size2 = 1, groups: int = 1, *, method: str = "auto") -> np.ndarray:
    """2-D convolution layer (cross-correlation), computed by im2col + matmul or by ``method``.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W)
    weight : array, shape (C_out, C_in/groups, KH, KW)
    bias : array, shape (C_out,), optional
        One bias per output channel, shared by every position.
    stride, dilation : int or (int, int), >= 1
    padding : int, (int, int), 'valid' or 'same'
        Zeros added on each side; ``'same'`` (stride 1 only) puts the odd zero
        of an even total at the bottom/right, as torch does.
    groups : int
        Input and output channels are split into this many groups that only
        see each other (``groups == C_in`` is a depthwise convolution).
    method : {'auto', 'direct', 'im2col', 'fft', 'winograd'}
        How to compute it (:mod:`convbook.algorithms`): shift and add, one
        matrix product over every window, the FFT (stride 1), Winograd's
        F(2x2, 3x3) (3x3 kernels, stride 1, dilation 1); ``'auto'`` picks by
        :func:`convbook.choose_conv2d_method`'s cost rule.

    Returns
    -------
    array, shape (N, C_out, OH, OW)
        ``OH = output_size(H, KH, stride, padding, dilation)``, likewise ``OW``.
        Equal to ``torch.nn.functional.conv2d`` with the same arguments (by
        every method, up to rounding);
        float32 in gives float32 out, integers give float64.

    Examples
    --------
    Sixteen 5x5 filters on a batch of two 32x32 RGB images: each side
    shrinks to 32 - 5 + 1 = 28, or stays 32 with two zeros of padding.

    >>> import numpy as np
    >>> x = np.ones((2, 3, 32, 32))
    >>> weight = np.ones((16, 3, 5, 5))
    >>> conv2d(x, weight).shape
    (2, 16, 28, 28)
    >>> conv2d(x, weight, padding=2, stride=2).shape
    (2, 16, 16, 16)
    >>> float(conv2d(x, weight, bias=np.full(16, 0.5))[0, 0, 0, 0])  # 3*5*5 ones + 0.5
    75.5
    >>> bool(np.allclose(conv2d(x, weight[:, :, :3, :3], method="winograd"), conv2d(x, weight[:, :, :3, :3])))
    True
    """
    f = "conv2d"
    x, weight, bias, groups, geo = _check_layer(f, x, weight, bias, groups, stride, padding, dilation)
    from .algorithms import resolve_conv2d_method, run_conv2d_method  # lazily, as the methods need this module
    method = resolve_conv2d_method(f, method, x, weight, geo, groups)
    if method != "im2col":
        return run_conv2d_method(f, method, x, weight, bias, geo, groups)
    dtype = float_dtype(x.dtype, weight.dtype, *([] if bias is None else [bias.dtype]))
    return _conv2d_im2col(x, weight, bias, geo, groups, dtype)


#: Bytes of unfolded windows :func:`conv2d` copies at a time (a few images, or one): enough for one large matrix
#: product per step, small enough to stay in cache and to cost a fraction of the output's memory.
_IM2COL_CHUNK_BYTES = 4 * 2**20


def _pointwise(geo: Geometry) -> bool:
    """Whether window ``(i, j)`` reads exactly input ``(i, j)`` (a 1x1 kernel, stride 1, no padding): no unfolding."""
    return (geo.kernel == (1, 1) and geo.stride == (1, 1) and geo.padding == ((0, 0), (0, 0))
            and geo.output_size == geo.input_size)


def _conv2d_im2col(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, geo: Geometry, groups: int,
                   dtype: np.dtype) -> np.ndarray:
    """:func:`conv2d` by im2col + matmul, on checked arguments, computing in ``dtype``.

    The windows of a few images at a time (one, for a large layer) are copied
    into one buffer, zeroed once and reused (the positions that read padding
    stay zero, so the padded input is never built), and one matrix product
    per step writes straight into the output; the bias is added while that
    part of the output is in cache. Memory: the output plus the buffer, at
    most :data:`_IM2COL_CHUNK_BYTES` unless one image's windows are larger
    (then one image at a time, refused past the memory limit).
    """
    f = "conv2d"
    n, c = x.shape[:2]
    o = weight.shape[0]
    oh, ow = geo.output_size
    length = oh * ow
    check_memory(array_bytes((n, o, oh, ow), dtype), caller=f, what=f"the output {(n, o, oh, ow)}",
                 advice="use a smaller batch or padding, fewer output channels or a larger stride")
    wg = weight.astype(dtype, copy=False).reshape(groups, o // groups, -1)   # G, O/G, Cg*KH*KW
    taps = wg.shape[2]
    out = np.empty((n, o, oh, ow), dtype=dtype)
    flat = out.reshape(n, groups, o // groups, length)                       # n, G, O/G, L: views of out
    b = None if bias is None else bias.astype(dtype, copy=False)[:, None]
    if _pointwise(geo):   # the windows are the input itself
        for i in range(n):
            np.matmul(wg, x[i].astype(dtype, copy=False).reshape(groups, taps, length), out=flat[i])
            if b is not None:
                out[i].reshape(o, length)[...] += b
        return out
    # im2col copies every window: a few images at a time, into one buffer
    per_image = array_bytes((c, *geo.kernel, oh, ow), dtype)
    check_memory(per_image, caller=f, what="the unfolded windows (im2col) of one image",
                 advice="use a smaller input, fewer channels, a smaller kernel or a larger stride")
    step = max(1, min(n, _IM2COL_CHUNK_BYTES // per_image, get_memory_limit() // per_image))
    buffer = np.zeros((step, c, *geo.kernel, oh, ow), dtype=dtype)            # step, C, KH, KW, OH, OW
    for start in range(0, n, step):
        part = x[start:start + step].astype(dtype, copy=False)
        m = part.shape[0]
        cols = unfold_into(part, geo, buffer[:m]).reshape(m, groups, taps, length)   # m, G, Cg*KH*KW, L
        np.matmul(wg, cols, out=flat[start:start + m])
        if b is not None:
            out[start:start + m].reshape(m, o, length)[...] += b
    return out


def conv2d_naive(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None, stride: Size2 = 1,
                 padding: Padding = 0, dilation: Size2 = 1, groups: int = 1) -> np.ndarray:
    """The specification of :func:`conv2d`: seven plain loops.

    Same arguments, shapes and result as :func:`conv2d`. Each output is
    accumulated one product at a time (``C_in/groups*KH*KW`` multiplies, one
    fewer adds, plus one add for the bias); products with padding zeros are
    formed too, as im2col does. Accepts object arrays, so that
    :func:`convbook.count_ops` can count the arithmetic.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_naive(x, np.ones((1, 1, 2, 2))).shape
    (1, 1, 3, 3)
    >>> bool(np.allclose(conv2d_naive(x, np.ones((1, 1, 2, 2))), conv2d(x, np.ones((1, 1, 2, 2)))))
    True
    """
    f = "conv2d_naive"
    x, weight, bias, groups, geo = _check_layer(f, x, weight, bias, groups, stride, padding, dilation,
                                                allow_object=True)
    x, weight, bias = as_computed(x, weight, bias)
    kh, kw = weight.shape[2:]
    check_memory(array_bytes((x.shape[0], weight.shape[0], *geo.output_size), np.float64), caller=f,
                 what="the output", advice="use a smaller batch or input")
    xp = np.pad(x, ((0, 0), (0, 0), *geo.padding))
    (sh, sw), (dh, dw), (oh, ow) = geo.stride, geo.dilation, geo.output_size
    n_batch = x.shape[0]
    c_out, cg = weight.shape[:2]
    og = c_out // groups
    out = np.empty((n_batch, c_out, oh, ow), dtype=x.dtype)
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // og) * cg
            for i in range(oh):
                for j in range(ow):
                    acc = None
                    for c in range(cg):
                        for a in range(kh):
                            for b in range(kw):
                                p = xp[n, first + c, i * sh + a * dh, j * sw + b * dw] * weight[o, c, a, b]
                                acc = p if acc is None else acc + p
                    out[n, o, i, j] = acc if bias is None else acc + bias[o]
    return out


def conv2d_backward(grad_output: npt.ArrayLike, x: npt.ArrayLike, weight: npt.ArrayLike, stride: Size2 = 1,
                    padding: Padding = 0, dilation: Size2 = 1,
                    groups: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d` with respect to its input, weight and bias (Goodfellow et al., eqs. 9.11-9.13).

    For ``y = conv2d(x, weight, bias, ...)`` and an upstream gradient
    ``G = dL/dy``: the weight gradient correlates the input with ``G`` (their
    ``g(G, V, s)``); the input gradient is a transposed convolution of ``G``
    with the weight (their ``h(K, G, s)``): every output spreads its gradient
    back over the input positions it read, by :func:`convbook.conv_transpose2d`'s
    fold; the bias gradient sums ``G`` over the batch and the positions.

    Parameters
    ----------
    grad_output : array, shape (N, C_out, OH, OW)
        ``dL/dy`` for ``y = conv2d(x, weight, bias, stride, padding, dilation, groups)``.
    x : array, shape (N, C_in, H, W)
    weight : array, shape (C_out, C_in/groups, KH, KW)
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    (grad_x, grad_weight, grad_bias)
        Shapes (N, C_in, H, W), (C_out, C_in/groups, KH, KW) and (C_out,);
        equal to what ``torch.autograd`` gives for ``torch.nn.functional.conv2d``.

    Examples
    --------
    >>> import numpy as np
    >>> x, weight = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
    >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, weight)
    >>> gx[0, 0].astype(int).tolist()  # how many of the 2x2 outputs read each input pixel
    [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]
    >>> gw.shape, gb.tolist()
    ((1, 1, 3, 3), [4.0])
    """
    f = "conv2d_backward"
    x, weight, _, groups, geo = _check_layer(f, x, weight, None, groups, stride, padding, dilation)
    n, c = x.shape[:2]
    o = weight.shape[0]
    oh, ow = geo.output_size
    g = as_array(f, "grad_output", grad_output, 4, "(N, C_out, OH, OW)")
    if g.shape != (n, o, oh, ow):
        raise ValueError(f"{f}: grad_output must have the output shape {(n, o, oh, ow)} of conv2d for "
                         f"x.shape={x.shape}, weight.shape={weight.shape}; got {g.shape}")
    dtype = float_dtype(x.dtype, weight.dtype, g.dtype)
    cg, og = c // groups, o // groups
    taps = cg * math.prod(geo.kernel)
    length = oh * ow
    check_memory(array_bytes(x.shape, dtype), caller=f, what=f"the input gradient {x.shape}",
                 advice="use a smaller batch or input")
    check_memory(array_bytes((c, *geo.kernel, oh, ow), dtype), caller=f,
                 what="the unfolded windows (im2col) of one image",
                 advice="use a smaller input, fewer channels, a smaller kernel or a larger stride")
    gg = g.astype(dtype, copy=False).reshape(n, groups, og, length)
    wt = weight.astype(dtype, copy=False).reshape(groups, og, taps).transpose(0, 2, 1)   # G, Cg*KH*KW, O/G
    # A few images (or one) at a time, in two reused buffers: their windows (zeroed once; the padding stays zero)
    # give the weight gradient as a matrix product (BLAS), and the weight's transpose times their output gradient
    # gives the window gradients, folded (added back) onto the input gradient.
    per_image = array_bytes((c, *geo.kernel, oh, ow), dtype)
    step = max(1, min(n, _IM2COL_CHUNK_BYTES // per_image))
    cols = np.zeros((step, c, *geo.kernel, oh, ow), dtype=dtype)
    dcols = np.empty((step, groups, taps, length), dtype=dtype)
    grad_weight = np.zeros((groups, og, taps), dtype=dtype)
    part = np.empty((step, groups, og, taps), dtype=dtype)
    grad_x = np.zeros(x.shape, dtype=dtype)
    for start in range(0, n, step):
        m = min(step, n - start)
        unfold_into(x[start:start + m].astype(dtype, copy=False), geo, cols[:m])
        np.matmul(gg[start:start + m], cols[:m].reshape(m, groups, taps, length).transpose(0, 1, 3, 2),
                  out=part[:m])
        grad_weight += part[0] if m == 1 else part[:m].sum(axis=0)
        np.matmul(wt, gg[start:start + m], out=dcols[:m])
        fold_into(dcols[:m].reshape(m, c, *geo.kernel, oh, ow), geo, grad_x[start:start + m])
    grad_bias = g.astype(dtype, copy=False).sum(axis=(0, 2, 3))
    return grad_x, grad_weight.reshape(weight.shape), grad_bias
