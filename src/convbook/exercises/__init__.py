"""Checkers for the self-study exercises.

A reader calls a checker on an answer and gets a :class:`Feedback` that says
what is wrong (type, shape, a flipped kernel, a sign, an off-by-one, a count
of multiplies only, ...) rather than a bare ``False``. Chapter-specific
checkers live in submodules named after the chapter, e.g.
:mod:`convbook.exercises.parameter_sharing`.

The rules every checker follows
-------------------------------
- **Any input gets feedback, never a traceback.** ``None`` means "no answer
  yet"; every other value, however odd (text, dicts, ragged lists, complex
  numbers, ``nan``, ``10**400``, ...), gets a message that says what is wrong
  with it.
- **No wrong answer is accepted.** A checker is truthy only when the value
  is right.
- **Numbers.** An answer is a real number: a Python ``int`` or ``float``, a
  numpy integer or floating scalar (or a 0-d array or tensor of one), a
  :class:`~fractions.Fraction` or a :class:`~decimal.Decimal`. Strings,
  bytes, dicts, lists and ``bool`` are not numbers. Complex numbers and the
  non-finite ``nan`` and ``inf`` are refused with a message of their own.
  Values are compared exactly (as fractions), so huge integers and
  fractions never overflow a float and ``16.000000001`` is not ``16``.
- **Whole numbers.** Where the answer is a count (an integer question), it
  must be integral: an ``int`` or numpy integer, or a float, ``Fraction`` or
  ``Decimal`` whose value is exactly a whole number (``24.0`` is fine,
  ``24.9`` "should be a whole number"; it is never truncated as ``int()``
  would).
- **Percentages only where they mean something.** A wrong number is
  described as "x% too high/low" only when it has the right sign and that
  percentage does not round to 0.0%; a near miss is called close but not
  exact, with the precision the checker expects; a negative answer or one
  of the wrong sign is called that; a far-off answer is described as a
  multiple of the right value.
- **Arrays** (:func:`check_array`) are numpy arrays or nested lists of
  real numbers (in the sense above). They must be real and numeric:
  complex, boolean, text and other non-numeric dtypes, ragged nested lists
  and object arrays holding non-numbers are refused with a message; ``nan``
  and ``inf`` entries are reported by position. An all-zero expected array
  is handled like any other. (The one complex answer, the spectrum in the
  equivariance chapter, is checked as a real and an imaginary part.)
- **Sequences** of whole numbers (such as ``(valid, same, full)``) must be
  a list, tuple or 1-D array of the right length (a list of shifts may be a
  set, but must name each shift once); every wrong entry is named.
"""

from __future__ import annotations

import html
import math
import numbers
import operator
import reprlib
import warnings
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["Feedback", "check_number", "check_array", "real_array", "whole_numbers", "join_names", "show_value",
           "function_answer"]


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


# --- showing values ---------------------------------------------------------------------------------

_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 6
_REPR.maxlevel = 3
_REPR.maxlong = 40
_BIG = 10**15


def function_answer(answer: Any, signature: str) -> Feedback | None:
    """What is wrong with an answer that should be the reader's function ``signature``, or None if it is one.

    For the exercises that ask the reader to write a function: ``None`` means
    no answer yet, anything that cannot be called gets a message saying to
    assign the function itself.

    Examples
    --------
    >>> print(function_answer(None, "corr2d(x, k)").message)
    no answer yet: write the function corr2d(x, k), set answer = corr2d (the function itself,
    without calling it) and run the cell again
    >>> print(function_answer(3, "corr2d(x, k)").message)
    answer should be your function corr2d(x, k) (answer = corr2d, without brackets); got int 3
    >>> function_answer(len, "corr2d(x, k)") is None
    True
    """
    name = signature.split("(", 1)[0]
    if answer is None:
        return Feedback(False, f"no answer yet: write the function {signature}, set answer = {name} (the function "
                               "itself, without calling it) and run the cell again")
    if not callable(answer):
        return Feedback(False, f"answer should be your function {signature} (answer = {name}, without brackets); "
                               f"got {type(answer).__name__} {show_value(answer)}")
    return None


