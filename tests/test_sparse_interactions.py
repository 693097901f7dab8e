"""The chapter *Sparse interactions*: receptive fields by the recursion equal what back-propagation through
torch networks measures; path counts; the stacks drawn from connectivity; the explorer widget."""

import math

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convbook as cb
from convbook import ReceptiveField, conv_connectivity, layer_specs, receptive_field, receptive_inputs
from convbook.chapters.sparse_interactions import (
    COLOURS,
    growth_table,
    path_counts,
    plot_connectivity,
    plot_growth,
    plot_multiplications,
    plot_path_profiles,
    plot_receptive_field,
    plot_seen_from_above,
    plot_seen_from_below,
    plot_stack,
    positions_table,
    power_of_ten,
    receptive_field_empirical,
    receptive_field_panels,
    receptive_field_widget,
    recursion_table,
    stack_connectivity,
)
from convbook.exercises import sparse_interactions as ex
from convbook.plotting import FIG_WIDTH, figure_problems

matplotlib.use("Agg")

layer = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=60)
@given(st.lists(layer, min_size=1, max_size=4), st.integers(0, 1000))
def test_formula_equals_measured_receptive_field(stack, seed):
    assert receptive_field(stack) == receptive_field_empirical(stack, seed=seed)


@pytest.mark.parametrize("stack", [[(3, 1, 1)] * 2, [(3, 2, 1), (2, 2, 1)], [(3, 1, 1), (3, 1, 2), (3, 1, 4)]])
def test_two_dimensional_network_agrees(stack):
    assert receptive_field(stack) == receptive_field_empirical(stack, ndim=2)


def test_known_stacks():
    assert receptive_field([(3, 1, 1)] * 3).size == 7  # three 3x3 see what one 7x7 sees
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]).size == 15  # dilations 1, 2, 4
    # VGG-16: 13 convolutions of 3x3, 5 poolings of 2x2 with stride 2
    vgg = [(3, 1, 1)] * 2 + [(2, 2, 1)] + [(3, 1, 1)] * 2 + [(2, 2, 1)] + ([(3, 1, 1)] * 3 + [(2, 2, 1)]) * 3
    assert receptive_field(vgg) == ReceptiveField(212, 32, receptive_field(vgg).per_layer)
    assert receptive_field([5, (3, 2)]) == receptive_field([(5, 1, 1), (3, 2, 1)])


def test_per_layer_history():
    rf = receptive_field([(3, 2, 1), (3, 1, 1)])
    assert rf.per_layer == ((3, 2), (7, 2))


def test_errors():
    with pytest.raises(ValueError, match=r"at least one \(kernel, stride, dilation\) tuple; got \[\]"):
        receptive_field([])
    with pytest.raises(TypeError, match="layers must be a sequence"):
        receptive_field("3,1,1")
    with pytest.raises(ValueError, match=r"layers\[1\] stride must be an int >= 1; got 0"):
        receptive_field([(3, 1, 1), (3, 0, 1)])
    with pytest.raises(TypeError, match=r"layers\[0\] kernel must be an int >= 1; got 2.5"):
        receptive_field([(2.5, 1, 1)])
    with pytest.raises(ValueError, match=r"layers\[0\] must be \(kernel,\), \(kernel, stride\) or"):
        receptive_field([(3, 1, 1, 1)])
    with pytest.raises(ValueError, match="ndim must be 1 or 2; got 3"):
        receptive_field_empirical([(3, 1, 1)], ndim=3)


@pytest.mark.parametrize("depth, kernel", [(1, 3), (4, 3), (16, 3), (5, 2), (3, 5), (2, 1)])
def test_path_counts_are_polynomial_coefficients(depth, kernel):
    expected = np.array([1.0])
    for _ in range(depth):
        expected = np.convolve(expected, np.ones(kernel))
    counts = path_counts(depth, kernel)
    assert counts.shape == (cb.receptive_field([(kernel, 1, 1)] * depth).size,)
    assert np.array_equal(counts, expected)


def test_path_counts_errors():
    with pytest.raises(ValueError, match="path_counts: depth must be an int >= 1; got 0"):
        path_counts(0)
    with pytest.raises(TypeError, match=r"path_counts: kernel must be an int >= 1; got 2.0 \(float\)"):
        path_counts(2, 2.0)


@given(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4))
def test_highlighted_receptive_field_spans_receptive_field_size(k, s, d, depth):
    layers = stack_connectivity(k, s, d, depth)
    seen = receptive_inputs(layers, 1)[-1]
    assert seen.max() - seen.min() + 1 == receptive_field([(k, s, d)] * depth).size
    assert layers[-1].shape[0] == 3


