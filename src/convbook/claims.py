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
    """A computed value disagrees with what the book states."""


@dataclass(frozen=True)
class Claim:
    """One checked statement, as displayed in the notebook."""

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
    """Format a number the way the book prints it (thousands separators)."""
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


def _matches(value: Any, expected: Any, rel: float, abs_: float) -> bool:
    if isinstance(expected, (bool, np.bool_)) or isinstance(value, (bool, np.bool_)):
        return bool(value) == bool(expected)
    if isinstance(expected, (str, tuple)):
        return value == expected
    if isinstance(value, np.ndarray) or isinstance(expected, np.ndarray):
        v, e = np.asarray(value), np.asarray(expected)
        return v.shape == e.shape and bool(np.allclose(v, e, rtol=rel, atol=abs_))
    if isinstance(value, numbers.Number) and isinstance(expected, numbers.Number):
        if rel == 0 and abs_ == 0:
            return value == expected
        return math.isclose(float(value), float(expected), rel_tol=rel, abs_tol=abs_)
    return bool(value == expected)


def claim(statement: str, value: Any, expected: Any = True, *, rel: float = 0.0, abs: float = 0.0,
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
    rel, abs : float
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
    """
    if not isinstance(statement, str) or not statement:
        raise TypeError(f"claim: statement must be a non-empty str; got {statement!r}")
    if rel < 0 or abs < 0:
        raise ValueError(f"claim: rel and abs must be >= 0; got rel={rel}, abs={abs}")
    if not _matches(value, expected, rel, abs):
        tol = f" within rel={rel}, abs={abs}" if (rel or abs) else " exactly"
        raise ClaimError(
            f"✗ {statement}: computed {format_value(value)} but the book states "
            f"{format_value(expected)}{tol}" + (f" [{source}]" if source else "")
        )
    tol = ""
    if rel:
        tol += f", ±{rel:.2g} relative"
    if abs:
        tol += f", ±{abs:.2g}"
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
