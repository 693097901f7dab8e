import re

import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convbook as cb
from convbook import (
    best_output_shift,
    circulant_matrix,
    clean_border,
    conv_relu_stack,
    correlate_circular,
    correlate_circular_fft,
    correlate_same,
    cyclic_shift_matrix,
    equivariance_error,
    equivariance_map,
    rescale,
    rotate,
    shift,
)
from convbook.chapters import equivariance as chapter
from convbook.chapters.equivariance import shift_panels, shift_strip, shift_widget
from convbook.exercises import equivariance as ex
from convbook.plotting import PAGE_WIDTH_PX, figure_problems

ints = st.integers


@st.composite
def image_and_kernel(draw):
    h, w = draw(ints(3, 12)), draw(ints(3, 12))
    kh, kw = draw(ints(1, min(h, 5))), draw(ints(1, min(w, 5)))
    rng = np.random.default_rng(draw(ints(0, 2**16)))
    return rng.normal(size=(h, w)), rng.normal(size=(kh, kw))


@given(image_and_kernel(), ints(-15, 15), ints(-15, 15))
def test_circular_correlation_commutes_with_every_cyclic_shift(case, dy, dx):
    x, k = case
    err = equivariance_error(lambda z: correlate_circular(z, k), lambda z: shift(z, (dy, dx), circular=True), x,
                             norm="max")
    assert err < 1e-12


@given(image_and_kernel())
def test_circular_correlation_equals_torch_and_fft(case):
    x, k = case
    kh, kw = k.shape
    pad = ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2)
    theirs = F.conv2d(F.pad(torch.tensor(x)[None, None], pad, mode="circular"), torch.tensor(k)[None, None])[0, 0]
    np.testing.assert_allclose(correlate_circular(x, k), theirs.numpy(), atol=1e-12)
    np.testing.assert_allclose(correlate_circular_fft(x, k), theirs.numpy(), atol=1e-12)


@given(image_and_kernel(), ints(-4, 4), ints(-4, 4))
def test_zero_padding_error_vanishes_beyond_the_predicted_border(case, dy, dx):
    x, k = case
    r = max(k.shape) // 2
    b = max(abs(dy), abs(dx), r)
    if 2 * b >= min(x.shape):
        return
    f = lambda z: correlate_same(z, k)  # noqa: E731
    g = lambda z: shift(z, (dy, dx))  # noqa: E731
    assert clean_border(equivariance_map(f, g, x)) <= b
    assert equivariance_error(f, g, x, border=b, norm="max") == 0.0


