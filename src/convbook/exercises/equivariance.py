"""Checkers for the exercises of the chapter *Equivariance to translation*.

Every expected value is measured or computed with the library, never typed in.
"""

from __future__ import annotations

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
from . import Feedback, check_array, check_number, real_array, show_value, whole_numbers

__all__ = ["BORDER_KERNEL", "BORDER_SHIFT", "check_clean_border", "check_stride_shifts", "check_circulant_spectrum",
           "circulant_spectrum"]

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
