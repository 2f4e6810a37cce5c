"""Zoo GNN layers against PyTorch Geometric: outputs and weight gradients, weights copied by name."""
from __future__ import annotations

import pytest
import torch

from lrnn.zoo import GATv2Conv, GCNConv, GINConv, GINEConv, RGCNConv, SAGEConv

from .helpers import compare_with_pyg, random_graphs

pyg = pytest.importorskip("torch_geometric.nn")


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("out_channels", [4, 1])
def test_gcn_normalized(seed, out_channels):
    torch.manual_seed(seed)
    graphs = random_graphs(seed, 3)
    layer = GCNConv(3, out_channels, "x", "h", activation="tanh")

    def call(module, g):
        return torch.tanh(module(g["x"], g["edge_index"]))

    compare_with_pyg(layer, pyg.GCNConv(3, out_channels), graphs, call=call, norm_predicate="gcn_norm")


def weighted_graphs(seed: int) -> list[dict]:
    graphs = random_graphs(seed, 3)
    generator = torch.Generator().manual_seed(seed)
    for g in graphs:
        g["edge_weight"] = torch.rand(g["edge_index"].shape[1], generator=generator, dtype=torch.float64) + 0.5
    return graphs


def call_weighted(module, g):
    return module(g["x"], g["edge_index"], g["edge_weight"])


def test_gcn_edge_weights_in_norm():
    torch.manual_seed(0)
    layer = GCNConv(3, 4, "x", "h")
    compare_with_pyg(layer, pyg.GCNConv(3, 4), weighted_graphs(2), call=call_weighted, norm_predicate="gcn_norm")


def test_gcn_edge_weights_without_normalization():
    torch.manual_seed(0)
    layer = GCNConv(3, 4, "x", "h", normalize=False, edge_weight="edge_weight")
    compare_with_pyg(layer, pyg.GCNConv(3, 4, normalize=False), weighted_graphs(3), call=call_weighted)


@pytest.mark.parametrize("bias", [True, False])
def test_gcn_without_normalization(bias):
    torch.manual_seed(1)
    layer = GCNConv(3, 4, "x", "h", normalize=False, bias=bias)
    compare_with_pyg(layer, pyg.GCNConv(3, 4, normalize=False, bias=bias), random_graphs(4, 3))


@pytest.mark.parametrize("aggr", ["mean", "sum"])
@pytest.mark.parametrize("root_weight", [True, False])
def test_sage(aggr, root_weight):
    torch.manual_seed(2)
    layer = SAGEConv(3, 5, "x", "h", aggr=aggr, root_weight=root_weight, activation="relu")

    def call(module, g):
        return torch.relu(module(g["x"], g["edge_index"]))

    compare_with_pyg(layer, pyg.SAGEConv(3, 5, aggr=aggr, root_weight=root_weight), random_graphs(5, 3),
                     call=call)


@pytest.mark.parametrize("aggr", ["mean", "sum"])
def test_rgcn(aggr):
    torch.manual_seed(3)
    layer = RGCNConv(3, 4, 3, "x", "h", aggr=aggr)

    def call(module, g):
        return module(g["x"], g["edge_index"], g["edge_type"])

    compare_with_pyg(layer, pyg.RGCNConv(3, 4, 3, aggr=aggr), random_graphs(6, 3, num_relations=3), call=call)


@pytest.mark.parametrize("eps, train_eps", [(0.0, False), (0.3, False), (0.1, True)])
def test_gin(eps, train_eps):
    torch.manual_seed(4)
    layer = GINConv(3, [6], 4, "x", "h", eps=eps, train_eps=train_eps)
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ReLU(), torch.nn.Linear(6, 4))
    compare_with_pyg(layer, pyg.GINConv(mlp, eps=eps, train_eps=train_eps), random_graphs(7, 3))


@pytest.mark.parametrize("edge_dim", [2, None])
def test_gine(edge_dim):
    torch.manual_seed(5)
    layer = GINEConv(3, [5], 4, "x", "h", edge_dim=edge_dim, train_eps=True, eps=0.2)
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4))

    def call(module, g):
        return module(g["x"], g["edge_index"], g["edge_attr"])

    graphs = random_graphs(8, 3, edge_dim=edge_dim or 3)
    compare_with_pyg(layer, pyg.GINEConv(mlp, eps=0.2, train_eps=True, edge_dim=edge_dim), graphs, call=call)


@pytest.mark.parametrize("heads, concat", [(1, True), (2, True), (3, False)])
def test_gatv2(heads, concat):
    torch.manual_seed(6)
    layer = GATv2Conv(3, 4, "x", "h", heads=heads, concat=concat)
    compare_with_pyg(layer, pyg.GATv2Conv(3, 4, heads=heads, concat=concat), random_graphs(9, 3))


@pytest.mark.parametrize("options", [dict(share_weights=True, residual=True), dict(add_self_loops=False),
                                     dict(bias=False, negative_slope=0.1)])
def test_gatv2_options(options):
    torch.manual_seed(7)
    layer = GATv2Conv(3, 2, "x", "h", heads=2, **options)
    compare_with_pyg(layer, pyg.GATv2Conv(3, 2, heads=2, **options), random_graphs(10, 3))


def test_gcn_normalized_without_self_loops():
    torch.manual_seed(9)
    layer = GCNConv(3, 4, "x", "h", add_self_loops=False)
    compare_with_pyg(layer, pyg.GCNConv(3, 4, add_self_loops=False), random_graphs(14, 3),
                     norm_predicate="gcn_norm", add_self_loops=False)
