"""Every exercise checker answers ANY value with feedback and never accepts a wrong answer.

The checkers are found programmatically (the ``check_*`` names in the ``__all__`` of
``convbook.exercises`` and of each of its chapter modules), so a new checker is
exercised automatically; its right answer (and any arguments it needs besides the
answer) go into ``CASES`` below.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import warnings
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convbook.exercises as exercises
from convbook import conv2d as _conv2d
from convbook.exercises import Feedback, check_array, check_number
from convbook.exercises import convolution as conv_ex
from convbook.exercises import equivariance as eq_ex
from convbook.exercises import parameter_sharing as ps_ex
from convbook.exercises import pooling as pool_ex
from convbook.exercises import sparse_interactions as sparse_ex

# --- the checkers ---------------------------------------------------------------------------------


def _discover() -> dict[str, Any]:
    modules = [exercises] + [importlib.import_module(f"{exercises.__name__}.{m.name}")
                             for m in pkgutil.iter_modules(exercises.__path__)]
    found = {}
    for module in modules:
        short = module.__name__[len(exercises.__name__) + 1:]
        for name in module.__all__:
            if name.startswith("check_"):
                found[f"{short}.{name}" if short else name] = getattr(module, name)
    return found


CHECKERS = _discover()


def _edge_pairs():
    image = np.random.default_rng(1).random((4, 5))
    return image, image[:, 1:] - image[:, :-1]


def _full_convolution(g: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The input gradient of a valid cross-correlation, by scattering (independent of the library)."""
    out = np.zeros((g.shape[0] + w.shape[0] - 1, g.shape[1] + w.shape[1] - 1))
    for i, j in np.ndindex(g.shape):
        out[i:i + w.shape[0], j:j + w.shape[1]] += g[i, j] * w
    return out