def test_plots_return_axes_and_figures():
    a = conv_connectivity(5, 3, mode="same")
    assert plot_stack([a], highlight_input=2).get_xlabel() == "unit position"
    assert plot_connectivity(a).get_ylabel() == "output unit"
    assert plot_receptive_field(3, 2, 1, 2).get_title().startswith("kernel 3, stride 2")
    assert len(receptive_field_panels([(3, 1, 1, 1), (2, 2, 1, 2)]).axes) == 2
    matplotlib.pyplot.close("all")


def _figures_of_the_chapter():
    sparse, dense = conv_connectivity(5, 3, mode="same"), cb.dense_connectivity(5, 5)
    sizes = [10, 100, 1000]
    depths = np.arange(1, 5)
    series = {"stride 1": [2 * d + 1 for d in depths], "stride 2": [2 ** (d + 1) - 1 for d in depths]}
    a7 = conv_connectivity(7, 3, mode="same")
    return {
        "below": plot_seen_from_below(sparse, dense, 2),
        "above": plot_seen_from_above(sparse, dense, 2),
        "cost": plot_multiplications(sizes, [n * n for n in sizes], [3 * n for n in sizes]),
        "deep": plot_stack([a7] * 3, highlight_output=3),
        "growth": plot_growth(depths, series),
        "paths": plot_path_profiles({L: path_counts(L) for L in (1, 4, 16)}),
        "panels": receptive_field_panels([(3, 1, 1, 2), (3, 2, 1, 3), (3, 1, 2, 3), (2, 2, 1, 3)]),
        "widest stack": plot_receptive_field(5, 3, 3, 4),
    }


def test_every_figure_of_the_chapter_fits_the_page_and_is_legible():
    for name, drawn in _figures_of_the_chapter().items():
        fig = getattr(drawn, "figure", drawn)
        assert fig.get_figwidth() <= FIG_WIDTH + 1e-9, name
        assert figure_problems(fig) == [], name
    matplotlib.pyplot.close("all")