def test_same_correlation_matches_correlate2d(rng):
    x, k = rng.normal(size=(9, 11)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(correlate_same(x, k), cb.correlate2d(x, k, "same"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(correlate_same(x, k, stride=2), cb.correlate2d(x, k, "same")[::2, ::2],
                               rtol=0, atol=1e-12)


def test_equivariance_error_properties(rng):
    x = rng.normal(size=(10, 12))
    ident = lambda z: z  # noqa: E731
    assert equivariance_error(ident, lambda z: rotate(z, 33), x) == 0.0
    # a pointwise map commutes with any shift, zero fill included, when f(0) = 0
    assert equivariance_error(np.tanh, lambda z: shift(z, (2, -3)), x, norm="max") == 0.0
    # invariance: g_out = identity; a global sum is invariant to cyclic shifts
    total = lambda z: np.array([z.sum()])  # noqa: E731
    assert equivariance_error(total, lambda z: shift(z, 3, circular=True), x, lambda y: y) < 1e-12
    # the error is scale-free
    f = lambda z: correlate_same(z, np.ones((3, 3)))  # noqa: E731
    g = lambda z: shift(z, (0, 2))  # noqa: E731
    assert np.isclose(equivariance_error(f, g, x), equivariance_error(f, g, 7 * x))
    assert equivariance_error(f, g, x) > 0


def test_shift_rolls_or_fills(rng):
    x = rng.normal(size=(4, 5))
    np.testing.assert_array_equal(shift(x, 2, circular=True), np.roll(x, 2, axis=1))
    s = shift(x, (1, -2))
    np.testing.assert_array_equal(s[1:, :3], x[:-1, 2:])
    assert (s[0] == 0).all() and (s[:, 3:] == 0).all()
    assert (shift(x, 9) == 0).all()
    np.testing.assert_array_equal(shift(np.arange(5.0), 1), [0, 0, 1, 2, 3])


def test_rotate_and_rescale(rng):
    x = rng.normal(size=(8, 8))
    np.testing.assert_array_equal(rotate(x, 90), np.rot90(x))
    np.testing.assert_allclose(rescale(x, 1.0), x, atol=1e-12)
    assert rotate(rng.normal(size=(2, 3, 9, 7)), 30).shape == (2, 3, 9, 7)


def test_circulant_commutes_and_dft_diagonalises(rng):
    k = rng.normal(size=3)
    c = circulant_matrix(k, 7)
    x = rng.normal(size=7)
    np.testing.assert_allclose(c @ x, correlate_circular(x, k), atol=1e-12)
    p = cyclic_shift_matrix(7, 2)
    np.testing.assert_allclose(p @ x, np.roll(x, 2))
    np.testing.assert_allclose(c @ p, p @ c, atol=1e-12)
    f = np.fft.fft(np.eye(7))
    d = f @ c @ np.linalg.inv(f)
    assert np.abs(d - np.diag(np.diag(d))).max() < 1e-12


def test_stride_keeps_only_multiples(rng):
    x = rng.normal(size=(6, 24))
    k = rng.normal(size=(3, 3))
    f = lambda z: correlate_circular(z, k, stride=3)  # noqa: E731
    for t in range(7):
        u, e = best_output_shift(f, x, t)
        assert (e < 1e-12) == (t % 3 == 0)
        if t % 3 == 0:
            assert u == t // 3


def test_conv_relu_stack_circular_is_equivariant(rng):
    x = rng.normal(size=(10, 10))
    ks = [rng.normal(size=(3, 3)) for _ in range(3)]
    err = equivariance_error(lambda z: conv_relu_stack(z, ks, circular=True),
                             lambda z: shift(z, (4, -3), circular=True), x, norm="max")
    assert err < 1e-12


def test_clean_border():
    e = np.zeros((6, 8))
    assert clean_border(e) == 0
    e[0, 3] = 1
    assert clean_border(e) == 1
    e[4, 2] = 1  # second row from the bottom
    assert clean_border(e) == 2
    assert clean_border(np.array([0, 0, 1.0, 0, 0, 0, 0])) == 3


def test_widget_and_strip():
    img = np.random.default_rng(0).random((20, 24))
    sobel = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    panels = shift_panels(img, sobel, 0, 3, circular=True)
    assert len(panels) == 4 and panels[3].max() < 1e-12
    fig = shift_strip(img, sobel, [(0, 2), (1, 1)], circular=[False, True])
    assert len(fig.axes) == 8
    assert figure_problems(fig) == []
    widget = shift_widget(img, sobel)
    assert len(widget.children) == 2
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: shift(np.zeros((3, 3)), (1, 2, 3)), ValueError,
         r"shift: offset must be an int or a tuple of at most 2"),
        (lambda: shift(np.zeros((3, 3)), 1.5), ValueError, r"shift: offset must be an int"),
        (lambda: equivariance_error(lambda z: z, lambda z: z, np.zeros(3), norm="l1"), ValueError,
         r"norm must be 'relative' or 'max'"),
        (lambda: equivariance_error(lambda z: z, lambda z: z[:2], np.zeros(3), lambda y: y), ValueError,
         r"f\(g\(x\)\) has shape \(2,\) but g_out\(f\(x\)\) has shape \(3,\)"),
        (lambda: equivariance_error(lambda z: z, lambda z: z, np.ones((4, 4)), border=2), ValueError,
         r"border=2 leaves nothing"),
        (lambda: correlate_circular(np.zeros(3), np.zeros(4)), ValueError, r"correlate_circular: kernel k with shape"),
        (lambda: rotate(np.zeros(4), 10), ValueError, r"rotate: x must have at least 2 axes"),
        (lambda: circulant_matrix(np.ones(5), 3), ValueError, r"circulant_matrix: n must be an int >= 5"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_shift_widget_redraws_for_shift_and_padding(recording):
    import convbook.chapters.equivariance as chapter

    calls = recording(chapter, "shift_panels")
    img = np.random.default_rng(0).random((20, 24))
    box = chapter.shift_widget(img, np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]))
    dy, dx, pad = box.children[0].children
    dy.value, dx.value = 3, -2
    pad.value = "circular"
    args = calls[-1][0]
    assert args[2:] == (3, -2, True) and len(calls) == 4
    matplotlib.pyplot.close("all")


def test_equivariance_error_of_a_map_to_one_number():
    x = np.random.default_rng(0).random((10, 10))
    roll = lambda z: cb.shift(z, (0, 1), circular=True)  # noqa: E731
    assert cb.equivariance_error(np.max, roll, x, lambda y: y) == 0.0
    with pytest.raises(ValueError, match="border=1 needs an output with positions"):
        cb.equivariance_error(np.max, roll, x, lambda y: y, border=1)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: cb.rotate(np.ones((4, 4)), float("nan")), ValueError, r"rotate: degrees must be a finite number"),
        (lambda: cb.rotate(np.ones((4, 4)), "90"), TypeError, r"rotate: degrees must be a finite number; got '90'"),
        (lambda: cb.rescale(np.ones((4, 4)), float("inf")), ValueError, r"rescale: factor must be a finite number > 0"),
        (lambda: cb.rescale(np.ones((4, 4)), 0), ValueError, r"rescale: factor must be a finite number > 0; got 0"),
        (lambda: cb.cyclic_shift_matrix(4, 1.7), TypeError, r"cyclic_shift_matrix: t must be a whole number"),
    ],
)
def test_transforms_refuse_what_they_cannot_do(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_cyclic_shift_matrix_takes_negative_shifts():
    assert np.array_equal(cb.cyclic_shift_matrix(5, -2) @ np.arange(5.0), np.roll(np.arange(5.0), -2))


def test_border_pair_crops_rows_and_columns_separately():
    # shifting by one column with zero fill: correlate_same disagrees only in the first and last column
    x = np.random.default_rng(3).normal(size=(6, 8))
    f = lambda z: correlate_same(z, np.array([1.0, 2.0, 1.0]))  # noqa: E731
    g = lambda z: shift(z, (0, 1))  # noqa: E731
    assert equivariance_error(f, g, x, border=(0, 1), norm="max") == 0.0
    assert equivariance_error(f, g, x, border=(1, 0), norm="max") > 0.1
    assert equivariance_error(f, g, x, border=(0, 1)) == 0.0


def test_border_crops_only_the_spatial_axes_of_a_batch():
    # a batch of 2 images: the border applies to (H, W), never to the batch axis
    x = np.random.default_rng(4).normal(size=(2, 6, 6))
    k = np.ones((3, 3))
    f = lambda z: correlate_same(z, k)  # noqa: E731
    g = lambda z: shift(z, (0, 1))  # noqa: E731
    assert equivariance_error(f, g, x, norm="max") > 0.1
    assert equivariance_error(f, g, x, border=1, norm="max") == 0.0
    assert equivariance_error(f, g, x, border=(1, 1)) == 0.0
    e = equivariance_map(f, g, x)
    assert clean_border(e) == 1


def test_a_single_number_takes_no_border_but_a_zero_one():
    x = np.random.default_rng(0).random((5, 5))
    roll = lambda z: shift(z, (1, 0), circular=True)  # noqa: E731
    same = lambda y: y  # noqa: E731
    assert equivariance_error(np.sum, roll, x, same, border=(0, 0)) < 1e-12
    for border in [(1, 0), (0, 1), 2]:
        with pytest.raises(ValueError, match=re.escape(f"border={border!r} needs an output with positions")):
            equivariance_error(np.sum, roll, x, same, border=border)


def test_error_against_an_all_zero_reference_is_absolute():
    # f(x) = 0, so g(f(x)) = 0 and the relative error falls back to ||f(g(x))||
    x = np.array([2.0, 0.0, 0.0, 0.0])
    f = lambda v: v * np.array([0.0, 1.0, 1.0, 1.0])  # noqa: E731
    g = lambda v: shift(v, 1)  # noqa: E731
    assert equivariance_error(f, g, x) == 2.0
    assert equivariance_error(f, g, x, norm="max") == 2.0
    # the same in best_output_shift: no output shift fits, each misses by ||f(shift(x))|| = 2
    assert best_output_shift(f, x, 1) == (0, 2.0)


def test_half_precision_outputs_are_measured_in_float64():
    # 8 values of 100..800: exact in float16, but their squares overflow float16 (max 65504)
    x = 100.0 * np.arange(1, 9)
    half = lambda v: np.asarray(v, dtype=np.float16)  # noqa: E731
    assert best_output_shift(half, x, 3) == (3, 0.0)
    plus_one = lambda v: (v + 1).astype(np.float16)  # noqa: E731
    g = lambda v: shift(v, 1)  # noqa: E731
    expected = 1.0 / np.linalg.norm(shift(x + 1, 1))  # differ only at [0]: 1 against 0
    assert equivariance_error(plus_one, g, x) == pytest.approx(expected, rel=1e-12)


def test_best_output_shift_of_a_signal_is_relative():
    x, k = np.array([0.0, 1.0, 3.0, 0.0, 0.0, 2.0, 0.0, 0.0]), np.array([1.0, 2.0, 1.0])
    f = lambda v: correlate_circular(v, k, stride=2)  # noqa: E731
    assert best_output_shift(f, x, 2) == (1, 0.0)
    assert best_output_shift(f, x, 6) == (3, 0.0)
    u, err = best_output_shift(f, x, 1)
    y, moved = f(x), f(np.roll(x, 1))
    assert u == 0 and err == pytest.approx(np.linalg.norm(moved - y) / np.linalg.norm(y), rel=1e-12)
    assert 0.4 < err < 0.45
    u10, err10 = best_output_shift(f, 10 * x, 1)
    assert u10 == 0 and err10 == pytest.approx(err, rel=1e-12)


def test_clean_border_of_signals_and_batches():
    assert clean_border(np.zeros(5)) == 0
    assert clean_border(np.array([0.0, 0.0, 0.0, 0.0, 1.0])) == 1
    assert clean_border(np.array([0.0, 0.0, 0.0, 1.0, 0.0])) == 2
    assert clean_border(np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])) == 2
    e = np.zeros((3, 6, 8))
    assert clean_border(e) == 0
    e[0, 0, 4] = 1  # image 0: top row
    e[2, 3, 3] = 0.5  # image 2: 3 from the bottom, 4 from the left
    assert clean_border(e) == 3
    assert clean_border(e, tol=0.5) == 1
    assert clean_border(e[None]) == 3  # (1, 3, 6, 8): every leading axis is a batch


