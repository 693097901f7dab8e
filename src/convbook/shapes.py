"""Shape arithmetic: the single source of every output size in the book.

Chapter: *The convolution operation* (padding, stride, dilation) and
*Pooling* (``ceil_mode``). :func:`output_size` and
:func:`transposed_output_size` give one axis; :class:`Geometry` holds every
axis of a layer at once (kernel, stride, dilation, padding, input and output
sizes) and is what the layers, their gradients and the cost model share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from ._checks import as_bool, as_int, as_mode, as_pair

__all__ = ["IntPair", "Size2", "Padding", "Mode", "Geometry", "output_size", "transposed_output_size", "mode_padding"]

#: A pair of ints, one per spatial axis: ``(height, width)``.
IntPair: TypeAlias = tuple[int, int]
#: One int for both spatial axes, or one per axis (``kernel_size``, ``stride``, ``dilation``).
Size2: TypeAlias = int | tuple[int, int]
#: Zero padding of a convolution: an int for every side, ``(rows, columns)``, or ``'valid'``/``'same'``.
Padding: TypeAlias = int | tuple[int, int] | Literal["valid", "same"]
#: How much of a correlation to keep, as in ``scipy.signal``: ``'valid'``, ``'same'`` or ``'full'``.
Mode: TypeAlias = Literal["valid", "same", "full"]

def output_size(n: int, kernel: int, stride: int = 1, padding: int | tuple[int, int] = 0,
                dilation: int = 1, ceil_mode: bool = False) -> int:
    """Number of output positions along one axis of a convolution or pooling.

    Parameters
    ----------
    n : int
        Input length along the axis (>= 1).
    kernel : int
        Kernel (window) length (>= 1).
    stride : int
        Step between windows (>= 1).
    padding : int or (int, int)
        Zeros added on each side, or ``(before, after)``.
    dilation : int
        Spacing between kernel taps (>= 1); the kernel spans
        ``(kernel - 1) * dilation + 1`` input positions.
    ceil_mode : bool
        Round up instead of down (pooling); as in torch, a last window that
        would start inside the right padding is dropped, and one window that
        overhangs a too-short input is kept (``n=2, kernel=3, stride=2`` gives 1).

    Returns
    -------
    int
        ``floor((n + p_before + p_after - dilation*(kernel-1) - 1) / stride) + 1``
        (``ceil`` with ``ceil_mode=True``). This is exactly the shape torch's
        ``conv2d``/``max_pool2d`` produce.

    Raises
    ------
    ValueError
        If an argument is out of range or the dilated kernel does not fit in
        the padded input.

    Examples
    --------
    28 inputs and a 5-tap kernel: 28 - 5 + 1 = 24 outputs; padding 2 on each
    side keeps all 28; stride 2 gives floor((28 - 5) / 2) + 1 = 12:

    >>> output_size(28, 5), output_size(28, 5, padding=2), output_size(28, 5, stride=2)
    (24, 28, 12)
    >>> output_size(28, 3, dilation=2)  # the kernel spans 2 * (3 - 1) + 1 = 5 inputs
    24
    >>> output_size(6, 3, stride=2), output_size(6, 3, stride=2, ceil_mode=True)  # (6 - 3) / 2 = 1.5
    (2, 3)
    """
    f = "output_size"
    n = as_int(f, "n", n, 1)
    kernel = as_int(f, "kernel", kernel, 1)
    stride = as_int(f, "stride", stride, 1)
    dilation = as_int(f, "dilation", dilation, 1)
    ceil_mode = as_bool(f, "ceil_mode", ceil_mode)
    if isinstance(padding, tuple):
        before, after = as_pair(f, "padding", padding, 0)
    else:
        before = after = as_int(f, "padding", padding, 0)
    span = dilation * (kernel - 1) + 1
    padded = n + before + after
    steps = (padded - span) / stride
    out = (math.ceil(steps) if ceil_mode else math.floor(steps)) + 1
    if span > padded and (out < 1 or not ceil_mode):
        # ceil_mode keeps one window that overhangs the padded input, as torch does
        raise ValueError(
            f"{f}: kernel spans {span} positions (kernel={kernel}, dilation={dilation}) but the padded "
            f"input has only {padded} (n={n}, padding=({before}, {after}))"
        )
    if ceil_mode and (out - 1) * stride >= n + before:
        out -= 1
    return out


def transposed_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0,
                           dilation: int = 1) -> int:
    """Length of the output of a transposed convolution along one axis.

    Parameters
    ----------
    n : int
        Input length (>= 1).
    kernel, stride, dilation : int
        As in the convolution being transposed (each >= 1).
    padding : int
        The padding of that convolution (>= 0): removed from both ends here.
    output_padding : int
        Extra positions at the end (0 <= output_padding < max(stride, dilation)),
        to pick one of the input lengths that a strided convolution maps to ``n``.

    Returns
    -------
    int
        ``(n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``,
        the shape ``torch.nn.functional.conv_transpose2d`` produces. For
        ``output_padding = 0`` it is the smallest input length ``m`` with
        ``output_size(m, kernel, stride, padding, dilation) == n``.

    Raises
    ------
    ValueError
        If an argument is out of range or the result is not positive.

    Examples
    --------
    A 3-tap convolution with stride 2 and padding 1 maps both 7 and 8 inputs
    to 4; its transpose gives back 7, or 8 with ``output_padding=1``:

    >>> output_size(7, 3, stride=2, padding=1), output_size(8, 3, stride=2, padding=1)
    (4, 4)
    >>> transposed_output_size(4, 3, stride=2, padding=1)  # (4 - 1) * 2 - 2 * 1 + (3 - 1) + 1
    7
    >>> transposed_output_size(4, 3, stride=2, padding=1, output_padding=1)
    8
    """
    f = "transposed_output_size"
    n = as_int(f, "n", n, 1)
    kernel = as_int(f, "kernel", kernel, 1)
    stride = as_int(f, "stride", stride, 1)
    dilation = as_int(f, "dilation", dilation, 1)
    padding = as_int(f, "padding", padding, 0)
    output_padding = as_int(f, "output_padding", output_padding, 0)
    if output_padding >= max(stride, dilation):
        raise ValueError(f"{f}: output_padding must be smaller than stride or dilation "
                         f"(< {max(stride, dilation)}); got output_padding={output_padding} with "
                         f"stride={stride}, dilation={dilation}")
    out = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"{f}: padding={padding} removes the whole output: (n-1)*stride - 2*padding + "
                         f"dilation*(kernel-1) + output_padding + 1 = {out} for n={n}, kernel={kernel}, "
                         f"stride={stride}, dilation={dilation}")
    return out


def mode_padding(kernel: int, mode: Mode, convention: str = "scipy") -> tuple[int, int]:
    """Zeros ``(before, after)`` that turn a valid correlation into ``mode``.

    ``valid`` pads nothing (output ``n - k + 1``), ``full`` pads ``k - 1`` on
    both sides (output ``n + k - 1``) and ``same`` pads ``k - 1`` in total
    (output ``n``). For an even ``k`` the odd zero must go on one side:
    ``convention="scipy"`` (``scipy.signal.correlate2d`` and
    ``torch``'s ``padding="same"``) puts it after, ``convention="numpy"``
    (``numpy.correlate``) and ``"flipped"`` (convolution) put it before.

    Returns
    -------
    (int, int)
        Zeros before and after; ``output_size(n, kernel, padding=...)`` then
        gives ``n - k + 1``, ``n`` or ``n + k - 1``.

    Examples
    --------
    >>> mode_padding(3, "valid"), mode_padding(3, "same"), mode_padding(3, "full")
    ((0, 0), (1, 1), (2, 2))
    >>> mode_padding(4, "same"), mode_padding(4, "same", convention="numpy")  # the odd zero after, or before
    ((1, 2), (2, 1))
    >>> output_size(10, 3, padding=mode_padding(3, "full"))  # 10 + 3 - 1
    12
    """
    f = "mode_padding"
    kernel = as_int(f, "kernel", kernel, 1)
    mode = as_mode(f, mode)
    if convention not in ("scipy", "numpy", "flipped"):
        raise ValueError(f"{f}: convention must be 'scipy', 'numpy' or 'flipped'; got {convention!r}")
    if mode == "valid":
        return (0, 0)
    if mode == "full":
        return (kernel - 1, kernel - 1)
    small, large = (kernel - 1) // 2, kernel // 2
    return (small, large) if convention == "scipy" else (large, small)



@dataclass(frozen=True)
class Geometry:
    """Where the windows of a convolution, pooling or transposed layer sit, one entry per spatial axis.

    Window ``o`` along an axis reads the input positions
    ``o * stride - padding_before + t * dilation`` for ``t = 0 .. kernel - 1``
    (positions outside the input are padding). Build one with
    :meth:`conv`, :meth:`pool` or :meth:`transposed`, which check the
    arguments; every layer in the library, its gradient and its cost use the
    same object.

    Attributes
    ----------
    kernel, stride, dilation : tuple of int
        Taps of a window, step between windows, spacing between taps.
    padding : tuple of (int, int)
        Zeros before and after the input along each axis, as requested.
    input_size : tuple of int
        Length of the input along each axis (for a transposed convolution:
        of its result, the input of the convolution it transposes).
    output_size : tuple of int
        Number of windows along each axis (:func:`output_size`).

    Examples
    --------
    >>> g = Geometry.conv((32, 32), (3, 3), stride=2, padding=1)
    >>> g.output_size
    (16, 16)
    >>> g.span
    (3, 3)
    >>> Geometry.pool((6, 6), 3, stride=2, ceil_mode=True).output_size
    (3, 3)
    """

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]

    @property
    def span(self) -> tuple[int, ...]:
        """Input positions one window covers: ``dilation * (kernel - 1) + 1`` per axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))

    @property
    def window_padding(self) -> tuple[tuple[int, int], ...]:
        """Zeros ``(before, after)`` per axis so that every window lies inside the padded input.

        ``before`` is the requested padding; ``after`` is what the last window
        needs, which is less than requested when the stride skips the end and
        more when a ceil-mode window overhangs it.
        """
        return tuple((before, max(0, (o - 1) * s + span - n - before))
                     for (before, _), o, s, span, n in zip(self.padding, self.output_size, self.stride, self.span,
                                                           self.input_size))

    @classmethod
    def conv(cls, input_size: int | Sequence[int], kernel: int | Sequence[int], stride: Any = 1,
             padding: Any = 0, dilation: Any = 1, *, caller: str = "Geometry.conv") -> Geometry:
        """The windows of a convolution, with torch's arguments.

        Parameters
        ----------
        input_size : int or sequence of int
            Input length along each spatial axis (an int: one axis).
        kernel : int or sequence of int
            Kernel taps per axis (an int: the same on every axis).
        stride, dilation : int or sequence of int, >= 1
        padding : int, sequence of int, sequence of (int, int), 'valid' or 'same'
            Zeros on both sides of each axis, or ``(before, after)`` per axis;
            ``'same'`` (stride 1 only) puts the odd zero of an even total
            after, as torch and ``scipy.signal`` do.
        caller : str
            The function named in error messages.

        Returns
        -------
        Geometry

        Raises
        ------
        ValueError, TypeError
            If an argument is out of range or a dilated kernel does not fit in
            the padded input.

        Examples
        --------
        >>> Geometry.conv((28, 28), 5).output_size
        (24, 24)
        >>> Geometry.conv((28, 28), 5, padding="same").padding
        ((2, 2), (2, 2))
        >>> Geometry.conv(10, 3, dilation=2).span
        (5,)
        """
        sizes = _sizes(caller, "input_size", input_size)
        nd = len(sizes)
        k = _per_axis(caller, "kernel_size", kernel, nd, 1)
        s = _per_axis(caller, "stride", stride, nd, 1)
        d = _per_axis(caller, "dilation", dilation, nd, 1)
        pads = _resolve_padding(caller, padding, k, s, d)
        span = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
        padded = tuple(n + before + after for n, (before, after) in zip(sizes, pads))
        if any(sp > pd for sp, pd in zip(span, padded)):
            raise ValueError(
                f"{caller}: the kernel ({_x(k)}, dilation {_x(d)}) spans {_x(span)} input positions but the "
                f"padded input is only {_x(padded)} (input {_x(sizes)}, "
                + (f"padding {pads}" if any(map(any, pads)) else "no padding")
                + "); use a smaller kernel or dilation, or more padding"
            )
        out = tuple(output_size(n, kk, ss, p, dd) for n, kk, ss, p, dd in zip(sizes, k, s, pads, d))
        return cls(k, s, d, pads, sizes, out)

    @classmethod
    def conv2d(cls, input_shape: Sequence[int], weight_shape: Sequence[int], stride: Any = 1, padding: Any = 0,
               dilation: Any = 1, groups: Any = 1, *, caller: str = "Geometry.conv2d") -> Geometry:
        """The windows of a 2-D convolution layer, after checking that its shapes fit together.

        Parameters
        ----------
        input_shape : (N, C_in, H, W)
        weight_shape : (C_out, C_in/groups, KH, KW)
        stride, padding, dilation
            As in :meth:`conv`.
        groups : int
            Must divide both channel counts.

        Returns
        -------
        Geometry
            Of the two spatial axes; the layer's output shape is
            ``(N, C_out, *output_size)``.

        Examples
        --------
        >>> Geometry.conv2d((8, 3, 32, 32), (16, 3, 5, 5), padding=2).output_size
        (32, 32)
        """
        shapes = []
        for name, shape, layout in (("input_shape", input_shape, "(N, C_in, H, W)"),
                                    ("weight_shape", weight_shape, "(C_out, C_in/groups, KH, KW)")):
            if not (isinstance(shape, Sequence) and len(shape) == 4):
                raise ValueError(f"{caller}: {name} must be 4 ints {layout}; got {shape!r}")
            shapes.append(tuple(as_int(caller, name, v, 1) for v in shape))
        (_, n_in, height, width), (n_out, per_group, kh, kw) = shapes
        groups = as_int(caller, "groups", groups, 1)
        if n_in % groups or n_out % groups:
            raise ValueError(
                f"{caller}: groups={groups} must divide both the input channels ({n_in}, input shape "
                f"{shapes[0]}) and the output channels ({n_out}, weight shape {shapes[1]})"
            )
        if per_group * groups != n_in:
            raise ValueError(
                f"{caller}: the weight must have input channels / groups = {n_in}/{groups} = {n_in // groups} "
                f"input channels (its second axis); got input shape {shapes[0]}, weight shape {shapes[1]}, "
                f"groups={groups}"
            )
        return cls.conv((height, width), (kh, kw), stride, padding, dilation, caller=caller)

    @classmethod
    def pool(cls, input_size: int | Sequence[int], kernel: int | Sequence[int], stride: Any = None,
             padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False, *,
             caller: str = "Geometry.pool") -> Geometry:
        """The windows of a pooling layer, with torch's arguments and limits.

        As :meth:`conv`, except that ``stride`` defaults to the kernel size,
        ``padding`` is an int or one int per axis of at most ``kernel // 2``
        (torch's limit), and ``ceil_mode`` rounds the number of windows up
        (a last window that would start in the right padding is dropped).

        Returns
        -------
        Geometry

        Examples
        --------
        >>> Geometry.pool((6, 6), 3, stride=2).output_size
        (2, 2)
        >>> Geometry.pool((6, 6), 3, stride=2, ceil_mode=True).window_padding
        ((0, 1), (0, 1))
        """
        sizes = _sizes(caller, "input_size", input_size)
        nd = len(sizes)
        k = _per_axis(caller, "kernel_size", kernel, nd, 1)
        s = k if stride is None else _per_axis(caller, "stride", stride, nd, 1)
        p = _per_axis(caller, "padding", padding, nd, 0)
        d = _per_axis(caller, "dilation", dilation, nd, 1)
        ceil_mode = as_bool(caller, "ceil_mode", ceil_mode)
        if any(pp > kk // 2 for pp, kk in zip(p, k)):
            raise ValueError(
                f"{caller}: padding must be at most half the kernel size (padding <= kernel_size // 2 on each "
                f"axis, as torch requires); got padding={p} with kernel_size={k}"
            )
        try:
            out = tuple(output_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(sizes, k, s, p, d))
        except ValueError:
            span = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
            padded = tuple(n + 2 * pp for n, pp in zip(sizes, p))
            raise ValueError(
                f"{caller}: the pooling window does not fit: it spans {_x(span)} (kernel_size={k}, "
                f"dilation={d}) but the padded input is {_x(padded)} (input {_x(sizes)}, padding={p}); "
                "the output would be empty"
            ) from None
        return cls(k, s, d, tuple((pp, pp) for pp in p), sizes, out)

    @classmethod
    def transposed(cls, input_size: int | Sequence[int], kernel: int | Sequence[int], stride: Any = 1,
                   padding: Any = 0, output_padding: Any = 0, dilation: Any = 1, *,
                   caller: str = "Geometry.transposed") -> Geometry:
        """The windows of the convolution that a transposed convolution transposes.

        ``input_size`` is the transposed convolution's input (one value per
        window, so it becomes :attr:`output_size` here); its result has
        :attr:`input_size` = :func:`transposed_output_size` per axis.

        Returns
        -------
        Geometry

        Examples
        --------
        >>> g = Geometry.transposed((4, 4), 3, stride=2, padding=1, output_padding=1)
        >>> g.input_size, g.output_size
        ((8, 8), (4, 4))
        """
        sizes = _sizes(caller, "input_size", input_size)
        nd = len(sizes)
        k = _per_axis(caller, "kernel_size", kernel, nd, 1)
        s = _per_axis(caller, "stride", stride, nd, 1)
        p = _per_axis(caller, "padding", padding, nd, 0)
        op = _per_axis(caller, "output_padding", output_padding, nd, 0)
        d = _per_axis(caller, "dilation", dilation, nd, 1)
        result = []
        for ax in range(nd):
            try:
                result.append(transposed_output_size(sizes[ax], k[ax], s[ax], p[ax], op[ax], d[ax]))
            except ValueError as exc:
                raise ValueError(str(exc).replace("transposed_output_size", caller, 1)) from None
        return cls(k, s, d, tuple((pp, pp) for pp in p), tuple(result), sizes)


def _x(values: Sequence[int]) -> str:
    """``(3, 5)`` as ``3x5``, one value as itself."""
    return "x".join(str(v) for v in values)


def _sizes(caller: str, name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            raise ValueError(f"{caller}: {name} must have at least one axis; got {value!r}")
        return tuple(as_int(caller, name, v, 1) for v in value)
    return (as_int(caller, name, value, 1),)


def _per_axis(caller: str, name: str, value: Any, nd: int, minimum: int) -> tuple[int, ...]:
    """An int for every axis, or one per axis, each >= ``minimum``."""
    if nd == 2:
        return as_pair(caller, name, value, minimum)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != nd:
            raise ValueError(f"{caller}: {name} must be an int >= {minimum} or {nd} of them; "
                             f"got {value!r} (length {len(value)})")
        return tuple(as_int(caller, name, v, minimum) for v in value)
    return (as_int(caller, name, value, minimum),) * nd


def _resolve_padding(caller: str, padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                     dilation: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """torch-style ``padding`` as ``(before, after)`` per axis."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{caller}: padding='same' needs stride 1 (as in torch); got stride={_x(stride)}")
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        raise ValueError(
            f"{caller}: padding must be 'valid', 'same', an int >= 0 or "
            f"{'a pair of them' if nd == 2 else 'one per axis'}; got {padding!r}"
        )
    if (isinstance(padding, Sequence) and len(padding) == nd
            and all(isinstance(p, Sequence) and not isinstance(p, str) for p in padding)):
        return tuple(as_pair(caller, "padding", p, 0) for p in padding)
    return tuple((p, p) for p in _per_axis(caller, "padding", padding, nd, 0))
