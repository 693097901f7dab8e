"""Asserted claims: how a notebook states a number it has just computed.

Every number the book states is shown by :func:`claim`, which prints the
statement, the computed value and the expected value with a check mark, and
raises :class:`ClaimError` (so the notebook, nbval and the site build fail)
when they disagree.
"""

from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["claim", "ClaimError", "Claim", "REGISTRY", "format_value"]


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
    :data:`REGISTRY`; its ``repr`` is the line printed outside Jupyter.

    Examples
    --------
    >>> claim("24 outputs", 28 - 5 + 1, 24, show=False)
    >>> c = REGISTRY[-1]
    >>> c.statement, c.value, c.expected
    ('24 outputs', 24, 24)
    >>> c
    ✓ 24 outputs: 24 (stated: 24)
    """

    statement: str
    value: Any
    expected: Any
    tolerance: str
    source: str
    anchor: str

    def shown(self) -> tuple[str, str]:
        """The computed and the stated value as the page prints them.

        A large array is described by its shape and, next to a numeric
        expected array, by the largest difference between the two.
        """
        value, expected = format_value(self.value), format_value(self.expected)
        if isinstance(self.value, np.ndarray) and self.value.size > SMALL_ARRAY:
            v, e = self.value, np.asarray(self.expected)
            if v.shape == e.shape and v.dtype.kind in "iuf" and e.dtype.kind in "iuf":
                value += f", largest difference {float(np.max(np.abs(v - e))):.2g}"
        return value, expected

    def _repr_html_(self) -> str:
        src = f' <span class="claim-source">[{html.escape(self.source)}]</span>' if self.source else ""
        value, expected = self.shown()
        return (
            f'<div class="convbook-claim" id="{self.anchor}"><span class="claim-mark">✓</span> '
            f"<strong>{html.escape(self.statement)}</strong>: {html.escape(value)}"
            f'<span class="claim-expected"> (stated: {html.escape(expected)}'
            f"{html.escape(self.tolerance)})</span>{src}</div>"
        )

    def __repr__(self) -> str:
        src = f" [{self.source}]" if self.source else ""
        value, expected = self.shown()
        return f"✓ {self.statement}: {value} (stated: {expected}{self.tolerance}){src}"


#: Every claim checked in this Python session, in order.
REGISTRY: list[Claim] = []


#: Arrays with at most this many entries are shown entry by entry.
SMALL_ARRAY = 8


def format_value(v: Any) -> str:
    """Format a number the way the book prints it (thousands separators).

    Returns
    -------
    str
        Integers with thousands separators, other reals to six significant
        digits, tuples and small arrays entry by entry, a large array
        (more than ``SMALL_ARRAY`` entries) by its shape.

    Examples
    --------
    >>> import numpy as np
    >>> format_value(1234567), format_value(1 / 3), format_value(2e-5), format_value(True)
    ('1,234,567', '0.333333', '2e-05', 'True')
    >>> format_value((28, 28)), format_value(np.arange(4))
    ('(28, 28)', '[0, 1, 2, 3]')
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
    return str(v)


def _element(e: Any) -> str:
    """An element of a tuple or list: numbers without thousands separators, which would read as more elements."""
    if isinstance(e, (bool, np.bool_)) or not isinstance(e, numbers.Real):
        return format_value(e)
    return str(int(e)) if isinstance(e, numbers.Integral) else f"{float(e):.6g}"


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return "claim-" + (s[:60].rstrip("-") or "x")


def _matches(value: Any, expected: Any, rtol: float, atol: float) -> bool:
    if isinstance(expected, (bool, np.bool_)) or isinstance(value, (bool, np.bool_)):
        return bool(value) == bool(expected)
    if isinstance(expected, (str, tuple)):
        return value == expected
    if isinstance(value, np.ndarray) or isinstance(expected, np.ndarray):
        v, e = np.asarray(value), np.asarray(expected)
        return v.shape == e.shape and bool(np.allclose(v, e, rtol=rtol, atol=atol))
    if isinstance(value, numbers.Real) and isinstance(expected, numbers.Real):
        if rtol == 0 and atol == 0:
            return value == expected
        return math.isclose(float(value), float(expected), rel_tol=rtol, abs_tol=atol)
    return bool(value == expected)


def claim(statement: str, value: Any, expected: Any = True, *, rtol: float = 0.0, atol: float = 0.0,
          source: str = "", show: bool = True) -> None:
    """Check that a computed ``value`` equals the ``expected`` one and show it.

    Parameters
    ----------
    statement : str
        The sentence of the book this number supports.
    value : number, bool, tuple or array
        What the code computed.
    expected : number, bool, tuple or array
        What the book states (default ``True``, for a computed condition).
    rtol, atol : float
        Relative and absolute tolerance (0 means exact equality).
    source : str
        Where the statement comes from, e.g. ``"CLAIMS A1; seed 001"``.
    show : bool
        Display the check (in Jupyter, as HTML with an anchor).

    Returns
    -------
    None
        The checked claim is displayed and appended to :data:`REGISTRY`.

    Raises
    ------
    ClaimError
        If ``value`` does not match ``expected``.

    Examples
    --------
    A valid convolution of 28 inputs with a 5-tap kernel has 28 - 5 + 1 = 24 outputs:

    >>> claim("24 outputs", 28 - 5 + 1, 24)
    ✓ 24 outputs: 24 (stated: 24)
    >>> claim("a third", 1 / 3, 0.333, rtol=0.01)
    ✓ a third: 0.333333 (stated: 0.333, ±0.01 relative)
    >>> claim("24 outputs", 28 - 5, 24)
    Traceback (most recent call last):
    ...
    convbook.claims.ClaimError: ✗ 24 outputs: computed 23 but the book states 24 exactly
    """
    if not isinstance(statement, str) or not statement:
        raise TypeError(f"claim: statement must be a non-empty str; got {statement!r}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"claim: rtol and atol must be >= 0; got rtol={rtol}, atol={atol}")
    if not _matches(value, expected, rtol, atol):
        tol = f" within rtol={rtol}, atol={atol}" if (rtol or atol) else " exactly"
        raise ClaimError(
            f"✗ {statement}: computed {format_value(value)} but the book states "
            f"{format_value(expected)}{tol}" + (f" [{source}]" if source else "")
        )
    tol = ""
    if rtol:
        tol += f", ±{rtol:.2g} relative"
    if atol:
        tol += f", ±{atol:.2g}"
    base = _slug(statement)
    anchor, k = base, 2
    taken = {c.anchor for c in REGISTRY}
    while anchor in taken:
        anchor, k = f"{base}-{k}", k + 1
    c = Claim(statement, value, expected, tol, source, anchor)
    REGISTRY.append(c)
    if show:
        try:
            from IPython import get_ipython
            from IPython.display import display

            if get_ipython() is not None:
                display(c)
                return
        except ImportError:  # pragma: no cover
            pass
        print(repr(c))