def test_rotation_by_multiples_of_90_is_exact_for_any_order(rng):
    x = rng.normal(size=(6, 6))
    for degrees in [0, 90, 180, 270, -90, -180, 360, 450, 90.0]:
        for order in (1, 3):
            np.testing.assert_array_equal(rotate(x, degrees, order=order), np.rot90(x, int(degrees // 90)))


def test_rotate_a_batch_image_by_image(rng):
    x = rng.normal(size=(2, 3, 6, 6))
    np.testing.assert_array_equal(rotate(x, 90), np.rot90(x, axes=(-2, -1)))
    np.testing.assert_array_equal(rotate(x, 270)[1, 2], np.rot90(x[1, 2], 3))
    tall = rng.normal(size=(2, 5, 7))
    for degrees in (30, 90, 180):
        out = rotate(tall, degrees)
        assert out.shape == (2, 5, 7)
        np.testing.assert_array_equal(out[1], rotate(tall[1], degrees))
    assert rotate(np.ones((5, 7)), 90).shape == (5, 7)


def test_rotation_by_other_angles_interpolates(rng):
    im = np.zeros((5, 5))
    im[2, 4] = 1
    turned = rotate(im, 45)
    assert turned[2, 4] < 0.5 and turned[1, 3] > 0.1  # the pixel moved towards the top right corner
    x = rng.normal(size=(6, 6))
    nearest = rotate(x, 30, order=0)
    assert not np.array_equal(nearest, x)
    assert set(nearest.ravel().tolist()) <= set(x.ravel().tolist()) | {0.0}  # order 0: no new values
    assert not set(rotate(x, 30).ravel().tolist()) <= set(x.ravel().tolist()) | {0.0}


def test_rescale_about_the_centre(rng):
    sq = np.zeros((5, 5))
    sq[1:4, 1:4] = 1
    centre = np.zeros((5, 5))
    centre[2, 2] = 1
    np.testing.assert_allclose(rescale(sq, 0.5), centre, atol=1e-12)
    np.testing.assert_allclose(rescale(sq, 2), np.ones((5, 5)), atol=1e-12)
    np.testing.assert_array_equal(rescale(centre, 3, order=0), np.pad(np.ones((3, 3)), 1))
    # zooming about the centre commutes with flips, for even sizes too
    x = rng.normal(size=(6, 8))
    for factor in (0.7, 1.6):
        np.testing.assert_allclose(rescale(x[::-1, ::-1], factor), rescale(x, factor)[::-1, ::-1], atol=1e-12)


def test_rescale_a_batch_image_by_image_and_nearest(rng):
    x = rng.normal(size=(2, 3, 6, 7))
    out = rescale(x, 1.5)
    assert out.shape == x.shape
    np.testing.assert_array_equal(out[1, 2], rescale(x[1, 2], 1.5))
    nearest = rescale(x[0, 0], 1.7, order=0)
    assert set(nearest.ravel().tolist()) <= set(x[0, 0].ravel().tolist()) | {0.0}
    assert not set(rescale(x[0, 0], 1.7).ravel().tolist()) <= set(x[0, 0].ravel().tolist()) | {0.0}


def test_conv_relu_stack_pads_with_zeros_and_cuts_at_zero():
    spike = np.array([0.0, 0.0, 1.0, 0.0, 0.0])
    assert conv_relu_stack(spike, [np.array([-1.0, 2.0, -1.0])]).tolist() == [0.0, 0.0, 2.0, 0.0, 0.0]
    edge = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    assert conv_relu_stack(edge, [np.ones(3)]).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert conv_relu_stack(edge, [np.ones(3)], circular=True).tolist() == [1.0, 1.0, 0.0, 0.0, 1.0]
    out = conv_relu_stack(np.arange(5), [np.array([-1.0, 1.0, 0.0])])
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0]


def test_the_smallest_matrices():
    assert cyclic_shift_matrix(1).tolist() == [[1.0]]
    assert cyclic_shift_matrix(1, 5).tolist() == [[1.0]]
    assert circulant_matrix([3.0], 1).tolist() == [[3.0]]
    with pytest.raises(ValueError, match=r"circulant_matrix: k must be 1-D \(m,\); got 2-D"):
        circulant_matrix(np.ones((2, 2)), 4)


# --- the chapter's figures and widget --------------------------------------------------------------------------


def _photo_and_kernel():
    return cb.grace_hopper(), np.random.default_rng(0).normal(size=(5, 5))


def test_every_figure_of_the_chapter_fits_the_page():
    image, k = _photo_and_kernel()
    sobel = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    n = 12
    c = circulant_matrix(np.arange(1.0, 6.0), n)
    f = np.fft.fft(np.eye(n))
    rows = {s: [best_output_shift(lambda z, s=s: correlate_circular(z, k, stride=s), image[:40, :48], t)
                for t in range(5)] for s in (2, 4)}
    signal = np.random.default_rng(1).normal(size=200)
    figures = [
        chapter.plot_error_map(image, k, (-4, 7)),
        chapter.shift_strip(image[::2, ::2], sobel, [(10, -20), (10, -20)], circular=[False, True]),
        chapter.plot_circulant(c, f @ c @ np.linalg.inv(f)),
        chapter.plot_stride_errors(rows).figure,
        chapter.plot_delay(signal, 40, lambda x: correlate_same(x, np.ones(5))),
    ]
    for fig in figures:
        assert figure_problems(fig) == []
        assert fig.get_figwidth() * fig.dpi <= PAGE_WIDTH_PX
    matplotlib.pyplot.close("all")


def test_error_map_shows_where_the_error_is():
    image, k = _photo_and_kernel()
    fig = chapter.plot_error_map(image, k, (-4, 7))
    err = equivariance_map(lambda z: correlate_same(z, k), lambda z: shift(z, (-4, 7)), image)
    shown = fig.axes[0].images[0].get_array()
    # exact zeros are masked (drawn white), every nonzero error is drawn, on a log scale that starts at the floor
    np.testing.assert_array_equal(np.ma.getmaskarray(shown), err == 0)
    assert (err != 0).sum() > 0 and (err == 0).mean() > 0.9
    norm = fig.axes[0].images[0].norm
    assert isinstance(norm, matplotlib.colors.LogNorm) and norm.vmin == 1e-3 and norm.vmax == err.max()
    # the enlarged corners are drawn on the same scale, at their own pixel coordinates
    bottom_right = fig.axes[2].images[0]
    assert bottom_right.norm is norm and bottom_right.get_extent()[1] == image.shape[1] - 0.5
    matplotlib.pyplot.close(fig)


def test_an_error_map_that_is_zero_everywhere_says_so():
    img = np.random.default_rng(0).random((20, 24))
    fig = shift_strip(img, np.ones((3, 3)), [(2, 3)], circular=True)
    texts = [t.get_text() for t in fig.axes[3].texts]
    assert texts == ["0 everywhere"]
    assert "error 0 everywhere" in fig.subfigs[0]._suptitle.get_text()
    matplotlib.pyplot.close(fig)


def test_strip_titles_use_a_true_minus_sign_and_need_one_flag_per_shift():
    img = np.random.default_rng(0).random((20, 24))
    fig = shift_strip(img, np.ones((3, 3)), [(1, -2)])
    assert fig.subfigs[0]._suptitle.get_text().startswith("shift (1, −2), zero padding: largest error")
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="one circular flag per shift; got 1 for 2 shifts"):
        shift_strip(img, np.ones((3, 3)), [(0, 1), (1, 0)], circular=[True])


def test_shift_widget_controls_wrap_on_a_phone():
    img = np.random.default_rng(0).random((20, 24))
    box = shift_widget(img, np.ones((3, 3)))
    row = box.children[0]
    assert row.layout.flex_flow == "row wrap" and row.layout.width == "100%"
    for control in row.children:
        assert control.layout.min_width == "0" and control.layout.max_width == "100%"
    matplotlib.pyplot.close("all")


def test_shift_text_and_error_table():
    assert chapter.shift_text((-4, 7)) == "(−4, 7)" and chapter.shift_text((0, -20)) == "(0, −20)"
    table = chapter.error_table({("rotate 90°", "random"): 0.5778, ("rotate 90°", "identity"): 0.0,
                                 ("scale × 0.5", "random"): 0.4217, ("scale × 0.5", "identity"): 0.0})
    lines = table.splitlines()
    assert lines[0].split() == ["transform", "random", "identity"]
    assert lines[1].split() == ["rotate", "90°", "57.78", "%", "0"]
    assert lines[2].endswith("0") and "42.17 %" in lines[2]


def test_delay_figure_gives_each_input_one_colour_in_both_panels():
    signal = np.random.default_rng(1).normal(size=100)
    fig = chapter.plot_delay(signal, 20, lambda x: correlate_same(x, np.ones(3)))
    top, bottom = fig.axes
    assert [line.get_color() for line in top.lines] == [line.get_color() for line in bottom.lines]
    np.testing.assert_array_equal(top.lines[1].get_ydata(), shift(signal, 20))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["input", "input delayed by 20"]
    matplotlib.pyplot.close(fig)


# --- the exercises: each solution, computed as the notebook computes it, is accepted; the wrong answers are not ---


def test_exercise_border_solution_is_accepted():
    image = cb.grace_hopper()
    m = equivariance_map(lambda x: correlate_same(x, ex.BORDER_KERNEL), lambda x: shift(x, ex.BORDER_SHIFT), image)
    answer = clean_border(m)
    dy, dx = ex.BORDER_SHIFT
    assert answer == max(abs(dy), abs(dx), ex.BORDER_KERNEL.shape[0] // 2) == 6
    assert ex.check_clean_border(answer)
    r = ex.BORDER_KERNEL.shape[1] // 2
    for wrong in (abs(dx) + r, r, None, 6.5, "6"):
        assert not ex.check_clean_border(wrong)


def test_exercise_stride_solution_is_accepted():
    image = cb.grace_hopper()
    answer = [t for t in range(1, 13)
              if best_output_shift(lambda x: correlate_circular(x, ex.BORDER_KERNEL, stride=4), image, t)[1] == 0.0]
    assert answer == [4, 8, 12]
    assert ex.check_stride_shifts(answer)
    for wrong in ([2, 4, 6, 8, 10, 12], list(range(1, 13)), [4, 8], [4, 4, 8, 12], [0, 4, 8, 12]):
        assert not ex.check_stride_shifts(wrong)


def test_exercise_spectrum_solution_is_accepted():
    k3 = np.array([1.0, 2.0, 3.0])
    c3 = np.roll(np.pad(k3, (0, 5)), -1)
    answer = np.conj(np.fft.fft(c3))
    assert ex.check_circulant_spectrum(answer, k3, 8)
    np.testing.assert_allclose(np.sort_complex(np.round(np.linalg.eigvals(circulant_matrix(k3, 8)), 10)),
                               np.sort_complex(np.round(answer, 10)), atol=1e-9)
    unconjugated = np.fft.fft(c3)
    assert not ex.check_circulant_spectrum(unconjugated, k3, 8)
    assert "conjugate" in ex.check_circulant_spectrum(unconjugated, k3, 8).message
    assert not ex.check_circulant_spectrum(answer[:7], k3, 8)


# --- the two strips of the zero-padding error, the pointwise maps, the column figure and its exercise ---------


def _error_columns(dx, kernel_width, width):
    """The solution of the strip exercise, as the notebook's solution cell writes it."""
    r, d = kernel_width // 2, abs(dx)
    cols = set(range(max(d - r, 0), d)) | set(range(width - r, width))
    return sorted(width - 1 - c for c in cols) if dx < 0 else sorted(cols)


@given(ints(1, 15), st.sampled_from([1, 3, 5, 7, 9]), ints(0, 30), st.booleans(), ints(0, 2**16))
def test_the_error_of_a_zero_filling_shift_lives_in_two_strips(d, k, extra, left, seed):
    width = 2 * (d + k) + extra
    dx = -d if left else d
    assert ex.measured_error_columns(dx, k, width, seed=seed) == _error_columns(dx, k, width)


def test_the_photo_strips_of_the_chapter():
    image, k = _photo_and_kernel()
    err = equivariance_map(lambda z: correlate_same(z, k), lambda z: shift(z, (0, 7)), image)
    assert np.flatnonzero(err.any(axis=0)).tolist() == [5, 6, 318, 319]
    moved_filtered = correlate_same(shift(image, (0, 7)), k)
    assert np.flatnonzero(~moved_filtered.any(axis=0)).tolist() == [0, 1, 2, 3, 4]
    assert clean_border(err) == 7


def test_pointwise_maps_commute_with_zero_filling_shifts_only_when_they_keep_zero():
    y = np.random.default_rng(2).normal(size=(6, 9))
    zero_fill = lambda z: shift(z, (0, 2))  # noqa: E731
    roll = lambda z: shift(z, (0, 2), circular=True)  # noqa: E731
    for phi, keeps_zero in [(lambda z: np.maximum(z, 0), True), (lambda z: np.maximum(z - 0.5, 0), True),
                            (np.tanh, True), (lambda z: np.maximum(z + 0.5, 0), False),
                            (lambda z: 1 / (1 + np.exp(-z)), False)]:
        assert equivariance_error(phi, roll, y, norm="max") == 0.0
        assert (equivariance_error(phi, zero_fill, y, norm="max") == 0.0) == keeps_zero


def test_sharing_makes_a_locally_connected_layer_equivariant():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 1, 12, 14))
    k = rng.normal(size=(3, 3))
    own = rng.normal(size=(10, 12, 1, 1, 3, 3))
    shared = np.broadcast_to(k, own.shape)
    g = lambda z: shift(z, (1, 2))  # noqa: E731
    assert equivariance_error(lambda z: cb.locally_connected2d(z, own), g, x, border=(1, 2)) > 0.5
    assert equivariance_error(lambda z: cb.locally_connected2d(z, shared), g, x, border=(1, 2)) < 1e-14
    assert equivariance_error(lambda z: cb.conv2d(z, k[None, None]), g, x, border=(1, 2)) == 0.0


