"""Timing as ratios measured in one run (the machine is shared and noisy).

Chapter: *Parameter sharing* and the efficient-algorithms chapter; used by
``benchmarks/``. :func:`peak_gemm_flops` measures what the share of the
machine's peak is a share of: the best rate of a matrix product on this core.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["median_time", "compare_times", "Timing", "peak_gemm_flops"]


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


#: FLOPs of one trial of :func:`peak_gemm_flops` (a few milliseconds on one core).
_TRIAL_FLOPS = 1e8


def peak_gemm_flops(dtype: npt.DTypeLike = np.float32, sizes: Sequence[int] = (384, 512, 768),
                    trials: int = 20) -> float:
    """This core's peak arithmetic rate: the best FLOP/s of square matrix products, over many short trials.

    For each ``n`` in ``sizes`` the product of an ``(n, n)`` matrix of
    ``dtype`` with itself (``numpy.matmul`` into a reused output, so BLAS;
    ``2 * n**3`` FLOPs, one multiply and one add per fused multiply-add) is
    run ``trials`` times, each trial repeating it for about 1e8 FLOPs (a few
    milliseconds); the fastest trial of all gives the rate. Products of
    this size stay in cache and keep the vector units as busy as any code
    can, and the best of many short trials is the rate of a moment when the
    shared machine left the core alone: the attainable peak, a lower bound
    on the data sheet's. It uses as many threads as numpy's BLAS is allowed
    (``threadpoolctl.threadpool_limits(1)`` or ``OPENBLAS_NUM_THREADS=1`` for
    one core).

    Parameters
    ----------
    dtype : float32 or float64
    sizes : sequence of int, each >= 1
        Sides ``n`` of the square matrices.
    trials : int >= 1
        Timed trials per size.

    Returns
    -------
    float
        FLOP/s of the fastest trial.

    Raises
    ------
    ValueError
        If ``dtype`` is not float32 or float64, ``sizes`` is empty or holds a
        side < 1, or ``trials`` is not a whole number >= 1.

    Examples
    --------
    The rate varies with the machine and the moment; it is a positive float:

    >>> rate = peak_gemm_flops(sizes=(64,), trials=2)
    >>> isinstance(rate, float), rate > 0
    (True, True)
    >>> peak_gemm_flops(np.int64)
    Traceback (most recent call last):
    ...
    ValueError: peak_gemm_flops: dtype must be float32 or float64; got int64
    """
    f = "peak_gemm_flops"
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"{f}: dtype must be float32 or float64; got {dtype!r}") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{f}: dtype must be float32 or float64; got {dt.name}")
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) == 0 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in sizes):
        raise ValueError(f"{f}: sizes must be a non-empty sequence of whole numbers >= 1 (matrix sides); "
                         f"got {sizes!r}")
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"{f}: trials must be a whole number >= 1; got {trials!r}")
    rng = np.random.default_rng(0)
    best = 0.0
    for n in sizes:
        n = int(n)
        a = rng.normal(size=(n, n)).astype(dt)
        out = np.empty_like(a)
        np.matmul(a, a, out=out)  # warm up
        flops = 2.0 * n**3
        reps = max(1, int(_TRIAL_FLOPS / flops))
        for _ in range(int(trials)):
            t0 = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, a, out=out)
            best = max(best, flops * reps / max(time.perf_counter() - t0, 1e-12))
    return best
