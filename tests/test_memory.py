"""Nothing exhausts memory: operations estimate their largest arrays first and refuse past the limit.

Every case here was found allocating tens of GiB (or growing until killed);
now each is refused at once with the estimate and the argument to change.
The inputs are zero-memory broadcasts, so the tests allocate nothing large.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import convbook as cb
from convbook.chapters.sparse_interactions import path_counts, receptive_field_empirical


@pytest.fixture
def limit():
    previous = cb.get_memory_limit()
    yield
    cb.set_memory_limit(previous)


def big(*shape, dtype=np.float32):
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cb.conv2d(big(8, 64, 512, 512), big(64, 64, 7, 7)),
         r"conv2d: the unfolded windows \(im2col\) of one image would take 2.99 GiB"),
        (lambda: cb.im2col(big(8, 64, 512, 512), 7), r"im2col: the unfolded windows .* would take 23.9 GiB"),
        (lambda: cb.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding=30000),
         r"conv2d: the output \(1, 1, 60002, 60002\) would take 26.8 GiB.*padding"),
        (lambda: cb.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=10**5),
         r"conv_transpose2d: the result \(1, 1, 300003, 300003\) \(with its padding\) would take 671 GiB"),
        (lambda: cb.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), 10**5),
         r"adaptive_avg_pool2d: the output \(1, 1, 100000, 100000\) would take 74.5 GiB"),
        (lambda: cb.adaptive_max_pool2d(np.ones((1, 1, 4, 4)), (1, 10**9)),
         r"adaptive_max_pool2d: the output \(1, 1, 1, 1000000000\) and its indices would take 14.9 GiB"),
        (lambda: cb.adaptive_windows(4, 10**9), r"adaptive_windows: the list of 1,000,000,000 windows"),
        (lambda: cb.max_pool2d(big(64, 64, 512, 512), 3, 1, return_indices=True),
         r"max_pool2d: the windows, compared tap by tap"),
        (lambda: cb.max_pool2d(np.ones((1, 1, 4, 4)), 60001, padding=30000),
         r"max_pool2d: the padded input \(1, 1, 60001, 60001\) would take 26.8 GiB.*less padding"),
        (lambda: cb.correlate2d(big(60000, 60000, dtype=np.float64), np.ones((3, 3)), "full"),
         r"correlate2d: the padded input \(60004, 60004\) would take 26.8 GiB.*mode='valid'"),
        (lambda: cb.locally_connected2d(big(64, 64, 512, 512), big(506, 506, 1, 64, 7, 7)),
         r"locally_connected2d: the unfolded windows"),
        (lambda: receptive_field_empirical([(3, 2, 1)] * 40), r"receptive_field_empirical: a network input of"),
    ],
)
def test_refused_at_once_with_the_estimate(call, match):
    with pytest.raises(cb.MemoryLimitError, match=match) as info:
        call()
    assert "convbook.set_memory_limit" in str(info.value)


def test_path_counts_refuse_deep_stacks_before_building_them():
    with pytest.raises(ValueError, match="path_counts"):
        path_counts(100_000)


def test_the_limit_can_be_raised_and_restored(limit):
    x = np.ones((1, 1, 300, 300))
    cb.set_memory_limit(100_000)
    with pytest.raises(cb.MemoryLimitError, match="over the memory limit of 97.7 KiB"):
        cb.conv2d(x, np.ones((1, 1, 3, 3)), padding=1)
    assert cb.set_memory_limit(None) == 100_000
    assert cb.get_memory_limit() == 2 * 2**30
    assert cb.conv2d(x, np.ones((1, 1, 3, 3)), padding=1).shape == (1, 1, 300, 300)
    for bad in (0, -1, 1.5, True, "1GB"):
        with pytest.raises(ValueError, match="set_memory_limit: nbytes must be an int >= 1"):
            cb.set_memory_limit(bad)


def test_conv2d_goes_a_few_images_at_a_time_when_the_whole_batch_is_over_the_limit(limit, rng):
    x = rng.normal(size=(7, 3, 12, 12))
    w = rng.normal(size=(4, 3, 3, 3))
    one_image = 3 * 9 * 10 * 10 * 8
    cb.set_memory_limit(2 * one_image + 100)   # the output fits, two images' windows fit, seven do not
    with pytest.raises(cb.MemoryLimitError):
        cb.im2col(x, 3)
    out = cb.conv2d(x, w, np.arange(4.0))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.arange(4.0).double())
    np.testing.assert_allclose(out, ref.numpy(), atol=1e-12)


def test_memory_error_is_a_value_error():
    assert issubclass(cb.MemoryLimitError, ValueError)
