"""Checkers for the exercises of the chapter *Equivariance to translation*.

Every expected value is measured or computed with the library, never typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from ..data import grace_hopper
from ..equivariance import (
    best_output_shift,
    circulant_matrix,
    clean_border,
    correlate_circular,
    correlate_same,
    equivariance_map,
    shift,
)
from . import Feedback, check_array, check_number, function_answer, real_array, show_value, whole_numbers

__all__ = ["BORDER_KERNEL", "BORDER_SHIFT", "check_clean_border", "check_stride_shifts", "check_circulant_spectrum",
           "circulant_spectrum", "STRIP_CASES", "measured_error_columns", "check_error_columns"]

#: The 5 x 5 kernel and the shift (dy, dx) of the border exercise.
BORDER_KERNEL = np.random.default_rng(5).normal(size=(5, 5))
BORDER_SHIFT = (0, 6)


@cache
def _clean_border_width() -> int:
    img = grace_hopper()
    m = equivariance_map(lambda z: correlate_same(z, BORDER_KERNEL), lambda z: shift(z, BORDER_SHIFT), img)
    return int(clean_border(m))


def check_clean_border(answer: Any) -> Feedback:
    """Width of the border where ``correlate_same`` with ``BORDER_KERNEL`` fails to commute with ``BORDER_SHIFT``."""
    right = _clean_border_width()
    r, d = BORDER_KERNEL.shape[1] // 2, BORDER_SHIFT[1]
    hints = {
        r: "that is the kernel's radius alone: the zeros that the shift brings in on the left reach further",
        d + r: "the zeros that enter on the left are already accounted for by the shift itself; "
               "filtering them only matters within the shifted band",
    }
    return check_number(answer, right, name="border width", hints=hints, integer=True)


@cache
def _equivariant_shifts(stride: int, shifts: tuple[int, ...]) -> list[int]:
    img = grace_hopper()
    k = BORDER_KERNEL
    return sorted(t for t in shifts
                  if best_output_shift(lambda z: correlate_circular(z, k, stride=stride), img, t)[1] < 1e-12)


def check_stride_shifts(answer: Any, stride: int = 4, shifts: range = range(1, 13)) -> Feedback:
    """The shifts in ``shifts`` to which a stride-``stride`` circular correlation of the photo is equivariant."""
    right = _equivariant_shifts(int(stride), tuple(int(t) for t in shifts))
    got = whole_numbers(answer, "a list of whole numbers (the shifts)", sets_ok=True)
    if isinstance(got, Feedback):
        return got
    repeated = sorted({t for t in got if got.count(t) > 1})
    if repeated:
        return Feedback(False, f"list each shift once; {show_value(repeated)} {'is' if len(repeated) == 1 else 'are'} "
                               "listed more than once")
    got = sorted(got)
    if got == right:
        return Feedback(True, f"the equivariant shifts are {right}: the multiples of the stride")
    if got == sorted(shifts):
        return Feedback(False, "not every shift works: after subsampling, a shift by t pixels is a shift by "
                               f"t/{stride} outputs, which must be a whole number")
    if got == [t for t in shifts if t % 2 == 0] and stride != 2:
        return Feedback(False, f"even shifts are not enough for stride {stride}")
    outside = [t for t in got if t not in shifts]
    if outside:
        return Feedback(False, f"{show_value(outside)} {'is' if len(outside) == 1 else 'are'} not among the shifts "
                               f"asked about ({show_value(shifts)})")
    return Feedback(False, f"{show_value(got)} is not right: try each shift with best_output_shift")


def circulant_spectrum(k: np.ndarray, n: int) -> np.ndarray:
    """The diagonal of ``F C F^{-1}`` for the circulant matrix ``C`` of ``k`` (F the DFT matrix)."""
    c = circulant_matrix(k, n)
    f = np.fft.fft(np.eye(n))
    return np.diag(f @ c @ np.linalg.inv(f))


def check_circulant_spectrum(answer: Any, k: np.ndarray, n: int) -> Feedback:
    """The eigenvalues of the circulant matrix of ``k`` (size n), in DFT-frequency order."""
    right = circulant_spectrum(k, n)
    a = real_array(answer, "spectrum", complex_ok=True)
    if isinstance(a, Feedback):
        return a
    if a.shape == right.shape and np.allclose(a, np.conj(right)) and not np.allclose(right, np.conj(right)):
        return Feedback(False, "this is the complex conjugate of the spectrum, which belongs to the convolution "
                               "(flipped kernel); cross-correlation conjugates the kernel's DFT")
    for part, got, want in (("real part", a.real, right.real), ("imaginary part", a.imag, right.imag)):
        fb = check_array(got, want, name=f"spectrum ({part})")
        if not fb:
            return fb
    return Feedback(True, f"the {n} eigenvalues match: the DFT diagonalises the circulant matrix")


def _strip_cases() -> tuple[tuple[int, int, int], ...]:
    """The cases (dx, kernel width, image width) the strip exercise is checked on: the worked case first,
    then shifts smaller and larger than the kernel's radius, both ways, a 1-tap kernel, random widths."""
    rng = np.random.default_rng(13)
    cases = [(7, 5, 320), (2, 5, 30), (-7, 5, 320), (-1, 7, 25), (3, 1, 20), (5, 11, 40)]
    while len(cases) < 30:
        d = int(rng.integers(1, 13)) * (1 if rng.random() < 0.5 else -1)
        k = int(rng.choice([1, 3, 5, 7, 9]))
        case = (d, k, int(rng.integers(2 * (abs(d) + k), 61)))
        if case not in cases:
            cases.append(case)
    return tuple(cases)


