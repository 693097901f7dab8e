"""The step-by-step 1-D convolution, the classic kernels, the chapter's figures and its exercises."""

import matplotlib
import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convbook import conv_matrix, correlate1d, correlate2d, grace_hopper, mode_padding
from convbook.chapters import convolution as ch
from convbook.chapters.convolution import (
    classic_kernels,
    conv1d_step_widget,
    conv1d_steps,
    plot_conv1d_step,
    plot_conv1d_steps,
    plot_conv_matrices,
    plot_filtered,
    same_padding_sides,
)
from convbook.exercises import convolution as ex
from convbook.plotting import FIG_WIDTH, figure_problems

matplotlib.use("Agg")
floats = st.floats(-10, 10, allow_nan=False)


@given(arrays(float, st.integers(1, 9), elements=floats), arrays(float, st.integers(1, 4), elements=floats))
def test_steps_sum_to_numpy(x, w):
    if w.shape[0] > x.shape[0]:
        return
    np.testing.assert_allclose([s.value for s in conv1d_steps(x, w)], np.convolve(x, w, "valid"), atol=1e-9)
    np.testing.assert_allclose([s.value for s in conv1d_steps(x, w, flip=False)], np.correlate(x, w, "valid"),
                               atol=1e-9)


def test_classic_kernels():
    k = classic_kernels()
    assert k["Laplacian"].sum() == 0 and k["sharpen"].sum() == 1 and np.isclose(k["box blur"].sum(), 1)
    ramp = np.tile(np.arange(6.0), (5, 1))  # brightness grows to the right
    assert (correlate2d(ramp, k["Sobel x"]) > 0).all()
    assert np.allclose(correlate2d(ramp, k["Laplacian"]), 0)


def test_plots_and_widget():
    x, w = np.array([1.0, 2, 0, -1, 3]), np.array([1.0, 0, -1])
    assert plot_conv1d_step(x, w, 1).get_title().startswith("s[1] = ")
    assert len(plot_conv1d_steps(x, w).axes) == 3
    assert len(conv1d_step_widget(x, w).children) == 2
    matplotlib.pyplot.close("all")


def test_errors():
    with pytest.raises(ValueError, match=r"kernel w with shape \(4,\) is longer than the input x with shape \(3,\)"):
        conv1d_steps(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"t must be in 0..2; got 3"):
        plot_conv1d_step(np.zeros(5), np.zeros(3), 3)
    with pytest.raises(ValueError, match=r"x must be 1-D \(n,\)"):
        conv1d_steps(np.zeros((2, 2)), np.zeros(1))


def test_step_widget_redraws_the_chosen_output(recording):
    import convbook.chapters.convolution as chapter

    calls = recording(chapter, "plot_conv1d_step")
    box = chapter.conv1d_step_widget(np.array([1.0, 2, 0, -1, 3, 1]), np.array([1.0, 0, -1]))
    slider = box.children[0]
    assert slider.max == 3 and calls[-1][0][2] == 0
    slider.value = 2
    assert len(calls) == 2 and calls[-1][0][2] == 2
    matplotlib.pyplot.close("all")


# --- the figures: page width, legible, words for the sums ---------------------------------------------------------

X6, W3 = np.array([1.0, 2, 0, -1, 3, 1]), np.array([1.0, 0, -1])


def _fits(fig):
    assert fig.get_size_inches()[0] <= FIG_WIDTH + 1e-9
    assert figure_problems(fig) == []


def test_step_titles_read_as_arithmetic_with_true_minus_signs():
    assert plot_conv1d_step(X6, W3, 0).get_title() == "s[0] = 1 · (−1) + 2 · 0 + 0 · 1 = −1"
    assert plot_conv1d_step(X6, W3, 3).get_title() == "s[3] = (−1) · (−1) + 3 · 0 + 1 · 1 = 2"
    ax = plot_conv1d_step(X6, W3, 1)
    texts = {t.get_text() for t in ax.texts}
    assert "−1" in texts and "-1" not in texts
    _fits(ax.figure)
    matplotlib.pyplot.close("all")


