"""Efficient convolution algorithms: direct, im2col, FFT and Winograd, separable and low-rank kernels.

Chapter: *Efficient convolution algorithms*. :func:`convbook.conv2d` and
:func:`convbook.correlate2d` take a ``method`` keyword, in the style of
``scipy.signal.convolve(method=)``; the methods are implemented here:

- ``"direct"``: shift and add, one matrix product over the channels per
  kernel tap, without the im2col copy;
- ``"im2col"``: every window copied into a column, then one matrix product
  (the body of :func:`convbook.conv2d`);
- ``"fft"``: the correlation theorem with ``scipy.fft.rfft2`` (``numpy.fft``'s
  pocketfft, in single precision for float32), zero-padded to fast sizes
  (``scipy.fft.next_fast_len``) just large enough that no output the mode
  keeps wraps around, which makes the circular correlation equal to the
  linear one: the padded input's size for ``conv2d`` and mode 'valid',
  ``n + max(before, after)`` zeros for 'same' (stride 1; a dilated kernel is
  applied as the kernel with zeros between its taps);
- ``"winograd"``: F(2x2, 3x3) of Lavin and Gray: each 2x2 output tile from a
  4x4 input tile with 16 multiplies instead of 2*2*3*3 = 36 (3x3 kernels,
  stride 1, dilation 1);
- ``"auto"``: the method the cost rule of :func:`choose_conv2d_method`
  predicts to be fastest, like ``scipy.signal.choose_conv_method`` (for
  ``conv2d``, im2col unless another method is predicted to take at most 0.7
  of its time, 0.9 for Winograd, which competes from 16 channels in and out
  per group); the rule's constants were measured on this machine (see the
  comments at ``_CONV2D_RULE``).

Every method equals the loop specification (:func:`convbook.conv2d_naive`,
:func:`convbook.correlate2d_naive`) up to rounding. The FFT's rounding error
grows with the size and the magnitude of the whole image, not of each output:
about ``1e-15 * max|x| * sum|k|`` in float64 and ``1e-6 *`` that in float32
(the tests use these tolerances); the Winograd transforms multiply by 1/2
and add, so small integers stay exact, and in float32 its error is about
im2col's (on the layers of ``benchmarks/run.py``, at most ``2e-8 * max|x| *
sum|k|`` measured against float64, 0.35-0.6 times im2col's; the tests allow
``1e-6 *`` that).

Separable kernels: a kernel of rank ``r`` (its singular values, by
:func:`kernel_rank`) is the sum of ``r`` outer products of a column and a
row, so that correlating with it takes ``r`` passes of a 1-D column filter
and a 1-D row filter (:func:`separable_correlate2d`): ``r*(KH + KW)``
multiplies per output instead of ``KH*KW`` (seed 002, section 4.3.2).
"""

from __future__ import annotations

import math
from functools import lru_cache, partial
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.fft

from ._checks import as_array, as_int, as_mode, float_dtype
from ._windows import pad
from .cost import conv2d_method_cost, correlate2d_cost
from .memory import array_bytes, check_memory, get_memory_limit
from .shapes import Geometry, Mode, mode_padding
from .timing import median_time

__all__ = [
    "CONV2D_METHODS",
    "CORRELATE2D_METHODS",
    "choose_conv2d_method",
    "choose_correlate2d_method",
    "winograd_transforms",
    "winograd_tile",
    "kernel_rank",
    "separable_factors",
    "low_rank_kernel",
    "separable_correlate2d",
]

#: The values of ``conv2d(..., method=)``.
CONV2D_METHODS = ("auto", "direct", "im2col", "fft", "winograd")
#: The values of ``correlate2d(..., method=)``.
CORRELATE2D_METHODS = ("auto", "direct", "fft")