def _max_pool_grad(x: np.ndarray, g: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(x)
    for i, j in np.ndindex(g.shape):
        win = x[i:i + k, j:j + k]
        a, b = np.unravel_index(np.argmax(win), win.shape)
        out[i + a, j + b] += g[i, j]
    return out


_rng = np.random.default_rng(0)
_X, _W, _G = _rng.normal(size=(4, 5)), _rng.normal(size=(2, 2)), _rng.normal(size=(3, 4))
_IMAGE, _EDGES = _edge_pairs()
_POOL_X = np.arange(48.0).reshape(6, 8)
_GRAD_X = np.array([[1.0, 2.0, 0.0], [0.0, 9.0, 3.0], [2.0, 1.0, 4.0]])
_GRAD_G = np.array([[1.0, 2.0], [3.0, 4.0]])
_K3 = np.array([1.0, 2.0, 3.0])
_LAYERS = [(5, 2, 1), (3, 1, 2), (2, 2, 1), (3, 1, 1)]
_E = np.arange(6.0).reshape(2, 3)

#: checker -> (the arguments besides the answer, the right answer); right answers are worked out
#: here by hand or by numpy, independently of the checker.
CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "check_number": ({"expected": 16}, 16),
    "check_array": ({"expected": _E}, _E),
    "convolution.check_mode_sizes": ({}, (28 - 5 + 1, 28, 28 + 5 - 1)),
    "convolution.check_toeplitz": ({"k": list(_K3), "n": 5},
                                   np.array([[1, 2, 3, 0, 0], [0, 1, 2, 3, 0], [0, 0, 1, 2, 3]], float)),
    "convolution.check_input_gradient": ({"x": _X, "w": _W, "g": _G}, _full_convolution(_G, _W)),
    "convolution.check_bias_count": ({}, 16),
    "convolution.check_find_kernel": (dict(zip(("x", "y"), conv_ex.find_kernel_pair())),
                                      np.array([[1.0, -1.0], [0.5, 0.0]])),
    "sparse_interactions.check_receptive_field": ({"layers": _LAYERS}, 1 + 4 * 1 + 2 * 2 * 2 + 1 * 2 + 2 * 4),
    "sparse_interactions.check_outputs_reached": ({}, 4 * 3 + 1),
    "sparse_interactions.check_local_params": ({}, 8 * 14 * 14 * 3 * 3 * 3),
    "parameter_sharing.check_horizontal_edge_flops": ({}, 279 * 320 * 3),
    "parameter_sharing.check_sobel_nnz": ({}, 6 * 278 * 318),
    "parameter_sharing.check_sobel_flops": ({}, 2 * 278 * 318 * 17),
    "parameter_sharing.check_edge_image": ({"image": _IMAGE}, _EDGES),
    "equivariance.check_clean_border": ({}, 6),
    "equivariance.check_stride_shifts": ({}, [4, 8, 12]),
    "equivariance.check_circulant_spectrum": ({"k": _K3, "n": 8},
                                              np.conj(np.fft.fft(np.roll(np.pad(_K3, (0, 5)), -1)))),
    "pooling.check_ceil_size": ({}, 56),
    "variants.check_tiled_params": ({}, 3 * 3 * (32 * 16 * 5 * 5 + 32)),
    "neuroscience.check_gabor_match": ({}, (math.pi / 2, 6.0, math.pi / 2)),  # (tau, period, phi)
    "neuroscience.check_complex_response": ({}, 50.0),  # sqrt(30² + 40²)
    "variants.check_rates": ({}, (1, 3, 9)),
    "efficient.check_winograd_multiplies": ({}, 67_108_864),
    "efficient.check_ranks": ({}, (1, 2, 2)),
    "efficient.check_crossover": ({}, 5),
    "structured_outputs.check_dense_to_conv": ({"weight": np.arange(72.0).reshape(4, 18), "input_shape": (2, 3, 3)},
                                               np.arange(72.0).reshape(4, 2, 3, 3)),
    "structured_outputs.check_grid_size": ({}, (17, 25)),
    "structured_outputs.check_aligned_offsets": ({}, [0, 4, 8, 12]),
    "priors.check_sharing_saving": ({}, 12 * 12 * 25 - 25),
    "priors.check_failing_model": ({}, 3),
    "priors.check_mask": ({}, np.array([[1.0 if (r - i) in (0, 1) and (c - j) in (0, 1) else 0.0
                                         for r in range(3) for c in range(4)] for i in range(2) for j in range(3)])),
    "pooling.check_vgg_positions": ({}, 10 * 10),
    "pooling.check_avg_pool": ({"x": _POOL_X}, _POOL_X.reshape(3, 2, 4, 2).mean(axis=(1, 3))),
    "pooling.check_max_pool_grad": ({"x": _GRAD_X, "grad": _GRAD_G}, _max_pool_grad(_GRAD_X, _GRAD_G, 2)),
}


# --- checkers whose answer is a function the reader writes ---------------------------------------------


def _field(layers):
    """The receptive field of a stack, written out (the right answer of check_field_function)."""
    size, jump = 1, 1
    for k, s, d in layers:
        size += (k - 1) * d * jump
        jump *= s
    return size


def _matrix(k, n):
    """The (n - len(k) + 1) × n matrix of a valid 1-D cross-correlation with k (check_conv1d_matrix)."""
    k = np.asarray(k, float)
    m = np.zeros((n - len(k) + 1, n))
    for i in range(m.shape[0]):
        m[i, i:i + len(k)] = k
    return m


def _raises(*args):
    raise RuntimeError("a reader's bug")


def _corr2d(x, k):
    """Valid 2-D cross-correlation by loops (check_corr2d)."""
    x, k = np.asarray(x, float), np.asarray(k, float)
    out = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))
    for i, j in np.ndindex(out.shape):
        out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)
    return out


def _pooled_size(n, k, s, p, ceil):
    """torch's pooled size, ceil mode's rule included (check_pooled_size)."""
    span = n + 2 * p - k
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1  # the last window would start in the right padding
    return out


def _tiled(x, weight):
    """Tiled convolution: output (i, j) from kernel (i mod t_h, j mod t_w) (check_tiled_conv)."""
    th, tw = weight.shape[:2]
    out = None
    for a in range(th):
        for b in range(tw):
            y = _conv2d(x, weight[a, b])
            out = np.zeros_like(y) if out is None else out
            out[..., a::th, b::tw] = y[..., a::th, b::tw]
    return out