def show_value(value: Any) -> str:
    """A short text for any value (numbers readable, containers cut short); never raises."""
    try:
        if isinstance(value, (np.str_, np.bytes_)):
            value = value.item()
        if isinstance(value, (bool, np.bool_)):
            return repr(bool(value))
        if isinstance(value, (int, np.integer)):
            return _show_int(int(value))
        if isinstance(value, (float, np.floating)):
            x = float(value)
            return f"{x:,}" if math.isfinite(x) and abs(x) < _BIG else f"{x:.6g}"
        if isinstance(value, Fraction):
            if value.denominator == 1:
                return _show_int(value.numerator)
            if abs(value.numerator) < _BIG and value.denominator < _BIG:
                return f"{value.numerator}/{value.denominator}"
            return f"about {_show_magnitude(value)}"
        if isinstance(value, Decimal):
            return _REPR.repr(str(value))[1:-1]
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return show_value(value[()])
        if isinstance(value, np.ndarray) and value.size > 6:
            return f"an array of shape {value.shape}"
        return _REPR.repr(value)
    except Exception:  # a value whose repr raises is still shown as something
        return f"a {type(value).__name__} object"


def _show_int(n: int) -> str:
    return f"{n:,}" if abs(n) < _BIG else _show_magnitude(Fraction(n))


def _show_magnitude(x: Fraction) -> str:
    """``x`` in scientific notation, exact in the exponent even where a float would overflow."""
    if x == 0:
        return "0"
    e = _log10(abs(x))
    exponent = math.floor(e)
    return f"{'-' if x < 0 else ''}{10 ** (e - exponent):.3f}e{exponent:+d}"


def _log10(x: Fraction) -> float:
    """log10 of a positive fraction of any size (math.log10 takes ints of any size)."""
    return math.log10(x.numerator) - math.log10(x.denominator)


def _type_name(value: Any) -> str:
    return type(value).__name__


# --- numbers ----------------------------------------------------------------------------------------

_MAX_DECIMAL_EXPONENT = 10_000  # beyond this a Decimal is not turned into an exact Fraction (too costly)


def _exact(value: Any) -> Fraction | str:
    """``value`` as an exact :class:`Fraction`, or the reason it is not a real number.

    The reason completes a sentence that starts with the name of the answer,
    e.g. ``"is complex ..."`` or ``"should be a number ..."``.
    """
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            return f"should be a single number, not an array of shape {value.shape}"
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        return f"should be a number, not the truth value {bool(value)}"
    if isinstance(value, (str, bytes, bytearray)):
        text = value.decode(errors="replace") if isinstance(value, (bytes, bytearray)) else value
        quoted = show_value(value)
        try:
            float(text)
        except (ValueError, OverflowError):
            return f"should be a number, not the text {quoted}"
        return f"should be a number, not the text {quoted}: drop the quotes"
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return "is nan (not a number): give a finite number"
        if np.isinf(value):
            return "is infinite: give a finite number"
        return Fraction(*value.as_integer_ratio())
    if isinstance(value, numbers.Rational):
        try:
            return Fraction(int(value.numerator), int(value.denominator))
        except Exception:
            return f"should be a number; got {_type_name(value)} {show_value(value)}"
    if isinstance(value, Decimal):
        if value.is_nan():
            return "is nan (not a number): give a finite number"
        if value.is_infinite():
            return "is infinite: give a finite number"
        if value and abs(value.adjusted()) > _MAX_DECIMAL_EXPONENT:
            return "is far too large" if value.adjusted() > 0 else "is far too close to zero"
        return Fraction(value)
    if isinstance(value, (complex, np.complexfloating)) or (
            isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real)):
        return f"is complex ({show_value(value)}): the right value is a real number"
    if isinstance(value, (Mapping, Set, Sequence)):
        return f"should be a single number, not a {_type_name(value)} ({show_value(value)})"
    if isinstance(value, numbers.Real):  # another real type (e.g. from a CAS): go through float
        try:
            return _exact(float(value))
        except Exception:
            pass
    else:
        try:  # integer-like objects (such as a 0-d integer tensor) define __index__
            return Fraction(operator.index(value))
        except Exception:
            pass
        try:  # a 0-d tensor of another library: its one element
            if getattr(value, "ndim", None) == 0:
                item = value.item()
                if isinstance(item, (int, float, complex)):
                    return _exact(item)
        except Exception:
            pass
    return f"should be a number; got {_type_name(value)} {show_value(value)}"


