"""The benchmark GNNs in PyTorch Geometric and in plain torch (sparse edge list and dense padded adjacency).

Every model is `layers` convolutions of width `hidden` with ReLU, a mean readout over the
nodes of each graph and `sigmoid(Linear(hidden, 1))`:

- GCN: `h_i = W * sum_{j -> i, and i} norm(j, i) h_j + b` with PyG's symmetric `gcn_norm`.
- GraphSAGE: `h_i = W_l mean_{j -> i} h_j + b_l + W_r h_i`.
- GIN (eps = 0): `h_i = MLP(h_i + sum_{j -> i} h_j)`, MLP = Linear, ReLU, Linear.

`TorchGNN` names its parameters as `PygGNN` does (`convs.0.lin.weight`, ...), so
:func:`copy_parameters` moves weights between them. The plain torch inputs are computed once
per batch of graphs (`sparse_inputs`, `dense_inputs`), outside the timed epochs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from benchmarks.mutagenesis import Graphs

KINDS = ("gcn", "sage", "gin")
LAYERS = {"gcn": 2, "sage": 2, "gin": 5}


# -- plain torch --
class _GCNLayer(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.lin = nn.Linear(in_features, out_features, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_features))


class _SAGELayer(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.lin_l = nn.Linear(in_features, out_features)
        self.lin_r = nn.Linear(in_features, out_features, bias=False)


class _GINLayer(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.nn = nn.Sequential(nn.Linear(in_features, out_features), nn.ReLU(),
                                nn.Linear(out_features, out_features))


_TORCH_LAYERS = {"gcn": _GCNLayer, "sage": _SAGELayer, "gin": _GINLayer}


@dataclass
class SparseInputs:
    """One batch of graphs for the edge-list model.

    `weight` is the GCN coefficient of every edge (self loops included) for GCN, the inverse
    in-degree of the edge's target for GraphSAGE, and None for GIN.
    """

    x: Tensor
    source: Tensor
    target: Tensor
    weight: Tensor | None
    batch: Tensor
    inverse_count: Tensor   # [G, 1] 1 / nodes per graph
    y: Tensor

    def to(self, device) -> SparseInputs:
        moved = {k: (v.to(device) if isinstance(v, Tensor) else v) for k, v in vars(self).items()}
        return SparseInputs(**moved)


@dataclass
class DenseInputs:
    """One batch of graphs padded to `n` nodes: x [B, n, F], adjacency [B, n, n], mask [B, n, 1].

    `adjacency[b, i, j]` is the factor of node j's message to node i: the GCN coefficient,
    1 / in-degree(i) for GraphSAGE, or 1 for GIN.
    """

    x: Tensor
    adjacency: Tensor
    mask: Tensor
    inverse_count: Tensor   # [B, 1]
    y: Tensor

    def to(self, device) -> DenseInputs:
        return DenseInputs(*(t.to(device) for t in vars(self).values()))


class TorchGNN(nn.Module):
    """The benchmark GNN in plain torch; `forward` takes SparseInputs or DenseInputs."""

    def __init__(self, kind: str, in_features: int, hidden: int = 10, layers: int | None = None):
        super().__init__()
        self.kind = kind
        layers = LAYERS[kind] if layers is None else layers
        widths = [in_features] + [hidden] * layers
        self.convs = nn.ModuleList(_TORCH_LAYERS[kind](a, b) for a, b in zip(widths, widths[1:]))
        self.lin = nn.Linear(hidden, 1)

    def forward(self, inputs) -> Tensor:
        if isinstance(inputs, DenseInputs):
            return self._dense(inputs)
        return self._sparse(inputs)

    def _sparse(self, inputs: SparseInputs) -> Tensor:
        h = inputs.x
        source, target = inputs.source, inputs.target
        for conv in self.convs:
            if self.kind == "gcn":
                messages = conv.lin(h).index_select(0, source) * inputs.weight
                h = torch.zeros(h.shape[0], messages.shape[1], dtype=h.dtype, device=h.device) \
                    .index_add_(0, target, messages) + conv.bias
            elif self.kind == "sage":
                messages = h.index_select(0, source) * inputs.weight
                mean = torch.zeros_like(h).index_add_(0, target, messages)
                h = conv.lin_l(mean) + conv.lin_r(h)
            else:
                h = conv.nn(torch.index_add(h, 0, target, h.index_select(0, source)))
            h = torch.relu(h)
        pooled = torch.zeros(inputs.inverse_count.shape[0], h.shape[1], dtype=h.dtype, device=h.device) \
            .index_add_(0, inputs.batch, h) * inputs.inverse_count
        return torch.sigmoid(self.lin(pooled)).squeeze(-1)

    def _dense(self, inputs: DenseInputs) -> Tensor:
        h, adjacency = inputs.x, inputs.adjacency
        for conv in self.convs:
            if self.kind == "gcn":
                h = torch.bmm(adjacency, conv.lin(h)) + conv.bias
            elif self.kind == "sage":
                h = conv.lin_l(torch.bmm(adjacency, h)) + conv.lin_r(h)
            else:
                h = conv.nn(h + torch.bmm(adjacency, h))
            h = torch.relu(h)
        pooled = (h * inputs.mask).sum(1) * inputs.inverse_count
        return torch.sigmoid(self.lin(pooled)).squeeze(-1)


def _edge_factors(graphs: Graphs, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Source, target and message factor of every edge as the model of `kind` uses them."""
    source, target = graphs.edge_index
    num_nodes = len(graphs.x)
    if kind == "gcn":
        from lrnn.zoo import gcn_norm

        index, norm = gcn_norm(torch.from_numpy(graphs.edge_index), num_nodes, dtype=torch.float32)
        return index[0].numpy(), index[1].numpy(), norm.numpy()
    if kind == "sage":
        degree = np.bincount(target, minlength=num_nodes).astype(np.float32)
        return source, target, 1.0 / degree[target]
    return source, target, None