# --- the cost rule of "auto" ---------------------------------------------------------------------------------------
# Measured on one thread of this machine (2-core x86-64 VM shared with other jobs; numpy 2.4 with OpenBLAS, scipy
# 1.17) with convbook.timing.compare_times (the methods interleaved in rounds, OMP_NUM_THREADS=1), and fitted to the
# per-round time ratios between the methods, which a loaded machine keeps better than seconds.
#
# correlate2d: seconds per counted operation (multiplies + adds: correlate2d_cost for "direct", the FFT count of
# conv2d_method_cost at the sizes correlate2d_fft uses for "fft"), for 8- and 4-byte floats. On n x n images,
# n = 32, 128, 512, k x k kernels, k = 3..9, modes "same" and "valid", the direct method's seconds per operation were
# a median 3.3 (float64) and 3.0 (float32) times the FFT's, whatever the image size: the direct/FFT crossover is at
# k = 5 (direct/FFT time 0.8-1.6 there, 0.4-0.9 at k = 3, 1.8-2.8 at k = 7).
_CORRELATE2D_PER_OP = {"direct": {8: 3.5e-10, 4: 1.7e-10}, "fft": {8: 1.06e-10, 4: 0.57e-10}}
# Fixed costs per call, which decide on small images: the direct method's numpy call per kernel tap (about 1 us)
# and the FFT's three transforms (about 20 us in all, measured on 8 x 8 and 32 x 32 images).
_CORRELATE2D_OVERHEAD = {"direct": 3e-6, "fft": 2e-5}
_CORRELATE2D_PER_TAP = 1e-6
# conv2d: seconds = overhead + per_op * operations + per_mixing * (operations of the FFT's channel mixing)
# + per_byte * (bytes of the method's buffer, once per tap for direct), fitted per method and dtype by non-negative
# least squares on the relative error over a grid of 22 layers (1..8 images, 1..128 channels, 8..512 pixels,
# 3x3..31x31 kernels, padding k // 2), timed interleaved with convbook.timing.compare_times. im2col stays the choice
# unless another method is predicted at most _CONV2D_MARGIN of its time: on that grid "auto" was then never slower
# than im2col and on average 1.3 % slower than the fastest method (the FFT won for kernels from 7x7 with few
# channels, by up to 100x at 31x31). On a second run of the grid the same constants again never picked a method
# slower than im2col and were on average 3-5 % slower than the fastest method (a fit to that run alone did worse on
# it: the machine is noisy).
# Winograd's constants were refitted when its method became one strided pass per transform and one batched product
# per chunk (2026-11-26): on a grid of 24 layers with 3x3 kernels and padding 1 (1..32 images, 1..256 channels,
# 7..512 pixels; the two layers of benchmarks/run.py among them), Winograd and im2col timed interleaved with
# compare_times (5 rounds of 0.05 s, OMP_NUM_THREADS=1), the constants fitted as above to Winograd's time measured as
# a ratio to im2col's times im2col's predicted time, so that the rule predicts that ratio. Measured, float32 (float64):
# Winograd took 0.70-0.79 (0.61-0.83) of im2col's time on the layers of 32-128 channels and 14-56 pixels, 0.91-1.01
# (0.79-1.01) with 16 channels, on 8x8 and 17x17 images and with 256 channels, 1.8 (1.4) times im2col's on a 7x7
# image, and 1.2-2.3 times with 1-8 channels (but 0.74 (1.07) on a 128x128 image of 8 channels and 0.46 (0.43) on a
# 512x512 image of 4), where the rule's bytes-and-operations model, fitted to the whole grid, predicts it too cheap:
# so Winograd competes only with at least _WINOGRAD_MIN_CHANNELS input and output channels per group, and is chosen
# when predicted at most _WINOGRAD_MARGIN of im2col's time (its prediction is fitted to its ratio to im2col
# directly). On that grid auto then chose Winograd on every layer of 16 or more channels where it measured faster
# than im2col, and on none where it measured more than 1 % slower (it chose it at 1.00-1.01 on two layers per
# dtype); by the channel floor it misses the few-channel layers where Winograd was faster (0.46 and 0.74 above).
_CONV2D_RULE: dict[str, dict[int, tuple[float, float, float, float]]] = {
    "direct": {8: (0.000243, 6.37e-11, 0, 2.81e-10),
               4: (0.000115, 1.24e-11, 0, 1.62e-10)},
    "im2col": {8: (8.37e-05, 3.29e-11, 0, 3.44e-10),
               4: (5.56e-05, 7.46e-12, 0, 2.34e-10)},
    "fft": {8: (0.00028, 2.21e-10, 4.22e-10, 4.22e-10),
            4: (0.000164, 9.45e-11, 5.33e-11, 2.19e-10)},
    "winograd": {8: (0.000159, 5.02e-11, 0, 1.93e-10),
                 4: (0.000106, 1.39e-11, 0, 1.11e-10)},
}
_CONV2D_MARGIN = 0.7
_WINOGRAD_MARGIN = 0.9
_WINOGRAD_MIN_CHANNELS = 16


def _check_method(f: str, method: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"{f}: method must be one of {', '.join(map(repr, allowed))}; got {method!r}")
    return method


def _applicable_conv2d(geo: Geometry) -> dict[str, str | None]:
    """For each method, ``None`` if it applies to the layer of ``geo``, else the condition it needs."""
    return {
        "direct": None,
        "im2col": None,
        "fft": None if geo.stride == (1, 1) else "stride 1 (the FFT computes every position)",
        "winograd": (None if geo.kernel == (3, 3) and geo.stride == (1, 1) and geo.dilation == (1, 1)
                     else "a 3x3 kernel, stride 1 and dilation 1 (F(2x2, 3x3))"),
    }


def check_conv2d_method(f: str, method: Any, geo: Geometry) -> str:
    """Check ``method`` for a layer of geometry ``geo``; return it (not resolved when ``'auto'``)."""
    method = _check_method(f, method, CONV2D_METHODS)
    need = _applicable_conv2d(geo).get(method)
    if need is not None:
        got = (f"kernel {geo.kernel[0]}x{geo.kernel[1]}, stride {geo.stride}, dilation {geo.dilation}")
        raise ValueError(f"{f}: method={method!r} needs {need}; got {got}; use method='im2col' or 'direct'")
    return method


def _layer_shape(shape: tuple[int, ...]) -> Any:
    """``shape`` as the 4-tuple the cost model takes."""
    return tuple(int(v) for v in shape)


