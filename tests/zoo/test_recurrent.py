"""Zoo recurrent cells against torch.nn.RNN and torch.nn.GRU, weights copied by name."""
from __future__ import annotations

import pytest
import torch

from lrnn import Dataset, R, Sample, Settings, Template
from lrnn.zoo import GRU, RNN, load_pyg_weights, module_values


def sequences(seed: int, in_channels: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(length, in_channels, generator=generator, dtype=torch.float64) for length in (1, 3, 5)]


def compare_with_torch(layer, module, seqs) -> None:
    """Assert equal hidden states of every step and equal weight gradients."""
    module = module.double()
    template = Template()
    template += layer
    model = template.build(Settings(dtype=torch.float64))
    load_pyg_weights(model, layer, module)
    samples = [Sample([R.h(t) for t in range(len(s))], [R.x(t)[row.tolist()] for t, row in enumerate(s)])
               for s in seqs]
    out = model(model.build_dataset(Dataset(samples)))
    expected = torch.cat([module(s[None])[0][0] for s in seqs])
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)

    probe = torch.randn(out.shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    (out * probe).sum().backward()
    (expected * probe).sum().backward()
    for key, grad in module_values(model, layer, module, grad=True).items():
        torch.testing.assert_close(model.weights[key].grad, grad, rtol=1e-5, atol=1e-5,
                                   msg=lambda m, key=key: f"gradient of {key}: {m}")


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch(nonlinearity):
    torch.manual_seed(0)
    layer = RNN(3, 4, activation=nonlinearity, module_suffix="_l0")
    module = torch.nn.RNN(3, 4, nonlinearity=nonlinearity, batch_first=True)
    compare_with_torch(layer, module, sequences(0, 3))


def test_rnn_without_bias():
    torch.manual_seed(1)
    layer = RNN(2, 3, bias=False, module_suffix="_l0")
    compare_with_torch(layer, torch.nn.RNN(2, 3, bias=False, batch_first=True), sequences(1, 2))


@pytest.mark.parametrize("bias", [True, False])
def test_gru_matches_torch(bias):
    torch.manual_seed(2)
    layer = GRU(3, 4, bias=bias, module_suffix="_l0")
    compare_with_torch(layer, torch.nn.GRU(3, 4, bias=bias, batch_first=True), sequences(2, 3))
