"""Connectivity matrices and the sets the figures highlight, against conv_matrix and receptive_field."""

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convbook import conv_matrix, receptive_field
from convbook.connectivity import (
    affected_outputs,
    conv_connectivity,
    dense_connectivity,
    plot_connectivity,
    plot_stack,
    receptive_inputs,
)
from convbook.receptive_widgets import (
    plot_receptive_field,
    receptive_field_panels,
    receptive_field_widget,
    stack_connectivity,
)

matplotlib.use("Agg")


@given(st.integers(1, 12), st.integers(1, 5), st.sampled_from(["valid", "same", "full"]))
def test_connectivity_is_the_nonzero_pattern_of_the_conv_matrix(n, k, mode):
    if mode == "valid" and k > n:
        return
    m = conv_matrix(np.ones((1, k)), (1, n), mode, sparse=False) != 0
    np.testing.assert_array_equal(conv_connectivity(n, k, mode=mode), m)


@given(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4))
def test_highlighted_receptive_field_spans_receptive_field_size(k, s, d, depth):
    layers = stack_connectivity(k, s, d, depth)
    seen = receptive_inputs(layers, 1)[-1]
    assert seen.max() - seen.min() + 1 == receptive_field([(k, s, d)] * depth).size
    assert layers[-1].shape[0] == 3


def test_an_input_reaches_k_outputs_per_layer():
    a = conv_connectivity(11, 3, mode="same")
    reach = affected_outputs([a, a, a], 5)
    assert [len(r) for r in reach] == [3, 5, 7]
    assert len(affected_outputs([dense_connectivity(11, 11)], 5)[0]) == 11


def test_errors():
    with pytest.raises(ValueError, match="mode='same' is only defined here for stride=1"):
        conv_connectivity(5, 3, stride=2, mode="same")
    with pytest.raises(ValueError, match=r"cannot follow one with \(3, 5\)"):
        affected_outputs([conv_connectivity(5, 3), conv_connectivity(5, 3)], 0)
    with pytest.raises(ValueError, match=r"i must be < 5 \(the number of inputs\); got 7"):
        affected_outputs([conv_connectivity(5, 3)], 7)
    with pytest.raises(ValueError, match=r"o must be < 3 \(the top layer's units\); got 3"):
        receptive_inputs([conv_connectivity(5, 3)], 3)
    with pytest.raises(ValueError, match="a must be 2-D"):
        plot_connectivity(np.zeros(3))


def test_plots_return_axes_and_figures():
    a = conv_connectivity(5, 3, mode="same")
    assert plot_stack([a], highlight_input=2).get_xlabel() == "unit position"
    assert plot_connectivity(a).get_ylabel() == "output unit"
    assert plot_receptive_field(3, 2, 1, 2).get_title().startswith("kernel 3, stride 2")
    assert len(receptive_field_panels([(3, 1, 1, 1), (2, 2, 1, 2)]).axes) == 2
    matplotlib.pyplot.close("all")


def test_widget_builds():
    box = receptive_field_widget()
    assert len(box.children) == 3
    matplotlib.pyplot.close("all")