def _conv2d_features(method: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], geo: Geometry,
                     groups: int, itemsize: int) -> tuple[float, float, float]:
    """(arithmetic, arithmetic of the FFT's channel mixing, bytes moved) of one method, from the cost model."""
    layer: Any = geo   # its per-axis tuples are what conv2d_method_cost accepts
    c = conv2d_method_cost(method, _layer_shape(x_shape), _layer_shape(w_shape), layer.stride, layer.padding,
                           layer.dilation, groups, itemsize=itemsize)
    if method == "fft":   # the products of the spectra run as many small complex matrix products: slower per op
        hf, wf = _fft_sizes(tuple(n + b + a for n, (b, a) in zip(x_shape[2:], geo.padding)))   # type: ignore[arg-type]
        mixing = x_shape[0] * w_shape[0] * hf * (wf // 2 + 1) * (8 * w_shape[1] - 2)
        return c.flops - mixing, mixing, c.nbytes
    moved = c.nbytes * (math.prod(geo.kernel) if method == "direct" else 1)   # direct: one shifted copy per tap
    return c.flops, 0, moved


def _conv2d_estimates(x_shape: tuple[int, ...], w_shape: tuple[int, ...], geo: Geometry, groups: int,
                      itemsize: int) -> dict[str, float]:
    """Predicted seconds of every applicable method, by the cost rule."""
    size = 8 if itemsize > 4 else 4
    out = {}
    for m, need in _applicable_conv2d(geo).items():
        if need is None:
            ops, mixing, moved = _conv2d_features(m, x_shape, w_shape, geo, groups, itemsize)
            overhead, per_op, per_mixing, per_byte = _CONV2D_RULE[m][size]
            out[m] = overhead + per_op * ops + per_mixing * mixing + per_byte * moved
    return out


def resolve_conv2d_method(f: str, method: Any, x: np.ndarray, weight: np.ndarray, geo: Geometry,
                          groups: int) -> str:
    """The method ``conv2d`` runs: ``method`` checked, or for ``'auto'`` the cheapest by the cost rule."""
    if isinstance(method, str) and method == "auto":
        return _auto_conv2d(x.shape, weight.shape, x.dtype, weight.dtype, geo, groups)
    return check_conv2d_method(f, method, geo)


@lru_cache(maxsize=1024)
def _auto_conv2d(x_shape: tuple[int, ...], w_shape: tuple[int, ...], x_dtype: np.dtype, w_dtype: np.dtype,
                 geo: Geometry, groups: int) -> str:
    """The choice of ``'auto'``, remembered per layer: im2col unless another method is predicted much faster."""
    est = _conv2d_estimates(x_shape, w_shape, geo, groups, float_dtype(x_dtype, w_dtype).itemsize)
    if min(w_shape[0] // groups, w_shape[1]) < _WINOGRAD_MIN_CHANNELS:
        est.pop("winograd", None)
    margin = {"winograd": _WINOGRAD_MARGIN}
    chosen = {m: s for m, s in est.items() if m != "im2col" and s < margin.get(m, _CONV2D_MARGIN) * est["im2col"]}
    return min(chosen, key=chosen.__getitem__) if chosen else "im2col"


def run_conv2d_method(f: str, method: str, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                      geo: Geometry, groups: int) -> np.ndarray:
    """Run ``method`` (``'direct'``, ``'fft'`` or ``'winograd'``) on checked arguments; ``conv2d`` calls it."""
    dtype = float_dtype(x.dtype, weight.dtype, *([] if bias is None else [bias.dtype]))
    n, o = x.shape[0], weight.shape[0]
    check_memory(array_bytes((n, o, *geo.output_size), dtype), caller=f, what=f"the output {(n, o, *geo.output_size)}",
                 advice="use a smaller batch or padding, fewer output channels or a larger stride")
    xd, wd = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    runner = {"direct": _conv2d_direct, "fft": _conv2d_fft, "winograd": _conv2d_winograd}[method]
    out = runner(f, xd, wd, geo, groups)
    if bias is not None:
        out += bias.astype(dtype, copy=False)[None, :, None, None]
    return out


def _conv2d_direct(f: str, x: np.ndarray, w: np.ndarray, geo: Geometry, groups: int) -> np.ndarray:
    """Shift and add: for each kernel tap, one matrix product over the channels of the shifted input."""
    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    (oh, ow), (sh, sw), (dh, dw) = geo.output_size, geo.stride, geo.dilation
    xp = pad(x, geo, caller=f)
    xp = xp.reshape(n, groups, cg, *xp.shape[2:])
    wg = w.reshape(groups, o // groups, cg, kh, kw)
    out = np.zeros((n, groups, o // groups, oh * ow), dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            shifted = xp[..., a * dh:a * dh + (oh - 1) * sh + 1:sh, b * dw:b * dw + (ow - 1) * sw + 1:sw]
            out += np.matmul(wg[None, :, :, :, a, b], shifted.reshape(n, groups, cg, oh * ow))
    return out.reshape(n, o, oh, ow)


def _small_rfft2(k: np.ndarray, hf: int, wf: int) -> np.ndarray:
    """``scipy.fft.rfft2(k, s=(hf, wf))`` of a small kernel: the row transforms only of its ``KH`` rows, not of
    the ``hf - KH`` rows of zeros (half the time of a whole transform)."""
    return scipy.fft.fft(scipy.fft.rfft(k, n=wf, axis=-1), n=hf, axis=-2, overwrite_x=True)


def _fft_sizes(padded: tuple[int, int]) -> tuple[int, int]:
    """Fast FFT sizes at least ``padded``: the first axis is a complex transform, the last a real one."""
    return scipy.fft.next_fast_len(padded[0]), scipy.fft.next_fast_len(padded[1], real=True)


def _conv2d_fft(f: str, x: np.ndarray, w: np.ndarray, geo: Geometry, groups: int) -> np.ndarray:
    """Correlation theorem: Y = irfft2(sum over channels of rfft2(x) * conj(rfft2(dilated kernel)))."""
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    og = o // groups
    (oh, ow), (dh, dw), (sh_, sw_) = geo.output_size, geo.dilation, geo.span
    xp = pad(x, geo, caller=f)
    hf, wf = _fft_sizes(xp.shape[2:])
    freqs = hf * (wf // 2 + 1)
    ctype = np.result_type(x.dtype, np.complex64)
    for what, shape in (("the input's spectrum", (n, c)), ("the kernels' spectrum", (o, cg)),
                        ("the output's spectrum", (n, o))):
        check_memory(array_bytes((*shape, freqs), ctype), caller=f, what=f"{what} (method='fft', {hf}x{wf})",
                     advice="use a smaller batch, input or fewer channels, or method='im2col'")
    if geo.dilation != (1, 1):
        kd = np.zeros((o, cg, sh_, sw_), dtype=w.dtype)
        kd[:, :, ::dh, ::dw] = w
    else:
        kd = w
    xs = scipy.fft.rfft2(xp, s=(hf, wf)).reshape(n, groups, cg, freqs)
    ks = np.conj(_small_rfft2(kd, hf, wf)).reshape(groups, og, cg, freqs)
    if cg == 1 and og == 1:
        ys = xs[:, :, 0] * ks[None, :, 0, 0]                                  # n, G, F
    else:   # per frequency: (og x cg) @ (cg x n)
        ys = np.matmul(ks.transpose(3, 0, 1, 2), xs.transpose(3, 1, 2, 0)).transpose(3, 1, 2, 0)  # n, G, og, F
    y = scipy.fft.irfft2(ys.reshape(n, o, hf, wf // 2 + 1), s=(hf, wf))
    return np.ascontiguousarray(y[:, :, :oh, :ow], dtype=x.dtype)


def winograd_transforms(dtype: npt.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The matrices of Winograd's F(2x2, 3x3) (Lavin and Gray, 2016).

    Returns
    -------
    (BT, G, AT) : arrays of shapes (4, 4), (4, 3) and (2, 4)
        The input transform ``BT``, the kernel transform ``G`` and the output
        transform ``AT``: for a 4x4 input tile ``d`` and a 3x3 kernel ``g``,
        the 2x2 valid correlation is ``AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T``.
        Their entries are 0, 1, -1 and 1/2: applying them costs additions
        (and halvings of the kernel, done once per kernel).

    Examples
    --------
    >>> BT, G, AT = winograd_transforms()
    >>> BT.shape, G.shape, AT.shape
    ((4, 4), (4, 3), (2, 4))
    >>> AT.astype(int).tolist()
    [[1, 1, 1, 0], [0, 1, -1, -1]]
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"winograd_transforms: dtype must be a float dtype; got {dt}")
    bt = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=dt)
    g = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=dt)
    at = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=dt)
    return bt, g, at


def winograd_tile(d: npt.ArrayLike, g: npt.ArrayLike) -> np.ndarray:
    """One output tile of F(2x2, 3x3): ``AT @ ((G g Gᵀ) ⊙ (BT d B)) @ A``, with 16 elementwise multiplies.

    Parameters
    ----------
    d : array, shape (4, 4)
        An input tile.
    g : array, shape (3, 3)
        The kernel.

    Returns
    -------
    array, shape (2, 2)
        The valid cross-correlation of ``d`` with ``g`` (what
        :func:`convbook.correlate2d` gives), computed with the 16 products of
        the transformed tile and kernel instead of the 2*2*9 = 36 of the
        definition.

    Examples
    --------
    >>> import numpy as np
    >>> import convbook as cb
    >>> d, g = np.arange(16.0).reshape(4, 4), np.array([[1., 0., -1.], [2., 0., -2.], [1., 0., -1.]])
    >>> winograd_tile(d, g).tolist()
    [[-8.0, -8.0], [-8.0, -8.0]]
    >>> bool(np.allclose(winograd_tile(d, g), cb.correlate2d(d, g)))
    True
    """
    f = "winograd_tile"
    da = as_array(f, "d", d, 2, "(4, 4)")
    ga = as_array(f, "g", g, 2, "(3, 3)")
    if da.shape != (4, 4) or ga.shape != (3, 3):
        raise ValueError(f"{f}: d must be a 4x4 input tile and g a 3x3 kernel; got d.shape={da.shape}, "
                         f"g.shape={ga.shape}")
    dtype = float_dtype(da.dtype, ga.dtype)
    bt, gm, at = winograd_transforms(dtype)
    u = gm @ ga.astype(dtype) @ gm.T            # 4x4, once per kernel
    v = bt @ da.astype(dtype) @ bt.T            # 4x4, additions only
    return at @ (u * v) @ at.T                  # 16 multiplies, then additions


#: Bytes of transformed tiles (input and output) Winograd's method holds at a time: a few images, one image, or a
#: band of tile rows of one image, so that the 16 channel-mixing products and both transforms stay in the cache
#: (on this machine's 1 MB L2 per core, 1.5-2 MB measured fastest on the benchmark layers).
_WINOGRAD_CHUNK_BYTES = 2 * 2**20


class _WinogradBuffers(NamedTuple):
    """The reused, flat buffers of Winograd's method; each chunk takes the first part of each."""

    halves: np.ndarray   # the chunk's padded input, even rows then odd rows, each (C, images, rows + 1, 2*tw + 2)
    rows: np.ndarray     # (4, C, images, rows, 2*tw + 2) and 2 zeros: BT d, the input transform's row pass
    v: np.ndarray        # (16, C, images*rows*(tw + 1)): BT d B, the transformed input tiles
    m: np.ndarray        # (16, C_out, images*rows*(tw + 1)): the 16 channel-mixing products
    y: np.ndarray        # (C_out * images*rows*(tw + 1), 2): one row of the output tiles, AT M A
    at2: np.ndarray      # (4, 16): kron(AT, AT), whose row 2*i + j gives output (i, j) of a tile from its products


def _conv2d_winograd(f: str, x: np.ndarray, w: np.ndarray, geo: Geometry, groups: int) -> np.ndarray:
    """F(2x2, 3x3) over every tile, channel and image: transforms by additions, 16 matrix products.

    A few images at a time, or a band of tile rows of one image (their transformed tiles within
    :data:`_WINOGRAD_CHUNK_BYTES` and a quarter of the memory limit), laid out channels first, so that the 16
    products are one batched ``(16, C_out/groups, C_in/groups) @ (16, C_in/groups, tiles)`` matrix product per
    group; the buffers are allocated once and reused for every chunk. Each row of tiles carries one extra tile
    (``tw + 1`` per row, its values unused), so that every pass of the input transform runs along long contiguous
    or evenly strided stretches of memory.
    """
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    oh, ow = geo.output_size
    th, tw = -(-oh // 2), -(-ow // 2)
    for what, shape in (("the padded input tiles", (c, 2 * th + 2, 2 * tw + 2)),
                        ("the transformed input tiles", (16, c, th * tw)),
                        ("the transformed output tiles", (16, o, th * tw))):
        check_memory(array_bytes(shape, x.dtype), caller=f, what=f"{what} of one image (method='winograd')",
                     advice="use a smaller input or fewer channels, or method='im2col'")
    # the chunk: its transformed tiles within _WINOGRAD_CHUNK_BYTES and a quarter of the memory limit (all its
    # buffers together take at most about twice that)
    budget = min(_WINOGRAD_CHUNK_BYTES, get_memory_limit() // 4)
    per_row = 16 * (c + o) * (tw + 1) * x.dtype.itemsize     # transformed tiles of one row of tiles of one image
    if per_row * th <= budget:                                # whole images, a few at a time
        images, rows = max(1, min(n, budget // (per_row * th))), th
    else:                                                     # one image, a band of tile rows at a time
        bands = -(-th // max(1, budget // per_row))
        images, rows = 1, -(-th // bands)                     # bands of equal height (the last may be shorter)
    _, gm, at = winograd_transforms(x.dtype)
    # U = G g Gt of every kernel, once: kron(G, G) (16 x 9) times the kernels as rows of 9 taps
    u = (np.kron(gm, gm) @ w.reshape(o * cg, 9).T).reshape(16, groups, o // groups, cg)
    out = np.empty((n, o, th, 2, tw, 2), dtype=x.dtype)
    tiles = images * rows * (tw + 1)
    width = 2 * tw + 2
    buffers = _WinogradBuffers(
        halves=np.zeros(2 * c * images * (rows + 1) * width, dtype=x.dtype),
        rows=np.zeros(4 * c * images * rows * width + 2, dtype=x.dtype), v=np.empty(16 * c * tiles, dtype=x.dtype),
        m=np.empty(16 * o * tiles, dtype=x.dtype), y=np.empty(2 * o * tiles, dtype=x.dtype), at2=np.kron(at, at))
    for first in range(0, n, images):
        for r0 in range(0, th, rows):
            _winograd_chunk(x[first:first + images], u, geo, r0, min(rows, th - r0), buffers,
                            out[first:first + images, :, r0:r0 + rows])
    full = out.reshape(n, o, 2 * th, 2 * tw)
    return full if (2 * th, 2 * tw) == (oh, ow) else np.ascontiguousarray(full[:, :, :oh, :ow])


def _winograd_chunk(x: np.ndarray, u: np.ndarray, geo: Geometry, r0: int, nr: int, buf: _WinogradBuffers,
                    out: np.ndarray) -> None:
    """Winograd's output tile rows ``r0 .. r0 + nr`` of the images ``x`` into ``out`` (``(N, C_out, nr, 2, tw, 2)``)."""
    k, c, h, wd = x.shape
    o = u.shape[1] * u.shape[2]
    tw = out.shape[4]
    width = 2 * tw + 2
    (top, _), (left, _) = geo.padding
    # the padded input rows 2*r0 .. 2*r0 + 2*nr + 1 of the band, channels first, even and odd rows apart (tile row
    # r reads even[r], odd[r], even[r + 1], odd[r + 1]); the columns of padding were zeroed once and stay zero, the
    # rows of padding (above, below, the overhang of the last tile) are zeroed here, where the band has them
    size = c * k * (nr + 1) * width
    lo, hi = top - 2 * r0, top + h - 2 * r0                  # band rows lo .. hi - 1 hold input rows
    half = []
    for parity in (0, 1):
        part = buf.halves[parity * size:(parity + 1) * size].reshape(c, k, nr + 1, width)
        first, last = max(0, (lo - parity + 1) // 2), min(nr + 1, max(0, (hi - parity + 1) // 2))
        part[:, :, :first] = 0
        part[:, :, max(first, last):] = 0
        if last > first:
            start = 2 * r0 + 2 * first + parity - top
            src = x[:, :, start:start + 2 * (last - first) - 1:2]
            part[:, :, first:last, left:left + wd] = src.transpose(1, 0, 2, 3)
        half.append(part)
    even, odd = half
    # V = BT d B, BT's rows being d0 - d2, d1 + d2, d2 - d1, d1 - d3: along the rows of every tile (long contiguous
    # stretches), then along its columns, as evenly strided 1-D passes over the rows (tile t of a row reads
    # columns 2t .. 2t + 3; the extra tile t = tw reads past the row and is never used)
    length = c * k * nr * width
    rows = buf.rows[:4 * length].reshape(4, c, k, nr, width)
    np.subtract(even[:, :, :nr], even[:, :, 1:], out=rows[0])
    np.add(odd[:, :, :nr], even[:, :, 1:], out=rows[1])
    np.subtract(even[:, :, 1:], odd[:, :, :nr], out=rows[2])
    np.subtract(odd[:, :, :nr], odd[:, :, 1:], out=rows[3])
    t = k * nr * (tw + 1)
    v = buf.v[:16 * c * t].reshape(4, 4, c * t)
    for i in range(4):
        col = [buf.rows[i * length + b:i * length + b + 2 * c * t:2] for b in range(4)]
        np.subtract(col[0], col[2], out=v[i, 0])
        np.add(col[1], col[2], out=v[i, 1])
        np.subtract(col[2], col[1], out=v[i, 2])
        np.subtract(col[1], col[3], out=v[i, 3])
    groups, _, cg = u.shape[1:]
    m = buf.m[:16 * o * t].reshape(16, groups, o // groups, t)
    if cg == 1:   # one input channel per group: the products are scalings (numpy's 1 x 1 matmul is slow)
        np.multiply(u, v.reshape(16, groups, 1, t), out=m)
    else:
        np.matmul(u, v.reshape(16, groups, cg, t), out=m)                      # the 16 products
    # Y = AT M A, one row i of every output tile at a time: (C_out*tiles x 16) @ (16 x 2) with the two rows of
    # kron(AT, AT) for (i, 0) and (i, 1), which lands each tile's two outputs of row i side by side, as in ``out``
    mt = m.reshape(16, o * t).T
    y = buf.y[:2 * o * t].reshape(o * t, 2)
    for i in range(2):
        np.matmul(mt, buf.at2[2 * i:2 * i + 2].T, out=y)
        out[:, :, :, i] = y.reshape(o, k, nr, tw + 1, 2)[:, :, :, :tw].transpose(1, 0, 2, 3, 4)


def _conv2d_applicable(f: str, x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
                       groups: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Geometry, int]:
    x = as_array(f, "x", x, 4, "(N, C_in, H, W)")
    weight = as_array(f, "weight", weight, 4, "(C_out, C_in/groups, KH, KW)")
    geo = Geometry.conv2d(x.shape, weight.shape, stride, padding, dilation, groups, caller=f)
    if bias is not None:
        bias = as_array(f, "bias", bias, 1, "(C_out,)")
    return x, weight, bias, geo, int(groups)


def choose_conv2d_method(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None,
                         stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1, *,
                         measure: bool = False) -> Any:
    """The method ``conv2d(..., method='auto')`` runs for these arguments, or the fastest one measured.

    Parameters
    ----------
    x, weight, bias, stride, padding, dilation, groups
        As in :func:`convbook.conv2d`.
    measure : bool
        If True, time every method that applies (``convbook.median_time``)
        and return the fastest with the times.

    Returns
    -------
    str, or (str, dict of str -> float)
        The method's name (one of :data:`CONV2D_METHODS` but ``'auto'``);
        with ``measure=True`` also the seconds of one call of each applicable
        method. Without measuring, the choice is the cost rule: the
        operations counted by :func:`convbook.conv2d_method_cost` times a
        per-method speed measured on this machine, plus a per-call overhead.

    Examples
    --------
    A small layer goes through one matrix product; a single 5x5 filter on a
    large image through the FFT; a 3x3 layer may go through Winograd:

    >>> import numpy as np
    >>> choose_conv2d_method(np.ones((1, 3, 8, 8)), np.ones((4, 3, 3, 3)))
    'im2col'
    >>> choose_conv2d_method(np.ones((1, 1, 256, 256)), np.ones((1, 1, 21, 21)))
    'fft'
    >>> name, seconds = choose_conv2d_method(np.ones((1, 3, 8, 8)), np.ones((4, 3, 3, 3)), measure=True)
    >>> sorted(seconds)
    ['direct', 'fft', 'im2col', 'winograd']
    """
    f = "choose_conv2d_method"
    if not isinstance(measure, (bool, np.bool_)):
        raise TypeError(f"{f}: measure must be True or False; got {measure!r} ({type(measure).__name__})")
    xa, wa, ba, geo, g = _conv2d_applicable(f, x, weight, bias, stride, padding, dilation, groups)
    if not measure:
        return resolve_conv2d_method(f, "auto", xa, wa, geo, g)
    from .conv import conv2d  # conv imports this module lazily
    times = {}
    for m, need in _applicable_conv2d(geo).items():
        if need is None:
            times[m] = median_time(partial(conv2d, xa, wa, ba, stride, padding, dilation, g, method=m),
                                   repeat=3, min_time=0.01)
    return min(times, key=times.__getitem__), times


# --- correlate2d --------------------------------------------------------------------------------------------------

def _fft_plan(n: int, k: int, mode: Mode) -> tuple[int, int, int]:
    """(first index, length, FFT size) of the ``mode`` output in the circular convolution with the flipped kernel.

    The linear convolution of ``n`` inputs with ``k`` taps has ``n + k - 1`` values; the ``mode`` output is the
    slice from ``start = k - 1 - before`` (``before``: the zeros the mode adds first). A circular convolution of
    size ``L`` adds to value ``t`` the values ``t + L`` and ``t - L``; none exists for the slice when
    ``L >= max(n + k - 1 - start, start + length)``: ``n`` for 'valid', ``n + k - 1`` for 'full' and only
    ``n + max(before, after)`` for 'same'.
    """
    before, after = mode_padding(k, mode)
    start, length = k - 1 - before, n + before + after - k + 1
    return start, length, max(n + k - 1 - start, start + length)


@lru_cache(maxsize=1024)
def _correlate2d_estimates(x_shape: tuple[int, ...], k_shape: tuple[int, ...], mode: Mode,
                           itemsize: int = 8) -> dict[str, float]:
    size = 8 if itemsize > 4 else 4
    direct = correlate2d_cost(tuple(x_shape), tuple(k_shape), mode).flops   # type: ignore[arg-type]
    sizes = tuple(_fft_plan(n, k, mode)[2] for n, k in zip(x_shape, k_shape))
    fft = conv2d_method_cost("fft", _layer_shape((1, 1, *sizes)), (1, 1, 1, 1)).flops
    taps = math.prod(k_shape)
    return {"direct": (_CORRELATE2D_OVERHEAD["direct"] + _CORRELATE2D_PER_TAP * taps
                       + _CORRELATE2D_PER_OP["direct"][size] * direct),
            "fft": _CORRELATE2D_OVERHEAD["fft"] + _CORRELATE2D_PER_OP["fft"][size] * fft}


def resolve_correlate2d_method(f: str, method: Any, x_shape: tuple[int, ...], k_shape: tuple[int, ...],
                               mode: Mode, itemsize: int = 8) -> str:
    """The method ``correlate2d`` runs: ``method`` checked, or for ``'auto'`` the cheapest by the cost rule."""
    method = _check_method(f, method, CORRELATE2D_METHODS)
    if method != "auto":
        return method
    est = _correlate2d_estimates(x_shape, k_shape, mode, itemsize)
    return min(est, key=est.__getitem__)


def correlate2d_fft(x: np.ndarray, k: np.ndarray, mode: Mode) -> np.ndarray:
    """Correlation of a 2-D array by the FFT (``correlate2d(..., method='fft')`` calls it on checked arguments).

    The convolution with the flipped kernel, at fast sizes just large enough that the ``mode`` output has no
    wrapped-around value (see ``_fft_plan``): for 'valid' the image's size, for 'same' less than the
    ``n + k - 1`` of ``scipy.signal.fftconvolve``.

    Returns
    -------
    array, shape as :func:`convbook.correlate2d`
    """
    dtype = float_dtype(x.dtype, k.dtype)
    plans = [_fft_plan(n, kk, mode) for n, kk in zip(x.shape, k.shape)]
    hf, wf = _fft_sizes((plans[0][2], plans[1][2]))
    check_memory(3 * array_bytes((hf, wf // 2 + 1), np.result_type(dtype, np.complex64)), caller="correlate2d",
                 what=f"the spectra of method='fft' ({hf}x{wf})", advice="use a smaller input or method='direct'")
    xs = scipy.fft.rfft2(x.astype(dtype, copy=False), s=(hf, wf))
    xs *= _small_rfft2(k[::-1, ::-1].astype(dtype, copy=False), hf, wf)
    y = scipy.fft.irfft2(xs, s=(hf, wf), overwrite_x=True)
    return y[plans[0][0]:plans[0][0] + plans[0][1], plans[1][0]:plans[1][0] + plans[1][1]]


def choose_correlate2d_method(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid", *,
                              measure: bool = False) -> Any:
    """The method ``correlate2d(..., method='auto')`` runs for these arguments, or the fastest one measured.

    Parameters
    ----------
    x, k, mode
        As in :func:`convbook.correlate2d`.
    measure : bool
        If True, time ``'direct'`` and ``'fft'`` and return the faster with the times.

    Returns
    -------
    str, or (str, dict of str -> float)
        ``'direct'`` or ``'fft'``; with ``measure=True`` also the seconds of
        one call of each.

    Examples
    --------
    Small kernels are cheaper shifted and added; large ones through the FFT:

    >>> import numpy as np
    >>> choose_correlate2d_method(np.ones((512, 512)), np.ones((3, 3)))
    'direct'
    >>> choose_correlate2d_method(np.ones((512, 512)), np.ones((31, 31)), "same")
    'fft'
    """
    f = "choose_correlate2d_method"
    if not isinstance(measure, (bool, np.bool_)):
        raise TypeError(f"{f}: measure must be True or False; got {measure!r} ({type(measure).__name__})")
    checked = as_mode(f, mode)
    xa = as_array(f, "x", x, 2, "(H, W)")
    ka = as_array(f, "k", k, 2, "(KH, KW)")
    if checked == "valid" and any(kk > nn for kk, nn in zip(ka.shape, xa.shape)):
        raise ValueError(f"{f}: kernel k with shape {ka.shape} is larger than the input x with shape {xa.shape}; "
                         "mode='valid' needs k.shape <= x.shape on every axis (use mode='same' or 'full')")
    if not measure:
        return resolve_correlate2d_method(f, "auto", xa.shape, ka.shape, checked,
                                          float_dtype(xa.dtype, ka.dtype).itemsize)
    from .correlate import correlate2d  # correlate imports this module lazily
    times = {m: median_time(partial(correlate2d, xa, ka, checked, method=m), repeat=3, min_time=0.01)
             for m in ("direct", "fft")}
    return min(times, key=times.__getitem__), times


# --- separable and low-rank kernels --------------------------------------------------------------------------------

def _kernel(f: str, k: Any) -> np.ndarray:
    ka = as_array(f, "k", k, 2, "(KH, KW)")
    return ka.astype(float_dtype(ka.dtype), copy=False)


def kernel_rank(k: npt.ArrayLike, tol: float | None = None) -> int:
    """The rank of a 2-D kernel: how many separable (column x row) passes compute it exactly.

    Parameters
    ----------
    k : array, shape (KH, KW)
    tol : float, optional
        Singular values at most ``tol`` count as zero; the default is
        ``numpy.linalg.matrix_rank``'s (``max(KH, KW) * eps * largest``).

    Returns
    -------
    int
        0 for a zero kernel, 1 for a separable one (an outer product), at
        most ``min(KH, KW)``.

    Examples
    --------
    A Sobel kernel is the outer product of a smoothing column and a
    difference row; a Laplacian is not separable:

    >>> import numpy as np
    >>> kernel_rank(np.outer([1, 2, 1], [1, 0, -1]))
    1
    >>> kernel_rank(np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]))
    2
    """
    ka = _kernel("kernel_rank", k)
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0):
        raise ValueError(f"kernel_rank: tol must be a number >= 0 or None; got {tol!r}")
    return int(np.linalg.matrix_rank(ka, tol))


def _rank_arg(f: str, rank: Any, k: np.ndarray) -> int:
    top = min(k.shape)
    if rank is None:
        return max(1, kernel_rank(k))
    r = as_int(f, "rank", rank, 1)
    if r > top:
        raise ValueError(f"{f}: rank must be between 1 and min(KH, KW) = {top} for k.shape={k.shape}; got {r}")
    return r


def separable_factors(k: npt.ArrayLike, rank: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Columns and rows whose outer products sum to the kernel (its singular value decomposition).

    Parameters
    ----------
    k : array, shape (KH, KW)
    rank : int, optional
        How many terms; the default is :func:`kernel_rank` (at least 1),
        which makes the sum exact. Fewer terms give the best approximation
        of that rank (:func:`low_rank_kernel`).

    Returns
    -------
    (cols, rows) : arrays, shapes (r, KH) and (r, KW)
        ``sum_i outer(cols[i], rows[i])`` approximates ``k``; term ``i`` is
        ``sqrt(s_i)`` times the ``i``-th left and right singular vectors.

    Examples
    --------
    >>> import numpy as np
    >>> k = np.outer([1., 2., 1.], [1., 0., -1.])
    >>> cols, rows = separable_factors(k)
    >>> cols.shape, rows.shape
    ((1, 3), (1, 3))
    >>> bool(np.allclose(np.outer(cols[0], rows[0]), k))
    True
    """
    f = "separable_factors"
    ka = _kernel(f, k)
    r = _rank_arg(f, rank, ka)
    u, s, vt = np.linalg.svd(ka.astype(np.float64), full_matrices=False)
    root = np.sqrt(s[:r])
    return (u[:, :r] * root).T.astype(ka.dtype), (vt[:r] * root[:, None]).astype(ka.dtype)


def low_rank_kernel(k: npt.ArrayLike, rank: int) -> tuple[np.ndarray, float]:
    """The best approximation of rank ``rank`` of a kernel, and its relative error.

    Parameters
    ----------
    k : array, shape (KH, KW)
    rank : int, 1 <= rank <= min(KH, KW)

    Returns
    -------
    (approximation, error) : array of shape (KH, KW), float
        The truncated singular value decomposition (the best of that rank in
        the Frobenius norm, Eckart-Young) and
        ``||k - approximation||_F / ||k||_F`` (0 for a zero kernel).

    Examples
    --------
    The Laplacian has rank 2: one separable pass leaves an error, two none.

    >>> import numpy as np
    >>> lap = np.array([[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]])
    >>> approx, err = low_rank_kernel(lap, 1)
    >>> round(err, 3)
    0.101
    >>> low_rank_kernel(lap, 2)[1] < 1e-12
    True
    """
    f = "low_rank_kernel"
    ka = _kernel(f, k)
    if rank is None:
        raise TypeError(f"{f}: rank must be an int >= 1; got None")
    cols, rows = separable_factors(ka, _rank_arg(f, rank, ka))
    approx = np.einsum("ri,rj->ij", cols.astype(np.float64), rows.astype(np.float64))
    norm = float(np.linalg.norm(ka))
    err = float(np.linalg.norm(ka - approx)) / norm if norm > 0 else 0.0
    return approx.astype(ka.dtype), err


def separable_correlate2d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "valid",
                          rank: int | None = None) -> np.ndarray:
    """2-D correlation as ``r`` passes of a 1-D column filter then a 1-D row filter.

    Parameters
    ----------
    x : array, shape (H, W)
    k : array, shape (KH, KW)
    mode : {'valid', 'same', 'full'}
        As in :func:`convbook.correlate2d`.
    rank : int, optional
        Passes; the default, :func:`kernel_rank`, gives
        :func:`convbook.correlate2d`'s result (up to rounding); fewer give
        the correlation with :func:`low_rank_kernel`'s approximation.

    Returns
    -------
    array, shape as :func:`convbook.correlate2d`
        Each pass costs ``KH`` multiplies per position of the intermediate
        ``(OH, W_padded)`` image and ``KW`` per output
        (:func:`convbook.separable_cost`).

    Examples
    --------
    >>> import numpy as np
    >>> import convbook as cb
    >>> x = np.arange(36.0).reshape(6, 6)
    >>> k = np.outer([1., 2., 1.], [1., 0., -1.])          # Sobel: rank 1
    >>> bool(np.allclose(separable_correlate2d(x, k, "same"), cb.correlate2d(x, k, "same")))
    True
    """
    f = "separable_correlate2d"
    checked = as_mode(f, mode)
    xa = as_array(f, "x", x, 2, "(H, W)")
    ka = as_array(f, "k", k, 2, "(KH, KW)")
    if checked == "valid" and any(kk > nn for kk, nn in zip(ka.shape, xa.shape)):
        raise ValueError(f"{f}: kernel k with shape {ka.shape} is larger than the input x with shape {xa.shape}; "
                         "mode='valid' needs k.shape <= x.shape on every axis (use mode='same' or 'full')")
    dtype = float_dtype(xa.dtype, ka.dtype)
    cols, rows = separable_factors(ka.astype(dtype), rank)
    kh, kw = ka.shape
    pads = [mode_padding(kk, checked) for kk in ka.shape]
    padded = tuple(n + b + a for n, (b, a) in zip(xa.shape, pads))
    check_memory(array_bytes(padded, dtype), caller=f, what=f"the padded input {padded}",
                 advice="use a smaller input or kernel, or mode='valid'")
    xp = np.pad(xa.astype(dtype, copy=False), pads)
    oh, ow = padded[0] - kh + 1, padded[1] - kw + 1
    out = np.zeros((oh, ow), dtype=dtype)
    mid = np.empty((oh, padded[1]), dtype=dtype)
    for col, row in zip(cols, rows):
        np.multiply(xp[:oh], col[0], out=mid)             # the column filter, down the rows
        for a in range(1, kh):
            mid += col[a] * xp[a:a + oh]
        for b in range(kw):                               # the row filter, along the columns
            out += row[b] * mid[:, b:b + ow]
    return out

