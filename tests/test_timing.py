"""Tests of :func:`convbook.peak_gemm_flops`, the measured peak of one core (the rest of ``convbook.timing`` is
tested with the chapter *Parameter sharing*)."""

import numpy as np
import pytest

import convbook as cb
from convbook import timing


def test_peak_is_the_fastest_trial_of_2_n_cubed_flops(monkeypatch):
    """With a clock that advances by a fixed step per call, the rate is exactly FLOPs per trial over the step."""
    clock = iter(np.arange(0.0, 1e6, 0.5))
    monkeypatch.setattr(timing.time, "perf_counter", lambda: float(next(clock)))
    n = 64
    reps = int(1e8 // (2 * n**3))          # products per trial: about 1e8 FLOPs
    assert cb.peak_gemm_flops(np.float32, sizes=(n,), trials=3) == 2 * n**3 * reps / 0.5


def test_peak_picks_the_best_size_and_trial(monkeypatch):
    """The largest rate over sizes and trials counts: a slow trial does not lower the peak."""
    # start and end of each of the 4 trials (2 sizes x 2 trials): they last 1, 0.25, 1 and 1 s
    clock = iter([0.0, 1.0, 2.0, 2.25, 3.0, 4.0, 5.0, 6.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    rate = cb.peak_gemm_flops(np.float64, sizes=(32, 48), trials=2)
    per_trial = {n: 2 * n**3 * int(1e8 // (2 * n**3)) for n in (32, 48)}
    assert rate == max(per_trial[32] / 0.25, per_trial[48] / 1.0)


def test_peak_really_measures():
    rate = cb.peak_gemm_flops(sizes=(96,), trials=2)
    assert isinstance(rate, float) and 1e6 < rate < 1e14    # between a megaFLOP/s and a hundred teraFLOP/s
    assert cb.peak_gemm_flops(np.float64, sizes=[64], trials=1) > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(dtype=np.int32), "dtype must be float32 or float64; got int32"),
    (dict(dtype=np.float16), "dtype must be float32 or float64; got float16"),
    (dict(dtype="not a dtype"), "dtype must be float32 or float64; got 'not a dtype'"),
    (dict(sizes=()), "sizes must be a non-empty sequence"),
    (dict(sizes=(64, 0)), r"sizes must be a non-empty sequence of whole numbers >= 1 \(matrix sides\); got \(64, 0\)"),
    (dict(sizes=(64.0,)), "sizes must be"),
    (dict(sizes=(True,)), "sizes must be"),
    (dict(sizes=64), "sizes must be"),
    (dict(sizes="64"), "sizes must be"),
    (dict(trials=0), "trials must be a whole number >= 1; got 0"),
    (dict(trials=2.5), "trials must be a whole number >= 1; got 2.5"),
    (dict(trials=True), "trials must be a whole number >= 1; got True"),
])
def test_peak_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="^peak_gemm_flops: " + message):
        cb.peak_gemm_flops(**kwargs)


def test_peak_is_exported():
    assert "peak_gemm_flops" in timing.__all__ and cb.peak_gemm_flops is timing.peak_gemm_flops
