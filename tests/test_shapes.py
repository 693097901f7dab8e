import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from convbook import mode_padding, output_size


@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3))
def test_output_size_matches_torch_conv(n, k, s, p, d):
    if d * (k - 1) + 1 > n + 2 * p:
        with pytest.raises(ValueError, match="kernel spans"):
            output_size(n, k, s, p, d)
        return
    x = torch.zeros(1, 1, 1, n)
    w = torch.zeros(1, 1, 1, k)
    out = torch.nn.functional.conv2d(x, w, stride=(1, s), padding=(0, p), dilation=(1, d))
    assert output_size(n, k, s, p, d) == out.shape[-1]


@given(n=st.integers(1, 40), k=st.integers(1, 6), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3),
       ceil=st.booleans())
def test_output_size_matches_torch_pooling(n, k, s, p, d, ceil):
    if p > k // 2 or d * (k - 1) + 1 > n + 2 * p:
        return
    x = torch.zeros(1, 1, 1, n)
    out = torch.nn.functional.max_pool2d(x, (1, k), (1, s), (0, p), (1, d), ceil_mode=ceil)
    assert output_size(n, k, s, p, d, ceil_mode=ceil) == out.shape[-1]


def test_pooling_example_of_the_notes():
    # N=6, W=3, S=2: floor gives 2, ceil gives 3 (CLAIMS A12, B16)
    assert output_size(6, 3, 2) == 2
    assert output_size(6, 3, 2, ceil_mode=True) == 3


@pytest.mark.parametrize("m", range(1, 12))
@pytest.mark.parametrize("k", range(1, 6))
def test_mode_sizes(m, k):
    if k > m:
        return
    sizes = {mode: output_size(m, k, padding=mode_padding(k, mode)) for mode in ("valid", "same", "full")}
    assert sizes == {"valid": m - k + 1, "same": m, "full": m + k - 1}


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n=0, kernel=1), ValueError, r"n must be an int >= 1; got 0"),
        (dict(n=5, kernel=0), ValueError, r"kernel must be an int >= 1"),
        (dict(n=5, kernel=2, stride=0), ValueError, r"stride must be an int >= 1; got 0"),
        (dict(n=5, kernel=2, dilation=0), ValueError, r"dilation must be an int >= 1"),
        (dict(n=5, kernel=2, padding=-1), ValueError, r"padding must be an int >= 0; got -1"),
        (dict(n=5, kernel=2.0), TypeError, r"kernel must be an int >= 1; got 2.0 \(float\)"),
        (dict(n=3, kernel=3, dilation=2), ValueError, r"kernel spans 5 positions .* padded input has only 3"),
    ],
)
def test_output_size_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        output_size(**kwargs)


def test_mode_padding_errors():
    with pytest.raises(ValueError, match=r"mode must be one of 'valid', 'same', 'full'; got 'half'"):
        mode_padding(3, "half")
    with pytest.raises(ValueError, match=r"convention must be 'scipy', 'numpy' or 'flipped'"):
        mode_padding(3, "same", "torch")