def _error_columns(dx, kernel_width, width):
    """Where the zero-padding equivariance error lives: two strips of width r (check_error_columns)."""
    r, d = kernel_width // 2, abs(dx)
    cols = set(range(max(d - r, 0), d)) | set(range(width - r, width))
    return sorted(width - 1 - c for c in cols) if dx < 0 else sorted(cols)


#: checker -> (a right function, wrong functions): each wrong one must be refused, with a message.
FUNCTION_CASES: dict[str, tuple[Any, list[Any]]] = {
    "sparse_interactions.check_field_function": (_field, [
        lambda layers: 1 + sum((k - 1) * d for k, s, d in layers),  # strides ignored
        lambda layers: _field([(k, s, 1) for k, s, d in layers]),  # dilations ignored
        lambda layers: _field(layers) + 1, lambda layers: float(_field(layers)) + 0.5, lambda layers: None,
        lambda layers: str(_field(layers)), _raises, lambda: 1]),
    "parameter_sharing.check_conv1d_matrix": (_matrix, [
        lambda k, n: _matrix(np.asarray(k)[::-1], n),  # flipped: a true convolution
        lambda k, n: _matrix(k, n).T, lambda k, n: _matrix(k, n)[:-1], lambda k, n: 2 * _matrix(k, n),
        lambda k, n: None, lambda k, n: "matrix", _raises, lambda k: _matrix(k, 5),
        lambda k, n: np.full_like(_matrix(k, n), np.nan)]),
    "convolution.check_corr2d": (_corr2d, [
        lambda x, k: _corr2d(x, np.asarray(k)[::-1, ::-1]),  # flipped: a true convolution
        lambda x, k: _corr2d(x, k)[:-1], lambda x, k: _corr2d(x, k).T, lambda x, k: _corr2d(x, k).tolist()[:1],
        lambda x, k: None, lambda x, k: "out", _raises, lambda x: x, lambda x, k: _corr2d(x, k) + 1]),
    "equivariance.check_error_columns": (_error_columns, [
        lambda dx, kw, w: list(range(w - kw // 2, w)),  # one strip only
        lambda dx, kw, w: sorted(set(range(abs(dx))) | set(range(w - kw // 2, w))),  # the whole vacated band
        lambda dx, kw, w: _error_columns(abs(dx), kw, w),  # a left shift not mirrored
        lambda dx, kw, w: None, lambda dx, kw, w: "5, 6", _raises, lambda dx: [],
        lambda dx, kw, w: [float(c) + 0.5 for c in _error_columns(dx, kw, w)]]),
    "variants.check_tiled_conv": (_tiled, [
        lambda x, w: _conv2d(x, w[0, 0]), lambda x, w: _tiled(x, w.transpose(1, 0, 2, 3, 4, 5)),
        lambda x, w: _tiled(x, w)[..., 1:], lambda x, w: _tiled(x, w) + 1, lambda x, w: None, lambda x, w: "y",
        _raises, lambda x: 1]),
    "pooling.check_pooled_size": (_pooled_size, [
        lambda n, k, s, p, c: (-(-(n + 2 * p - k) // s) if c else (n + 2 * p - k) // s) + 1,  # no last-window rule
        lambda n, k, s, p, c: (n + 2 * p - k) // s + 1,  # floor only
        lambda n, k, s, p, c: _pooled_size(n, k, s, 0, c),  # padding ignored
        lambda n, k, s, p, c: None, lambda n, k, s, p, c: "3", _raises, lambda n: 1,
        lambda n, k, s, p, c: _pooled_size(n, k, s, p, c) + 0.5]),
}


@pytest.mark.parametrize("key", sorted(FUNCTION_CASES))
def test_a_function_answer_is_tested_on_cases_and_only_the_right_function_passes(key):
    right, wrongs = FUNCTION_CASES[key]
    fb = CHECKERS[key](right)
    assert isinstance(fb, Feedback) and fb.ok and fb.message, f"{key} refused the right function: {fb}"
    for wrong in wrongs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fb = CHECKERS[key](wrong)
        assert isinstance(fb, Feedback) and not fb.ok and fb.message.strip(), f"{key} accepted a wrong function"


@pytest.mark.parametrize("key", sorted(FUNCTION_CASES))
def test_a_function_checker_answers_any_value(key):
    @settings(max_examples=40)
    @given(st.one_of(_nested, st.from_type(object)))
    def run(value):
        fb = CHECKERS[key](value)
        assert isinstance(fb, Feedback) and fb.message.strip()
        assert not fb.ok or callable(value), f"{key} accepted {value!r}"

    run()
    assert CHECKERS[key](None).message.startswith("no answer yet")


VALUE_CHECKERS = sorted(set(CHECKERS) - set(FUNCTION_CASES))


def _arguments(key: str) -> dict[str, Any]:
    """The arguments besides the answer: from CASES, else the checker's defaults."""
    if key in CASES:
        return CASES[key][0]
    params = list(inspect.signature(CHECKERS[key]).parameters.values())[1:]
    missing = [p.name for p in params if p.default is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert not missing, f"{key} needs {missing}: give them in CASES in tests/test_checkers.py"
    return {}


def test_the_checkers_are_found_and_all_have_a_right_answer():
    assert len(CHECKERS) >= 20 and "convolution.check_mode_sizes" in CHECKERS
    missing = sorted(set(CHECKERS) - set(CASES) - set(FUNCTION_CASES))
    assert not missing, (f"add the arguments and the right answer of {missing} to CASES (or, for a function "
                         "answer, to FUNCTION_CASES) in tests/test_checkers.py")
    assert not (set(CASES) | set(FUNCTION_CASES)) - set(CHECKERS), "CASES names a checker that no longer exists"


# --- what counts as the right answer ----------------------------------------------------------------

_REAL_SCALARS = (int, float, Fraction, Decimal, np.integer, np.floating)


def _is_real_number(value: Any) -> bool:
    """A finite real number of one of the accepted types (not bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL_SCALARS):
        return False
    if isinstance(value, (int, np.integer, Fraction)):
        return True
    return value.is_finite() if isinstance(value, Decimal) else bool(np.isfinite(value))


def _equals_number(value: Any, right: Any) -> bool:
    """Exactly, for a whole-number answer; within rounding (as for arrays) where the right answer is a float."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not _is_real_number(value):
        return False
    if isinstance(right, float):
        try:
            return bool(np.isclose(float(value), right, rtol=1e-6, atol=1e-8))
        except OverflowError:
            return False
    return bool(value == right)


def _equals_array(value: Any, right: np.ndarray) -> bool:
    if isinstance(value, (str, bytes, dict, set, frozenset)):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = np.asarray(value)
            kinds = "iufc" if np.iscomplexobj(right) else "iuf"
            if a.dtype.kind == "O":
                complex_ok = (complex, np.complexfloating) if np.iscomplexobj(right) else ()
                if not all(isinstance(v, complex_ok) or _is_real_number(v) for v in a.flat):
                    return False
            elif a.dtype.kind not in kinds:
                return False
            a = a.astype(right.dtype)
            return a.shape == right.shape and bool(np.allclose(a, right, rtol=1e-6, atol=1e-8))
    except Exception:
        return False


def _is_right(value: Any, right: Any) -> bool:
    if isinstance(right, np.ndarray):
        return _equals_array(value, right)
    if isinstance(right, tuple):
        return (isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1 and len(value) == len(right)
                and all(_equals_number(v, r) for v, r in zip(value, right)))
    if isinstance(right, list):
        if not isinstance(value, (list, tuple, set, frozenset, range, np.ndarray)) or (
                isinstance(value, np.ndarray) and value.ndim != 1):
            return False
        items = list(value)
        return len(items) == len(right) and all(any(_equals_number(v, r) for v in items) for r in right)
    return _equals_number(value, right)


# --- arbitrary values -------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.binary(max_size=6), st.fractions(), st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(-(2**63), 2**63 - 1).map(np.int64), st.floats(width=32).map(np.float32),
    st.floats().map(np.float64), st.complex_numbers().map(np.complex128), st.booleans().map(np.bool_),
    st.sampled_from([Decimal("sNaN"), Decimal("-Infinity"), Decimal("1E+100000"), Decimal("1E-100000"),
                     10**400, -(10**400), Fraction(10**400, 3), float("nan"), -0.0, 1e308, 5e-324]),
)

_nested = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.tuples(children, children, children),
        st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), children, max_size=3),
        st.frozensets(st.one_of(st.integers(), st.text(max_size=3)), max_size=4),
        st.lists(st.lists(children, max_size=3), max_size=3),  # ragged more often than not
    ),
    max_leaves=10,
)

_dtypes = st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(), hnp.floating_dtypes(),
                    hnp.complex_number_dtypes(), hnp.boolean_dtypes(), hnp.unicode_string_dtypes(max_len=3),
                    hnp.byte_string_dtypes(max_len=3), hnp.datetime64_dtypes())


def _arrays(shapes: list[tuple[int, ...]]):
    return hnp.arrays(_dtypes, st.sampled_from(shapes))


def _near_misses(right: Any) -> list[Any]:
    """The right answer in several spellings, and values close to it (most wrong)."""
    if isinstance(right, np.ndarray):
        r = right
        single = np.complex64 if np.iscomplexobj(r) else np.float32
        misses = [r, r.tolist(), r.astype(single), r + 1e-3, -r, 2 * r, r.T, r[::-1], r[..., :-1],
                  r.astype(complex), r + 0j if np.iscomplexobj(r) else r.astype(str), np.zeros_like(r),
                  np.where(np.arange(r.size).reshape(r.shape) == 0, np.nan, r), r.tolist()[:-1],
                  [list(row)[:-1] if i == 0 else list(row) for i, row in enumerate(np.atleast_2d(r))],
                  r.astype(object), np.array([Fraction(1, 3)] * r.size, dtype=object).reshape(r.shape)]
        if np.iscomplexobj(r):
            misses += [np.conj(r), r.real, r.imag]
        return misses
    if isinstance(right, (tuple, list)):
        r = list(right)
        misses = [right, tuple(r), np.array(r), np.array(r, float), r[::-1], r[:-1], r + [r[-1]],
                  [x + 0.9 for x in r], [x + 0.5 for x in r], [str(x) for x in r], "".join(map(str, r)),
                  {x: 0 for x in r}, [r], [[x] for x in r], [Fraction(x) for x in r], [Decimal(x) for x in r],
                  [-x for x in r], [x + 1 for x in r], set(r), [np.nan] * len(r), [x + 0j for x in r], r[:1]]
        return misses
    r = right
    return [r, float(r), r + 1, r - 1, -r, 2 * r, r / 2, r + 0.5, r + 1e-9, r - 1e-12, Fraction(r),
            Fraction(2 * Fraction(r) + 1, 2), Decimal(r), Decimal(r) + Decimal("0.1"), str(r), [r], (r,), {r: r},
            np.int64(r), np.float32(r), np.array(r), np.array([r]), complex(r), complex(r, 1), np.complex64(r),
            True, 10**400 + Fraction(r), -(10**400), Fraction(10**400 + 1, 10**400), float("inf"), float("nan")]


def _perturbed(right: Any):
    """The right answer with one entry (or the number itself) moved by an arbitrary amount."""
    deltas = st.one_of(st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True),
                       st.floats(-1e-6, 1e-6), st.fractions(max_denominator=10))
    if isinstance(right, np.ndarray):
        def move(args):
            i, d = args
            out = right.copy()
            out.flat[i] += complex(d) if np.iscomplexobj(out) else float(d)
            return out
        return st.tuples(st.integers(0, right.size - 1), deltas).map(move)
    if isinstance(right, (tuple, list)):
        def move_entry(args):
            i, d = args
            out = list(right)
            out[i] += d
            return type(right)(out)
        return st.tuples(st.integers(0, len(right) - 1), deltas).map(move_entry)
    return deltas.map(lambda d: right + d)


def _shapes(right: Any) -> list[tuple[int, ...]]:
    if isinstance(right, np.ndarray):
        return [right.shape, right.shape[::-1], (right.size,), ()]
    if isinstance(right, (tuple, list)):
        return [(len(right),), (len(right) - 1,), (1, len(right)), ()]
    return [(), (1,), (3,)]


#: families of arbitrary values, each run as its own property test
FAMILIES = {
    "nested": lambda right: _nested,
    "objects": lambda right: st.from_type(object),
    "arrays": lambda right: _arrays(_shapes(right)),
    "perturbed": _perturbed,
}


def _call(key: str, value: Any) -> Feedback:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker should not even warn, whatever the answer
        return CHECKERS[key](value, **_arguments(key))


def _junk_is_refused(value: Any) -> bool:
    """For a checker without a known right answer: values that are never right answers."""
    return value is None or isinstance(value, (bool, str, bytes, dict, complex)) or (
        isinstance(value, float) and not math.isfinite(value))


def _assert_fair(key: str, value: Any) -> None:
    """(1) a Feedback with a message comes back, (2) nothing is raised, (3) it is ok only for the right answer."""
    fb = _call(key, value)
    assert isinstance(fb, Feedback), f"{key}({value!r}) returned {fb!r}"
    assert isinstance(fb.message, str) and fb.message.strip()
    if key in CASES:
        assert not fb.ok or _is_right(value, CASES[key][1]), f"{key} accepted the wrong answer {value!r}: {fb}"
    else:
        assert not (fb.ok and _junk_is_refused(value)), f"{key} accepted {value!r}"


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("key", VALUE_CHECKERS)
def test_any_value_gets_feedback_and_only_the_right_answer_passes(key, family):
    if key not in CASES and family in ("arrays", "perturbed"):
        family = "nested"  # without a known right answer: arbitrary values only
    right = CASES[key][1] if key in CASES else 0

    @settings(max_examples=40)
    @given(FAMILIES[family](right))
    def run(value):
        _assert_fair(key, value)

    run()


@pytest.mark.parametrize("key", sorted(CASES))
def test_near_misses_are_refused(key):
    for value in _near_misses(CASES[key][1]):
        _assert_fair(key, value)


@pytest.mark.parametrize("key", sorted(CASES))
def test_the_right_answer_passes_in_every_spelling(key):
    right = CASES[key][1]
    spellings = [v for v in _near_misses(right) if _is_right(v, right)]
    assert len(spellings) >= 3
    for value in spellings:
        fb = _call(key, value)
        assert fb, f"{key} refused the right answer {value!r}: {fb}"
        assert fb.message


@pytest.mark.parametrize("key", sorted(CASES))
def test_no_answer_yet(key):
    fb = _call(key, None)
    assert not fb and fb.message.startswith("no answer yet")


# --- the cases found by the hostile tester -----------------------------------------------------------


def test_all_zero_expected_array_does_not_divide_by_zero():
    image = np.full((4, 5), 0.7)  # constant: the edge image is all zeros
    assert ps_ex.check_edge_image(np.zeros((4, 4)), image)
    fb = ps_ex.check_edge_image(np.ones((4, 4)), image)
    assert not fb and "differs at 16 of 16" in fb.message
    assert pool_ex.check_avg_pool(np.zeros((3, 4)), np.zeros((6, 8)))
    assert not pool_ex.check_avg_pool(np.full((3, 4), 2.0), np.zeros((6, 8)))
    zero_g = np.zeros((3, 4))
    assert conv_ex.check_input_gradient(np.zeros((4, 5)), _X, _W, zero_g)
    assert not conv_ex.check_input_gradient(np.ones((4, 5)), _X, _W, zero_g)
    assert pool_ex.check_max_pool_grad(np.zeros((3, 3)), _GRAD_X, np.zeros((2, 2)))
    assert not pool_ex.check_max_pool_grad(np.eye(3), _GRAD_X, np.zeros((2, 2)))
    assert check_array([1e-300, 0.0], np.zeros(2))  # within atol
    assert not check_array([1.0, 0.0], np.zeros(2)) and not check_array([-1.0, 0.0], np.zeros(2))


@pytest.mark.parametrize("answer", [[[1, 2, 3, 0, 0], [0, 1, 2]], [[1, 2], [3]], [1, [2, 3]], np.array([["a"] * 5] * 3),
                                    [["1", "2", "3", "0", "0"]] * 3])
def test_ragged_and_text_arrays_get_a_message(answer):
    for fb in (conv_ex.check_toeplitz(answer, _K3, 5), conv_ex.check_input_gradient(answer, _X, _W, _G),
               pool_ex.check_max_pool_grad(answer, _GRAD_X, _GRAD_G), check_array(answer, _E)):
        assert not fb and "should be a numeric array" in fb.message
    ragged = conv_ex.check_toeplitz([[1, 2, 3, 0, 0], [0, 1, 2]], _K3, 5)
    assert "ragged" in ragged.message


def test_huge_infinite_and_fractional_numbers():
    fb = conv_ex.check_bias_count(10**400)
    assert not fb and "far too high" in fb.message
    assert not check_number(-(10**400), 16)
    assert "far too low" in check_number(Fraction(1, 10**400), 16.0).message
    assert "infinite" in conv_ex.check_bias_count(float("inf")).message
    assert "infinite" in conv_ex.check_bias_count(-np.inf).message
    assert "nan" in conv_ex.check_bias_count(float("nan")).message and "%" not in check_number(np.nan, 5).message
    assert conv_ex.check_bias_count(Fraction(16))
    assert conv_ex.check_bias_count(Decimal("16.000")) and conv_ex.check_bias_count(np.float32(16))
    assert conv_ex.check_bias_count(np.array(16)) and conv_ex.check_bias_count(np.uint8(16))
    assert "whole number" in conv_ex.check_bias_count(Fraction(33, 2)).message
    assert check_number(Fraction(10**400 + 1, 10**400), Fraction(10**400 + 1, 10**400))
    assert not check_number(10**400 + 1, 10**400)
    assert check_number(10**400, 10**400)
    for special in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("1E+100000")):
        assert not conv_ex.check_bias_count(special)


