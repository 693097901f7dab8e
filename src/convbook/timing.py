"""Timing as ratios measured in one run (the machine is shared and noisy).

Chapter: *Parameter sharing* and the efficient-algorithms chapter; used by
``benchmarks/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["median_time", "compare_times", "Timing"]


def median_time(fn: Callable[[], Any], repeat: int = 5, min_time: float = 0.02) -> float:
    """Median seconds of one call of ``fn()``, over ``repeat`` rounds.

    Each round calls ``fn`` enough times to last about ``min_time`` seconds.

    Returns
    -------
    float
        Seconds per call of ``fn()``: the median over the rounds.

    Examples
    --------
    The time changes from run to run; what is stable is that it is a positive float:

    >>> import numpy as np
    >>> x = np.ones(1000)
    >>> t = median_time(x.sum, repeat=3, min_time=0.001)
    >>> isinstance(t, float), t > 0
    (True, True)
    """
    fn()  # warm up
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(min_time / one))
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    rounds.sort()
    return rounds[len(rounds) // 2]


@dataclass(frozen=True)
class Timing:
    """Median time of one method and its ratio to the reference method.

    Examples
    --------
    :func:`compare_times` returns one per method; a method twice as slow as the reference:

    >>> t = Timing("loop", seconds=0.004, ratio=2.0)
    >>> t.name, t.seconds / t.ratio
    ('loop', 0.002)
    """

    name: str
    seconds: float
    ratio: float


def compare_times(methods: Mapping[str, Callable[[], Any]], reference: str, repeat: int = 5,
                  min_time: float = 0.02) -> list[Timing]:
    """Time several methods in one run, as ratios to ``methods[reference]``.

    ``repeat`` and ``min_time`` are passed to :func:`median_time`.

    Returns
    -------
    list of Timing
        One per method, in the order of ``methods``; the reference's ratio is 1.0.

    Raises
    ------
    ValueError
        If ``reference`` is not a key of ``methods``.

    Examples
    --------
    Summing 1,000 numbers with numpy and with a Python loop (the ratios vary, the names and order do not):

    >>> import numpy as np
    >>> x = np.ones(1000)
    >>> ts = compare_times({"numpy": x.sum, "loop": lambda: sum(x.tolist())}, "numpy", repeat=3, min_time=0.001)
    >>> [t.name for t in ts], ts[0].ratio
    (['numpy', 'loop'], 1.0)
    """
    if reference not in methods:
        raise ValueError(f"compare_times: reference must be one of {list(methods)}; got {reference!r}")
    secs = {name: median_time(fn, repeat, min_time) for name, fn in methods.items()}
    return [Timing(n, s, s / secs[reference]) for n, s in secs.items()]
