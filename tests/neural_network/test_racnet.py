"""The RACNet torch module: shapes, parameter count, any input length, BN folding."""

import pickle

import numpy as np
import pytest
import torch

from skspec.neural_network import ChannelAttention, RACNet, fold_batchnorm


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_default_parameter_count_matches_paper_scale():
    # the paper's RAC-Net: ~0.76 M parameters at 3,700 pixels with 8 stages
    net = RACNet(3700, 4)
    assert n_params(net) == 756_612
    assert len(net.stages) == 8
    assert [s.conv3.out_channels for s in net.stages] == [16, 16, 32, 32, 64, 64, 128, 128]
    assert net.head[0].in_features == 128 * 14  # 3700 halved 8 times (floor)


def test_forward_2d_in_logits_out():
    net = RACNet(64, 3, channels=(4, 8))
    out = net(torch.randn(5, 64))
    assert out.shape == (5, 3)
    assert out.dtype == torch.float32


@pytest.mark.parametrize("n_pixels", [1, 2, 3, 7, 33])
def test_any_length_works(n_pixels):
    # pooling stops once the axis is one pixel, so even tiny inputs pass 8 stages
    net = RACNet(n_pixels, 2)
    assert net(torch.randn(2, n_pixels)).shape == (2, 2)


def test_wrong_input_shape_is_named():
    net = RACNet(64, 2, channels=(4,))
    with pytest.raises(ValueError, match="expected 64 features, got 60"):
        net(torch.randn(2, 60))
    with pytest.raises(ValueError, match="2-D input"):
        net(torch.randn(2, 1, 64))


@pytest.mark.parametrize("kwargs, match", [
    ({"n_features": 0, "n_classes": 2}, "n_features"),
    ({"n_features": 8, "n_classes": 1}, "n_classes"),
    ({"n_features": 8, "n_classes": 2, "channels": ()}, "channels"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RACNet(**kwargs)


def test_channel_attention_weights_in_unit_interval_and_scale_channels():
    torch.manual_seed(0)
    att = ChannelAttention(6)
    x = torch.randn(3, 6, 20)
    w = att.weights(att.conv(x))
    assert w.shape == (3, 6)
    assert (w > 0).all() and (w < 1).all()
    torch.testing.assert_close(att(x), att.conv(x) * w[:, :, None])


def test_standardize_makes_output_scale_invariant():
    torch.manual_seed(0)
    net = RACNet(32, 2, channels=(4,), standardize=True).eval()
    x = torch.rand(4, 32) + 0.5
    torch.testing.assert_close(net(x), net(1000 * x), atol=1e-4, rtol=1e-4)
    # STELIB fluxes are ~1e-11 erg/s/cm2/A: an absolute epsilon would squash them
    torch.testing.assert_close(net(x), net(1e-11 * x), atol=1e-4, rtol=1e-4)
    assert torch.isfinite(net(torch.ones(1, 32))).all()  # a flat spectrum gives no NaN


def test_fold_batchnorm_equals_eval_after_training():
    torch.manual_seed(0)
    net = RACNet(64, 3, channels=(4, 8))
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    x = torch.randn(16, 64).cumsum(1)
    for _ in range(5):  # move BN statistics and affine params away from the identity
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), torch.arange(16) % 3).backward()
        opt.step()
    net.eval()
    fused = fold_batchnorm(net)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in fused.modules())
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in net.modules())  # input untouched
    with torch.no_grad():
        np.testing.assert_allclose(fused(x).numpy(), net(x).numpy(), rtol=1e-4, atol=1e-4)


def _trained_net(n_pixels, standardize, channels=(4, 8, 8)):
    torch.manual_seed(0)
    net = RACNet(n_pixels, 3, channels=channels, standardize=standardize)
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    x = torch.randn(16, n_pixels).cumsum(1) + 5
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), torch.arange(16) % 3).backward()
        opt.step()
    return net.eval(), x


@pytest.mark.parametrize("fused_op", [True, False], ids=["onednn-fused", "plain-conv2d"])
@pytest.mark.parametrize("n_pixels, standardize", [(64, False), (65, True), (3, False), (1, False)])
def test_inference_net_matches_eval(n_pixels, standardize, fused_op, monkeypatch):
    from skspec.neural_network import InferenceRACNet
    from skspec.neural_network import _racnet

    if not fused_op:  # the path taken on GPU or where torch lacks oneDNN
        monkeypatch.setattr(_racnet, "_FUSED_CONV", None)
    net, x = _trained_net(n_pixels, standardize)
    fast = InferenceRACNet(net)
    with torch.inference_mode():
        np.testing.assert_allclose(fast(x).numpy(), net(x).numpy(), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="expected input"):
        fast(torch.randn(2, n_pixels + 1))


def test_inference_net_graph_matches_eager_and_is_used():
    from skspec.neural_network import InferenceRACNet

    net, _ = _trained_net(65, True, channels=(4, 8))
    x = torch.randn(37, 65).cumsum(1)
    graphed, eager = InferenceRACNet(net, micro_batch=16), InferenceRACNet(net, micro_batch=16, graph=False)
    with torch.inference_mode():
        expected = net(x).numpy()
        once = graphed(x).numpy()
        assert graphed._graph is None  # a net called once never pays the trace
        first = graphed(x).numpy()  # traces on the second call
        assert isinstance(graphed._graph, torch.jit.ScriptModule)
        np.testing.assert_allclose(once, first, rtol=1e-5, atol=1e-6)
        assert eager._graph is False
        for rows in (x, x[:1], x[:16], x[:17]):  # other batch sizes than the traced one
            np.testing.assert_allclose(graphed(rows).numpy(), eager(rows).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(first, expected, rtol=1e-4, atol=1e-5)
    state = graphed.state_dict()
    assert not any("net." in key for key in state)  # the graph holds no second copy of the weights
    copy = pickle.loads(pickle.dumps(graphed))
    assert copy._graph is None and not copy._called  # rebuilt, not pickled
    with torch.inference_mode():
        for _ in range(2):
            np.testing.assert_allclose(copy(x).numpy(), first, rtol=1e-6, atol=1e-7)
    assert isinstance(copy._graph, torch.jit.ScriptModule)


def test_inference_net_falls_back_to_eager_when_tracing_fails(monkeypatch):
    from skspec.neural_network import InferenceRACNet

    def broken(*args, **kwargs):
        raise RuntimeError("no TorchScript here")

    monkeypatch.setattr(torch.jit, "trace", broken)
    net, x = _trained_net(40, False, channels=(4,))
    fast = InferenceRACNet(net)
    with torch.inference_mode():
        for _ in range(3):
            np.testing.assert_allclose(fast(x).numpy(), net(x).numpy(), rtol=1e-4, atol=1e-5)
    assert fast._graph is False  # not tried again on every call


def test_inference_net_micro_batches_change_nothing():
    from skspec.neural_network import InferenceRACNet

    net, _ = _trained_net(50, True, channels=(4, 8))
    x = torch.randn(23, 50).cumsum(1)
    whole = InferenceRACNet(net, micro_batch=None)
    with torch.inference_mode():
        expected = net(x).numpy()
        np.testing.assert_allclose(whole(x).numpy(), expected, rtol=1e-4, atol=1e-5)
        for size in (1, 5, 64):
            out = InferenceRACNet(net, micro_batch=size)(x).numpy()
            np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="micro_batch"):
        InferenceRACNet(net, micro_batch=0)