def test_static_steps_two_a_row_without_empty_panels():
    fig = plot_conv1d_steps(X6, W3)
    assert len(fig.axes) == 4 and [ax.get_title()[:4] for ax in fig.axes] == ["s[0]", "s[1]", "s[2]", "s[3]"]
    right = fig.axes[1]  # rows are named in the left column only
    assert [t.get_text() for t in right.get_yticklabels()] == ["", "", ""]
    _fits(fig)
    assert len(plot_conv1d_steps(X6[:5], W3).axes) == 3  # an odd count: the fourth frame is removed
    assert len(plot_conv1d_steps(X6[:3], W3).axes) == 1
    matplotlib.pyplot.close("all")


def test_conv_matrices_figure(rng):
    t = conv_matrix(W3[None, :], (1, 6), sparse=False)
    m2 = conv_matrix(rng.integers(1, 5, size=(2, 3)).astype(float), (4, 5), sparse=False)
    fig = plot_conv_matrices(t, m2)
    _fits(fig)
    assert [ax.get_title() for ax in fig.axes] == ["1-D: Toeplitz, 4 × 6", "2-D: doubly block Toeplitz, 9 × 20"]
    assert sum(1 for tx in fig.axes[0].texts) == np.count_nonzero(t)  # every nonzero entry is written
    with pytest.raises(ValueError, match=r"two_d must be 2-D \(outputs, inputs\); got shape \(3,\)"):
        plot_conv_matrices(t, np.zeros(3))
    matplotlib.pyplot.close("all")


def test_filtered_figure():
    photo = grace_hopper()[::4, ::4]
    k = classic_kernels()
    names = ["box blur", "Sobel x", "Prewitt x", "Laplacian", "sharpen"]
    outs = {n: correlate2d(photo, k[n], "same") for n in names}
    fig = plot_filtered(photo, outs)
    _fits(fig)
    panels = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert [ax.get_title().split("\n")[0] for ax in panels] == ["photograph", *names]
    shown = {ax.get_title().split("\n")[0]: ax.images[0].get_array() for ax in panels}
    assert shown["sharpen"].max() <= photo.max() and shown["sharpen"].min() >= photo.min()  # clipped for the screen
    assert shown["Sobel x"].min() < 0 < shown["Sobel x"].max()  # signed: not clipped to grey levels
    assert len(plot_filtered(photo, {"box blur": outs["box blur"]}, cols=3).axes) == 2  # no empty frames
    matplotlib.pyplot.close("all")


def test_widget_slider_fits_a_phone():
    slider = conv1d_step_widget(X6, W3).children[0]
    assert slider.layout.width == "100%"
    matplotlib.pyplot.close("all")


# --- where libraries put the extra zero of 'same' padding ----------------------------------------------------------

@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("n, k", [(10, 4), (7, 2), (9, 6), (6, 6)])
def test_same_padding_sides_even_kernels(rng, n, k):
    sig, ker = rng.normal(size=n), rng.normal(size=k)
    sides = same_padding_sides(sig, ker)
    assert sides == {"torch's conv1d": "after", "scipy's correlate2d": "after",
                     "numpy's correlate": "before", "scipy's correlate": "before"}
    # the verdicts mean what they say
    np.testing.assert_allclose(np.correlate(sig, ker, "same"), correlate1d(np.pad(sig, mode_padding(k, "same",
                               convention="numpy")), ker))
    np.testing.assert_allclose(scipy.signal.correlate2d(sig[None], ker[None], "same")[0],
                               correlate1d(np.pad(sig, mode_padding(k, "same")), ker))


def test_same_padding_sides_odd_kernels_and_errors(rng):
    assert set(same_padding_sides(rng.normal(size=8), rng.normal(size=3)).values()) == {"either"}
    with pytest.raises(ValueError, match="is longer than the input"):
        same_padding_sides(np.zeros(3), np.zeros(4))


# --- the exercises: the notebook's solutions pass, the typical wrong answers do not -------------------------------

def test_exercise_output_sizes():
    answer = (28 - 5 + 1, 28, 28 + 5 - 1)  # as the solution computes it
    assert ex.check_mode_sizes(answer)
    wrong = ex.check_mode_sizes((23, 28, 32))  # valid = m - k
    assert not wrong and "not m - k" in wrong.message
    assert not ex.check_mode_sizes(answer[::-1])


