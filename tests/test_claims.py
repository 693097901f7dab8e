"""``convbook.claim`` lets no wrong answer through: a strict, typed comparison.

Every case found by the hostile tester of issue "No wrong answer gets through"
has a test here, and property tests pin the one tolerance rule
``|value - expected| <= atol + rtol * |expected|`` (decided exactly), exact
integers, NaN never equal, and bool claims that need a real bool.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convbook import ClaimError, claim
from convbook.claims import REGISTRY

NAN = math.nan


@pytest.fixture(autouse=True)
def _keep_registry():
    """Claims checked here do not stay in the session's registry."""
    n = len(REGISTRY)
    yield
    del REGISTRY[n:]


def passes(value, expected=True, **tol) -> bool:
    """Whether ``claim`` accepts; any error other than ClaimError propagates (and fails the test)."""
    try:
        claim("x", value, expected, show=False, **tol)
    except ClaimError:
        return False
    REGISTRY.pop()
    return True


def rule(v, e, rtol=0.0, atol=0.0) -> bool:
    """The stated rule, in exact arithmetic on the binary values."""
    v, e = Fraction(float(v)), Fraction(float(e))
    return abs(v - e) <= Fraction(atol) + Fraction(rtol) * abs(e)


# --- booleans --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("truthy", [0.37, NAN, 1, 5, np.int64(1), np.float64(2.0), "yes", (1,), [True], np.ones(3)])
def test_a_truthy_non_bool_does_not_pass_the_default_expected_true(truthy):
    with pytest.raises(ClaimError, match="stated a bool"):
        claim("a condition", truthy)


@pytest.mark.parametrize("number", [5, 1, 0, 1.0, np.int64(1), np.float64(1.0), 1 + 0j])
def test_a_bool_is_never_compared_to_a_number(number):
    assert not passes(True, number)
    assert not passes(number, True)
    assert not passes(False, 0 * number)


def test_real_bools_pass_on_both_sides():
    assert passes(True) and passes(np.True_) and passes(np.float64(2) > 1)
    assert passes(False, False) and passes(np.False_, False) and passes(False, np.False_)
    assert not passes(False) and not passes(np.False_) and not passes(True, False)
    assert passes(np.array(True))  # a 0-d array is its scalar


def test_bool_arrays_match_only_bool_arrays():
    assert passes(np.array([True, False]), np.array([True, False]))
    assert passes(np.array([True, False]), (True, False))
    assert not passes(np.array([True, False]), np.array([True, True]))
    assert not passes(np.ones(3, bool), np.ones(3, int))
    assert not passes(np.ones(3, int), np.ones(3, bool))
    assert not passes(np.array([True, True]), (True, 1))


# --- shapes, tuples, lists ---------------------------------------------------------------------------------


def test_shapes_must_match_exactly():
    assert not passes(np.array(3), (3,))
    assert not passes(np.array(3), np.array([3]))
    assert not passes(np.array([3]), np.array(3))
    assert not passes(np.ones((1, 3)), np.ones(3))
    assert not passes(np.ones(3), np.ones((3, 1)))
    assert not passes(np.ones(3), 1.0)  # no broadcasting against a scalar
    assert passes(np.array(3), 3) and passes(np.array(2.5), 2.5)


def test_tuples_and_lists_compare_element_by_element():
    assert passes((np.int64(3), 2.5), (3, 2.5))
    assert passes([(0, 3), (2, 5)], [(0, 3), (2, 5)])
    assert passes(np.arange(3), [0, 1, 2]) and passes(np.eye(2), [[1.0, 0.0], [0.0, 1.0]])
    assert not passes((np.int64(3), 2.5), (3, 2.6))
    assert not passes((1, 2), (1, 2, 3)) and not passes((1, 2, 3), (1, 2))
    assert not passes((1, 2), [1, 2])  # a tuple is not a list
    assert not passes((True, 2), (1, 2))  # the element rules apply inside
    assert not passes((np.float32(0.1),), (0.1,))
    assert passes((np.float32(0.1), 3), (0.1, 3), rtol=1e-7)


def test_an_element_mismatch_says_where():
    with pytest.raises(ClaimError, match=r"at \[1\]: computed 2.5, stated 2.6"):
        claim("pair", (3, 2.5), (3, 2.6))
    with pytest.raises(ClaimError, match=r"at \[1, 2\]: computed 9, stated 5; 1 of 6 entries differ"):
        a = np.arange(6.0).reshape(2, 3)
        b = a.copy()
        b[1, 2] = 9.0
        claim("grid", b, a)


