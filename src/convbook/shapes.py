"""Shape arithmetic: the single source of every output size in the book.

Chapter: *The convolution operation* (padding, stride, dilation) and
*Pooling* (``ceil_mode``).
"""

from __future__ import annotations

import math
from typing import Any

from ._checks import as_int, as_mode, as_pair

__all__ = ["output_size", "transposed_output_size", "mode_padding", "conv_padding"]


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
    """
    f = "output_size"
    n = as_int(f, "n", n, 1)
    kernel = as_int(f, "kernel", kernel, 1)
    stride = as_int(f, "stride", stride, 1)
    dilation = as_int(f, "dilation", dilation, 1)
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


def mode_padding(kernel: int, mode: str, convention: str = "scipy") -> tuple[int, int]:
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


def conv_padding(func: str, padding: Any, kernel: tuple[int, int], dilation: tuple[int, int],
                 stride: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Resolve torch-style ``padding`` to ``((top, bottom), (left, right))``.

    ``padding`` is ``"valid"``, ``"same"`` (stride 1 only, as in torch), an
    int >= 0 or a pair of ints.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{func}: padding='same' needs stride 1 (as in torch); got stride={stride}")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return (pads[0], pads[1])
        raise ValueError(
            f"{func}: padding must be 'valid', 'same', an int >= 0 or a pair of them; got {padding!r}"
        )
    ph, pw = as_pair(func, "padding", padding, 0)
    return ((ph, ph), (pw, pw))
