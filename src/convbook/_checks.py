"""Argument checking shared by every public function (private module).

Every message names the function, the argument, what is allowed and what was
received, so that a reader sees the mistake without reading a traceback into
numpy.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

__all__: list[str] = []


def as_array(func: str, name: str, value: Any, ndim: int | None = None,
             layout: str = "", allow_object: bool = False) -> np.ndarray:
    """Return ``value`` as a real numeric ndarray or raise a clear error."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - numpy refuses ragged input
        raise TypeError(f"{func}: {name} must be array-like; got {type(value).__name__}") from exc
    kind = arr.dtype.kind
    if kind == "O" and allow_object:
        pass
    elif kind not in "biuf":
        raise TypeError(
            f"{func}: {name} must be a real numeric array (bool, int or float); "
            f"got dtype {arr.dtype} with shape {arr.shape}"
        )
    if ndim is not None and arr.ndim != ndim:
        what = f" {layout}" if layout else ""
        raise ValueError(
            f"{func}: {name} must be {ndim}-D{what}; got {arr.ndim}-D array with shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{func}: {name} must not be empty; got shape {arr.shape}")
    return arr


def float_dtype(*dtypes: Any) -> np.dtype:
    """The dtype the library computes in, for inputs of ``dtypes``: the one dtype rule.

    Integers and bools become float64 (every int8, uint16, int32 and int64
    value is exact there, and sums of them stay exact up to 2**53); float16
    becomes float32; float32 stays float32 and float64 stays float64; mixed
    inputs take numpy's ``result_type`` of those (float32 with float64 is
    float64).
    """
    promoted = [np.float64 if np.dtype(d).kind in "biu" else np.dtype(d) for d in dtypes]
    return np.result_type(*promoted, np.float32)


def as_computed(*arrays: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """``arrays`` cast to their :func:`float_dtype` (``None`` kept), or unchanged if any holds objects.

    Objects are the counting numbers of ``convbook.count_ops``; they must
    reach the loops as they are.
    """
    present = [a for a in arrays if a is not None]
    if any(a.dtype == object for a in present):
        return cast(tuple[np.ndarray, ...], arrays)
    dtype = float_dtype(*(a.dtype for a in present))
    return cast(tuple[np.ndarray, ...], tuple(None if a is None else a.astype(dtype, copy=False) for a in arrays))


def as_int(func: str, name: str, value: Any, minimum: int) -> int:
    """Return ``value`` as a Python int >= ``minimum`` or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int >= {minimum}; got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be an int >= {minimum}; got {value}")
    return int(value)


def as_real(func: str, name: str, value: Any, *, positive: bool = False) -> float:
    """Return ``value`` as a finite float (> 0 if ``positive``) or raise; bools and strings are refused."""
    allowed = "a finite number" + (" > 0" if positive else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be {allowed}; got {value!r} ({type(value).__name__})")
    v = float(value)
    if not np.isfinite(v) or (positive and not v > 0):
        raise ValueError(f"{func}: {name} must be {allowed}; got {value!r}")
    return v


def as_shift(func: str, name: str, value: Any) -> int:
    """Return ``value`` as a Python int of any sign (a whole number of positions) or raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be a whole number of positions (an int); "
                        f"got {value!r} ({type(value).__name__})")
    return int(value)


def as_pair(func: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    """Return an int or a pair of ints as a pair, each >= ``minimum``."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(
                f"{func}: {name} must be an int >= {minimum} or a pair of them; got {value!r} (length {len(value)})"
            )
        return (as_int(func, name, value[0], minimum), as_int(func, name, value[1], minimum))
    try:
        v = as_int(func, name, value, minimum)
    except TypeError:
        raise TypeError(
            f"{func}: {name} must be an int >= {minimum} or a pair of them; got {value!r} ({type(value).__name__})"
        ) from None
    except ValueError:
        raise ValueError(f"{func}: {name} must be an int >= {minimum} or a pair of them; got {value!r}") from None
    return (v, v)


def as_bool(func: str, name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is one (Python or numpy), or raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def as_mode(func: str, value: Any, allowed: Sequence[str] = ("valid", "same", "full")) -> Any:
    """Return a mode string if it is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{func}: mode must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value