def test_integer_answers_must_be_whole_numbers():
    fb = conv_ex.check_mode_sizes((24.9, 28.9, 32.9))
    assert not fb and "valid = 24.9, same = 28.9 and full = 32.9 are not whole numbers" in fb.message
    assert conv_ex.check_mode_sizes((24.0, 28.0, 32.0)) and conv_ex.check_mode_sizes(np.array([24, 28, 32]))
    for value in ("242832", "24, 28, 32", {24: 0, 28: 1, 32: 2}, {24, 28, 32}, ("24", "28", "32"), b"\x18\x1c\x20"):
        assert not conv_ex.check_mode_sizes(value), value
    for checker in (eq_ex.check_stride_shifts,):
        for value in ([4.9, 8.5, 12.1], [4.5, 8, 12], "4812", {4: 0, 8: 0, 12: 0}, ["4", "8", "12"], [4, 8, 12, 12]):
            assert not checker(value), value
        assert "not whole numbers" in checker([4.9, 8.5, 12.1]).message
        assert checker((12, 4, 8)) and checker({4, 8, 12}) and checker(np.array([4.0, 8.0, 12.0]))
    fb = conv_ex.check_bias_count(16.5)
    assert not fb and "should be a whole number; got 16.5" in fb.message
    for value in ("16", b"16", {16: 16}, [16], True, np.bool_(True)):
        fb = conv_ex.check_bias_count(value)
        assert not fb and "should be a" in fb.message, value
    assert "drop the quotes" in conv_ex.check_bias_count("16").message
    assert "whole number" in sparse_ex.check_outputs_reached(13.000000001).message
    assert not pool_ex.check_ceil_size(55.9) and not pool_ex.check_vgg_positions(100.2)


