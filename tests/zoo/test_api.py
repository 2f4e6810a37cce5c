"""Zoo helpers: GCN normalisation, graph facts, weight loading and unsupported options."""
from __future__ import annotations

import pytest
import torch

from lrnn import Template, TemplateError
from lrnn.errors import UnsupportedOptionError
from lrnn.zoo import (
    GATv2Conv,
    GCNConv,
    GINEConv,
    Layer,
    Linear,
    RGCNConv,
    SAGEConv,
    gcn_norm,
    graph_facts,
    load_pyg_weights,
)

from .helpers import compare_with_pyg, random_graphs


def test_gcn_norm_two_nodes():
    index, norm = gcn_norm([[0], [1]], num_nodes=2)
    # deg(0) = 1 (its self loop), deg(1) = 2 (self loop and 0 -> 1)
    assert index.tolist() == [[0, 0, 1], [0, 1, 1]]
    torch.testing.assert_close(norm, torch.tensor([1.0, 2 ** -0.5, 0.5], dtype=torch.float64))


def test_gcn_norm_matches_pyg():
    gcn = pytest.importorskip("torch_geometric.nn.conv.gcn_conv")
    # a weighted self loop on node 1, a repeated edge 2 -> 0 and an isolated node 3
    edge_index = torch.tensor([[1, 2, 2, 0], [1, 0, 0, 1]])
    weight = torch.tensor([2.0, 0.5, 1.5, 1.0], dtype=torch.float64)
    index, norm = gcn_norm(edge_index, 4, weight)
    pyg_index, pyg_norm = gcn.gcn_norm(edge_index, weight, num_nodes=4, add_self_loops=True)
    dense = torch.zeros(4, 4, dtype=torch.float64).index_put_(tuple(index), norm, accumulate=True)
    expected = torch.zeros(4, 4, dtype=torch.float64).index_put_(tuple(pyg_index), pyg_norm, accumulate=True)
    torch.testing.assert_close(dense, expected)
    assert len(norm) == 6  # 2 -> 0 (merged), 0 -> 1 and the loops on 0, 1, 2, 3


def test_graph_facts_scalar_features_and_edge_types():
    facts = [str(f) for f in graph_facts([[0.5], [1.5]], [[0, 1], [1, 0]], edge_type=[0, 2])]
    assert facts == ["0.5 x(0)", "1.5 x(1)", "edge(0, 1, 0)", "edge(1, 0, 2)"]


def test_gatv2_replaces_self_loops_of_the_data():
    pyg = pytest.importorskip("torch_geometric.nn")
    graphs = random_graphs(13, 3)
    for g in graphs:
        loops = torch.tensor([[1, 2], [1, 2]])
        g["edge_index"] = torch.cat([g["edge_index"], loops], dim=1)
    torch.manual_seed(8)
    compare_with_pyg(GATv2Conv(3, 2, "x", "h", heads=2), pyg.GATv2Conv(3, 2, heads=2), graphs)


def test_layers_add_to_a_template():
    template = Template()
    template += GCNConv(3, 4, "x", "h1")
    template += SAGEConv(4, 2, "h1", "h2")
    assert len(template) == 2 + 3
    assert isinstance(GCNConv(3, 4), Layer)


def test_capability_flags():
    assert GINEConv.supports_edge_features
    assert not GATv2Conv.supports_edge_features
    assert GCNConv.supports_edge_weights
    assert not SAGEConv.supports_edge_weights


@pytest.mark.parametrize("make, match", [
    (lambda: SAGEConv(3, 4, aggr="max"), "aggr='max' is not supported"),
    (lambda: SAGEConv(3, 4, normalize=True), "normalize=True"),
    (lambda: RGCNConv(3, 4, 2, num_bases=2), "num_bases"),
    (lambda: GATv2Conv(3, 4, edge_dim=2), "edge features"),
    (lambda: GATv2Conv(3, 4, dropout=0.5), "dropout"),
    (lambda: GCNConv(3, 4, edge_weight="w"), "edge_weight with normalize=True"),
])
def test_unsupported_options_raise(make, match):
    with pytest.raises(UnsupportedOptionError, match=match):
        make()


def test_unsupported_option_is_a_template_error():
    with pytest.raises(TemplateError):
        SAGEConv(3, 4, aggr="max")
    with pytest.raises(NotImplementedError):
        SAGEConv(3, 4, aggr="max")


def test_invalid_channels_raise():
    with pytest.raises(TemplateError, match="out_channels must be a positive integer"):
        GCNConv(3, 0)


def test_load_reports_missing_parameter():
    layer = Linear(3, 2)
    template = Template()
    template += layer
    model = template.build()
    with pytest.raises(TemplateError, match="has no parameter 'bias'"):
        load_pyg_weights(model, layer, torch.nn.Linear(3, 2, bias=False))


def test_load_reports_missing_weight():
    template = Template()
    template += Linear(3, 2, output="y")
    model = template.build()
    with pytest.raises(TemplateError, match="weight 'z.weight' not found"):
        load_pyg_weights(model, Linear(3, 2, output="z"), torch.nn.Linear(3, 2))