# --- integers ----------------------------------------------------------------------------------------------


def test_integers_compare_exactly_as_integers():
    assert not passes(10**17 + 1, 10**17)
    assert not passes(np.int64(2**62 + 1), 2**62)
    assert not passes(2**70 + 1, 2**70)
    assert passes(np.int64(2**62 + 1), 2**62 + 1) and passes(np.uint64(2**64 - 1), 2**64 - 1)
    assert not passes(np.array([2**62 + 1]), np.array([2**62]))
    assert not passes(np.array([2**64 - 1], np.uint64), np.array([-1], np.int64))
    assert passes(np.arange(5, dtype=np.int32), np.arange(5, dtype=np.int64))


def test_a_tolerance_on_integers_is_an_error_in_the_call():
    with pytest.raises(ValueError, match=r"claim: rtol=1e-18, atol=0.0 apply to nothing"):
        claim("x", 10**17 + 1, 10**17, rtol=1e-18)
    with pytest.raises(ValueError, match="apply to nothing"):
        claim("x", 3, 3, atol=1)
    with pytest.raises(ValueError, match="apply to nothing"):
        claim("x", np.arange(3), np.arange(3), rtol=0.1)
    with pytest.raises(ValueError, match="apply to nothing"):
        claim("x", True, rtol=0.1)
    with pytest.raises(ValueError, match="apply to nothing"):
        claim("x", "a", "a", atol=0.1)


def test_an_approximate_count_is_stated_as_a_float():
    assert passes(59_733, 60_000.0, rtol=0.01)
    assert not passes(59_733, 60_000.0, rtol=0.001)
    # no float conversion of the integer: 10**17 + 1 is 1 away from 1e17, more than 1e-18 · 1e17
    assert not passes(10**17 + 1, 1e17, rtol=1e-18)
    assert passes(10**17 + 1, 1e17, rtol=1e-17)


def test_integer_and_float_compare_exactly_by_value():
    assert passes(24.0, 24) and passes(25_000_000_000, 2.5e10)
    assert not passes(24.000000000000004, 24)
    assert not passes(2**53 + 1, float(2**53))


# --- floats: one tolerance rule ----------------------------------------------------------------------------


def test_an_exact_float_comparison_is_exact():
    assert not passes(np.float32(0.1), 0.1)
    assert not passes(0.1, np.float32(0.1))
    assert not passes(np.array([0.1], np.float32), np.array([0.1]))
    assert passes(np.float32(0.5), 0.5) and passes(np.array([0.5], np.float32), [0.5])
    assert passes(np.float32(0.1), 0.1, rtol=1e-7)
    if np.finfo(np.longdouble).eps < np.finfo(np.float64).eps:  # a long double holds more than a float64
        assert not passes(np.longdouble(1) + np.finfo(np.longdouble).eps, 1.0)
    with pytest.raises(ClaimError, match=r"np.float32\(0.1\) is not exactly 0.1"):
        claim("x", np.float32(0.1), 0.1)


def test_the_tolerance_is_relative_to_the_stated_value_for_scalars_and_arrays():
    # |1 - 0.75| = 0.25 > 0.25 · 0.75, although it is <= 0.25 · max(1, 0.75) (the symmetric math.isclose)
    assert not passes(1.0, 0.75, rtol=0.25)
    assert passes(0.75, 1.0, rtol=0.25)
    assert not passes(np.array([1.0]), np.array([0.75]), rtol=0.25)
    assert passes(np.array([0.75]), np.array([1.0]), rtol=0.25)
    assert not passes((1.0,), (0.75,), rtol=0.25)
    # atol and rtol add up: |1.5 - 1| <= 0.25 + 0.25 · 1
    assert passes(1.5, 1.0, rtol=0.25, atol=0.25) and passes(np.array([1.5]), np.array([1.0]), rtol=0.25, atol=0.25)
    assert not passes(1.5, 1.0, rtol=0.25, atol=0.125)


def test_complex_numbers_use_the_modulus():
    assert passes(np.array([1 + 1j]), np.array([1 + 1.0000001j]), atol=1e-6)
    assert not passes(np.array([1 + 1j]), np.array([1 + 1.0001j]), atol=1e-6)
    assert passes(3 + 4j, 0j, atol=5) and not passes(3 + 4j, 0j, atol=4.999)
    assert passes(1 + 0j, 1) and not passes(np.complex64(0.1), 0.1)


