"""Speed of convbook against torch and scipy, as ratios measured in one run.

The machine is shared and noisy, so absolute times mean little; each ratio
compares two methods timed back to back in the same process. Run with
``make bench``.
"""

from __future__ import annotations

import platform

import numpy as np
import scipy.signal
import torch

import convbook as cb
from convbook.timing import compare_times


def conv_layer(dtype: type) -> list:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 32, 32, 32)).astype(dtype)
    w = rng.normal(size=(64, 32, 3, 3)).astype(dtype)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    ours = cb.conv2d(x, w, padding=1)
    ref = torch.nn.functional.conv2d(tx, tw, padding=1).numpy()
    assert np.allclose(ours, ref, rtol=1e-3, atol=1e-3)
    return compare_times({
        "torch.nn.functional.conv2d": lambda: torch.nn.functional.conv2d(tx, tw, padding=1),
        "convbook.conv2d (im2col + matmul)": lambda: cb.conv2d(x, w, padding=1),
    }, reference="torch.nn.functional.conv2d")


def correlate_image(k: int) -> list:
    img = cb.grace_hopper()
    kern = np.random.default_rng(1).normal(size=(k, k))
    return compare_times({
        "scipy.signal.correlate2d": lambda: scipy.signal.correlate2d(img, kern, "valid"),
        "convbook.correlate2d": lambda: cb.correlate2d(img, kern, "valid"),
    }, reference="scipy.signal.correlate2d", repeat=5)


def report(title: str, timings: list) -> None:
    print(f"\n{title}")
    for t in timings:
        print(f"  {t.name:38s} {t.seconds * 1e3:10.3f} ms  {t.ratio:7.2f} x")


def main() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}")
    report("conv layer: batch 8, 32 -> 64 channels, 32x32, 3x3, padding 1, float32", conv_layer(np.float32))
    report("same layer in float64", conv_layer(np.float64))
    for k in (2, 3, 7):
        report(f"single-channel correlation of the 280x320 photo, {k}x{k} kernel (float64)", correlate_image(k))


if __name__ == "__main__":
    main()