def test_complex_answers_are_refused_with_a_message():
    fb = check_array(_E + 0j, _E)
    assert not fb and "complex" in fb.message
    assert not check_array(_E + 1j, _E) and not check_array(_E.astype(np.complex64), _E)
    assert "complex" in check_array(_E.astype(object) + 0j, _E).message
    fb = conv_ex.check_bias_count(16 + 0j)
    assert not fb and "complex" in fb.message
    assert not check_number(np.complex128(5), 5) and not conv_ex.check_mode_sizes((24 + 0j, 28, 32))
    # ... except where the answer is complex: the spectrum of a circulant matrix
    right = CASES["equivariance.check_circulant_spectrum"][1]
    assert eq_ex.check_circulant_spectrum(right, _K3, 8) and eq_ex.check_circulant_spectrum(list(right), _K3, 8)


def test_nan_and_inf_in_arrays_get_a_message():
    bad = _E.copy()
    bad[1, 2] = np.nan
    fb = check_array(bad, _E)
    assert not fb and "nan at index (1, 2)" in fb.message
    bad[0, 0] = np.inf
    assert "not finite" in check_array(bad, _E).message
    assert "finite" in check_array([[0, 1, 2], [3, 4, Decimal("NaN")]], _E).message
    assert "too large" in check_array([[0, 1, 2], [3, 4, 10**400]], _E).message
    with np.errstate(over="ignore"):
        assert not check_array(_E * 1e308, _E)


