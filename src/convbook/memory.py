"""Memory: how the book prints a byte count, and the limit every allocation is checked against.

Chapter: every chapter. Before an operation allocates a large array (the
padded input, the unfolded windows of im2col, an output), it estimates the
bytes and refuses, with :class:`MemoryLimitError`, when the estimate is over
the limit, naming the argument that makes it large, instead of exhausting the
machine's memory. The limit starts at 2 GiB; :func:`set_memory_limit` changes
it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["format_bytes", "MemoryLimitError", "get_memory_limit", "set_memory_limit", "check_memory", "array_bytes"]

#: The limit a fresh session starts with: 2 GiB for any one array.
DEFAULT_MEMORY_LIMIT = 2 * 2**30

_limit = [DEFAULT_MEMORY_LIMIT]


class MemoryLimitError(ValueError):
    """An operation would allocate more memory than :func:`get_memory_limit` allows.

    Examples
    --------
    >>> issubclass(MemoryLimitError, ValueError)
    True
    """


def get_memory_limit() -> int:
    """The largest array, in bytes, an operation may allocate.

    Returns
    -------
    int

    Examples
    --------
    >>> format_bytes(get_memory_limit())
    '2 GiB'
    """
    return _limit[0]


def set_memory_limit(nbytes: int | None) -> int:
    """Set the largest array an operation may allocate; ``None`` restores the default (2 GiB).

    Parameters
    ----------
    nbytes : int >= 1, or None

    Returns
    -------
    int
        The previous limit, so that it can be restored.

    Examples
    --------
    >>> previous = set_memory_limit(8 * 2**30)
    >>> format_bytes(get_memory_limit())
    '8 GiB'
    >>> _ = set_memory_limit(previous)
    """
    if nbytes is None:
        new = DEFAULT_MEMORY_LIMIT
    elif isinstance(nbytes, (bool, np.bool_)) or not isinstance(nbytes, (int, np.integer)) or nbytes < 1:
        raise ValueError(f"set_memory_limit: nbytes must be an int >= 1 (bytes) or None; got {nbytes!r}")
    else:
        new = int(nbytes)
    previous, _limit[0] = _limit[0], new
    return previous


def array_bytes(shape: Sequence[int], dtype: np.dtype | type) -> int:
    """Bytes an array of ``shape`` and ``dtype`` takes, computed with Python ints (never overflows).

    Returns
    -------
    int

    Examples
    --------
    >>> array_bytes((8, 64, 512, 512), np.float32)
    536870912
    """
    return math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize


def check_memory(nbytes: int, *, caller: str, what: str, advice: str) -> None:
    """Raise :class:`MemoryLimitError` if ``nbytes`` is over the limit.

    Parameters
    ----------
    nbytes : int
        The estimate.
    caller : str
        The function the reader called, named in the message.
    what : str
        What the bytes are for ("the unfolded windows (im2col)").
    advice : str
        The argument to change ("use a smaller batch").

    Returns
    -------
    None

    Examples
    --------
    >>> check_memory(10**6, caller="conv2d", what="the output", advice="use a smaller batch")
    >>> check_memory(10**12, caller="conv2d", what="the output", advice="use a smaller batch")
    Traceback (most recent call last):
    ...
    convbook.memory.MemoryLimitError: conv2d: the output would take 931 GiB, over the memory limit of 2 GiB; ...
    """
    limit = _limit[0]
    if nbytes > limit:
        raise MemoryLimitError(
            f"{caller}: {what} would take {format_bytes(nbytes)}, over the memory limit of {format_bytes(limit)}; "
            f"{advice}, or raise the limit with convbook.set_memory_limit(nbytes)"
        )


def format_bytes(n: float) -> str:
    """A byte count in binary units, as the book prints memory.

    Returns
    -------
    str
        ``"400 B"``, ``"38.1 MiB"``, ``"93.1 GiB"``: whole bytes below 1 KiB,
        otherwise three significant digits in the largest unit that keeps the
        number at least 1.

    Examples
    --------
    >>> format_bytes(400)
    '400 B'
    >>> format_bytes(1536)          # 1536 / 1024 = 1.5
    '1.5 KiB'
    >>> format_bytes(40_000_000)    # 40e6 / 1024**2 = 38.15
    '38.1 MiB'
    """
    if isinstance(n, bool) or not isinstance(n, (int, float, np.integer, np.floating)) or not 0 <= n < np.inf:
        raise ValueError(f"format_bytes: n must be a finite number >= 0; got {n!r}")
    if n < 1024:
        return f"{int(n)} B"
    units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    value, unit = (n / 1024 if isinstance(n, (int, np.integer)) else float(n) / 1024), units.pop(0)
    while value >= 1024 and units:
        value, unit = value / 1024, units.pop(0)
    return f"{value:,.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