def _is_integer_type(x: Any) -> bool:
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    return isinstance(x, (int, np.integer, numbers.Integral)) and not isinstance(x, (bool, np.bool_))


def _pct(x: Fraction) -> str:
    return f"{float(x):.1%}"


def check_number(answer: Any, expected: float, *, name: str = "answer",
                 hints: Mapping[float, str] | None = None, rel: float = 0.0,
                 integer: bool | None = None) -> Feedback:
    """Check a numeric answer, explaining the common mistakes.

    Parameters
    ----------
    answer : number
        The reader's answer. Any value gets feedback (see the module
        docstring for the rules).
    expected : number
        The right value (computed by ``convbook``, never typed in).
    name : str
        What the number is, for the message.
    hints : mapping of wrong value -> explanation
        Known mistakes, each computed by the chapter's checker.
    rel : float
        Relative tolerance (0: exact).
    integer : bool, optional
        Whether the answer must be a whole number. By default it must be when
        ``expected`` is an integer (a Python or numpy int) and ``rel`` is 0.
    """
    if answer is None:
        return Feedback(False, _no_answer(name, "a whole number" if integer else "a number"))
    want = _exact(expected)
    if isinstance(want, str):
        raise ValueError(f"check_number: expected {want}")  # a bug in the checker, not the reader's answer
    if integer is None:
        integer = rel == 0 and _is_integer_type(expected)
    got = _exact(answer)
    shown = show_value(answer)
    if isinstance(got, str):
        if integer and got.startswith("should be a number"):
            got = got.replace("should be a number", "should be a number (a whole number)", 1)
        return Feedback(False, f"{name} {got}")
    if integer and got.denominator != 1:
        return Feedback(False, f"{name} should be a whole number; got {shown}")
    tol = Fraction(rel) * abs(want) if rel else Fraction(0)
    if abs(got - want) <= tol:
        return Feedback(True, f"{name} = {shown} is right")
    for wrong, why in (hints or {}).items():
        w = _exact(wrong)
        if not isinstance(w, str) and got == w:
            return Feedback(False, f"{name} = {shown} is not right: {why}")
    if want > 0 > got or want < 0 < got:
        sign = "negative" if got < 0 else "positive"
        right_sign = "positive" if want > 0 else "negative"
        return Feedback(False, f"{name} = {shown} is {sign}, but the right value is {right_sign}: check the sign")
    if got == 0 or want == 0:
        return Feedback(False, f"{name} = {shown} is not right")
    r = got / want
    for factor, text in ((2, "twice"), (Fraction(1, 2), "half"), (3, "three times"), (Fraction(1, 3), "a third of")):
        if abs(r - factor) < Fraction(1, 10**9):
            return Feedback(False, f"{name} = {shown} is {text} the right value: check which "
                                   "operations (multiplies, adds) or how many kernels you counted")
    precision = (f"expected precision: within {rel:g} relative" if rel
                 else "a count must be exact" if integer else "expected precision: exact")
    if r >= 10 or r <= Fraction(1, 10):
        return Feedback(False, f"{name} = {shown} is about {_show_magnitude(r)} times the right value: "
                               f"far too {'high' if r > 1 else 'low'}")
    if _pct(abs(r - 1)) == "0.0%":
        return Feedback(False, f"{name} = {shown} is close but not exact "
                               f"(off by {float(abs(r - 1)):.1e} relative; {precision})")
    return Feedback(False, f"{name} = {shown} is {_pct(abs(r - 1))} too {'high' if r > 1 else 'low'}")


# --- arrays -----------------------------------------------------------------------------------------

_MAX_ENTRIES = 10**7  # a longer list or range is not turned into an array (it would only exhaust the memory)