@pytest.mark.parametrize(
    "v, e, rtol, atol, verdict",
    [
        # |v - e| <= atol + rtol·|e| in float64 arithmetic, but not in the exact values
        (1.9215656908048622, 4.29988639610702, 0.50659959464844, 0.2, False),
        (3.299143943504157, 9.7320790759786, 0.6404525778935573, 0.2, False),
        # > in float64 arithmetic, but <= in the exact values
        (2.5026684462636575, 8.8084278766929, 0.7045252021475571, 0.1, True),
        (574777869.4018948, 4119384299.13828, 0.860469956730638, 0.1, True),
    ],
)
def test_float_rounding_in_the_check_does_not_decide(v, e, rtol, atol, verdict):
    assert rule(v, e, rtol, atol) is verdict
    assert passes(v, e, rtol=rtol, atol=atol) is verdict
    assert passes(np.array([v, e]), np.array([e, e]), rtol=rtol, atol=atol) is verdict


@pytest.mark.parametrize(
    "value, expected, tol",
    [
        (NAN, NAN, {}),
        (np.float64(NAN), np.float64(NAN), {}),
        (np.float32(NAN), NAN, {"atol": 1.0}),
        (np.array([1.0, NAN]), np.array([1.0, NAN]), {}),
        (np.array([1.0, NAN]), np.array([1.0, NAN]), {"rtol": 0.5, "atol": 1e3}),
        ((NAN, 1), (NAN, 1), {}),
        (complex(NAN, 0), complex(NAN, 0), {}),
        (np.array([NAN], np.float32), [NAN], {}),
        (NAN, 1.0, {"atol": 1e300}),
        (1.0, NAN, {"atol": 1e300}),
    ],
)
def test_nan_is_never_equal_to_anything_not_even_nan(value, expected, tol):
    """The deliberate bug 'claim treats NaN as equal to NaN' fails here."""
    assert not passes(value, expected, **tol)


def test_nan_equal_nan_is_refused_with_a_reason():
    with pytest.raises(ClaimError, match="NaN equals nothing, not even NaN"):
        claim("x", NAN, NAN)


def test_infinities_equal_only_the_same_infinity():
    assert passes(math.inf, math.inf) and passes(np.array([-np.inf]), [-math.inf])
    assert not passes(math.inf, -math.inf) and not passes(math.inf, 1e308, rtol=1.0)
    assert not passes(5.0, math.inf, rtol=0.1) and not passes(np.array([5.0]), np.array([np.inf]), rtol=0.1)


# --- the tolerance arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize("bad", [math.inf, -math.inf, NAN, np.float64(np.inf), -1, -1e-300, 10**400])
def test_a_tolerance_must_be_finite_and_non_negative(name, bad):
    with pytest.raises(ValueError, match=rf"claim: rtol and atol must be >= 0 and finite; got {name}="):
        claim("x", 1.0, 2.0, **{name: bad})


@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize("bad", [True, np.True_, "0.1", None, 1j, np.array(0.1), [0.1]])
def test_a_tolerance_must_be_a_real_number(name, bad):
    with pytest.raises(TypeError, match=rf"claim: {name} must be a real number"):
        claim("x", 1.0, 2.0, **{name: bad})


# --- strings and mismatched types --------------------------------------------------------------------------


def test_strings_compare_exactly():
    assert passes("rejected", "rejected") and passes(np.str_("after"), "after")
    assert not passes("rejected", "Rejected") and not passes("after ", "after")