def test_figures_draw_what_they_are_given():
    sparse, dense = conv_connectivity(5, 3, mode="same"), cb.dense_connectivity(5, 5)
    fig = plot_seen_from_above(sparse, dense, 2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["convolution", "fully connected", "convolution: 13 connections",
                      "fully connected: 25 connections"]
    below = plot_seen_from_below(sparse, dense, 2)
    assert [ax.get_title() for ax in below.axes] == ["convolution, kernel width 3", "fully connected"]
    ax = plot_multiplications([10, 100], [100, 10_000], [30, 300])
    lines = ax.get_lines()
    assert [tuple(line.get_ydata()) for line in lines] == [(100, 10_000), (30, 300)]
    assert [line.get_color() for line in lines] == [COLOURS["dense"], COLOURS["sparse"]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["dense: n × n", "sparse: 3 per output"]
    growth = plot_growth([1, 2, 3], {"a": [3, 5, 7], "b": [3, 7, 15]})
    assert all(float(t).is_integer() for t in growth.get_xticks())
    assert [tuple(line.get_ydata()) for line in growth.get_lines()] == [(3, 5, 7), (3, 7, 15)]
    paths = plot_path_profiles({2: path_counts(2)})
    (line,) = paths.get_lines()
    assert tuple(line.get_xdata()) == (-2, -1, 0, 1, 2)
    assert tuple(line.get_ydata()) == (1 / 3, 2 / 3, 1.0, 2 / 3, 1 / 3)
    matplotlib.pyplot.close("all")


def test_recursion_table_follows_the_recursion_layer_by_layer():
    layers = [(7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 1)]
    rows = recursion_table(layers).splitlines()
    assert rows[0] == "| layer | kernel k | stride s | dilation d | size r | jump j |"
    assert rows[2:] == ["| 1 | 7 | 2 | 1 | 7 | 2 |", "| 2 | 3 | 2 | 1 | 11 | 4 |", "| 3 | 3 | 1 | 1 | 19 | 4 |",
                        "| 4 | 3 | 1 | 1 | 27 | 4 |"]
    assert recursion_table([3, (3, 2)]).splitlines()[2:] == ["| 1 | 3 | 1 | 1 | 3 | 1 |", "| 2 | 3 | 2 | 1 | 5 | 2 |"]
    with pytest.raises(ValueError, match=r"recursion_table: layers must contain at least one \(kernel, stride"):
        recursion_table([])


@pytest.mark.parametrize("x, text", [(25_000_000_000, "2.5 × 10¹⁰"), (10**7, "10⁷"), (3e6, "3 × 10⁶"), (1, "10⁰"),
                                     (0.00125, "1.25 × 10⁻³"), (9.999e5, "10⁶"), (123_456, "1.23 × 10⁵")])
def test_power_of_ten(x, text):
    assert power_of_ten(x) == text


@pytest.mark.parametrize("bad", [0, -5, float("nan")])
def test_power_of_ten_refuses_what_has_no_power_of_ten(bad):
    with pytest.raises(ValueError, match="power_of_ten: x must be a positive number"):
        power_of_ten(bad)


# --- the exercises: the notebook's solution is accepted, the typical wrong answers are not ---------------------

EX_LAYERS = [(5, 2, 1), (3, 1, 2), (2, 2, 1), (3, 1, 1)]


def test_receptive_field_exercise():
    r, j = 1, 1  # the solution cell's recursion
    for k, s, d in EX_LAYERS:
        r, j = r + (k - 1) * d * j, j * s
    assert r == 1 + 4 * 1 + 2 * 2 * 2 + 1 * 2 + 2 * 4 == 23
    assert ex.check_receptive_field(r, EX_LAYERS)
    for wrong, hint in ((1 + 4 + 4 + 1 + 2, "ignores the strides"), (receptive_field(
            [(k, s, 1) for k, s, _ in EX_LAYERS]).size, "ignores the dilations"), (5 + 3 + 2 + 3, "do not add")):
        feedback = ex.check_receptive_field(wrong, EX_LAYERS)
        assert not feedback
        assert hint in feedback.message
    assert not ex.check_receptive_field(None, EX_LAYERS)
    assert not ex.check_receptive_field(22, EX_LAYERS)


def test_outputs_reached_exercise():
    answer = 4 * 3 + 1  # the solution cell's answer
    assert ex.check_outputs_reached(answer)
    for wrong, hint in ((15, "each layer adds kernel - 1"), (5, "only the first layer"),
                        (41, "does not reach every output")):
        feedback = ex.check_outputs_reached(wrong)
        assert not feedback
        assert hint in feedback.message
    assert not ex.check_outputs_reached(None)


def test_local_params_exercise():
    side = 16 - 3 + 1  # the solution cell's answer
    answer = 8 * side * side * 3 * 3 * 3
    assert ex.check_local_params(answer)
    for wrong, hint in ((8 * 3 * 3 * 3, "that is the convolution"), (8 * 16 * 16 * 3 * 3 * 3, "not 16 x 16"),
                        (8 * 14 * 14 * 3 * 3, "all input channels")):
        feedback = ex.check_local_params(wrong)
        assert not feedback
        assert hint in feedback.message
    assert not ex.check_local_params(None)


def test_receptive_field_widget_redraws_for_every_control(recording):
    import convbook.chapters.sparse_interactions as chapter

    calls = recording(chapter, "plot_receptive_field")
    box = receptive_field_widget()
    assert len(box.children) == 3
    sliders = {s.description: s for row in box.children[:2] for s in row.children}
    assert calls[-1][1] == {"kernel": 3, "stride": 1, "dilation": 1, "depth": 2}
    for name, value in (("kernel", 5), ("stride", 2), ("dilation", 3), ("depth", 4)):
        sliders[name].value = value
        assert calls[-1][1][name] == value
    assert len(calls) == 5
    for row in box.children[:2]:  # the slider rows wrap on a phone
        assert row.layout.flex_flow == "row wrap"
        assert all(s.layout.max_width == "100%" for s in row.children)
    matplotlib.pyplot.close("all")


def test_path_counts_refuse_what_float64_cannot_count_exactly():
    assert path_counts(33).max() == max(np.polynomial.polynomial.polypow([1, 1, 1], 33))
    with pytest.raises(ValueError, match=r"path_counts: with kernel=3 .* 3\*\*34, past 2\*\*53.*use depth <= 33"):
        path_counts(34)
    with pytest.raises(ValueError, match=r"use depth <= 10000"):
        path_counts(100_000, kernel=1)


def test_layer_specs_fill_missing_stride_and_dilation_with_one():
    assert layer_specs([3, (3,), (3, 2), (3, 2, 2), np.int64(4)]) == [(3, 1, 1), (3, 1, 1), (3, 2, 1), (3, 2, 2),
                                                                      (4, 1, 1)]
    assert layer_specs([(2, 3, 4)]) == [(2, 3, 4)]  # kernel, stride, dilation in that order
    assert receptive_field([3]) == ReceptiveField(3, 1, ((3, 1),))  # one layer is a stack
    assert receptive_field([(5,)]) == ReceptiveField(5, 1, ((5, 1),))
    assert receptive_field([(2, 2)]) == ReceptiveField(2, 2, ((2, 2),))


def test_layer_specs_errors_name_the_caller_and_the_entry():
    with pytest.raises(TypeError, match=r"^layer_specs: layers must be a sequence of \(kernel, stride, dilation\) "
                                        r"tuples; got int"):
        layer_specs(3)
    for bad, name in (("3,1,1", "str"), ({3: 1}, "dict")):
        with pytest.raises(TypeError, match=rf"^receptive_field: layers must be a sequence .*; got {name}$"):
            receptive_field(bad)
    with pytest.raises(ValueError, match=r"^layer_specs: layers\[1\] must be \(kernel,\), \(kernel, stride\) or "
                                         r"\(kernel, stride, dilation\); got \(3, 1, 1, 1\)"):
        layer_specs([3, (3, 1, 1, 1)])
    with pytest.raises(ValueError, match=r"layers\[0\] must be \(kernel,\).*; got 2.5"):
        layer_specs([2.5])  # a bare float is not a layer
    with pytest.raises(ValueError, match=r"layers\[0\] must be \(kernel,\).*; got True"):
        layer_specs([True])  # nor is a bare bool
    with pytest.raises(TypeError, match=r"layers\[0\] kernel must be an int >= 1; got 2.5 \(float\)"):
        layer_specs([(2.5, 1, 1)])
    with pytest.raises(TypeError, match=r"layers\[0\] dilation must be an int >= 1; got True \(bool\)"):
        layer_specs([(3, 1, True)])


# --- the stride and the jump; the notes' 10^5 units beside the real layers --------------------------------------


def test_growth_table_shows_a_constant_stride_and_a_doubling_jump():
    depth = 8
    rows = growth_table([(3, 2, 1)] * depth, [(3, 1, 2**i) for i in range(depth)]).splitlines()
    assert rows[0] == "| layer | stride | jump | size | dilation | jump | size |"
    cells = [[int(c) for c in row.strip("|").split("|")] for row in rows[2:]]
    assert [c[1] for c in cells] == [2] * depth                          # the stride stays 2
    assert [c[2] for c in cells] == [2**i for i in range(1, depth + 1)]  # the jump doubles
    assert [c[4] for c in cells] == [2**i for i in range(depth)]         # the dilation doubles
    assert [c[5] for c in cells] == [1] * depth                          # and its jump stays 1
    assert [c[3] for c in cells] == [c[6] for c in cells] == [2 ** (i + 1) - 1 for i in range(1, depth + 1)]
    with pytest.raises(ValueError, match="growth_table: the two stacks must have the same number of layers"):
        growth_table([(3, 2, 1)], [(3, 1, 1)] * 2)


def test_positions_table_counts_the_output_positions_of_real_layers():
    rows = positions_table().splitlines()
    assert rows[2] == "| the notes: 100,000 units | none | 100,000 | 25,000,000,000 | 10,000,000 |"
    assert rows[3] == f"| valid, stride 1 | 491 | {491**2:,} | {491**2 * 250_000:,} | {491**2 * 100:,} |"
    assert rows[4] == f"| valid, stride 2 | 246 | {246**2:,} | {246**2 * 250_000:,} | {246**2 * 100:,} |"
    # no stride, nor a pair of strides, gives a valid 10 x 10 layer on 500 x 500 exactly 10^5 positions
    sides = {(500 - 10) // s + 1 for s in range(1, 491)}
    assert all(a * b != 10**5 for a in sides for b in sides)


# --- the exercise that asks for a function: field(layers) ------------------------------------------------------


def _field_solution(layers):  # the solution cell's function
    strides = [s for _, s, _ in layers]
    return 1 + sum((k - 1) * d * math.prod(strides[:i]) for i, (k, _, d) in enumerate(layers))


def _field_recursion(layers):
    r, j = 1, 1
    for k, s, d in layers:
        r, j = r + (k - 1) * d * j, j * s
    return r


def _steps(step, jump, start=1):
    def field(layers):
        r, j = start, 1
        for k, s, d in layers:
            r, j = r + step(k, s, d, j), jump(j, s, d)
        return r
    return field


FIELD_MISTAKES = {
    "the stride of the same layer": _steps(lambda k, s, d, j: (k - 1) * d * j * s, lambda j, s, d: j * s),
    "ignores the strides": lambda layers: 1 + sum((k - 1) * d for k, _, d in layers),
    "ignores the dilations": _steps(lambda k, s, d, j: (k - 1) * j, lambda j, s, d: j * s),
    "multiplied the jump by the dilation": _steps(lambda k, s, d, j: (k - 1) * d * j, lambda j, s, d: j * s * d),
    "number of holes": _steps(lambda k, s, d, j: (k - 1) * (d + 1) * j, lambda j, s, d: j * s),
    "not k * d + 1": _steps(lambda k, s, d, j: k * d * j, lambda j, s, d: j * s),
    "spans do not add up": _steps(lambda k, s, d, j: ((k - 1) * d + 1) * j, lambda j, s, d: j * s, start=0),
    "one short": _steps(lambda k, s, d, j: (k - 1) * d * j, lambda j, s, d: j * s, start=0),
    "total stride of the whole stack": lambda layers: 1 + sum((k - 1) * d for k, _, d in layers) * math.prod(
        s for _, s, _ in layers),
    "kernel sizes added": lambda layers: sum(k for k, _, _ in layers),
}


def test_field_exercise_accepts_the_solution_and_the_recursion():
    for right in (_field_solution, _field_recursion, lambda layers: float(_field_recursion(layers)),
                  lambda layers: np.int64(_field_recursion(layers)), lambda layers: receptive_field(layers).size):
        feedback = ex.check_field_function(right)
        assert feedback, feedback.message
        assert "all 73 stacks" in feedback.message


@pytest.mark.parametrize("hint", sorted(FIELD_MISTAKES))
def test_field_exercise_names_the_typical_mistakes(hint):
    feedback = ex.check_field_function(FIELD_MISTAKES[hint])
    assert not feedback
    expected = "spans do not add up" if hint == "kernel sizes added" else hint  # the same mistake on its stack
    assert expected in feedback.message, feedback.message


def test_field_exercise_finds_the_first_layer_that_goes_wrong():
    def wrong_third(layers):
        return _field_recursion(layers) + (len(layers) == 3)

    feedback = ex.check_field_function(wrong_third)
    assert not feedback
    assert feedback.message.startswith("field([(3, 2, 1), (3, 2, 1), (3, 1, 1)]) returned 16, but")
    assert "right for its first 2 layers (size 7, jump 4) but not after layer 3 = (3, 1, 1)" in feedback.message
    feedback = ex.check_field_function(lambda layers: 42)
    assert "A single layer of kernel 3 and dilation 1 spans (k - 1) * d + 1" in feedback.message


def _raises(layers):
    raise ZeroDivisionError("division by zero")


def _mutates(layers):  # changes the list it is given: the checker's stacks must not change
    r = _field_recursion(layers)
    layers.clear()
    return r


@pytest.mark.parametrize("answer, text", [
    (None, "no answer yet"), (23, "answer should be your function field"), ("field", "got str"),
    ([(3, 1, 1)], "got list"), (lambda: 3, "it should take one argument"), (_raises, "raised ZeroDivisionError"),
    (int, "raised TypeError"), (lambda layers: None, "returned None"), (lambda layers: "7", "returned '7'"),
    (lambda layers: float("nan"), "returned nan"), (lambda layers: 3.5, "returned 3.5"),
    (lambda layers: True, "returned True"), (lambda layers: [3], "returned [3]"),
    (receptive_field, "return its .size"), (lambda layers: 10**400, "returned 1"),
    (lambda layers: _field_recursion(layers) if len(layers) < 4 else -1, "returned -1"),
])
def test_field_exercise_gives_feedback_for_odd_answers(answer, text):
    feedback = ex.check_field_function(answer)
    assert not feedback
    assert text in feedback.message, feedback.message


def test_field_exercise_is_not_fooled_by_a_function_that_changes_its_argument():
    assert ex.check_field_function(_mutates)


@settings(max_examples=40, deadline=None)
@given(st.lists(layer, min_size=1, max_size=6), st.integers(-3, 3).filter(bool))
def test_field_exercise_refuses_a_function_wrong_on_any_one_stack(stack, delta):
    key = tuple(stack)

    def almost(layers):
        return _field_recursion(layers) + (delta if tuple(layers) == key else 0)

    feedback = ex.check_field_function(almost)
    tested = [tuple(s) for s in ex._field_stacks()]
    assert bool(feedback) == (key not in tested)
    assert isinstance(feedback.message, str) and feedback.message


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=5), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.complex_numbers()))
def test_field_exercise_answers_any_value_with_feedback(value):
    feedback = ex.check_field_function(value)
    assert not feedback and feedback.message
    constant = ex.check_field_function(lambda layers: value)
    assert not constant and constant.message