def test_exercise_toeplitz():
    answer = np.array([[1, 2, 3, 0, 0], [0, 1, 2, 3, 0], [0, 0, 1, 2, 3]], dtype=float)
    assert ex.check_toeplitz(answer, [1.0, 2.0, 3.0], 5)
    flipped = ex.check_toeplitz(answer[:, ::-1][::-1], [1.0, 2.0, 3.0], 5)  # the convolution's matrix
    assert not flipped and "convolution" in flipped.message
    assert not ex.check_toeplitz(answer[:, :4], [1.0, 2.0, 3.0], 5)


@pytest.mark.parametrize("seed", range(5))
def test_exercise_input_gradient(seed):
    rng = np.random.default_rng(seed)
    xe, we, ge = rng.normal(size=(4, 5)), rng.normal(size=(2, 2)), rng.normal(size=(3, 4))
    answer = scipy.signal.convolve2d(ge, we, "full")  # as the solution computes it
    assert ex.check_input_gradient(answer, xe, we, ge)
    unflipped = ex.check_input_gradient(scipy.signal.correlate2d(ge, we, "full"), xe, we, ge)
    assert not unflipped and "flip" in unflipped.message


def test_exercise_bias_count():
    assert ex.check_bias_count(16)
    per_input = ex.check_bias_count(3)  # one per input channel, as the notes say
    assert not per_input and "INPUT" in per_input.message
    assert not ex.check_bias_count(16 * 30 * 30)  # one per output unit (locally connected)


# --- the figures added for the review (issue #13) ---------------------------------------------------------------

def test_step_figure_draws_output_t_under_input_t():
    ax = plot_conv1d_step(X6, W3, 2)
    outputs = [p for p in ax.patches if p.get_y() < 0.5]  # the output row
    assert [round(p.get_x() + p.get_width() / 2, 6) for p in outputs] == [0, 1, 2]
    matplotlib.pyplot.close("all")


def test_block_lines_between_the_blocks(rng):
    t = conv_matrix(W3[None, :], (1, 6), sparse=False)
    m2 = conv_matrix(rng.integers(1, 5, size=(2, 3)).astype(float), (4, 5), sparse=False)
    fig = plot_conv_matrices(t, m2, blocks=(3, 5))
    _fits(fig)
    ax = fig.axes[1]
    ys = sorted(ln.get_ydata()[0] for ln in ax.lines if ln.get_xdata()[0] != ln.get_xdata()[1] or
                ln.get_ydata()[0] == ln.get_ydata()[1])
    xs = sorted(ln.get_xdata()[0] for ln in ax.lines if ln.get_xdata()[0] == ln.get_xdata()[1])
    assert ys == [2.5, 5.5] and xs == [4.5, 9.5, 14.5]
    with pytest.raises(ValueError, match=r"blocks \(4, 5\) must divide"):
        plot_conv_matrices(t, m2, blocks=(4, 5))
    matplotlib.pyplot.close("all")


def test_worked_example_sums_are_the_correlation(rng):
    x, k = rng.integers(-3, 5, size=(3, 4)).astype(float), rng.integers(-2, 3, size=(2, 2)).astype(float)
    texts = ch.products_2d(x, k)
    values = [[float(t.rsplit("= ", 1)[1].replace("−", "-")) for t in row] for row in texts]
    np.testing.assert_allclose(values, correlate2d(x, k))
    assert all(t.count("·") == 4 for row in texts for t in row)
    _fits(ch.plot_worked_example_2d(x, k))
    with pytest.raises(ValueError, match="does not fit"):
        ch.products_2d(np.zeros((2, 2)), np.zeros((3, 1)))
    matplotlib.pyplot.close("all")