@pytest.mark.parametrize(
    "value, expected, computed, stated",
    [
        ("3", 3, "a str", "an int"),
        (3, "3", "an int", "a str"),
        (np.ones(3), {"a": 1}, "an array of shape (3,) and dtype float64", "a dict"),
        ({"a": 1}, np.ones(3), "a dict", "an array of shape (3,) and dtype float64"),
        (np.ones(3), 1.0, "an array of shape (3,) and dtype float64", "a float"),
        (None, 0, "None", "an int"),
        (np.array(["a", "b"]), np.array([1.0, 2.0]), "an array of shape (2,) and dtype <U1",
         "an array of shape (2,) and dtype float64"),
        (0.37, True, "a float", "a bool"),
    ],
)
def test_mismatched_types_are_a_claim_error_saying_what_was_computed_and_stated(value, expected, computed, stated):
    with pytest.raises(ClaimError) as err:
        claim("kinds", value, expected)
    assert f"computed {computed}, stated {stated}" in str(err.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.ones(3), [1.0, [1.0, 2.0], 1.0]),  # ragged: numpy would raise ValueError
        (np.ones((2, 2)), [[1.0, 1.0], [1.0]]),
        (np.array([1, 2], dtype=object), np.array([1, "2"], dtype=object)),
        (np.array(["a"]), np.array([b"a"])),
        (np.array(["2020-01-01"], "datetime64[D]"), np.array([1.0])),
        ({"a": 1}, {"b": 1}),
        ({"a": 1.0}, {"a": np.float32(1.1)}),
        (object(), object()),
        ([1, 2], np.ones((2, 2))),
    ],
)
def test_never_a_raw_error_from_numpy(value, expected):
    with pytest.raises(ClaimError):
        claim("kinds", value, expected)


def test_dicts_and_other_values():
    from decimal import Decimal

    assert passes({"a": (1, 2.5)}, {"a": (np.int64(1), 2.5)})
    assert not passes({"a": np.float32(0.1)}, {"a": 0.1})
    assert passes(None, None) and passes(Decimal("0.1"), Decimal("0.1"))
    assert not passes(Decimal("0.1"), Decimal("0.10000001")) and not passes(Decimal("0.1"), 0.1)


# --- the display: one readable line ---------------------------------------------------------------------------


def test_a_passing_claim_reads_as_one_line_with_the_stated_value_only_where_it_differs(capsys):
    claim("about 60,000 times", 59_733.3, 60_000, rtol=0.01, source="CLAIMS A3")
    claim("pair", (np.int64(3), 2.5), (3, 2.5))
    claim("the sum is linear", True)
    claim("settings", {"stride": 2, "padding": (1, 0)}, {"stride": 2, "padding": (1, 0)})
    out = capsys.readouterr().out.splitlines()
    assert out == ["✓ about 60,000 times: 59,733.3 (stated 60,000, ±1 %)", "✓ pair: (3, 2.5)",
                   "✓ the sum is linear", "✓ settings: stride = 2, padding = (1, 0)"]
    assert REGISTRY[-1].anchor.startswith("claim-settings")


def test_the_source_is_the_lines_hover_title_not_its_text():
    claim("24 outputs", 24, 24, source="CLAIMS A1; seed 001", show=False)
    page = REGISTRY[-1]._repr_html_()
    assert 'title="source: CLAIMS A1; seed 001"' in page and 'data-source="CLAIMS A1; seed 001"' in page
    assert "[CLAIMS" not in page and "stated" not in page
    assert page.endswith('<span class="claim-statement">24 outputs</span>: <span class="claim-value">24</span></div>')


@pytest.mark.parametrize("rtol, atol, text", [(0.01, 0, "±1 %"), (0, 1e-12, "±1e-12"), (1e-9, 0, "±1e-09 relative"),
                                              (0.001, 1e-12, "±1e-12 + 0.1 %")])
def test_tolerances_read_as_a_reader_reads_them(rtol, atol, text):
    claim("x", 1.0 + 1e-13, 1.0, rtol=rtol, atol=atol, show=False)
    assert REGISTRY[-1].tolerance == text
    assert repr(REGISTRY[-1]) == f"✓ x: 1 (stated 1, {text})" or repr(REGISTRY[-1]) == "✓ x: 1"


def test_large_arrays_read_as_a_count_of_equal_values():
    claim("torch agrees", np.arange(100.0), np.arange(100.0), show=False)
    assert repr(REGISTRY[-1]) == "✓ torch agrees: all 100 values equal"
    claim("close", np.arange(100.0) + 1e-13, np.arange(100.0), atol=1e-12, show=False)
    assert repr(REGISTRY[-1]) == "✓ close: all 100 values within ±1e-12 (largest difference 1e-13)"
    claim("masks", np.ones(9, bool), np.ones(9, bool), show=False)
    assert repr(REGISTRY[-1]) == "✓ masks: all 9 entries equal"


