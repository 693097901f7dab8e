"""Checkers for the exercises of the chapter *The neuroscientific basis*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..gabor import gabor_kernel
from . import Feedback, check_number, real_array, show_value

__all__ = ["check_gabor_match", "check_complex_response", "MYSTERY", "mystery_filter"]

#: The Gabor parameters of the exercise's filter (the reader sees only the kernel): vertical bars turned by
#: 90° into horizontal ones, period 6 pixels, odd phase.
MYSTERY: dict[str, float] = dict(beta_x=0.02, beta_y=0.02, tau=math.pi / 2, f=2 * math.pi / 6, phi=math.pi / 2)
_SIZE = 15


def mystery_filter() -> np.ndarray:
    """The 15 x 15 kernel of the exercise, made from :data:`MYSTERY`.

    Returns
    -------
    array, shape (15, 15)
    """
    return gabor_kernel(_SIZE, **MYSTERY)


def _kernel(tau: float, period: float, phi: float) -> np.ndarray:
    return gabor_kernel(_SIZE, beta_x=MYSTERY["beta_x"], beta_y=MYSTERY["beta_y"], tau=tau, f=2 * math.pi / period,
                        phi=phi)


def check_gabor_match(answer: Any) -> Feedback:
    """``(tau, period, phi)`` (radians, pixels, radians) whose Gabor kernel equals :func:`mystery_filter`.

    Any parameters that draw the same kernel are right (``tau + π`` with
    ``-phi`` draws it too); the kernel is compared entry by entry.
    """
    if answer is None:
        return Feedback(False, "no answer yet: set answer = (tau, period, phi)")
    a = real_array(answer, "answer")
    if isinstance(a, Feedback):
        return a
    if a.shape != (3,):
        return Feedback(False, f"answer must be three numbers (tau, period, phi); got {show_value(answer)}")
    tau, period, phi = (float(v) for v in a)
    if not all(math.isfinite(v) for v in (tau, period, phi)):
        return Feedback(False, "tau, period and phi must be finite numbers")
    if period <= 0:
        return Feedback(False, f"the period must be a positive number of pixels; got {period:g}")
    target = mystery_filter()
    got = _kernel(tau, period, phi)
    tol = 1e-3 * float(np.abs(target).max())
    if np.allclose(got, target, atol=tol):
        return Feedback(True, "the kernel you describe is the filter, entry by entry")
    if np.allclose(got, -target, atol=tol):
        return Feedback(False, "your kernel is the filter with its sign flipped: the phase is off by π")
    if np.allclose(got, target.T, atol=tol) or np.allclose(got, -target.T, atol=tol):
        return Feedback(False, "your kernel is the filter turned by 90°: check tau (x' runs along (cos τ, sin τ), "
                               "y pointing down the rows)")
    if abs(2 * math.pi / period - 2 * math.pi / 6) > 0.05:
        return Feedback(False, f"the period of {period:g} pixels does not match the filter's stripes: count the "
                               f"pixels from one bright stripe to the next")
    return Feedback(False, "the period looks right but the kernel differs: check the orientation tau and the "
                           "phase phi (even filters have phase 0 or π, odd ones ±π/2)")


def check_complex_response(answer: Any, s0: float = 30.0, s1: float = 40.0) -> Feedback:
    """The energy-model response of a complex cell whose quadrature pair responds ``s0`` and ``s1``."""
    right = math.hypot(s0, s1)
    hints = {s0 + s1: "that is the sum; the energy model takes the length √(s0² + s1²)",
             max(s0, s1): "that is the max of the two: a maxout over two phases, which underestimates",
             s0 ** 2 + s1 ** 2: "that is the energy squared; take the square root",
             (s0 + s1) / 2: "that is the average; the energy model takes the length √(s0² + s1²)"}
    hints.pop(right, None)
    return check_number(answer, right, name="response", hints=hints, rel=1e-6)
