"""Locally connected (unshared-weight) 1-D convolution.

The forward pass reads every window of the input as a strided view of a
channels-last copy (no ``F.unfold`` copy) and runs one batched matrix product
over output positions; the backward pass is written by hand so that the
gradient of the input is accumulated tap by tap with in-place ``baddbmm_``
into contiguous slices instead of going through ``as_strided``'s slow generic
backward. ``benchmarks/bench_gan.py`` compares this against the alternatives.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["LocallyConnected1d"]


class _LocallyConnected1dFunction(torch.autograd.Function):
    """out[b, o, l] = sum_{j, c} x[b, c, l*s + j] * w[l, j*C + c, o] + bias[l, o]."""

    @staticmethod
    def forward(ctx, x, weight, bias, kernel_size: int, stride: int, padding: int):
        # x: (B, C, L); weight: (L_out, k*C, O) in (tap, channel) order
        n_batch, n_in, length = x.shape
        l_out = weight.shape[0]
        padded = length + 2 * padding
        # one copy into a zero-padded channels-last buffer: a window is k*C contiguous numbers
        x_cl = x.new_empty(n_batch, padded, n_in)
        if padding:  # zero only the margins: a full zero fill costs as much as the copy
            x_cl[:, :padding].zero_()
            x_cl[:, padding + length:].zero_()
        x_cl[:, padding:padding + length].copy_(x.transpose(1, 2))
        windows = x_cl.as_strided(
            (l_out, n_batch, kernel_size * n_in), (stride * n_in, padded * n_in, 1)
        )
        if bias is None:
            out = torch.bmm(windows, weight)
        else:
            out = torch.baddbmm(bias.unsqueeze(1), windows, weight)
        ctx.save_for_backward(x_cl, weight)
        ctx.kernel_size, ctx.stride, ctx.padding = kernel_size, stride, padding
        ctx.has_bias = bias is not None
        return out.permute(1, 2, 0)  # (B, O, L_out), a view of the (L_out, B, O) product

    @staticmethod
    def backward(ctx, grad_out):
        x_cl, weight = ctx.saved_tensors
        k, stride, padding = ctx.kernel_size, ctx.stride, ctx.padding
        n_batch, padded, n_in = x_cl.shape
        l_out = weight.shape[0]
        grad = grad_out.permute(2, 0, 1).contiguous()  # (L_out, B, O); free when laid out like out
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[1]:
            windows_t = x_cl.as_strided(
                (l_out, k * n_in, n_batch), (stride * n_in, 1, padded * n_in)
            )
            grad_w = torch.bmm(windows_t, grad)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad.sum(1)
        if ctx.needs_input_grad[0]:
            # position-major buffer: every tap adds into a contiguous (L_out, B, C) slice
            last = stride * (l_out - 1) + 1
            first = 0
            if stride == 1:  # the first tap writes [0, L_out) directly; zero only the rest
                grad_pos = x_cl.new_empty(padded, n_batch, n_in)
                grad_pos[l_out:].zero_()
                torch.bmm(grad, weight[:, :n_in, :].transpose(1, 2), out=grad_pos[:l_out])
                first = 1
            else:
                grad_pos = x_cl.new_zeros(padded, n_batch, n_in)
            for j in range(first, k):
                tap = weight[:, j * n_in:(j + 1) * n_in, :].transpose(1, 2)
                grad_pos[j:j + last:stride].baddbmm_(grad, tap)
            grad_x = grad_pos[padding:padded - padding].permute(1, 2, 0)
        return grad_x, grad_w, grad_b, None, None, None


class LocallyConnected1d(nn.Module):
    """1-D convolution whose kernel is different at every output position.

    A locally connected ("unshared") layer slides a window over the input like
    :class:`torch.nn.Conv1d`, but every output position ``l`` owns its own
    kernel, so the layer can learn different features in different parts of
    a spectrum (Yang et al. 2021, "Locally Connected Convolution").

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    out_channels : int
        Channels of the output.
    kernel_size : int
        Width of the window.
    input_length : int
        Length of the input (before padding); the number of output positions,
        and therefore of kernels, depends on it:
        ``L_out = (input_length + 2 * padding - kernel_size) // stride + 1``.
    stride : int, default=1
        Step between windows.
    padding : int, default=0
        Zeros added on both sides of the input.
    bias : bool, default=True
        Learn one bias per output position and channel.

    Attributes
    ----------
    weight : torch.nn.Parameter of shape (L_out, out_channels, in_channels * kernel_size)
        ``weight[l]`` is the kernel of position ``l``, flattened like
        ``Conv1d.weight.reshape(out_channels, -1)`` (channel-major, tap-minor).
    bias : torch.nn.Parameter of shape (out_channels, L_out) or None
        Per-position bias.
    output_length : int
        ``L_out``.

    Notes
    -----
    The parameter count is ``L_out * out_channels * in_channels * kernel_size``
    (+ ``L_out * out_channels`` for the bias): a Conv1d's count multiplied by
    the number of output positions. At 3,700 pixels, 16 -> 16 channels and
    ``kernel_size=3`` that is 2.8 million weights for one layer, so keep the
    channel counts small in long layers.

    Inputs are ``(batch, in_channels, input_length)``; outputs are
    ``(batch, out_channels, L_out)``. The output is a permuted view of a
    position-major product (it is not contiguous); call ``.contiguous()`` if a
    later operation needs that.

    Examples
    --------
    >>> import torch
    >>> from skspec.nn import LocallyConnected1d
    >>> layer = LocallyConnected1d(2, 4, kernel_size=3, input_length=10, padding=1)
    >>> layer(torch.zeros(5, 2, 10)).shape
    torch.Size([5, 4, 10])
    >>> tuple(layer.weight.shape)
    (10, 4, 6)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        input_length: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
    ):
        super().__init__()
        for name, value, low in [
            ("in_channels", in_channels, 1),
            ("out_channels", out_channels, 1),
            ("kernel_size", kernel_size, 1),
            ("input_length", input_length, 1),
            ("stride", stride, 1),
            ("padding", padding, 0),
        ]:
            if int(value) != value or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        output_length = (input_length + 2 * padding - kernel_size) // stride + 1
        if output_length < 1:
            raise ValueError(
                f"kernel_size={kernel_size} does not fit in input_length={input_length} "
                f"with padding={padding}"
            )
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = int(kernel_size)
        self.input_length = int(input_length)
        self.stride = int(stride)
        self.padding = int(padding)
        self.output_length = int(output_length)
        fan = self.in_channels * self.kernel_size
        self.weight = nn.Parameter(torch.empty(output_length, out_channels, fan))
        self.bias = nn.Parameter(torch.empty(out_channels, output_length)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), as Conv1d's default init."""
        bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.in_channels or x.shape[2] != self.input_length:
            raise ValueError(
                f"expected input of shape (batch, {self.in_channels}, {self.input_length}), "
                f"got {tuple(x.shape)}"
            )
        l_out, c_in, k = self.output_length, self.in_channels, self.kernel_size
        # (L_out, O, C*k) -> (L_out, k*C, O): tap-major rows match a channels-last window
        weight = (
            self.weight.view(l_out, self.out_channels, c_in, k)
            .permute(0, 3, 2, 1)
            .reshape(l_out, k * c_in, self.out_channels)
        )
        bias = None if self.bias is None else self.bias.t()
        return _LocallyConnected1dFunction.apply(x, weight, bias, k, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"input_length={self.input_length}, stride={self.stride}, "
            f"padding={self.padding}, bias={self.bias is not None}"
        )