def _length(value: Any) -> int | None:
    """``len(value)``, or None where that fails (a range too long for a Python int index)."""
    try:
        return len(value)
    except Exception:
        return None


def _not_an_array(name: str, why: str) -> Feedback:
    return Feedback(False, f"{name} should be a numeric array; {why}")


def real_array(answer: Any, name: str = "answer", *, complex_ok: bool = False) -> np.ndarray | Feedback:
    """``answer`` as a float (or complex, if allowed) array with finite entries, or the Feedback saying why not."""
    if answer is None:
        return Feedback(False, _no_answer(name, "an array"))
    if isinstance(answer, (str, bytes, bytearray, Mapping, Set)):
        return _not_an_array(name, f"got {_type_name(answer)} {show_value(answer)}")
    if isinstance(answer, Sequence) and not isinstance(answer, np.ndarray):
        size = _length(answer)
        if size is None or size > _MAX_ENTRIES:
            return _not_an_array(name, f"got {show_value(answer)}, which has far too many entries")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = np.asarray(answer)
    except ValueError as e:
        if "inhomogeneous" in str(e) or "sequence" in str(e):
            return _not_an_array(name, "got a ragged list: its rows have different lengths, or it mixes "
                                       "numbers and lists")
        return _not_an_array(name, f"got {_type_name(answer)} {show_value(answer)}")
    except Exception as e:
        detach = ": call .detach() on it first" if "requires grad" in str(e) else ""
        return _not_an_array(name, f"got {_type_name(answer)} {show_value(answer)}{detach}")
    kind = a.dtype.kind
    if kind in "iuf":
        with np.errstate(all="ignore"):
            a = a.astype(float)
    elif kind == "c":
        if not complex_ok:
            return Feedback(False, f"{name} has complex entries, but the expected result is real")
        a = a.astype(complex)
    elif kind == "b":
        return _not_an_array(name, "got an array of truth values (True/False)")
    elif kind in "USa":
        first = a.flat[0] if a.size else ""
        return _not_an_array(name, f"it contains text such as {show_value(first)}")
    elif kind == "O":
        converted = _object_entries(a, name, complex_ok)
        if isinstance(converted, Feedback):
            return converted
        a = converted
    else:
        return _not_an_array(name, f"got entries of dtype {a.dtype}")
    finite = np.isfinite(a)
    if not finite.all():
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        bad = a[first]
        what = "nan" if np.isnan(bad) else "an infinite value (or one too large for a float)"
        n = int((~finite).sum())
        more = f" ({n:,} entries are not finite)" if n > 1 else ""
        return Feedback(False, f"{name} has {what} at index {first}{more}: every entry should be a finite number")
    return a


def _object_entries(a: np.ndarray, name: str, complex_ok: bool) -> np.ndarray | Feedback:
    """Convert an object array entry by entry, naming the first entry that is not a real number."""
    out = np.empty(a.shape, dtype=complex if complex_ok else float)
    if a.ndim == 0 and not isinstance(a[()], (complex, np.complexfloating)) and isinstance(_exact(a[()]), str):
        return _not_an_array(name, f"got {_type_name(a[()])} {show_value(a[()])}")
    for index in np.ndindex(a.shape):
        value = a[index]
        where = f" at index {index}" if a.ndim else ""
        if complex_ok and isinstance(value, (complex, np.complexfloating)):
            out[index] = complex(value)
            continue
        if isinstance(value, (list, tuple, np.ndarray)):
            return _not_an_array(name, "got a ragged list: its rows have different lengths, or it mixes "
                                       "numbers and lists")
        x = _exact(value)
        if isinstance(x, str):
            if x.startswith(("is nan", "is infinite")):
                return Feedback(False, f"{name} has an entry that {x.split(':')[0]}{where}: every entry "
                                       "should be a finite number")
            return Feedback(False, f"{name} should be a numeric array; the entry{where} {x}")
        try:
            out[index] = float(x)
        except OverflowError:
            return Feedback(False, f"{name} has an entry too large for a float{where}: {show_value(value)}")
    return out


