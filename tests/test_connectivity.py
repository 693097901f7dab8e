"""Connectivity matrices and the sets the figures highlight, against conv_matrix."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convbook import (
    affected_outputs,
    check_stack,
    conv_connectivity,
    conv_matrix,
    dense_connectivity,
    receptive_inputs,
)


@given(st.integers(1, 12), st.integers(1, 5), st.sampled_from(["valid", "same", "full"]))
def test_connectivity_is_the_nonzero_pattern_of_the_conv_matrix(n, k, mode):
    if mode == "valid" and k > n:
        return
    m = conv_matrix(np.ones((1, k)), (1, n), mode, sparse=False) != 0
    np.testing.assert_array_equal(conv_connectivity(n, k, mode=mode), m)


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
    with pytest.raises(ValueError, match=r"check_stack: layers must be a non-empty sequence of 2-D"):
        check_stack([np.zeros(3)])


def test_connectivity_matrices_are_boolean_down_to_a_single_unit():
    for a in (conv_connectivity(5, 3), conv_connectivity(4, 2, mode="full"), dense_connectivity(3, 4)):
        assert a.dtype == bool
    np.testing.assert_array_equal(dense_connectivity(1, 4), np.ones((1, 4), dtype=bool))  # one output
    np.testing.assert_array_equal(dense_connectivity(3, 1), np.ones((3, 1), dtype=bool))  # one input
    assert dense_connectivity(1, 1).dtype == bool
    # check_stack reads any array by its nonzero pattern and hands back bool arrays
    mats = check_stack([np.array([[0, 2], [1, 0]]), np.array([[0.5, 0.0]])])
    assert [m.dtype for m in mats] == [bool, bool]
    assert [m.tolist() for m in mats] == [[[False, True], [True, False]], [[True, False]]]


def test_dilation_spreads_the_taps_and_shortens_the_output():
    # 7 inputs, 3 taps 2 apart span 5 inputs: 7 - 5 + 1 = 3 outputs
    np.testing.assert_array_equal(conv_connectivity(7, 3, dilation=2).astype(int),
                                  [[1, 0, 1, 0, 1, 0, 0],
                                   [0, 1, 0, 1, 0, 1, 0],
                                   [0, 0, 1, 0, 1, 0, 1]])
    a = conv_connectivity(9, 3, stride=2, dilation=2)  # (9 - 5) // 2 + 1 = 3 outputs
    assert [np.flatnonzero(row).tolist() for row in a] == [[0, 2, 4], [2, 4, 6], [4, 6, 8]]


def test_first_and_last_units_through_a_narrowing_stack():
    stack = [conv_connectivity(9, 3), conv_connectivity(7, 3), conv_connectivity(5, 3)]  # 9 -> 7 -> 5 -> 3
    assert [r.tolist() for r in affected_outputs(stack, 0)] == [[0], [0], [0]]
    assert [r.tolist() for r in affected_outputs(stack, 8)] == [[6], [4], [2]]
    assert [r.tolist() for r in affected_outputs(stack, 4)] == [[2, 3, 4], [0, 1, 2, 3, 4], [0, 1, 2]]
    assert [r.tolist() for r in receptive_inputs(stack, 0)] == [[0, 1, 2], [0, 1, 2, 3, 4], list(range(7))]
    assert [r.tolist() for r in receptive_inputs(stack, 2)] == [[2, 3, 4], [2, 3, 4, 5, 6], list(range(2, 9))]
    # one layer: a row and a column of its matrix
    a = conv_connectivity(5, 3)
    assert [r.tolist() for r in receptive_inputs([a], 0)] == [[0, 1, 2]]
    assert [r.tolist() for r in receptive_inputs([a], 2)] == [[2, 3, 4]]
    assert [r.tolist() for r in affected_outputs([a], 2)] == [[0, 1, 2]]


def test_one_matrix_is_a_one_layer_stack():
    a = dense_connectivity(4, 3)
    assert [r.tolist() for r in affected_outputs(a, 2)] == [[0, 1, 2, 3]]
    assert [r.tolist() for r in receptive_inputs(a, 3)] == [[0, 1, 2]]
    assert [m.shape for m in check_stack(a)] == [(4, 3)]


def test_weights_count_by_their_nonzero_pattern():
    a = conv_connectivity(6, 3)
    w = np.where(a, np.array([0.5, -1.0, 0.25, 3.0, -0.5, 2.0]), 0.0)  # real weights, signs mixed
    for layers in ([w], [w, conv_connectivity(4, 2)]):
        bools = [np.asarray(m) != 0 for m in layers]
        for i in range(6):
            assert [r.tolist() for r in affected_outputs(layers, i)] == [r.tolist() for r in affected_outputs(bools, i)]
        top = layers[-1].shape[0]
        for o in range(top):
            assert [r.tolist() for r in receptive_inputs(layers, o)] == [r.tolist() for r in receptive_inputs(bools, o)]


def test_index_bounds_and_caller_names():
    a = conv_connectivity(5, 3)
    with pytest.raises(ValueError, match=r"i must be < 5 \(the number of inputs\); got 5"):
        affected_outputs([a], 5)
    with pytest.raises(ValueError, match=r"o must be < 3 \(the top layer's units\); got 3"):
        receptive_inputs(a, 3)
    with pytest.raises(ValueError, match=r"affected_outputs: i must be an int >= 0; got -1"):
        affected_outputs([a], -1)
    with pytest.raises(ValueError, match=r"receptive_inputs: o must be an int >= 0; got -1"):
        receptive_inputs([a], -1)
    with pytest.raises(ValueError, match=r"^affected_outputs: layers must be a non-empty sequence"):
        affected_outputs([], 0)
    with pytest.raises(ValueError, match=r"^receptive_inputs: layer with shape \(3, 5\) cannot follow"):
        receptive_inputs([a, a], 0)
