import numpy as np
import pytest

from convbook import ClaimError, claim, correlate2d, grace_hopper
from convbook.claims import REGISTRY, format_value
from convbook.exercises import Feedback, check_array, check_number
from convbook.exercises import parameter_sharing as ps


def test_claim_passes_and_prints(capsys):
    claim("edge detection FLOPs", 267_960, 267_960, source="CLAIMS A1")
    out = capsys.readouterr().out
    assert "✓ edge detection FLOPs: 267,960\n" in out
    assert REGISTRY[-1].anchor.startswith("claim-edge-detection-flops")


def test_claim_fails_with_both_values():
    with pytest.raises(ClaimError, match=r"✗ ratio: computed 59,733 but the book states 60,000 exactly"):
        claim("ratio", 59_733, 60_000)


def test_claim_tolerance_and_bool(capsys):
    claim("about 60,000 times", 59_733.3, 60_000, rtol=0.01)
    claim("outputs agree", True)
    with pytest.raises(ClaimError):
        claim("outputs agree", False)
    with pytest.raises(ClaimError):
        claim("close", 1.0, 1.1, rtol=0.01)
    claim("arrays", np.ones(3), np.ones(3))
    with pytest.raises(ClaimError):
        claim("arrays", np.ones(3), np.ones(4))
    assert "✓ about 60,000 times: 59,733.3 (stated 60,000, ±1 %)" in capsys.readouterr().out


def test_claim_argument_errors():
    with pytest.raises(TypeError, match="statement must be a non-empty str"):
        claim("", 1, 1)
    with pytest.raises(ValueError, match="rtol and atol must be >= 0"):
        claim("x", 1, 1, rtol=-1)


def test_claim_html_has_anchor():
    saved = list(REGISTRY)   # the registry is global: start from empty, restore after
    REGISTRY.clear()
    try:
        claim("html anchor test", 3, 3, show=False)
        claim("html anchor test", 4, 4, show=False)
        first, second = (c._repr_html_() for c in REGISTRY)
    finally:
        REGISTRY[:] = saved
    assert 'id="claim-html-anchor-test"' in first and "✓" in first
    assert 'id="claim-html-anchor-test-2"' in second   # a repeated statement gets its own anchor


def test_format_value():
    assert format_value(8_003_072_000) == "8,003,072,000"
    assert format_value(1.6006e10) == "1.6006e+10"
    assert format_value(0.72) == "0.72"


def test_format_value_of_sequences():
    # numpy scalars read as numbers, not as np.float64(...); no thousands separators inside a tuple
    assert format_value((np.float64(-1.0), np.float64(-3.0), 3.0)) == "(-1, -3, 3)"
    assert format_value((np.int64(1), 1024, 768)) == "(1, 1024, 768)"
    assert format_value((5,)) == "(5,)"
    assert format_value([True, (1, 2), "after"]) == "[True, (1, 2), after]"


def test_check_number_messages():
    assert check_number(5, 5)
    assert "twice" in check_number(10, 5).message
    assert "too high" in check_number(6, 5).message
    assert "should be a number" in check_number("5", 5).message
    assert not check_number(True, 1)


def test_check_array_messages():
    e = np.arange(6.0).reshape(2, 3)
    assert check_array(e.copy(), e)
    assert "transpose" in check_array(e.T, e).message
    assert "off by" in check_array(np.zeros((2, 4)), e).message
    assert "negative" in check_array(-e, e).message
    assert "0.5 times the expected" in check_array(e / 2, e).message
    bad = e.copy()
    bad[1, 2] = 0
    assert "index (1, 2)" in check_array(bad, e).message
    assert "numeric array" in check_array([["a"]], e).message


@pytest.fixture(scope="module")
def image():
    return grace_hopper()


def test_parameter_sharing_checkers_accept_right_and_explain_wrong(image):
    assert ps.check_horizontal_edge_flops(320 * 279 * 3)
    fb = ps.check_horizontal_edge_flops(267_960)
    assert not fb and "horizontal kernel" in fb.message
    assert "only the two multiplies" in ps.check_horizontal_edge_flops(320 * 279 * 2).message
    assert ps.check_sobel_nnz(6 * 318 * 278)
    assert "zero taps" in ps.check_sobel_nnz(9 * 318 * 278).message
    assert ps.check_sobel_flops(2 * 318 * 278 * 17)
    assert "8 adds" in ps.check_sobel_flops(2 * 318 * 278 * 18).message
    assert ps.check_edge_image(image[:, 1:] - image[:, :-1], image)
    assert "negative" in ps.check_edge_image(image[:, :-1] - image[:, 1:], image).message
    assert isinstance(ps.check_edge_image(image, image), Feedback)


def test_grace_hopper_shape_and_range(image):
    assert image.shape == (280, 320) and image.dtype == np.float64
    assert 0 <= image.min() < 0.1 and 0.9 < image.max() <= 1
    assert correlate2d(image, np.array([[-1.0, 1.0]])).shape == (280, 319)
    assert grace_hopper(64, 48).shape == (48, 64)
    with pytest.raises(ValueError, match="width must be an int >= 1"):
        grace_hopper(0)


def test_no_answer_message_says_what_to_set():
    assert check_number(None, 3).message == "no answer yet: set answer to a number and run the cell again"
    assert check_number(None, 3, name="number of biases").message == (
        "no answer yet: set answer to the number of biases (a number) and run the cell again")
    assert check_array(None, np.zeros(2), name="matrix").message == (
        "no answer yet: set answer to the matrix (an array) and run the cell again")


def test_arrays_are_shown_by_value_when_small_and_by_shape_when_large():
    from convbook.claims import Claim

    assert format_value(np.array([2.0, 5.0])) == "[2, 5]"
    assert format_value(np.eye(2)) == "[[1, 0], [0, 1]]"
    assert format_value(np.array(3.5)) == "3.5"
    assert format_value(np.zeros((1, 1, 140, 160))) == "array of shape (1, 1, 140, 160)"
    big = Claim("x", np.ones((3, 4)) + 1e-13, np.ones((3, 4)), "±1e-12", "", "claim-x")
    assert repr(big) == "✓ x: all 12 values within ±1e-12 (largest difference 1e-13)"
    flags = Claim("y", np.ones(9, bool), np.ones(9, bool), "", "", "claim-y")
    assert repr(flags) == "✓ y: all 9 entries equal"
    odd = Claim("z", np.ones(9), np.ones(10), "", "", "claim-z")  # shapes that differ are described, never compared
    assert repr(odd) == "✓ z: array of shape (9,) (stated array of shape (10,))"