def test_object_arrays_and_other_non_numbers():
    assert check_array([[0, 1, Fraction(2)], [3, Decimal(4), np.float32(5)]], _E)
    for value in ([[0, 1, 2], [3, 4, None]], [[0, 1, 2], [3, 4, {}]], {}, {1, 2}, object(), _E > 2,
                  np.array(["2020-01-01"] * 6, dtype="datetime64[D]").reshape(2, 3), "012345"):
        fb = check_array(value, _E)
        assert not fb and "should be a numeric array" in fb.message, value
    assert "single number" in check_array(5, _E).message


def test_percentages_only_where_they_mean_something():
    fb = check_number(16.000000001, 16.0)
    assert not fb and "close but not exact" in fb.message and "0.0%" not in fb.message
    assert "expected precision: exact" in fb.message
    assert "within 1e-12 relative" in check_number(16.000000001, 16.0, rel=1e-12).message
    assert check_number(16.000000001, 16.0, rel=1e-9)
    fb = ps_ex.check_sobel_nnz(6 * 278 * 318 + 1)
    assert not fb and "close but not exact" in fb.message and "count must be exact" in fb.message
    fb = check_number(-1, 5)
    assert not fb and "negative" in fb.message and "%" not in fb.message
    fb = check_number(3, -5)
    assert "positive" in fb.message and "%" not in fb.message
    assert "negative" in conv_ex.check_bias_count(-16).message
    assert "nan%" not in check_number(float("nan"), 5).message
    assert "too high" in check_number(6, 5).message and "20.0%" in check_number(6, 5).message
    assert "times the right value" in check_number(1, 530_424).message