def test_error_table_of_absolute_errors():
    table = chapter.error_table({("sigmoid", "zero-filling"): 0.5, ("sigmoid", "circular"): 0.0,
                                 ("ReLU", "zero-filling"): 0.0, ("ReLU", "circular"): 0.0}, first="map φ",
                                percent=False)
    lines = table.splitlines()
    assert lines[0].split() == ["map", "φ", "zero-filling", "circular"]
    assert lines[1].split() == ["sigmoid", "0.5", "0"] and lines[2].split() == ["ReLU", "0", "0"]


def test_error_columns_figure_fits_the_page_and_shades_from_the_data():
    image, k = _photo_and_kernel()
    for dx in (7, -3, 1):
        fig = chapter.plot_error_columns(image, k, dx)
        assert figure_problems(fig) == []
        assert fig.get_figwidth() * fig.dpi <= PAGE_WIDTH_PX
        left, right = fig.axes
        bars = [p for p in left.patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb("tab:blue")]
        assert len(bars) == 12
        matplotlib.pyplot.close(fig)
    fig = chapter.plot_error_columns(image, k, 7)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert set(labels) == {"g(f(x)) = 0: vacated by the shift", "f(g(x)) = 0 too", "f(g(x)) reads padding there",
                           "largest error in the column"}
    heights = {int(round(p.get_x() + p.get_width() / 2)): p.get_height() for p in fig.axes[0].patches
               if p.get_facecolor()[:3] == matplotlib.colors.to_rgb("tab:blue")}
    assert [c for c, h in sorted(heights.items()) if h > 0] == [5, 6]
    matplotlib.pyplot.close(fig)


