"""Zoo graph classifiers and readouts against the same models composed from PyG layers."""
from __future__ import annotations

import pytest
import torch

from lrnn import Dataset, R, Sample, Settings, Template
from lrnn.zoo import Readout, graph_facts, load_pyg_weights, models, module_values

from .helpers import random_graphs

pyg = pytest.importorskip("torch_geometric.nn")


def graph_samples(graphs, query: str, **fact_options) -> Dataset:
    return Dataset([Sample(R.get(query), graph_facts(g["x"], g["edge_index"], **fact_options)) for g in graphs])


@pytest.mark.parametrize("aggr, pool", [("sum", "global_add_pool"), ("mean", "global_mean_pool"),
                                        ("max", "global_max_pool")])
@pytest.mark.parametrize("channels", [1, 3])
def test_readout(aggr, pool, channels):
    graphs = random_graphs(11, channels)
    template = Template()
    template += Readout(channels, "x", "pooled", aggr)
    model = template.build(Settings(dtype=torch.float64))
    out = model(model.build_dataset(graph_samples(graphs, "pooled")))
    pooling = getattr(pyg, pool)
    expected = torch.cat([pooling(g["x"], torch.zeros(len(g["x"]), dtype=torch.long)) for g in graphs])
    torch.testing.assert_close(out, expected.reshape(out.shape))


class PygClassifier(torch.nn.Module):
    """conv layers with ReLU, a mean pool, a linear layer and a sigmoid, as the zoo models build them."""

    def __init__(self, convs, hidden: int):
        super().__init__()
        self.convs = torch.nn.ModuleList(convs)
        self.lin = torch.nn.Linear(hidden, 1)

    def forward(self, x, edge_index):
        for conv in self.convs:
            x = torch.relu(conv(x, edge_index))
        pooled = pyg.global_mean_pool(x, torch.zeros(len(x), dtype=torch.long))
        return torch.sigmoid(self.lin(pooled)).reshape(())


def pyg_convs(kind: str, in_features: int, hidden: int, layers: int):
    widths = [in_features] + [hidden] * layers
    if kind == "gcn":
        return [pyg.GCNConv(a, hidden) for a in widths[:-1]]
    if kind == "sage":
        return [pyg.SAGEConv(a, hidden) for a in widths[:-1]]
    return [pyg.GINConv(torch.nn.Sequential(torch.nn.Linear(a, hidden), torch.nn.ReLU(),
                                            torch.nn.Linear(hidden, hidden))) for a in widths[:-1]]


@pytest.mark.parametrize("kind, layers", [("gcn", 2), ("sage", 2), ("gin", 5)])
def test_classifier_matches_pyg(kind, layers):
    torch.manual_seed(0)
    template = getattr(models, kind)(in_features=3, hidden=10, layers=layers)
    model = template.build(Settings(dtype=torch.float64))
    reference = PygClassifier(pyg_convs(kind, 3, 10, layers), 10).double()
    for k, conv in enumerate(reference.convs, start=1):
        load_pyg_weights(model, template.layers[f"conv{k}"], conv)
    load_pyg_weights(model, template.layers["lin"], reference.lin)

    graphs = random_graphs(12, 3)
    built = model.build_dataset(graph_samples(graphs, "predict", norm_predicate="gcn_norm"))
    out = model(built)
    expected = torch.stack([reference(g["x"], g["edge_index"]) for g in graphs])
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)

    out.sum().backward()
    expected.sum().backward()
    modules = {f"conv{k}": conv for k, conv in enumerate(reference.convs, start=1)}
    modules["lin"] = reference.lin
    for name, module in modules.items():
        for key, grad in module_values(model, template.layers[name], module, grad=True).items():
            if grad is not None:
                torch.testing.assert_close(model.weights[key].grad, grad, rtol=1e-5, atol=1e-5,
                                           msg=lambda m, key=key: f"gradient of {key}: {m}")


def test_model_layer_names_unique():
    template = models.gcn(in_features=3)
    with pytest.raises(ValueError, match="already has a layer named 'conv1'"):
        template.add_layer(template.layers["conv1"])
