import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convbook import compare_times, local_perception, median_time  # noqa: E402
from convbook.chapters.parameter_sharing import (  # noqa: E402
    dense_growth,
    extrapolate,
    plot_dense_growth,
    plot_matrix,
    power_law,
    print_timings,
    show_images,
    tied_gradient,
)


@pytest.fixture(scope="module")
def points():
    return dense_growth(np.array([[-1.0, 1.0]]), [(7, 8), (14, 16), (21, 24)], repeat=1)


def test_dense_growth_agrees_and_counts(points):
    for p in points:
        assert p.max_abs_difference == 0.0
        h, w = p.shape
        assert p.dense.params == (h * w) * (h * (w - 1))
        assert p.sparse.flops == p.conv.flops == h * (w - 1) * 3
        assert set(p.seconds) == {"convolution", "sparse matrix", "dense matrix"}


def test_extrapolate_dense_memory(points):
    exponent, at_full = extrapolate(points, "dense bytes", 280 * 320)
    assert abs(exponent - 2) < 0.05
    assert at_full / (8 * 89_320 * 89_600) == pytest.approx(1, rel=0.25)
    with pytest.raises(ValueError, match=r"quantity must be 'dense bytes' or one of \['convolution'"):
        extrapolate(points, "flops", 10)


def test_power_law_recovers_exponent():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    c, p = power_law(x, 3 * x**1.5)
    assert c == pytest.approx(3) and p == pytest.approx(1.5)


def test_local_perception_numbers_of_seed_003():
    t = local_perception()
    assert t["fully connected"].params == 25_000_000_000
    assert t["locally connected"].params == 10_000_000
    assert t["convolutional"].params == 100
    assert t["locally connected"].multiplies == t["convolutional"].multiplies == 10_000_000
    assert local_perception(kernels=64)["convolutional"].params == 6_400
    with pytest.raises(ValueError, match="units must be an int >= 1"):
        local_perception(units=0)


def test_tied_gradient_three_ways():
    rng = np.random.default_rng(3)
    x, k, g = rng.normal(size=9), rng.normal(size=4), rng.normal(size=6)
    r = tied_gradient(x, k, g)
    np.testing.assert_allclose(r["autograd"], r["summed"], atol=1e-12)
    np.testing.assert_allclose(r["autograd"], r["by_hand"], atol=1e-12)
    assert r["matrix"].shape == (6, 9)
    with pytest.raises(ValueError, match=r"len\(grad_out\) == len\(x\) - len\(k\) \+ 1"):
        tied_gradient(x, k, np.ones(5))


def test_timing_helpers(capsys):
    assert median_time(lambda: sum(range(10)), repeat=3, min_time=1e-4) > 0
    t = compare_times({"a": lambda: None, "b": lambda: sum(range(100))}, reference="a", repeat=3, min_time=1e-4)
    assert [x.name for x in t] == ["a", "b"] and t[0].ratio == 1.0
    print_timings(t, "a", extra={"c": 1.0})
    out = capsys.readouterr().out
    assert "c (estimated)" in out and "ratio to a" in out
    with pytest.raises(ValueError, match=r"reference must be one of \['a'\]"):
        compare_times({"a": lambda: None}, reference="z")


def test_compare_times_interleaves_rounds_and_reports_the_spread_of_the_ratio():
    calls = []
    t = compare_times({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, reference="a",
                      repeat=4, min_time=0.0)
    assert (t[0].ratio, t[0].ratio_low, t[0].ratio_high) == (1.0, 1.0, 1.0)  # the reference against itself
    assert t[1].ratio_low <= t[1].ratio <= t[1].ratio_high
    assert calls[4:] == ["a", "b"] * 4  # after calibration (two calls each), one call per method per round, in turn
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="repeat"):
            compare_times({"a": lambda: None}, reference="a", repeat=bad)


def test_plots_have_labels(points):
    fig, axes = show_images([np.zeros((3, 4)), np.ones((3, 2))], ["a", "b"], symmetric=[False, True])
    assert "4 × 3 pixels" in axes[0].get_title() and "2 × 3 pixels" in axes[1].get_title()
    ax = plot_matrix(np.eye(3))
    assert "input pixel" in ax.get_xlabel() and "output pixel" in ax.get_ylabel()
    fig = plot_dense_growth(points, (28, 32))
    assert all(a.get_xlabel() == "pixels in the image" and a.get_ylabel() for a in fig.axes[:2])
    with pytest.raises(ValueError, match="need one title per image"):
        show_images([np.zeros((2, 2))], [])
    plt.close("all")


