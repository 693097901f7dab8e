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
