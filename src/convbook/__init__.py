"""convbook: the library behind the executable textbook on convolutional networks.

The core (this package's modules) is numpy and scipy only: the operations the
book explains, each with a plain-loop ``*_naive`` specification, the shape
arithmetic and cost model that produce every size and count the book states,
and the helpers the notebooks use to assert their claims. Every public name
of the core is exported here, so ``import convbook as cb`` and ``cb.X`` reach
all of it. Each chapter's experiments, figures and widgets live in
:mod:`convbook.chapters` (one module per notebook, same stem), its exercise
checkers in :mod:`convbook.exercises`, and shared drawing helpers in
:mod:`convbook.plotting`; only those import torch, matplotlib or ipywidgets.
"""

from __future__ import annotations

from .claims import GLUED, REGISTRY, Claim, ClaimError, claim, claim_group, format_value, glue
from .connectivity import affected_outputs, check_stack, conv_connectivity, dense_connectivity, receptive_inputs
from .conv import conv2d, conv2d_backward, conv2d_naive, im2col
from .correlate import convolve1d, convolve2d, correlate1d, correlate2d, correlate2d_naive
from .cost import (
    Cost,
    OpCount,
    conv2d_cost,
    correlate2d_cost,
    cost_table,
    count_ops,
    dense_matrix_cost,
    local_perception,
    locally_connected_cost,
    sparse_matrix_cost,
)
from .data import digits, grace_hopper
from .equivariance import (
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
from .gabor import gabor, gabor_kernel, gabor_naive, grating, kernel_grid
from .local import locally_connected2d, locally_connected2d_naive
from .matrix import circulant_spectrum_rank, conv_matrix, matvec_naive, operator_matrix, sparse_matvec_naive
from .memory import MemoryLimitError, array_bytes, check_memory, format_bytes, get_memory_limit, set_memory_limit
from .pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    adaptive_pool2d_naive,
    adaptive_windows,
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
    maxout_naive,
)
from .receptive import ReceptiveField, layer_specs, receptive_field
from .shapes import Geometry, IntPair, Mode, Padding, Size2, mode_padding, output_size, transposed_output_size
from .timing import Timing, compare_times, median_time
from .transpose import conv_transpose2d, conv_transpose2d_naive
from .variants import (
    channel_shuffle,
    depthwise_separable_conv2d,
    dilation_coverage,
    hdc_ok,
    hdc_rule,
    squeeze_excitation,
    tiled_conv2d,
    tiled_conv2d_cost,
    tiled_conv2d_naive,
)

__version__ = "0.1.0"

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "adaptive_pool2d_naive",
    "adaptive_windows",
    "affected_outputs",
    "array_bytes",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_naive",
    "best_output_shift",
    "channel_shuffle",
    "check_memory",
    "check_stack",
    "circulant_matrix",
    "circulant_spectrum_rank",
    "Claim",
    "claim",
    "claim_group",
    "ClaimError",
    "clean_border",
    "compare_times",
    "conv2d",
    "conv2d_backward",
    "conv2d_cost",
    "conv2d_naive",
    "conv_connectivity",
    "conv_matrix",
    "conv_relu_stack",
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
    "Cost",
    "cost_table",
    "count_ops",
    "cyclic_shift_matrix",
    "dense_connectivity",
    "dense_matrix_cost",
    "depthwise_separable_conv2d",
    "digits",
    "dilation_coverage",
    "equivariance_error",
    "equivariance_map",
    "format_bytes",
    "format_value",
    "gabor",
    "gabor_kernel",
    "gabor_naive",
    "Geometry",
    "get_memory_limit",
    "global_avg_pool2d",
    "glue",
    "GLUED",
    "grace_hopper",
    "grating",
    "hdc_ok",
    "hdc_rule",
    "im2col",
    "IntPair",
    "kernel_grid",
    "layer_specs",
    "local_perception",
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
    "maxout_naive",
    "median_time",
    "MemoryLimitError",
    "Mode",
    "mode_padding",
    "OpCount",
    "operator_matrix",
    "output_size",
    "Padding",
    "receptive_field",
    "receptive_inputs",
    "ReceptiveField",
    "REGISTRY",
    "rescale",
    "rotate",
    "set_memory_limit",
    "shift",
    "Size2",
    "sparse_matrix_cost",
    "sparse_matvec_naive",
    "squeeze_excitation",
    "tiled_conv2d",
    "tiled_conv2d_cost",
    "tiled_conv2d_naive",
    "Timing",
    "transposed_output_size",
]