def test_map_sizes():
    from convbook.chapters.parameter_sharing import map_sizes

    assert map_sizes(1024, 5) == []
    assert map_sizes(1024, 4) == [(1, 256), (2, 128), (4, 64), (8, 32), (16, 16)]
    assert map_sizes(980, 5) == [(1, 196), (2, 98), (4, 49), (7, 28), (14, 14)]
    with pytest.raises(ValueError, match="channels must be an int >= 1"):
        map_sizes(10, 0)


def test_colour_photo():
    from convbook import grace_hopper

    rgb = grace_hopper(color=True)
    assert rgb.shape == (3, 280, 320)
    grey = grace_hopper()
    luma = np.tensordot([0.299, 0.587, 0.114], rgb, axes=1)
    assert np.abs(luma - grey).mean() < 0.01


# --- the exercises: each solution, computed as its solution cell computes it, is accepted, and each wrong
# answer the chapter discusses is rejected with a reason -----------------------------------------------------

def test_exercise_vertical_edge_flops():
    from convbook import output_size
    from convbook.exercises.parameter_sharing import check_horizontal_edge_flops

    oh, ow = output_size(280, 2), output_size(320, 1)
    answer = oh * ow * 3
    assert (oh, ow) == (279, 320)
    assert check_horizontal_edge_flops(answer)
    wrong = check_horizontal_edge_flops(267_960)  # the horizontal kernel's count
    assert not wrong and "horizontal kernel" in wrong.message
    assert not check_horizontal_edge_flops(oh * ow * 2)  # multiplies only
    assert not check_horizontal_edge_flops(280 * 320 * 3)  # the input size
    assert not check_horizontal_edge_flops(None)


def test_exercise_sobel_nnz():
    from convbook import conv_matrix, grace_hopper, output_size
    from convbook.exercises.parameter_sharing import SOBEL_X, check_sobel_nnz

    oh, ow = output_size(280, 3), output_size(320, 3)
    answer = int(np.count_nonzero(SOBEL_X)) * oh * ow
    assert answer == conv_matrix(SOBEL_X, grace_hopper(width=320, height=280).shape).nnz
    assert check_sobel_nnz(answer)
    wrong = check_sobel_nnz(9 * 318 * 278)  # stores the zero taps
    assert not wrong and "zero taps" in wrong.message
    assert not check_sobel_nnz(6 * 280 * 320)
    assert not check_sobel_nnz(None)


def test_exercise_sobel_flops():
    from convbook import correlate2d_cost
    from convbook.exercises.parameter_sharing import check_sobel_flops

    per_kernel = correlate2d_cost((280, 320), (3, 3))
    answer = 2 * per_kernel.flops
    assert check_sobel_flops(answer)
    wrong = check_sobel_flops(2 * 318 * 278 * 18)  # 9 adds per output
    assert not wrong and "8 adds" in wrong.message
    assert not check_sobel_flops(per_kernel.flops)  # one kernel only
    assert not check_sobel_flops(2 * 318 * 278 * 9)  # multiplies only
    outputs = per_kernel.output_shape[0] * per_kernel.output_shape[1]
    assert per_kernel.flops // outputs == 17
    rows = correlate2d_cost((280, 320), (1, 3))
    both = correlate2d_cost(rows.output_shape, (3, 1))
    assert both.output_shape == per_kernel.output_shape
    assert rows.flops + both.flops < per_kernel.flops


def test_exercise_edge_image():
    from convbook import grace_hopper
    from convbook.exercises.parameter_sharing import check_edge_image

    image = grace_hopper(width=320, height=280)
    assert check_edge_image(image[:, 1:] - image[:, :-1], image)
    wrong = check_edge_image(image[:, :-1] - image[:, 1:], image)  # the other order
    assert not wrong and "negative" in wrong.message
    assert not check_edge_image(image[:, 1:] - image[:, :-1] + 1e-3, image)
    assert not check_edge_image(image[1:, :] - image[:-1, :], image)  # wrong shape


# --- figures and tables of the chapter --------------------------------------------------------------------------

def test_plot_edges_is_legible_at_the_page_width():
    from convbook import correlate2d, grace_hopper
    from convbook.chapters.parameter_sharing import plot_edges
    from convbook.plotting import FIG_WIDTH, figure_problems

    image = grace_hopper(width=320, height=280)
    fig = plot_edges(image, correlate2d(image, np.array([[-1.0, 1.0]])))
    assert fig.get_size_inches()[0] <= FIG_WIDTH and figure_problems(fig) == []
    assert "−1" in fig.axes[1].get_title() and "319 × 280 pixels" in fig.axes[1].get_title()
    with pytest.raises(ValueError, match="image"):
        plot_edges(np.zeros(3), np.zeros((2, 2)))
    plt.close("all")