def test_multichannel_figure(rng):
    fig = ch.plot_multichannel(rng.normal(size=(3, 6, 6)), rng.normal(size=(3, 3, 3)))
    _fits(fig)
    with pytest.raises(ValueError, match="one slice per input channel"):
        ch.plot_multichannel(np.zeros((3, 6, 6)), np.zeros((2, 3, 3)))
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("n, k", [(16, 3), (9, 5), (7, 2)])
def test_padding_dilemma_counts(n, k):
    valid, same, full = (ch.stack_sizes(n, k, 4, m) for m in ("valid", "same", "full"))
    assert valid == [max(n - layer * (k - 1), 0) for layer in range(5)]
    assert same == [n] * 5 and full == [n + layer * (k - 1) for layer in range(5)]
    taps = ch.taps_on_pixels((n, n), k, "same")
    assert taps.max() == k * k and taps.min() == (k - k // 2) ** 2  # a corner sees the least of the kernel
    _fits(ch.plot_padding_dilemma(16, 3, 9, (6, 6)))
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("seed", range(6))
def test_learned_kernel_within_tolerance_for_every_seed(seed):
    true = classic_kernels()["Sobel x"]
    losses, learned = ch.learn_kernel(true, seed=seed)  # the notebook's settings, another seed
    assert np.abs(learned - true).max() < ch.LEARN_TOLERANCE
    assert losses[-1] < losses[0] / 100


def test_learned_kernel_figure():
    true = classic_kernels()["Sobel x"]
    losses, learned = ch.learn_kernel(true, steps=50)
    _fits(ch.plot_learned_kernel(losses, learned, true))
    matplotlib.pyplot.close("all")


# --- the implementation exercise: the reader writes corr2d ----------------------------------------------------

def _corr2d_loops(x, k):  # as the solution cell writes it
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    out = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)
    return out


def test_exercise_corr2d_accepts_the_solution():
    assert ex.check_corr2d(_corr2d_loops)
    assert ex.check_corr2d(lambda x, k: _corr2d_loops(x, k).tolist())  # a nested list of the right values is fine
    kinds = {(s[0] > s[1], k[0] == 1, k[1] == 1) for s, k in ex.CORR2D_CASES}
    assert len(kinds) >= 4  # square and non-square inputs, 1 x n and n x 1 kernels


@pytest.mark.parametrize("wrong, words", [
    (lambda x, k: scipy.signal.convolve2d(x, k, "valid"), "flipped"),
    (lambda x, k: scipy.signal.correlate2d(x, k, "same"), "windows that fit"),
    (lambda x, k: scipy.signal.correlate2d(x, k, "full"), "'full' size"),
    (lambda x, k: _corr2d_loops(x, k)[:-1, :-1], "one row and one column short"),
    (lambda x, k: _corr2d_loops(x, k).T, "swapped"),
    (lambda x, k: None, "returned None"),
    (lambda x, k: 1 / 0, "ZeroDivisionError"),
    (lambda x: x, "TypeError"),
    (lambda x, k: "abc", "numeric array"),
    (lambda x, k: np.full(_corr2d_loops(x, k).shape, np.nan), "finite"),
    (lambda x, k: _corr2d_loops(x, k)[0], "2-D"),
    (lambda x, k: np.vstack([_corr2d_loops(x, k)[:-1], 0 * _corr2d_loops(x, k)[-1:]]), "off-by-one"),
    (lambda x, k: _corr2d_loops(x, k) + 1, "should be"),
])
def test_exercise_corr2d_rejects_with_words(wrong, words):
    verdict = ex.check_corr2d(wrong)
    assert not verdict and words in verdict.message, verdict.message


@pytest.mark.parametrize("odd", [None, "corr2d", 3, np.zeros((2, 2)), [1, 2]])
def test_exercise_corr2d_odd_answers_get_feedback(odd):
    verdict = ex.check_corr2d(odd)
    assert not verdict and verdict.message


def test_exercise_corr2d_survives_a_function_that_exits():
    import sys

    assert not ex.check_corr2d(lambda x, k: sys.exit(1))


@pytest.mark.parametrize("seed", range(3))
def test_exercise_find_kernel(seed):
    xf, yf = ex.find_kernel_pair(seed)
    windows = np.lib.stride_tricks.sliding_window_view(xf, (2, 2)).reshape(-1, 4)  # as the solution computes it
    answer = np.linalg.lstsq(windows, yf.ravel(), rcond=None)[0].reshape(2, 2)
    assert ex.check_find_kernel(answer, xf, yf)
    rotated = ex.check_find_kernel(answer[::-1, ::-1], xf, yf)  # the convolution's kernel
    assert not rotated and "180" in rotated.message
    assert not ex.check_find_kernel(answer.T, xf, yf)
    for odd in (None, "k", np.zeros(3), np.zeros((3, 3)), np.full((2, 2), np.nan), [[1, 2], [3]]):
        verdict = ex.check_find_kernel(odd, xf, yf)
        assert not verdict and verdict.message
