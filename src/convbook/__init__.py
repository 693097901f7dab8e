"""convbook: the library behind the executable textbook on convolutional networks.

numpy implementations of the operations the book explains, each with a
plain-loop specification, a cost model that produces every count the book
states, and the helpers the notebooks use to assert their claims.
"""

from __future__ import annotations

from .claims import ClaimError, claim
from .conv import conv2d, conv2d_naive, im2col
from .correlate import convolve1d, convolve2d, correlate1d, correlate2d, correlate2d_naive
from .cost import (
    Cost,
    OpCount,
    conv2d_cost,
    correlate2d_cost,
    count_ops,
    dense_matrix_cost,
    locally_connected_cost,
    sparse_matrix_cost,
)
from .data import digits, grace_hopper
from .local import locally_connected2d, locally_connected2d_naive
from .matrix import conv_matrix, matvec_naive, sparse_matvec_naive
from .shapes import mode_padding, output_size

__version__ = "0.1.0"

__all__ = [
    "ClaimError",
    "Cost",
    "OpCount",
    "claim",
    "conv2d",
    "conv2d_cost",
    "conv2d_naive",
    "conv_matrix",
    "convolve1d",
    "convolve2d",
    "correlate1d",
    "correlate2d",
    "correlate2d_cost",
    "correlate2d_naive",
    "count_ops",
    "dense_matrix_cost",
    "digits",
    "grace_hopper",
    "im2col",
    "locally_connected2d",
    "locally_connected2d_naive",
    "locally_connected_cost",
    "matvec_naive",
    "mode_padding",
    "output_size",
    "sparse_matrix_cost",
    "sparse_matvec_naive",
]