def test_sequences_need_the_right_length_and_name_the_wrong_entries():
    for value in ((24,), (), (24, 28), (24, 28, 32, 0)):
        fb = conv_ex.check_mode_sizes(value)
        assert not fb and "three whole numbers" in fb.message and "wrong for :" not in fb.message
    fb = conv_ex.check_mode_sizes((24, 28, 33))
    assert fb.message.startswith("wrong for full:")
    assert conv_ex.check_mode_sizes((24, 27, 33)).message.startswith("wrong for same and full:")
    assert "valid" in conv_ex.check_mode_sizes((23, 28, 32)).message
    assert "order" in conv_ex.check_mode_sizes((32, 28, 24)).message
    assert "negative" in conv_ex.check_mode_sizes((24, 28, -32)).message
    assert not conv_ex.check_mode_sizes(np.array([[24, 28, 32]]))


def test_the_diagnoses_still_work():
    assert "transpose" in check_array(_E.T, _E).message
    assert "off by" in check_array(np.zeros((2, 4)), _E).message
    assert "negative" in check_array(-_E, _E).message
    assert "reversed" in check_array(_E[::-1, ::-1], _E).message
    assert "0.5 times the expected" in check_array(_E / 2, _E).message
    toeplitz = CASES["convolution.check_toeplitz"][1]
    assert "convolution" in conv_ex.check_toeplitz(toeplitz[::-1, ::-1], _K3, 5).message
    assert "flip" in conv_ex.check_input_gradient(_full_convolution(_G, _W[::-1, ::-1]), _X, _W, _G).message
    assert "conjugate" in eq_ex.check_circulant_spectrum(np.conj(CASES["equivariance.check_circulant_spectrum"][1]),
                                                         _K3, 8).message
    assert "horizontal kernel" in ps_ex.check_horizontal_edge_flops(267_960).message
    assert "twice" in check_number(10, 5).message


def test_check_array_tolerances_are_tight():
    right = np.linspace(1.0, 2.0, 12).reshape(3, 4)
    assert check_array(right * (1 + 1e-9), right)
    assert not check_array(right * (1 + 1e-5), right)      # a relative error of 1e-5 is a wrong answer
    assert not check_array(np.full(3, 1e-6), np.zeros(3))  # so is 1e-6 where the answer is 0
