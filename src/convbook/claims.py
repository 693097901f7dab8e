"""Asserted claims: how a notebook states a number it has just computed.

Every number the book states is shown by :func:`claim`, which shows the
statement and the computed value in words after a check mark, and raises
:class:`ClaimError` (so the notebook, nbval and the site build fail) when the
value disagrees with the one the book states. :class:`claim_group` shows a
set of claims as one line that unfolds; :func:`glue` hands a computed value
to the prose, so that a number in the text is never typed.
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["claim", "claim_group", "glue", "ClaimError", "Claim", "REGISTRY", "GLUED", "format_value"]


class ClaimError(AssertionError):
    """A computed value disagrees with what the book states.

    Raised by :func:`claim`; an ``AssertionError``, so that a notebook, nbval
    and the site build stop at the first wrong number.

    Examples
    --------
    A valid convolution of 28 inputs with a 5-tap kernel has 28 - 5 + 1 = 24 outputs, not 23:

    >>> claim("24 outputs", 28 - 5 + 1, 23)
    Traceback (most recent call last):
    ...
    convbook.claims.ClaimError: ✗ 24 outputs: computed 24 but the book states 23 exactly
    >>> issubclass(ClaimError, AssertionError)
    True
    """


@dataclass(frozen=True)
class Claim:
    """One checked statement, as displayed in the notebook.

    :func:`claim` makes one for every check that passes and appends it to
    :data:`REGISTRY`. It reads as one line: the statement, then the computed
    value in words; the stated value follows only where it differs from the
    value shown (a tolerance allowed the difference). The source of the
    statement is not on the line: it is the line's hover title and a column
    of the claims index.

    Examples
    --------
    >>> claim("24 outputs", 28 - 5 + 1, 24, show=False)
    >>> c = REGISTRY[-1]
    >>> c.statement, c.value, c.expected
    ('24 outputs', 24, 24)
    >>> c
    ✓ 24 outputs: 24
    >>> Claim("a third", 1 / 3, 0.333, "±1 %", "", "claim-a-third")
    ✓ a third: 0.333333 (stated 0.333, ±1 %)
    """

    statement: str
    value: Any
    expected: Any
    tolerance: str
    source: str
    anchor: str

    def shown(self) -> tuple[str, str]:
        """The computed value in words, and the stated value where it reads differently ("" otherwise).

        A bool condition that holds shows nothing (the statement says it);
        two large arrays show as a count of equal values and, under a
        tolerance, the largest difference.

        Examples
        --------
        >>> import numpy as np
        >>> Claim("x", np.zeros((30, 40)), np.zeros((30, 40)), "", "", "c").shown()
        ('all 1,200 values equal', '')
        >>> Claim("x", np.full(9, 1e-13), np.zeros(9), "±1e-12", "", "c").shown()
        ('all 9 values within ±1e-12 (largest difference 1e-13)', '')
        >>> Claim("x", True, True, "", "", "c").shown(), Claim("x", 0.5, 0.5, "", "", "c").shown()
        (('', ''), ('0.5', ''))
        >>> Claim("x", (-1, 2e-05), (-1, 2e-05), "", "", "c").shown()  # a true minus sign, not a hyphen
        ('(−1, 2e-05)', '')
        """
        v, e = self.value, self.expected
        if _is_bool(v) and _is_bool(e) and bool(v) == bool(e):
            return ("" if bool(v) else "no"), ""
        if isinstance(v, np.ndarray) and isinstance(e, np.ndarray) and v.size > SMALL_ARRAY and v.shape == e.shape:
            n = f"{v.size:,}"
            if v.dtype.kind in "iufc" and e.dtype.kind in "iufc":
                d = float(np.max(np.abs(v.astype(complex if "c" in v.dtype.kind + e.dtype.kind else float)
                                        - e.astype(complex if "c" in v.dtype.kind + e.dtype.kind else float))))
                if d == 0:
                    return f"all {n} values equal", ""
                return f"all {n} values within {self.tolerance} (largest difference {d:.2g})", ""
            return f"all {n} entries equal", ""
        value, expected = _minus(format_value(v)), _minus(format_value(e))
        if value == expected:
            return value, ""
        return value, ", ".join(t for t in (expected, self.tolerance) if t)

    def _repr_html_(self) -> str:
        value, stated = self.shown()
        src = html.escape(self.source)
        title = f' title="source: {src}" data-source="{src}"' if self.source else ""
        return (
            f'<div class="convbook-claim" id="{self.anchor}"{title}><span class="claim-mark">✓</span> '
            f'<span class="claim-statement">{html.escape(self.statement)}</span>'
            + (f': <span class="claim-value">{html.escape(value)}</span>' if value else "")
            + (f'<span class="claim-stated"> (stated {html.escape(stated)})</span>' if stated else "")
            + "</div>"
        )

    def __repr__(self) -> str:
        value, stated = self.shown()
        return f"✓ {self.statement}" + (f": {value}" if value else "") + (f" (stated {stated})" if stated else "")


#: Every claim checked in this Python session, in order.
REGISTRY: list[Claim] = []

#: Every value glued for the prose in this Python session, by name (see :func:`glue`).
GLUED: dict[str, Any] = {}

#: Arrays with at most this many entries are shown entry by entry.
SMALL_ARRAY = 8


def format_value(v: Any) -> str:
    """Format a number the way the book prints it (thousands separators).

    Returns
    -------
    str
        Integers with thousands separators, other reals to six significant
        digits, tuples and small arrays entry by entry, a mapping as
        ``key = value`` pairs, a large array (more than ``SMALL_ARRAY``
        entries) by its shape.

    Examples
    --------
    >>> import numpy as np
    >>> format_value(1234567), format_value(1 / 3), format_value(2e-5), format_value(True)
    ('1,234,567', '0.333333', '2e-05', 'True')
    >>> format_value((28, 28)), format_value(np.arange(4)), format_value({"stride": 2, "padding": (1, 0)})
    ('(28, 28)', '[0, 1, 2, 3]', 'stride = 2, padding = (1, 0)')
    >>> format_value(np.zeros((28, 28)))
    'array of shape (28, 28)'
    """
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if isinstance(v, numbers.Real):
        x = float(v)
        if x != 0 and (abs(x) >= 1e7 or abs(x) < 1e-3):
            return f"{x:.6g}"
        return f"{x:,.6g}" if abs(x) >= 1e4 else f"{x:.6g}"
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return format_value(v.item())
        if v.size <= SMALL_ARRAY:
            return format_value(v.tolist())
        return f"array of shape {v.shape}"
    if isinstance(v, (tuple, list)):
        inner = ", ".join(_element(e) for e in v) + ("," if isinstance(v, tuple) and len(v) == 1 else "")
        return f"({inner})" if isinstance(v, tuple) else f"[{inner}]"
    if isinstance(v, Mapping):
        return ", ".join(f"{k} = {format_value(x)}" for k, x in v.items())
    return str(v)


def _minus(text: str) -> str:
    """A number's minus sign as the page prints it: − (U+2212), not the hyphen "-" (exponents keep theirs)."""
    return re.sub(r"(?<![\w.])-(?=[\d.])", "\u2212", text)