def test_plot_dense_growth_one_colour_per_method_and_one_legend(points):
    from convbook.chapters.parameter_sharing import METHOD_COLOURS
    from convbook.plotting import FIG_WIDTH, figure_problems

    fig = plot_dense_growth(points, (28, 32))
    assert fig.get_size_inches()[0] <= FIG_WIDTH and figure_problems(fig) == []
    colours = [{line.get_label(): line.get_color() for line in ax.get_lines() if not line.get_label().startswith("_")}
               for ax in fig.axes]
    for name, colour in METHOD_COLOURS.items():
        assert colours[0][name] == colours[1][name] == colour
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    assert "extrapolated to 32 × 28" in [t.get_text() for t in fig.legends[0].get_texts()][-1]
    plt.close("all")


def test_print_layer_costs(capsys):
    from convbook.chapters.parameter_sharing import print_layer_costs

    print_layer_costs(local_perception())
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["layer", "parameters", "multiplies", "memory"]
    assert "25,000,000,000" in out[1] and "200 GB" in out[1]
    assert out[3].split()[-2:] == ["800", "B"] and "10,000,000" in out[3]


# --- review of issue #13: the counts of the figure, the thought experiment of seed 003, the feature maps ----------

def test_weight_ids_and_uses_of_the_three_layers():
    from convbook import conv_matrix
    from convbook.chapters.parameter_sharing import LAYER_KINDS, weight_ids, weight_uses

    conv, local, full = (weight_ids(5, 3, kind) for kind in LAYER_KINDS)
    assert weight_uses(conv).tolist() == [4, 5, 4]
    assert weight_uses(local).tolist() == [1] * 13 and weight_uses(full).tolist() == [1] * 25
    assert np.array_equal(conv >= 0, local >= 0) and (full >= 0).all()
    # the convolution's ids are its matrix: tap j sits where conv_matrix puts k[j]
    k = np.array([10.0, 20.0, 30.0])
    m = conv_matrix(k[None, :], (1, 5), mode="same", sparse=False)
    assert np.array_equal(np.where(conv >= 0, k[conv], 0.0), m)
    assert weight_uses(weight_ids(7, 1, "convolution")).tolist() == [7]
    with pytest.raises(ValueError, match="kind must be one of"):
        weight_ids(5, 3, "tiled")


def test_strides_for_units():
    from convbook import output_size
    from convbook.chapters.parameter_sharing import strides_for_units

    assert strides_for_units(10**5) == []
    assert strides_for_units(491**2) == [(1, 1)]
    assert (2, 3) in strides_for_units(output_size(500, 10, 2) * output_size(500, 10, 3))
    # brute force over every stride pair on a smaller image
    for units in range(1, 60):
        brute = sorted({(a, b) for a in range(1, 21) for b in range(1, 21)
                        if output_size(20, 4, a) * output_size(20, 4, b) == units})
        found = strides_for_units(units, n=(20, 20), kernel=(4, 4))
        assert {(output_size(20, 4, a), output_size(20, 4, b)) for a, b in found} == \
            {(output_size(20, 4, a), output_size(20, 4, b)) for a, b in brute}


def test_strip_perturbations_and_responses():
    from convbook.chapters.parameter_sharing import strip_perturbations, strip_responses

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(1, 2, 6, 20)), rng.normal(size=(3, 2, 3, 3))
    changed, strips, spans = strip_perturbations(x, w, parts=4)
    assert changed.shape == (4, 3) and changed.all()
    assert strips == [(0, 4), (5, 9), (10, 14), (15, 19)]
    assert spans == [(max(a - 2, 0), min(b, 17)) for a, b in strips]
    # a map that responds in one strip only is 0 elsewhere
    maps = np.zeros((2, 3, 8))
    maps[0, :, :2] = 1.0
    maps[1] = 1.0
    r = strip_responses(maps, parts=4)
    assert r[0].tolist() == [4.0, 0.0, 0.0, 0.0] and r[1].tolist() == [1.0] * 4


def test_plot_sharing_and_feature_maps_are_legible():
    from convbook.chapters.parameter_sharing import plot_feature_maps, plot_sharing
    from convbook.plotting import FIG_WIDTH, figure_problems

    fig = plot_sharing()
    assert fig.get_size_inches()[0] <= FIG_WIDTH and figure_problems(fig) == []
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0].startswith("convolution: 3 weights") and "13 weights, each used once" in titles[1]
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) == 3
    fig = plot_feature_maps(np.random.default_rng(0).normal(size=(10, 28, 32)))
    assert fig.get_size_inches()[0] <= FIG_WIDTH and figure_problems(fig) == []
    with pytest.raises(ValueError, match="k must be at most"):
        plot_sharing(k=9)
    plt.close("all")