def test_a_group_shows_one_summary_line_that_unfolds(capsys):
    from convbook.claims import claim_group

    with claim_group("two output sizes") as group:
        claim("28 inputs, 5 taps", 24, 24, source="seed 001")
        claim("7 inputs, 3 taps", 5, 5)
    assert capsys.readouterr().out.splitlines() == [
        "✓ two output sizes (2 checks)", "  ✓ 28 inputs, 5 taps: 24", "  ✓ 7 inputs, 3 taps: 5"]
    page = group._repr_html_()
    assert page.startswith('<details class="convbook-claim-group"><summary>')
    assert page.count('class="convbook-claim"') == 2
    assert REGISTRY[-2].statement == "28 inputs, 5 taps"  # each claim of a group is registered (for the index)


def test_a_group_fails_with_its_first_wrong_claim_and_refuses_to_be_empty_or_nested(capsys):
    from convbook.claims import _GROUPS, claim_group

    with pytest.raises(ClaimError, match="7 inputs"):
        with claim_group("sizes"):
            claim("28 inputs", 24, 24)
            claim("7 inputs", 4, 5)
    assert capsys.readouterr().out == "" and not _GROUPS
    with pytest.raises(ValueError, match="showed no claim"):
        with claim_group("nothing"):
            pass
    with pytest.raises(ValueError, match="do not nest"):
        with claim_group("outer"):
            with claim_group("inner"):
                pass
    assert not _GROUPS
    with pytest.raises(TypeError, match="non-empty str"):
        claim_group("")


def test_glue_records_numbers_as_python_literals_and_refuses_what_prose_cannot_show():
    from convbook.claims import GLUED, _glue_text, glue

    claim("FLOPs", 267_960, 267_960, glue="flops", show=False)
    assert GLUED["flops"] == 267_960 and _glue_text("flops", np.int64(267_960)) == "267960"
    assert _glue_text("r", np.float64(0.316)) == "0.316" and _glue_text("s", (512, 7, 7)) == "(512, 7, 7)"
    glue("share", 0.25)
    assert GLUED["share"] == 0.25
    with pytest.raises(TypeError, match="glue: value must be"):
        glue("big", np.zeros(3))
    with pytest.raises(ValueError, match="glue: name must be"):
        glue("two words", 1)


def test_a_failing_claim_is_not_registered():
    n = len(REGISTRY)
    with pytest.raises(ClaimError):
        claim("x", 0.37)
    assert len(REGISTRY) == n


# --- properties --------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
tolerances = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=10.0), st.floats(min_value=0.0, max_value=1e-6))


@settings(max_examples=300, deadline=None)
@given(finite, finite, tolerances, tolerances)
def test_floats_pass_iff_within_atol_plus_rtol_times_the_stated_value(v, e, rtol, atol):
    expect = rule(v, e, rtol, atol)
    assert passes(v, e, rtol=rtol, atol=atol) == expect
    assert passes(np.float64(v), np.float64(e), rtol=rtol, atol=atol) == expect
    assert passes(np.array([v, e]), np.array([e, e]), rtol=rtol, atol=atol) == expect  # the same rule element-wise
    assert passes((v,), (e,), rtol=rtol, atol=atol) == expect


@settings(max_examples=300, deadline=None)
@given(finite, st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0),
       st.integers(-3, 3), st.booleans())
def test_floats_at_the_edge_of_the_tolerance(e, rtol, atol, ulps, below):
    """Values a few ulps either side of the bound: the array fast path agrees with the exact rule."""
    assume(abs(e) < 1e300)
    bound = atol + rtol * abs(e)
    v = e - bound if below else e + bound
    for _ in range(abs(ulps)):
        v = np.nextafter(v, math.copysign(math.inf, ulps))
    assume(math.isfinite(v))
    expect = rule(v, e, rtol, atol)
    assert passes(float(v), e, rtol=rtol, atol=atol) == expect
    assert passes(np.array([float(v)]), np.array([e]), rtol=rtol, atol=atol) == expect


@settings(max_examples=200, deadline=None)
@given(st.floats(width=32, allow_nan=False, allow_infinity=False), finite, tolerances, tolerances)
def test_float32_against_float64_follows_the_same_rule(v, e, rtol, atol):
    v32 = np.float32(v)
    expect = rule(v32, e, rtol, atol)
    assert passes(v32, e, rtol=rtol, atol=atol) == expect
    assert passes(np.array([v32]), np.array([e]), rtol=rtol, atol=atol) == expect


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=12), tolerances, tolerances)
def test_arrays_pass_iff_every_entry_is_within_the_tolerance(pairs, rtol, atol):
    v, e = (np.array(x) for x in zip(*pairs))
    expect = all(rule(a, b, rtol, atol) for a, b in pairs)
    assert passes(v, e, rtol=rtol, atol=atol) == expect
    assert passes(v.reshape(1, -1), e.reshape(1, -1), rtol=rtol, atol=atol) == expect
    assert passes(tuple(v), tuple(e), rtol=rtol, atol=atol) == expect
    assert not passes(v, e.reshape(1, -1), rtol=rtol, atol=atol)  # shapes differ