def _element(e: Any) -> str:
    """An element of a tuple or list: numbers without thousands separators, which would read as more elements."""
    if isinstance(e, (bool, np.bool_)) or not isinstance(e, numbers.Real):
        return format_value(e)
    return str(int(e)) if isinstance(e, numbers.Integral) else f"{float(e):.6g}"


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return "claim-" + (s[:60].rstrip("-") or "x")


def _shown(v: Any) -> str:
    """``format_value`` for a message, which must not fail whatever the value."""
    try:
        return format_value(v)
    except Exception:  # an odd object: its repr
        return repr(v)


#: Integers up to this size convert to float64 exactly.
_EXACT_INT = 2**53


class _Tolerance:
    """``rtol`` and ``atol`` as exact fractions (for the decision) and as floats (for the fast array path)."""

    def __init__(self, rtol: float, atol: float) -> None:
        self.rtol, self.atol = _exact(rtol), _exact(atol)
        self.rtol_f, self.atol_f = float(rtol), float(atol)
        self.zero = self.rtol == 0 and self.atol == 0

    def allows(self, difference: Fraction, expected: Fraction) -> bool:
        """``|difference| <= atol + rtol * |expected|``, decided exactly."""
        return abs(difference) <= self.atol + self.rtol * abs(expected)


class _Differ(Exception):
    """Raised inside the comparison: the computed value is not the stated one, and why.

    ``where`` is the index of the first differing element inside a tuple, list,
    dict or array, and ``leaf`` the computed and stated element there.
    """

    def __init__(self, reason: str = "", where: str = "", leaf: tuple[Any, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason, self.where, self.leaf = reason, where, leaf


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not _is_bool(x)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not _is_bool(x)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Complex) and not _is_bool(x)


def _exact(x: Any) -> Fraction:
    """The exact value of a finite real number (a float's binary value, not its decimal look)."""
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    ratio = getattr(x, "as_integer_ratio", None)
    if ratio is None:
        raise _Differ(f"cannot compare {_describe(x)} exactly")
    n, d = ratio()
    return Fraction(int(n), int(d))


def _isnan(x: Any) -> bool:
    return not isinstance(x, numbers.Rational) and bool(np.isnan(x))


def _finite(x: Any) -> bool:
    return isinstance(x, numbers.Rational) or bool(np.isfinite(x))


def _describe(x: Any) -> str:
    """What kind of thing ``x`` is, for a message."""
    if _is_bool(x):
        return "a bool"
    if isinstance(x, str):
        return "a str"
    if isinstance(x, np.generic):
        return f"a numpy {x.dtype}"
    if _is_int(x):
        return "an int"
    if _is_real(x):
        return "a float" if isinstance(x, float) else f"a {type(x).__name__}"
    if _is_number(x):
        return "a complex number"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of length {len(x)}"
    if x is None:
        return "None"
    name = type(x).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _mismatch(value: Any, expected: Any) -> _Differ:
    return _Differ(f"computed {_describe(value)}, stated {_describe(expected)}")


def _has_inexact(x: Any) -> bool:
    """Whether ``x`` holds a number that is not an integer (where a tolerance can apply)."""
    if _is_bool(x) or _is_int(x):
        return False
    if _is_number(x):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fc" or (x.dtype.kind == "O" and any(_has_inexact(i) for i in x.flat))
    if isinstance(x, (tuple, list)):
        return any(_has_inexact(i) for i in x)
    if isinstance(x, Mapping):
        return any(_has_inexact(i) for i in x.values())
    return False


def _same_nonfinite(a: Any, b: Any) -> bool:
    """Two reals where at least one is infinite: equal only if both are the same infinity."""
    return not _finite(a) and not _finite(b) and (a > 0) == (b > 0)


def _compare_reals(v: Any, e: Any, tol: _Tolerance) -> None:
    if _is_int(v) and _is_int(e):
        if int(v) != int(e):
            raise _Differ()
        return
    if _isnan(v) or _isnan(e):
        raise _Differ("NaN equals nothing, not even NaN")
    if not (_finite(v) and _finite(e)):
        if not _same_nonfinite(v, e):
            raise _Differ()
        return
    fv, fe = _exact(v), _exact(e)
    if not tol.allows(fv - fe, fe):
        if not tol.zero:
            bound = tol.atol + tol.rtol * abs(fe)
            diff, allowed = _decimal(abs(fv - fe), 6), _decimal(bound, 6)
            if diff == allowed:
                diff, allowed = _decimal(abs(fv - fe), 17), _decimal(bound, 17)
            raise _Differ(f"|difference| {diff} > {allowed} allowed")
        raise _Differ(f"{v!r} is not exactly {e!r}" if format_value(v) == format_value(e) else "")


def _decimal(x: Fraction, digits: int) -> str:
    """An exact fraction to ``digits`` significant digits, for a message (through Decimal if too large for a float)."""
    try:
        return f"{float(x):.{digits}g}"
    except OverflowError:
        with localcontext() as ctx:
            ctx.prec = digits
            return f"{Decimal(x.numerator) / Decimal(x.denominator):.{digits}g}"


def _parts(x: Any) -> tuple[Any, Any]:
    return (x, 0) if isinstance(x, numbers.Real) else (x.real, x.imag)


def _compare_complex(v: Any, e: Any, tol: _Tolerance) -> None:
    (vr, vi), (er, ei) = _parts(v), _parts(e)
    if any(_isnan(p) for p in (vr, vi, er, ei)):
        raise _Differ("NaN equals nothing, not even NaN")
    if not all(_finite(p) for p in (vr, vi, er, ei)):
        for a, b in ((vr, er), (vi, ei)):
            if not (_same_nonfinite(a, b) if not (_finite(a) and _finite(b)) else _exact(a) == _exact(b)):
                raise _Differ()
        return
    dr, di = _exact(vr) - _exact(er), _exact(vi) - _exact(ei)
    d2, e2 = dr * dr + di * di, _exact(er) ** 2 + _exact(ei) ** 2
    # |d| <= a + r|e|  <=>  d² - a² - r²e² <= 2ar|e|, decided without square roots
    a, r = tol.atol, tol.rtol
    lhs = d2 - a * a - r * r * e2
    if lhs > 0 and lhs * lhs > 4 * a * a * r * r * e2:
        raise _Differ()


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def _lossless_in_float64(a: np.ndarray) -> bool:
    """Whether an int, float or complex array converts to float64/complex128 without rounding."""
    k = a.dtype.kind
    if k == "f":
        return a.dtype.itemsize <= 8
    if k == "c":
        return a.dtype.itemsize <= 16
    if a.size == 0:
        return True
    if k == "u":
        return bool(a.max() <= _EXACT_INT)
    return bool(a.min() >= -_EXACT_INT and a.max() <= _EXACT_INT)


def _compare(v: Any, e: Any, tol: _Tolerance) -> None:
    """Raise :class:`_Differ` unless ``v`` matches ``e`` (see :func:`claim` for the rules)."""
    try:
        _compare_inner(v, e, tol)
    except _Differ as d:
        if d.leaf is None:
            d.leaf = (v, e)
        raise


def _compare_inner(v: Any, e: Any, tol: _Tolerance) -> None:
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    if isinstance(e, np.ndarray) and e.ndim == 0:
        e = e[()]
    if _is_bool(v) or _is_bool(e):
        if not (_is_bool(v) and _is_bool(e)):
            raise _mismatch(v, e)
        if bool(v) != bool(e):
            raise _Differ()
        return
    if _is_number(v) and _is_number(e):
        if _is_real(v) and _is_real(e):
            _compare_reals(v, e, tol)
        else:
            _compare_complex(v, e, tol)
        return
    if isinstance(v, np.ndarray) and isinstance(e, np.ndarray):
        _compare_arrays(v, e, tol)
        return
    if isinstance(v, np.ndarray) and isinstance(e, (tuple, list)) or (
        isinstance(e, np.ndarray) and isinstance(v, (tuple, list))
    ):
        _compare_sequences(v, e, tol)
        return
    if isinstance(v, tuple) and isinstance(e, tuple) or isinstance(v, list) and isinstance(e, list):
        _compare_sequences(v, e, tol)
        return
    if isinstance(v, str) and isinstance(e, str) or isinstance(v, bytes) and isinstance(e, bytes):
        if v != e:
            raise _Differ()
        return
    if isinstance(v, Mapping) and isinstance(e, Mapping):
        if set(v) != set(e):
            raise _Differ(f"keys {sorted(map(repr, v))} are not {sorted(map(repr, e))}")
        for key in e:
            _at(f"[{key!r}]", v[key], e[key], tol)
        return
    if type(v) is type(e):  # another kind of value (None, a Decimal, ...): its own ==, if that gives a bool
        try:
            same = v == e
        except Exception as err:  # a type whose == fails cannot be claimed equal
            raise _Differ(f"{type(v).__name__} == raised {type(err).__name__}") from None
        if _is_bool(same):
            if not same:
                raise _Differ()
            return
    raise _mismatch(v, e)


def _at(where: str, v: Any, e: Any, tol: _Tolerance) -> None:
    """Compare one element of a container, recording where it is."""
    try:
        _compare(v, e, tol)
    except _Differ as d:
        d.where = where + d.where
        raise


def _compare_sequences(v: Any, e: Any, tol: _Tolerance) -> None:
    if len(v) != len(e):
        if isinstance(v, np.ndarray) or isinstance(e, np.ndarray):
            shapes = [np.shape(x) if isinstance(x, np.ndarray) else f"length {len(x)}" for x in (v, e)]
            raise _Differ(f"shape {shapes[0]} against {shapes[1]}")
        raise _Differ(f"length {len(v)}, stated length {len(e)}")
    for i, (a, b) in enumerate(zip(v, e)):
        _at(f"[{i}]", a, b, tol)


def _compare_arrays(v: np.ndarray, e: np.ndarray, tol: _Tolerance) -> None:
    if v.shape != e.shape:
        raise _Differ(f"shape {v.shape}, stated shape {e.shape}")
    kv, ke = v.dtype.kind, e.dtype.kind
    if kv == "O" or ke == "O" or (kv in "iu" and ke in "iu" and kv != ke):
        for idx in np.ndindex(v.shape):
            _at(_index(idx), v[idx], e[idx], tol)
        return
    if kv == "b" or ke == "b" or kv in "US" or ke in "US" or not (kv in "iufc" and ke in "iufc"):
        if kv != ke or (kv not in "bUS" and v.dtype != e.dtype):
            raise _mismatch(v, e)
        differ = np.asarray(v != e)
    elif kv in "iu" and ke in "iu":
        differ = v != e
    else:
        differ = _differing_numbers(v, e, tol)
    if differ.any():
        idx = tuple(int(i) for i in np.argwhere(differ)[0])
        n = int(differ.sum())
        reason = f"{n} of {v.size} entries differ" if v.size > 1 else ""
        if _is_number(v[idx]) and _is_number(e[idx]):
            try:
                _compare(v[idx], e[idx], tol)
            except _Differ as d:
                reason = "; ".join(r for r in (reason, d.reason) if r)
        raise _Differ(reason, _index(idx), (v[idx], e[idx]))


def _differing_numbers(v: np.ndarray, e: np.ndarray, tol: _Tolerance) -> np.ndarray:
    """Where two numeric arrays (at least one float or complex) differ under the tolerance rule.

    Decided in float64 where the float arithmetic cannot change the answer,
    and exactly (as for scalars) for the entries too close to the bound to tell.
    """

    def exact_differ(a: Any, b: Any) -> bool:
        try:
            _compare(a, b, tol)
        except _Differ:
            return True
        return False

    if not (_lossless_in_float64(v) and _lossless_in_float64(e)):
        return np.array([exact_differ(a, b) for a, b in zip(v.flat, e.flat)], dtype=bool).reshape(v.shape)
    dt = np.complex128 if "c" in (v.dtype.kind, e.dtype.kind) else np.float64
    x, y = v.astype(dt), e.astype(dt)
    with np.errstate(all="ignore"):
        finite = np.isfinite(x) & np.isfinite(y)
        differ = np.asarray(x != y)  # exact equality; NaN != NaN; the non-finite entries are settled here
        if not tol.zero:
            d = np.abs(x - y)
            bound = tol.atol_f + tol.rtol_f * np.abs(y)
            fast = finite & np.isfinite(d) & np.isfinite(bound)
            m, tiny = 1e-12, 1e-300  # far wider than the rounding of the few float operations above
            sure_pass = fast & (d * (1 + m) + tiny < bound * (1 - m))
            sure_fail = fast & (d * (1 - m) > bound * (1 + m) + tiny)
            differ = np.where(finite, sure_fail, differ)
            for idx in np.argwhere(finite & ~sure_pass & ~sure_fail):
                i = tuple(idx)
                differ[i] = exact_differ(v[i], e[i])
    return differ


def _check_tolerance(name: str, t: Any) -> None:
    if _is_bool(t) or not isinstance(t, (numbers.Integral, float, np.floating, Fraction)):
        raise TypeError(f"claim: {name} must be a real number (int or float); got {t!r} ({type(t).__name__})")
    try:
        fits = bool(np.isfinite(float(t)))
    except OverflowError:  # an int beyond the float range
        fits = False
    if not fits or _exact(t) < 0:
        raise ValueError(f"claim: rtol and atol must be >= 0 and finite; got {name}={t!r}")


def claim(statement: str, value: Any, expected: Any = True, *, rtol: float = 0.0, atol: float = 0.0,
          source: str = "", show: bool = True, glue: str = "") -> None:
    """Check that a computed ``value`` equals the ``expected`` one and show it.

    The comparison is strict and typed:

    * **Booleans.** A bool (Python ``bool`` or ``numpy.bool_``) matches only a
      bool: ``claim(s, 0.37)`` and ``claim(s, 1)`` fail against the default
      ``expected=True``; wrap a condition in ``bool(...)`` if it is not one.
    * **Integers** (``int``, numpy integers) compare with integers exactly, as
      integers, never through float.
    * **Other real numbers** (floats of any precision, and an integer against
      a float) pass when ``|value - expected| <= atol + rtol * |expected|``:
      the tolerance is relative to the *stated* value, the same rule for
      scalars and, element by element, for arrays, and it is decided exactly
      on the binary values (so with ``rtol = atol = 0``, ``np.float32(0.1)``
      is not ``0.1``). Complex numbers use the same rule with ``|·|`` the
      modulus. NaN equals nothing, not even NaN; an infinity equals only the
      same infinity (a tolerance does not apply to it).
    * **The tolerance** applies only where a non-integer number is compared:
      two integers, two bools and two strings always compare exactly, and a
      tolerance in a claim where it applies to nothing (say two ints) is a
      ``ValueError``. To state an approximate count, state it as a float:
      ``claim("about 60,000 times", 59_733, 60_000.0, rtol=0.01)``.
    * **Arrays** must have the same shape (a 0-d array is a scalar, never a
      ``(3,)`` array); a bool array matches only a bool array, a string array
      only a string array.
    * **Tuples and lists** compare element by element with the same rules,
      after their lengths (a tuple matches a tuple, a list a list; an array
      matches a tuple or list of the same shape). Dicts match on their keys
      and then value by value.
    * **Strings** compare exactly. Values of mismatched kinds (a string and a
      number, an array and a dict, ...) are a :class:`ClaimError` that says
      what was computed and what was stated.

    Parameters
    ----------
    statement : str
        The sentence of the book this number supports.
    value : number, bool, str, tuple, list, dict or array
        What the code computed.
    expected : number, bool, str, tuple, list, dict or array
        What the book states (default ``True``, for a computed condition,
        which must then be a bool).
    rtol, atol : float
        Relative (to ``expected``) and absolute tolerance; finite, >= 0 real
        numbers (0 means exact equality).
    source : str
        Where the statement comes from, e.g. ``"CLAIMS A1; seed 001"``.
    show : bool
        Display the check (in Jupyter, as HTML with an anchor); inside a
        :class:`claim_group`, list it under the group's summary line.
    glue : str
        A name under which the checked value is glued for the prose (see :func:`glue`).

    Returns
    -------
    None
        The checked claim is displayed and appended to :data:`REGISTRY`.

    Raises
    ------
    ClaimError
        If ``value`` does not match ``expected``.
    TypeError, ValueError
        If the call itself is wrong: an empty statement, a tolerance that is
        not a finite real number >= 0, or a tolerance that applies to nothing.

    Examples
    --------
    A valid convolution of 28 inputs with a 5-tap kernel has 28 - 5 + 1 = 24 outputs:

    >>> claim("24 outputs", 28 - 5 + 1, 24)
    ✓ 24 outputs: 24
    >>> claim("a third", 1 / 3, 0.333, rtol=0.01)
    ✓ a third: 0.333333 (stated 0.333, ±1 %)
    >>> claim("24 outputs", 28 - 5, 24)
    Traceback (most recent call last):
    ...
    convbook.claims.ClaimError: ✗ 24 outputs: computed 23 but the book states 24 exactly
    >>> claim("p", 0.37)
    Traceback (most recent call last):
    ...
    convbook.claims.ClaimError: ✗ p: computed 0.37 but the book states True exactly (computed a float, stated a bool)
    >>> claim("x", np.float32(0.1), 0.1)
    Traceback (most recent call last):
    ...
    convbook.claims.ClaimError: ✗ x: computed 0.1 but the book states 0.1 exactly (np.float32(0.1) is not exactly 0.1)
    """
    if not isinstance(statement, str) or not statement:
        raise TypeError(f"claim: statement must be a non-empty str; got {statement!r}")
    _check_tolerance("rtol", rtol)
    _check_tolerance("atol", atol)
    if (rtol or atol) and not (_has_inexact(value) or _has_inexact(expected)):
        raise ValueError(
            f"claim: rtol={rtol!r}, atol={atol!r} apply to nothing here: integers, bools and strings compare "
            f"exactly (computed {_describe(value)}, stated {_describe(expected)}); state an approximate "
            "number as a float"
        )
    try:
        _compare(value, expected, _Tolerance(rtol, atol))
    except _Differ as d:
        tol = f" within rtol={rtol}, atol={atol}" if (rtol or atol) else " exactly"
        detail = d.reason
        if d.where and d.leaf is not None:
            detail = f"at {d.where}: computed {_shown(d.leaf[0])}, stated {_shown(d.leaf[1])}" + (
                f"; {d.reason}" if d.reason else "")
        raise ClaimError(
            f"✗ {statement}: computed {_shown(value)} but the book states {_shown(expected)}{tol}"
            + (f" ({detail})" if detail else "") + (f" [{source}]" if source else "")
        ) from None
    c = Claim(statement, value, expected, _tolerance_text(rtol, atol), source, _anchor(statement))
    REGISTRY.append(c)
    if glue:
        _glue(glue, value)
    if not show:
        return
    if _GROUPS:
        _GROUPS[-1].claims.append(c)
        return
    _display(c)


def _tolerance_text(rtol: float, atol: float) -> str:
    """``rtol`` and ``atol`` as a reader reads them: "±1 %", "±1e-12", "±1e-12 + 0.1 %"."""
    parts = []
    if atol:
        parts.append(f"{float(atol):.2g}")
    if rtol:
        r = float(rtol)
        parts.append(f"{100 * r:.2g} %" if r >= 1e-3 else f"{r:.2g} relative")
    return "±" + " + ".join(parts) if parts else ""


def _anchor(statement: str) -> str:
    base = _slug(statement)
    anchor, k = base, 2
    taken = {c.anchor for c in REGISTRY}
    while anchor in taken:
        anchor, k = f"{base}-{k}", k + 1
    return anchor


def _display(obj: Any) -> None:
    """Show ``obj`` in Jupyter (as HTML), or print its ``repr`` elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(obj)
            return
    except ImportError:  # pragma: no cover
        pass
    print(repr(obj))


#: The prefix under which MyST-NB (the site builder) looks for glued values in a cell's outputs.
GLUE_PREFIX = "application/papermill.record/"


def _glue_text(name: str, value: Any) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise ValueError(f"glue: name must be letters, digits, '_' or '-' (a word the prose can name); got {name!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0 or isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return format_value(value)
    raise TypeError(f"glue: value must be a number, a bool, a str or a tuple/list of numbers; got {_describe(value)}")


def _glue(name: str, value: Any) -> None:
    text = _glue_text(name, value)
    GLUED[name] = value
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display({GLUE_PREFIX + "text/plain": text}, raw=True,
                metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}})


def glue(name: str, value: Any) -> None:
    """Make a computed value available to the chapter's prose, so that no number is typed twice.

    In the chapter's Markdown, ``{glue:text}`name``` shows the value and
    ``{glue:text}`name:,``` , ``{glue:text}`name:.1%``` a formatted one
    (Python's format specifications); the site builder (MyST-NB) reads it
    from the cell's output. Nothing is shown in the notebook. ``claim(...,
    glue=name)`` glues the value it has just checked.

    Parameters
    ----------
    name : str
        Letters, digits, ``_`` and ``-``; unique within the chapter.
    value : number, bool, str, or tuple/list of numbers
        Numbers are glued as Python literals (so that format
        specifications apply), a tuple or list as the book prints it.

    Returns
    -------
    None
        The value is recorded in :data:`GLUED` and, in Jupyter, put in the
        cell's outputs under ``name`` (not displayed).

    Examples
    --------
    >>> glue("n_outputs", 28 - 5 + 1)
    >>> GLUED["n_outputs"]
    24
    >>> glue("a table", 1)
    Traceback (most recent call last):
    ...
    ValueError: glue: name must be letters, digits, '_' or '-' (a word the prose can name); got 'a table'
    """
    _glue(name, value)


class claim_group:
    """Claims checked together and shown as one summary line that expands to show each.

    Used as a context manager: every :func:`claim` inside is checked (and
    fails) as usual, and the group is shown when it closes, with its
    number of checks, as a ✓ line that unfolds into the claims. A group
    that checked nothing is an error, as is a group inside a group.

    Parameters
    ----------
    summary : str
        What the claims show together, e.g. ``"3 settings of max_pool2d: torch's values"``.

    Examples
    --------
    >>> with claim_group("output sizes of valid convolutions"):
    ...     claim("28 inputs, 5 taps", 28 - 5 + 1, 24)
    ...     claim("7 inputs, 3 taps", 7 - 3 + 1, 5)
    ✓ output sizes of valid convolutions (2 checks)
      ✓ 28 inputs, 5 taps: 24
      ✓ 7 inputs, 3 taps: 5
    """

    def __init__(self, summary: str) -> None:
        if not isinstance(summary, str) or not summary:
            raise TypeError(f"claim_group: summary must be a non-empty str; got {summary!r}")
        self.summary = summary
        self.claims: list[Claim] = []

    def __enter__(self) -> claim_group:
        if _GROUPS:
            raise ValueError(f"claim_group: groups do not nest; {self.summary!r} opened inside "
                             f"{_GROUPS[-1].summary!r}")
        _GROUPS.append(self)
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        _GROUPS.remove(self)
        if kind is not None:
            return
        if not self.claims:
            raise ValueError(f"claim_group: {self.summary!r} showed no claim (a group must check something)")
        _display(self)

    def _count(self) -> str:
        n = len(self.claims)
        return f"{n} check" + ("s" if n != 1 else "")

    def _repr_html_(self) -> str:
        return (
            '<details class="convbook-claim-group"><summary><span class="claim-mark">✓</span> '
            f'<span class="claim-statement">{html.escape(self.summary)}</span> '
            f'<span class="claim-count">({self._count()})</span></summary>'
            + "".join(c._repr_html_() for c in self.claims) + "</details>"
        )

    def __repr__(self) -> str:
        return f"✓ {self.summary} ({self._count()})" + "".join(f"\n  {c!r}" for c in self.claims)


_GROUPS: list[claim_group] = []
