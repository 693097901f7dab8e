"""Speed of convbook against torch and scipy, as ratios measured in one run.

The machine is shared and noisy, so absolute times mean little; each ratio
compares two methods timed in interleaved rounds in the same process, and is
printed as the median over the rounds with the smallest and largest round. Run with
``make bench``. Both sides use one thread (``CONVBOOK_BENCH_THREADS`` sets
another number), so that a ratio compares algorithms, not core counts.
"""

from __future__ import annotations

import os

THREADS = os.environ.get("CONVBOOK_BENCH_THREADS", "1")
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # before numpy loads its BLAS
    os.environ.setdefault(_name, THREADS)

import platform  # noqa: E402

import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402
import torch  # noqa: E402

import convbook as cb  # noqa: E402
from convbook.timing import compare_times  # noqa: E402

torch.set_num_threads(int(THREADS))


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


def layer_gradients() -> list:
    """Input, kernel and bias gradients of a float64 layer: conv2d_backward against torch's backward pass."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 32, 32, 32))
    w = rng.normal(size=(64, 32, 3, 3))
    g = rng.normal(size=(8, 64, 16, 16))
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = torch.zeros(64, dtype=torch.float64, requires_grad=True)
    tg = torch.from_numpy(g)

    def torch_backward():
        y = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
        return torch.autograd.grad(y, (tx, tw, tb), tg)

    ours = cb.conv2d_backward(g, x, w, stride=2, padding=1)
    assert all(np.allclose(a, b.numpy()) for a, b in zip(ours, torch_backward()))
    return compare_times({
        "torch conv2d forward + autograd": torch_backward,
        "convbook.conv2d_backward": lambda: cb.conv2d_backward(g, x, w, stride=2, padding=1),
    }, reference="torch conv2d forward + autograd")


def transposed_layer() -> list:
    """A stride-2 transposed convolution (learned upsampling), float64."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 64, 16, 16))
    w = rng.normal(size=(64, 32, 3, 3))
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    args = dict(stride=2, padding=1, output_padding=1)
    assert np.allclose(cb.conv_transpose2d(x, w, **args), torch.nn.functional.conv_transpose2d(tx, tw, **args))
    return compare_times({
        "torch.nn.functional.conv_transpose2d": lambda: torch.nn.functional.conv_transpose2d(tx, tw, **args),
        "convbook.conv_transpose2d": lambda: cb.conv_transpose2d(x, w, **args),
    }, reference="torch.nn.functional.conv_transpose2d")


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
        print(f"  {t.name:38s} {t.seconds * 1e3:10.3f} ms  {t.ratio:7.2f} x  "
              f"(rounds: {t.ratio_low:.2f} to {t.ratio_high:.2f})")


def main() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}")
    print("each line: median time of one call, and its ratio to the first line: the median over 5 interleaved "
          "rounds, with the smallest and largest round")
    report("conv layer: batch 8, 32 -> 64 channels, 32x32, 3x3, padding 1, float32", conv_layer(np.float32))
    report("same layer in float64", conv_layer(np.float64))
    report("gradients of a stride-2 layer, 32 -> 64 channels, 32x32, 3x3, float64 "
           "(torch: forward + backward)", layer_gradients())
    report("transposed convolution, stride 2, 64 -> 32 channels, 16x16 -> 32x32, 3x3, float64",
           transposed_layer())
    for k in (2, 3, 7):
        report(f"single-channel correlation of the 280x320 photo, {k}x{k} kernel (float64)", correlate_image(k))


if __name__ == "__main__":
    main()
