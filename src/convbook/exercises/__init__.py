"""Checkers for the self-study exercises.

A reader calls a checker on an answer and gets a :class:`Feedback` that says
what is wrong (type, shape, a flipped kernel, a sign, an off-by-one, a count
of multiplies only, ...) rather than a bare ``False``. Chapter-specific
checkers live in submodules named after the chapter, e.g.
:mod:`convbook.exercises.parameter_sharing`.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Feedback", "check_number", "check_array"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer: truthy when right, with a message either way."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("✓ " if self.ok else "✗ ") + self.message

    def _repr_html_(self) -> str:
        cls = "right" if self.ok else "wrong"
        return f'<div class="convbook-feedback feedback-{cls}">{html.escape(repr(self))}</div>'


def _no_answer(name: str, kind: str) -> str:
    what = kind if name == "answer" else f"the {name} ({kind})"
    return f"no answer yet: set answer to {what} and run the cell again"


def check_number(answer: Any, expected: float, *, name: str = "answer",
                 hints: Mapping[float, str] | None = None, rel: float = 0.0) -> Feedback:
    """Check a numeric answer, explaining the common mistakes.

    Parameters
    ----------
    answer : number
        The reader's answer.
    expected : number
        The right value (computed by ``convbook``, never typed in).
    name : str
        What the number is, for the message.
    hints : mapping of wrong value -> explanation
        Known mistakes, each computed by the chapter's checker.
    rel : float
        Relative tolerance (0: exact).
    """
    if answer is None:
        return Feedback(False, _no_answer(name, "a number"))
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, numbers.Real):
        return Feedback(False, f"{name} should be a number; got {type(answer).__name__} {answer!r}")
    a = float(answer)
    if (a == expected) if rel == 0 else abs(a - expected) <= rel * abs(expected):
        return Feedback(True, f"{name} = {answer:,} is right")
    for wrong, why in (hints or {}).items():
        if a == wrong:
            return Feedback(False, f"{name} = {answer:,} is not right: {why}")
    if expected and a:
        r = a / expected
        for factor, text in ((2, "twice"), (0.5, "half"), (3, "three times"), (1 / 3, "a third of")):
            if abs(r - factor) < 1e-9:
                return Feedback(False, f"{name} = {answer:,} is {text} the right value: check which "
                                       "operations (multiplies, adds) or how many kernels you counted")
        return Feedback(False, f"{name} = {answer:,} is {abs(r - 1):.1%} too {'high' if r > 1 else 'low'}")
    return Feedback(False, f"{name} = {answer:,} is not right")


def check_array(answer: Any, expected: np.ndarray, *, name: str = "answer",
                rtol: float = 1e-7, atol: float = 1e-9) -> Feedback:
    """Check an array answer: type, shape, then values, naming the likely mistake.

    Detects a transposed result, a result cut at the wrong border (shape off by
    one), a negated result or one computed with the kernel flipped (convolution
    instead of cross-correlation shows up as one of these), and a constant
    factor.
    """
    expected = np.asarray(expected)
    if answer is None:
        return Feedback(False, _no_answer(name, "an array"))
    try:
        a = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a numeric array; got {type(answer).__name__}")
    if a.shape != expected.shape:
        if a.shape == expected.shape[::-1]:
            return Feedback(False, f"{name} has shape {a.shape}, the transpose of the expected "
                                   f"{expected.shape}: rows are the image height (H, W order)")
        if a.ndim == expected.ndim:
            diff = tuple(int(s) - int(e) for s, e in zip(a.shape, expected.shape))
            if all(abs(d) <= 2 for d in diff):
                return Feedback(False, f"{name} has shape {a.shape} but should be {expected.shape} "
                                       f"(off by {diff}): check the output size n - k + 1 and the padding")
        return Feedback(False, f"{name} has shape {a.shape} but should be {expected.shape}")

    def close(x: np.ndarray) -> bool:
        return bool(np.allclose(x, expected, rtol=rtol, atol=atol))

    if close(a):
        return Feedback(True, f"{name} matches (shape {a.shape})")
    if close(-a):
        return Feedback(False, f"{name} is the negative of the expected result: the kernel was "
                               "flipped or its sign reversed (convolution vs cross-correlation?)")
    if close(a[tuple(slice(None, None, -1) for _ in range(a.ndim))]):
        return Feedback(False, f"{name} is the expected result reversed: check the index order")
    denom = float(np.vdot(a.ravel(), a.ravel()))
    if denom > 0:
        scale = float(np.vdot(a.ravel(), expected.ravel())) / denom
        if abs(scale - 1) > 1e-6 and close(scale * a):
            return Feedback(False, f"{name} is {1 / scale:.4g} times the expected result: "
                                   "a missing or extra constant factor")
    bad = ~np.isclose(a, expected, rtol=rtol, atol=atol)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return Feedback(False, f"{name} differs at {int(bad.sum()):,} of {a.size:,} positions; first at "
                           f"index {first}: got {a[first]:.6g}, expected {expected[first]:.6g}")