def sparse_inputs(graphs: Graphs, kind: str) -> SparseInputs:
    source, target, weight = _edge_factors(graphs, kind)
    counts = np.bincount(graphs.batch, minlength=graphs.num_graphs).astype(np.float32)
    return SparseInputs(torch.from_numpy(graphs.x), torch.from_numpy(source), torch.from_numpy(target),
                        None if weight is None else torch.from_numpy(weight)[:, None],
                        torch.from_numpy(graphs.batch), torch.from_numpy(1.0 / counts)[:, None],
                        torch.from_numpy(graphs.y))


def dense_inputs(graphs: Graphs, kind: str) -> DenseInputs:
    source, target, weight = _edge_factors(graphs, kind)
    ptr = graphs.node_ptr
    counts = np.diff(ptr)
    size = int(counts.max())
    local = np.arange(len(graphs.x)) - ptr[graphs.batch]
    x = np.zeros((graphs.num_graphs, size, graphs.num_features), dtype=np.float32)
    x[graphs.batch, local] = graphs.x
    adjacency = np.zeros((graphs.num_graphs, size, size), dtype=np.float32)
    factors = np.ones(len(source), dtype=np.float32) if weight is None else weight
    np.add.at(adjacency, (graphs.batch[target], local[target], local[source]), factors)
    mask = np.zeros((graphs.num_graphs, size, 1), dtype=np.float32)
    mask[graphs.batch, local] = 1.0
    return DenseInputs(torch.from_numpy(x), torch.from_numpy(adjacency), torch.from_numpy(mask),
                       torch.from_numpy(1.0 / counts.astype(np.float32))[:, None], torch.from_numpy(graphs.y))


# -- PyTorch Geometric --
def pyg_model(kind: str, in_features: int, hidden: int = 10, layers: int | None = None) -> nn.Module:
    """Build the benchmark GNN from `torch_geometric.nn` layers; `forward(x, edge_index, batch, num_graphs)`."""
    from torch_geometric import nn as gnn

    class PygGNN(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [in_features] + [hidden] * (LAYERS[kind] if layers is None else layers)
            self.convs = nn.ModuleList(self._conv(a, b) for a, b in zip(widths, widths[1:]))
            self.lin = nn.Linear(hidden, 1)

        @staticmethod
        def _conv(a: int, b: int) -> nn.Module:
            if kind == "gcn":
                return gnn.GCNConv(a, b)
            if kind == "sage":
                return gnn.SAGEConv(a, b)
            return gnn.GINConv(nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, b)))

        def forward(self, x, edge_index, batch, num_graphs: int) -> Tensor:
            for conv in self.convs:
                x = torch.relu(conv(x, edge_index))
            return torch.sigmoid(self.lin(gnn.global_mean_pool(x, batch, num_graphs))).squeeze(-1)

    return PygGNN()


def pyg_data_list(graphs: Graphs) -> list:
    """Convert the graphs into one `torch_geometric.data.Data` each."""
    from torch_geometric.data import Data

    node_ptr, edge_ptr = graphs.node_ptr, graphs.edge_ptr()
    data = []
    for g in range(graphs.num_graphs):
        x, edge_index = graphs.graph(g, node_ptr, edge_ptr)
        data.append(Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(np.ascontiguousarray(edge_index)),
                         y=torch.from_numpy(graphs.y[g:g + 1])))
    return data


def copy_parameters(source: nn.Module, target: nn.Module) -> None:
    """Copy every parameter of `target` from the parameter of `source` with the same name."""
    values = dict(source.named_parameters())
    with torch.no_grad():
        for name, parameter in target.named_parameters():
            if name not in values:
                raise KeyError(f"{type(source).__name__} has no parameter {name!r} to copy")
            parameter.copy_(values[name].reshape(parameter.shape))