def check_array(answer: Any, expected: np.ndarray, *, name: str = "answer",
                rtol: float = 1e-7, atol: float = 1e-9) -> Feedback:
    """Check an array answer: type, shape, then values, naming the likely mistake.

    Detects a transposed result, a result cut at the wrong border (shape off by
    one), a negated result or one computed with the kernel flipped (convolution
    instead of cross-correlation shows up as one of these), and a constant
    factor. Any answer gets feedback (see the module docstring for the rules).
    """
    expected = np.asarray(expected, dtype=float)
    a = real_array(answer, name)
    if isinstance(a, Feedback):
        return a
    if a.shape != expected.shape:
        if a.ndim == 0:
            return Feedback(False, f"{name} is a single number but should be an array of shape {expected.shape}")
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

    with np.errstate(all="ignore"):
        if close(a):
            return Feedback(True, f"{name} matches (shape {a.shape})")
        if close(-a):
            return Feedback(False, f"{name} is the negative of the expected result: the kernel was "
                                   "flipped or its sign reversed (convolution vs cross-correlation?)")
        if a.ndim and close(a[tuple(slice(None, None, -1) for _ in range(a.ndim))]):
            return Feedback(False, f"{name} is the expected result reversed: check the index order")
        if np.any(expected != 0):
            denom = float(np.vdot(a.ravel(), a.ravel()))
            scale = float(np.vdot(a.ravel(), expected.ravel())) / denom if denom > 0 else 0.0
            if (math.isfinite(denom) and math.isfinite(scale) and scale != 0
                    and abs(scale - 1) > 1e-6 and close(scale * a)):
                return Feedback(False, f"{name} is {1 / scale:.4g} times the expected result: "
                                       "a missing or extra constant factor")
        bad = ~np.isclose(a, expected, rtol=rtol, atol=atol)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return Feedback(False, f"{name} differs at {int(bad.sum()):,} of {a.size:,} positions; first at "
                           f"index {first}: got {a[first]:.6g}, expected {expected[first]:.6g}")


# --- sequences of whole numbers ---------------------------------------------------------------------

def join_names(names: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``: names in a sentence."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def whole_numbers(answer: Any, what: str, *, length: int | None = None, names: Sequence[str] | None = None,
                   sets_ok: bool = False, max_length: int = 1000) -> list[int] | Feedback:
    """``answer`` as a list of ints (a list, tuple or 1-D array; a set too if ``sets_ok``), or the Feedback why not.

    ``what`` describes the expected answer ("three whole numbers (valid, same, full)"); entries are named
    by ``names`` if given, else by their position.
    """
    if answer is None:
        return Feedback(False, f"no answer yet: set answer to {what} and run the cell again")
    kinds = (list, tuple, range, np.ndarray) + ((set, frozenset) if sets_ok else ())
    if not isinstance(answer, kinds):
        return Feedback(False, f"answer should be {what}; got {_type_name(answer)} {show_value(answer)}")
    if isinstance(answer, np.ndarray) and answer.ndim != 1:
        return Feedback(False, f"answer should be {what}; got an array of shape {answer.shape}")
    size = _length(answer)
    if size is None or size > max_length:
        return Feedback(False, f"answer should be {what}; got {show_value(answer)}, which has far too many entries")
    items = list(answer)
    if length is not None and len(items) != length:
        return Feedback(False, f"answer should be {what}: {length} entries, not {len(items)}")
    labels = list(names) if names is not None else [None] * len(items)
    got, fractional, problems = [], [], []
    for i, (label, value) in enumerate(zip(labels, items)):
        x = _exact(value)
        if isinstance(x, str):  # not a real number at all: say what it is
            problems.append(f"{label or f'entry {i}'} {x}" if x.startswith("should")
                            else f"{label or f'entry {i}'} = {show_value(value)} {x}")
        elif x.denominator != 1:
            fractional.append(show_value(value) if label is None else f"{label} = {show_value(value)}")
        else:
            got.append(x.numerator)
    if fractional:
        verb = "is not a whole number" if len(fractional) == 1 else "are not whole numbers"
        problems.insert(0, f"{join_names(fractional)} {verb}")
    if problems:
        return Feedback(False, f"{'; '.join(problems)}; answer should be {what}")
    return got
