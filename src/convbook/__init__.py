"""convbook: the library behind the executable textbook on convolutional networks.

numpy implementations of the operations the book explains, each with a
plain-loop specification, a cost model that produces every count the book
states, and the helpers the notebooks use to assert their claims.
"""

from __future__ import annotations

from .backward import conv2d_backward
from .claims import ClaimError, claim
from .conv import conv2d, conv2d_naive, im2col
from .correlate import convolve1d, convolve2d, correlate1d, correlate2d, correlate2d_naive
from .cost import (
    Cost,
    OpCount,
    conv2d_cost,
    correlate2d_cost,
    cost_table,
    count_ops,
    dense_matrix_cost,
    format_bytes,
    locally_connected_cost,
    sparse_matrix_cost,
)
from .data import digits, grace_hopper
from .equivariance import (
    circulant_matrix,
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
from .local import locally_connected2d, locally_connected2d_naive
from .matrix import circulant_spectrum_rank, conv_matrix, matvec_naive, operator_matrix, sparse_matvec_naive
from .pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_naive,
    global_avg_pool2d,
    lp_pool2d,
    lp_pool2d_backward,
    lp_pool2d_naive,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_naive,
    maxout,
)
from .receptive import ReceptiveField, path_counts, receptive_field, receptive_field_empirical
from .shapes import mode_padding, output_size, transposed_output_size
from .transpose import conv_transpose2d, conv_transpose2d_naive

__version__ = "0.1.0"

__all__ = [
    "ClaimError",
    "Cost",
    "OpCount",
    "ReceptiveField",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_naive",
    "circulant_matrix",
    "circulant_spectrum_rank",
    "claim",
    "conv2d",
    "conv2d_backward",
    "conv2d_cost",
    "conv2d_naive",
    "conv_matrix",
    "conv_transpose2d",
    "conv_transpose2d_naive",
    "convolve1d",
    "convolve2d",
    "correlate1d",
    "correlate2d",
    "correlate2d_cost",
    "correlate2d_naive",
    "correlate_circular",
    "correlate_circular_fft",
    "correlate_same",
    "cost_table",
    "count_ops",
    "cyclic_shift_matrix",
    "dense_matrix_cost",
    "digits",
    "equivariance_error",
    "equivariance_map",
    "format_bytes",
    "global_avg_pool2d",
    "grace_hopper",
    "im2col",
    "locally_connected2d",
    "locally_connected2d_naive",
    "locally_connected_cost",
    "lp_pool2d",
    "lp_pool2d_backward",
    "lp_pool2d_naive",
    "matvec_naive",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_naive",
    "maxout",
    "mode_padding",
    "operator_matrix",
    "output_size",
    "path_counts",
    "receptive_field",
    "receptive_field_empirical",
    "rescale",
    "rotate",
    "shift",
    "sparse_matrix_cost",
    "sparse_matvec_naive",
    "transposed_output_size",
]