def test_exercise_horizontal_edge_flops():
    from convbook import output_size
    from convbook.exercises import parameter_sharing as ps

    oh, ow = output_size(280, 2), output_size(320, 1)
    answer = oh * ow * 3
    assert ps.check_horizontal_edge_flops(answer)
    wrong = ps.check_horizontal_edge_flops(267_960)
    assert not wrong and "horizontal kernel" in wrong.message
    for odd in (None, "803520", float("nan"), [answer], np.zeros(2), answer + 0.5):
        fb = ps.check_horizontal_edge_flops(odd)
        assert not fb and fb.message


def _matrix_solution(k, n):
    m = len(k)
    out = np.zeros((n - m + 1, n))
    for i in range(n - m + 1):
        out[i, i:i + m] = k
    return out


def test_exercise_conv1d_matrix_accepts_the_solution():
    from convbook import correlate1d
    from convbook.exercises.parameter_sharing import _cases, check_conv1d_matrix

    assert check_conv1d_matrix(_matrix_solution)
    assert check_conv1d_matrix(lambda k, n: _matrix_solution(list(k), n).tolist())  # a nested list is fine too
    import scipy.sparse as sp

    assert check_conv1d_matrix(lambda k, n: sp.csr_array(_matrix_solution(k, n)))  # so is a sparse matrix
    # the cases are what the message says: 1 to 4 taps, inputs up to 8, every tap distinct (flips show)
    cases = _cases()
    assert {len(k) for k, _ in cases} == {1, 2, 3, 4} and max(n for _, n in cases) <= 8
    assert all(len(set(np.abs(k))) == len(k) for k, _ in cases)
    x = np.arange(1.0, 9.0)
    assert np.allclose(_matrix_solution(np.array([0.5, -1.0, 2.0]), 8) @ x, correlate1d(x, [0.5, -1.0, 2.0]))


def test_exercise_conv1d_matrix_explains_the_first_mismatch():
    from convbook.exercises.parameter_sharing import check_conv1d_matrix

    def flipped(k, n):
        return _matrix_solution(k[::-1], n)

    def transposed(k, n):
        return _matrix_solution(k, n).T

    def full_rows(k, n):
        return np.zeros((n + len(k) - 1, n))

    def off_by_one(k, n):
        out = _matrix_solution(k, n)
        return np.roll(out, 1, axis=1)

    def only_first_case(k, n):  # right on the easy case, wrong on the others
        return _matrix_solution(k, n) if n == 5 else np.zeros((n - len(k) + 1, n))

    def raises(k, n):
        raise IndexError("index 5 is out of bounds")

    expect = {
        flipped: "kernel flipped",
        transposed: "transpose",
        full_rows: "one row per output",
        off_by_one: "differs at",
        only_first_case: "case 2 of",
        raises: "raised IndexError",
        (lambda k: k): "raised TypeError",
        (lambda k, n: "text"): "numeric array",
        (lambda k, n: np.full((n - len(k) + 1, n), np.nan)): "nan",
        (lambda k, n: 2 * _matrix_solution(k, n)): "constant factor",
        (lambda k, n: None): "missing return",
        (lambda k, n: ...): "missing return",
    }
    for fn, words in expect.items():
        fb = check_conv1d_matrix(fn)
        assert not fb and words in fb.message, (words, fb.message)
    for odd in (None, 3, "matrix", [[1.0, 2.0]], np.eye(3), float("nan"), {"k": 1}):
        fb = check_conv1d_matrix(odd)
        assert not fb and fb.message


def test_exercise_conv1d_matrix_does_not_let_the_reader_change_the_cases():
    from convbook.exercises.parameter_sharing import check_conv1d_matrix

    def destructive(k, n):
        out = _matrix_solution(k, n)
        k[:] = 0  # a function that writes into its argument does not spoil the next case
        return out

    assert check_conv1d_matrix(destructive)


def test_exercise_conv1d_matrix_answers_any_value_with_feedback():
    import warnings

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from convbook.exercises import Feedback
    from convbook.exercises.parameter_sharing import check_conv1d_matrix

    values = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=4), st.binary(max_size=4),
                       st.lists(st.floats(), max_size=4), st.from_type(object),
                       st.functions(like=lambda k, n: None, returns=st.one_of(
                           st.none(), st.integers(), st.text(max_size=3), st.lists(st.lists(st.floats(), max_size=3),
                                                                                   max_size=3))))

    @settings(max_examples=60, deadline=None)
    @given(values)
    def run(value):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fb = check_conv1d_matrix(value)
        assert isinstance(fb, Feedback) and fb.message.strip() and not fb.ok

    run()
