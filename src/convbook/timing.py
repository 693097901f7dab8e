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
    """Median time of one method, and its ratio to the reference method with the ratio's spread over rounds.

    ``ratio`` is the median over rounds of (this method's time / the reference's time in the same round);
    ``ratio_low`` and ``ratio_high`` are the smallest and largest of those per-round ratios (they default to
    ``ratio``).

    Examples
    --------
    :func:`compare_times` returns one per method; a method twice as slow as the reference:

    >>> t = Timing("loop", seconds=0.004, ratio=2.0)
    >>> t.name, t.seconds / t.ratio, (t.ratio_low, t.ratio_high)
    ('loop', 0.002, (2.0, 2.0))
    """

    name: str
    seconds: float
    ratio: float
    ratio_low: float | None = None
    ratio_high: float | None = None

    def __post_init__(self) -> None:
        if self.ratio_low is None:
            object.__setattr__(self, "ratio_low", self.ratio)
        if self.ratio_high is None:
            object.__setattr__(self, "ratio_high", self.ratio)


def _calls_per_round(fn: Callable[[], Any], min_time: float) -> int:
    fn()  # warm up
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(min_time / one))


def compare_times(methods: Mapping[str, Callable[[], Any]], reference: str, repeat: int = 5,
                  min_time: float = 0.02) -> list[Timing]:
    """Time several methods in one run, as ratios to ``methods[reference]``, rounds interleaved.

    Each of ``repeat`` rounds times every method in turn (each for about
    ``min_time`` seconds), so that a slow spell of a shared machine falls on
    all methods of a round alike; a method's ratio is the median over rounds
    of its time divided by the reference's time in the same round, and the
    smallest and largest of those ratios are its spread.

    Returns
    -------
    list of Timing
        One per method, in the order of ``methods``; the reference's ratio (and spread) is exactly 1.0.

    Raises
    ------
    ValueError
        If ``reference`` is not a key of ``methods``, or ``repeat`` is not a whole number >= 1.

    Examples
    --------
    Summing 1,000 numbers with numpy and with a Python loop (the ratios vary, the names and order do not):

    >>> import numpy as np
    >>> x = np.ones(1000)
    >>> ts = compare_times({"numpy": x.sum, "loop": lambda: sum(x.tolist())}, "numpy", repeat=3, min_time=0.001)
    >>> [t.name for t in ts], (ts[0].ratio, ts[0].ratio_low, ts[0].ratio_high)
    (['numpy', 'loop'], (1.0, 1.0, 1.0))
    >>> ts[1].ratio_low <= ts[1].ratio <= ts[1].ratio_high
    True
    """
    if reference not in methods:
        raise ValueError(f"compare_times: reference must be one of {list(methods)}; got {reference!r}")
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"compare_times: repeat (rounds) must be a whole number >= 1; got {repeat!r}")
    numbers = {name: _calls_per_round(fn, min_time) for name, fn in methods.items()}
    rounds: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeat):
        for name, fn in methods.items():
            t0 = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            rounds[name].append(max(time.perf_counter() - t0, 1e-12) / numbers[name])
    out = []
    for name, secs in rounds.items():
        ratios = sorted(s / r for s, r in zip(secs, rounds[reference]))
        out.append(Timing(name, sorted(secs)[len(secs) // 2], ratios[len(ratios) // 2], ratios[0], ratios[-1]))
    return out
