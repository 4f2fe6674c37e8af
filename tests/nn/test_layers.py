"""LocallyConnected1d: equals Conv1d with tied kernels, learns per position otherwise."""

import pytest
import torch
from torch import nn

from skspec.nn import LocallyConnected1d


def _tied(conv: nn.Conv1d, length: int, stride: int, padding: int) -> LocallyConnected1d:
    """A LocallyConnected1d whose every position holds the Conv1d's kernel."""
    lc = LocallyConnected1d(
        conv.in_channels, conv.out_channels, conv.kernel_size[0], length,
        stride=stride, padding=padding,
    )
    with torch.no_grad():
        lc.weight.copy_(conv.weight.reshape(conv.out_channels, -1).expand_as(lc.weight))
        lc.bias.copy_(conv.bias[:, None].expand_as(lc.bias))
    return lc


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 2), (2, 1), (3, 0)])
def test_equals_conv1d_when_kernels_are_tied(stride, padding):
    torch.manual_seed(0)
    length = 23
    conv = nn.Conv1d(3, 4, 5, stride=stride, padding=padding)
    lc = _tied(conv, length, stride, padding)
    x = torch.randn(6, 3, length, requires_grad=True)
    out_conv, out_lc = conv(x), lc(x)
    assert out_lc.shape == out_conv.shape == (6, 4, lc.output_length)
    torch.testing.assert_close(out_lc, out_conv, rtol=1e-5, atol=1e-5)
    # gradients match too: the input's exactly, the weight's summed over positions
    g = torch.randn_like(out_conv)
    gx_conv, gw_conv, gb_conv = torch.autograd.grad(out_conv, (x, conv.weight, conv.bias), g)
    gx_lc, gw_lc, gb_lc = torch.autograd.grad(out_lc, (x, lc.weight, lc.bias), g)
    torch.testing.assert_close(gx_lc, gx_conv, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(gw_lc.sum(0), gw_conv.reshape(4, -1), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(gb_lc.sum(1), gb_conv, rtol=1e-4, atol=1e-4)


def test_gradcheck_double():
    torch.manual_seed(0)
    lc = LocallyConnected1d(2, 3, 3, 7, stride=2, padding=1).double()
    x = torch.randn(2, 2, 7, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, b: _apply(lc, x, w, b), (x, lc.weight, lc.bias))


def _apply(lc, x, w, b):
    return torch.func.functional_call(lc, {"weight": w, "bias": b}, (x,))


def test_positions_learn_independently():
    """A target that needs a different kernel per position: LC fits it, Conv1d cannot."""
    torch.manual_seed(0)
    length = 16
    x = torch.randn(64, 1, length)
    sign = torch.where(torch.arange(length) < length // 2, 1.0, -1.0)
    target = x * sign  # left half copies the input, right half flips it

    def fit(layer):
        opt = torch.optim.Adam(layer.parameters(), lr=0.05)
        for _ in range(200):
            opt.zero_grad()
            loss = ((layer(x) - target) ** 2).mean()
            loss.backward()
            opt.step()
        return loss.item()

    lc_loss = fit(LocallyConnected1d(1, 1, 3, length, padding=1))
    conv_loss = fit(nn.Conv1d(1, 1, 3, padding=1))
    assert lc_loss < 1e-3
    assert conv_loss > 0.5


def test_one_position_gradient_touches_only_its_kernel():
    lc = LocallyConnected1d(2, 2, 3, 10, padding=1)
    out = lc(torch.randn(4, 2, 10))
    out[:, :, 4].sum().backward()
    touched = lc.weight.grad.abs().sum(dim=(1, 2)) > 0
    assert touched.tolist() == [i == 4 for i in range(10)]


def test_parameter_count_grows_with_positions():
    lc = LocallyConnected1d(4, 8, 3, 100)
    assert lc.weight.numel() == lc.output_length * 8 * 4 * 3
    assert lc.bias.shape == (8, 98)


def test_no_bias_and_non_contiguous_input():
    torch.manual_seed(0)
    conv = nn.Conv1d(2, 2, 3, bias=False)
    lc = LocallyConnected1d(2, 2, 3, 9, bias=False)
    with torch.no_grad():
        lc.weight.copy_(conv.weight.reshape(2, -1).expand_as(lc.weight))
    x = torch.randn(9, 3, 2).permute(1, 2, 0)  # (3, 2, 9), not contiguous
    torch.testing.assert_close(lc(x), conv(x), rtol=1e-5, atol=1e-5)
    assert lc.bias is None


def test_bad_shapes():
    with pytest.raises(ValueError, match="kernel_size=5 does not fit"):
        LocallyConnected1d(1, 1, 5, 3)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        LocallyConnected1d(1, 1, 3, 8, stride=0)
    lc = LocallyConnected1d(2, 1, 3, 8)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 2, 8\)"):
        lc(torch.zeros(1, 2, 9))