#: (dx, kernel width, image width) of every case the strip exercise is checked on.
STRIP_CASES = _strip_cases()


def measured_error_columns(dx: int, kernel_width: int, width: int, seed: int = 0) -> list[int]:
    """The columns where ``|f(g(x)) − g(f(x))|`` is nonzero, measured: ``f`` the "same" correlation with a random
    ``kernel_width`` × ``kernel_width`` kernel and zero padding, ``g`` the zero-filling shift by ``dx`` columns,
    on a random image ``width`` columns wide (and as tall as the kernel).

    Examples
    --------
    >>> measured_error_columns(7, 5, 20)
    [5, 6, 18, 19]
    """
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(int(kernel_width), int(width))), rng.normal(size=(int(kernel_width), int(kernel_width)))
    err = equivariance_map(lambda z: correlate_same(z, k), lambda z: shift(z, (0, int(dx))), x)
    return [int(c) for c in np.flatnonzero((err > 1e-9).any(axis=0))]


def _spans(cols: list[int]) -> str:
    """Columns as runs: [5, 6, 18, 19] -> '5–6 and 18–19'."""
    if not cols:
        return "none"
    runs, start = [], cols[0]
    for a, b in zip(cols, cols[1:] + [None]):
        if b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}–{a}")
            start = b
    return ", ".join(runs[:-1]) + " and " + runs[-1] if len(runs) > 1 else runs[0]


def check_error_columns(answer: Any) -> Feedback:
    """A function ``answer(dx, kernel_width, width)`` that returns the columns where the equivariance error of
    a zero-padded "same" correlation and a zero-filling shift by ``dx`` columns is nonzero.

    It is called on every case of :data:`STRIP_CASES` and compared with the measurement; the first mismatch
    is explained.
    """
    problem = function_answer(answer, "error_columns(dx, kernel_width, width)")
    if problem is not None:
        return problem
    if getattr(answer, "__wrapped__", answer) is measured_error_columns:
        return Feedback(False, "that is the measurement itself: derive the columns from dx, the kernel's radius "
                               "and the width, without filtering anything")
    fn: Callable[..., Any] = answer
    for dx, kw, w in STRIP_CASES:
        case = f"dx = {dx}, kernel width {kw}, image width {w}".replace("-", "−")
        try:
            got_raw = fn(dx, kw, w)
        except Exception as exc:  # the reader's function failed: say where and how, never a traceback
            return Feedback(False, f"for {case} your function raised {type(exc).__name__}: {exc}")
        if got_raw is None:
            return Feedback(False, f"for {case} your function returned None: does it end with return?")
        got = whole_numbers(got_raw, "a list of columns (whole numbers)", sets_ok=True, max_length=10**5)
        if isinstance(got, Feedback):
            return Feedback(False, f"for {case}, {got.message.replace('answer should', 'the result should')}")
        right = measured_error_columns(dx, kw, w)
        mine = sorted(set(got))
        if mine == right:
            continue
        missing = sorted(set(right) - set(mine))
        extra = sorted(set(mine) - set(right))
        parts = [f"for {case} the error is nonzero in columns {_spans(right)}; you return {_spans(mine)}"]
        if missing:
            parts.append(f"missing {_spans(missing)}")
        if extra:
            parts.append(f"not in the error: {_spans(extra)}")
        r, d = kw // 2, abs(dx)
        frame = max(d, r)
        if mine == sorted(set(range(frame)) | set(range(w - frame, w))):
            parts.append("that is the whole frame clean_border measures; inside it the error is not everywhere "
                         "nonzero (where f(g(x)) is 0 as well as g(f(x)), they agree)")
        elif dx < 0 and mine == sorted(w - 1 - c for c in right):
            parts.append("these are the columns of the shift to the right: a shift to the left mirrors them")
        elif r == 0 and right == []:
            parts.append("a 1-tap kernel reads no neighbour: f acts on each pixel alone and commutes with the shift")
        return Feedback(False, "; ".join(parts))
    return Feedback(True, f"your function matches the measurement on all {len(STRIP_CASES)} cases: two strips, "
                          "[|dx| − r, |dx|) where the shift vacated columns and the r columns at the far edge")