def test_exercise_strips_solution_is_accepted():
    assert ex.check_error_columns(_error_columns)
    assert ex.STRIP_CASES[0] == (7, 5, 320) and len(set(ex.STRIP_CASES)) == len(ex.STRIP_CASES)


def test_exercise_strips_rejects_the_typical_wrong_answers():
    def no_mirror(dx, kw, w):
        return _error_columns(abs(dx), kw, w)

    def whole_frame(dx, kw, w):
        m = max(abs(dx), kw // 2)
        return sorted(set(range(m)) | set(range(w - m, w)))

    def vacated_band(dx, kw, w):  # the old text: all the vacated columns, and r at the far edge
        cols = set(range(abs(dx))) | set(range(w - kw // 2, w))
        return sorted(w - 1 - c for c in cols) if dx < 0 else sorted(cols)

    def strips_of_width_d(dx, kw, w):
        d = abs(dx)
        cols = set(range(d)) | set(range(w - d, w))
        return sorted(w - 1 - c for c in cols) if dx < 0 else sorted(cols)

    def ignores_small_shifts(dx, kw, w):  # d - r without the max(., 0): a negative range start
        r, d = kw // 2, abs(dx)
        cols = set(range(d - r, d)) | set(range(w - r, w))
        return sorted(w - 1 - c for c in cols) if dx < 0 else sorted(cols)

    def forgets_one_tap(dx, kw, w):
        r = max(kw // 2, 1)
        return _error_columns(dx, 2 * r + 1, w)

    fb = ex.check_error_columns(no_mirror)
    assert not fb and "mirrors" in fb.message
    fb = ex.check_error_columns(whole_frame)
    assert not fb and "whole frame" in fb.message
    fb = ex.check_error_columns(vacated_band)
    assert not fb and "not in the error: 0–4" in fb.message
    for wrong in (strips_of_width_d, ignores_small_shifts, forgets_one_tap):
        assert not ex.check_error_columns(wrong)
    fb = ex.check_error_columns(ex.measured_error_columns)
    assert not fb and "measurement itself" in fb.message


@pytest.mark.parametrize("answer", [None, 3, "error_columns", [5, 6, 318, 319], float("nan"),
                                    lambda *a: 1 / 0, lambda *a: None, lambda *a: "5", lambda *a: [float("nan")],
                                    lambda a: [1], lambda *a: [[1, 2]], lambda *a: range(10**9),
                                    lambda *a: np.ones((2, 2)), lambda *a: [0.5], lambda *a: {"a": 1},
                                    lambda *a: (c for c in [1])])
def test_exercise_strips_gives_feedback_on_odd_input(answer):
    fb = ex.check_error_columns(answer)
    assert not fb and fb.message
