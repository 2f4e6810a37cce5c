"""Zoo Linear and MLP against torch.nn, on atoms of arity 1 and 0."""
from __future__ import annotations

import torch

from lrnn import Dataset, R, Sample, Settings, Template
from lrnn.zoo import MLP, Linear, load_pyg_weights, module_values


def evaluate(layer, samples):
    template = Template()
    template += layer
    model = template.build(Settings(dtype=torch.float64))
    return model, model.build_dataset(Dataset(samples))


def test_linear_matches_torch():
    torch.manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64)
    module = torch.nn.Linear(3, 2).double()
    layer = Linear(3, 2, "x", "y", activation="sigmoid")
    facts = [R.x(i)[row.tolist()] for i, row in enumerate(x)]
    model, built = evaluate(layer, [Sample([R.y(i) for i in range(4)], facts)])
    load_pyg_weights(model, layer, module)
    out = model(built)
    expected = torch.sigmoid(module(x))
    torch.testing.assert_close(out, expected)

    out.sum().backward()
    expected.sum().backward()
    for key, grad in module_values(model, layer, module, grad=True).items():
        torch.testing.assert_close(model.weights[key].grad, grad)


def test_mlp_on_arity_zero_atoms():
    torch.manual_seed(1)
    x = torch.randn(3, 4, dtype=torch.float64)
    module = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    layer = MLP([4, 5, 1], "x", "y", activation="tanh", terms=())
    model, built = evaluate(layer, [Sample(R.y, [R.x[row.tolist()]]) for row in x])
    load_pyg_weights(model, layer, module)
    torch.testing.assert_close(model(built), module(x).reshape(-1))


def test_linear_without_bias_has_one_weight():
    layer = Linear(3, 2, bias=False)
    assert [link.module_name for link in layer.links] == ["weight"]
    assert len(layer) == 1