big_ints = st.integers(min_value=-(2**80), max_value=2**80)
int64s = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=300, deadline=None)
@given(big_ints, big_ints)
def test_python_ints_pass_iff_equal(v, e):
    assert passes(v, e) == (v == e)
    assert passes(v, v)


@settings(max_examples=300, deadline=None)
@given(int64s, int64s)
def test_numpy_ints_pass_iff_equal(v, e):
    assert passes(np.int64(v), e) == (v == e)
    assert passes(np.array([v]), np.array([e])) == (v == e)
    assert passes(np.int64(v), np.int64(v) + 0)


@settings(max_examples=200, deadline=None)
@given(st.one_of(finite, st.just(NAN), st.just(math.inf)), tolerances, tolerances)
def test_nan_never_passes(x, rtol, atol):
    assert not passes(NAN, x, rtol=rtol, atol=atol)
    assert not passes(x, NAN, rtol=rtol, atol=atol)
    assert not passes(np.array([NAN]), np.array([x]), rtol=rtol, atol=atol)
    assert not passes(np.array([x]), np.array([NAN]), rtol=rtol, atol=atol)


non_bools = st.one_of(
    st.integers(), finite, st.just(NAN), st.text(), st.lists(st.booleans(), max_size=3).map(tuple),
    st.integers(-(2**63), 2**63 - 1).map(np.int64), finite.map(np.float64), st.just(np.ones(2, bool)),
)


@settings(max_examples=300, deadline=None)
@given(non_bools)
def test_a_non_bool_never_passes_a_boolean_claim(x):
    assert not passes(x)
    assert not passes(x, True) and not passes(x, False)
    assert not passes(True, x) and not passes(False, x)


def test_complex_numbers_with_an_infinite_part_compare_part_by_part():
    inf = math.inf
    assert passes(complex(inf, 2), complex(inf, 2))
    assert passes(complex(1.5, -inf), complex(1.5, -inf))
    assert passes(np.complex128(complex(-inf, 0.25)), complex(-inf, 0.25))
    assert not passes(complex(inf, 2), complex(inf, 3))
    assert not passes(complex(inf, 2), complex(-inf, 2))
    assert not passes(complex(2, inf), complex(3, inf))
    # one infinite, one finite part: a ClaimError, not a crash on the infinity
    assert not passes(complex(inf, 0), complex(1, 0))
    assert not passes(complex(1, 0), complex(inf, 0))
    assert not passes(complex(inf, 0), 1.0)


def test_complex_tolerance_is_the_modulus_rule_on_the_boundary():
    """|v - e| <= atol + rtol·|e| with |3 + 4j| = 5; every number here is exact in binary."""
    e = 3 + 4j
    assert passes(e, e) and passes(complex(3, 4), complex(3.0, 4.0))
    assert not passes(3 + 4.5j, e)
    # rtol alone: bound 0.125 · 5 = 0.625
    assert passes(e + 0.625, e, rtol=0.125) and passes(e + 0.625j, e, rtol=0.125)
    assert not passes(e + 0.6875, e, rtol=0.125) and not passes(e - 0.6875j, e, rtol=0.125)
    # atol and rtol add up: bound 0.25 + 0.625 = 0.875
    assert passes(e, e, rtol=0.125, atol=0.25)
    assert passes(e + 0.75, e, rtol=0.125, atol=0.25)
    assert passes(e + 0.875, e, rtol=0.125, atol=0.25) and passes(e - 0.875j, e, rtol=0.125, atol=0.25)
    assert not passes(e + 0.890625, e, rtol=0.125, atol=0.25)
    # larger numbers: bound 2 + 0.5 · 50 = 27 around |30 + 40j| = 50
    big = 30 + 40j
    assert passes(big, big, rtol=0.5, atol=2) and passes(big + 27, big, rtol=0.5, atol=2)
    assert not passes(big + 27.25, big, rtol=0.5, atol=2)
