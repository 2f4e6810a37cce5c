"""Graphs as facts: node features, edges and GCN normalisation coefficients.

Node `i` is the integer constant `i`. Node features are column-vector facts `x(i)`; an edge
`j -> i` of a PyG `edge_index` (source `edge_index[0]`, target `edge_index[1]`, the
`source_to_target` flow) is the fact `edge(j, i)`. Zoo layers read edges through hidden
literals, so edge facts carry no value.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..errors import DatasetError
from ..language import R
from ..language.dsl import Atom


def _as_tensor(value, name: str, dtype=None) -> Tensor:
    tensor = torch.as_tensor(value, dtype=dtype)
    if tensor.is_floating_point() and not torch.isfinite(tensor).all():
        raise DatasetError(f"{name} contains values that are not finite")
    return tensor


def _check_edge_index(edge_index: Tensor, num_nodes: int) -> None:
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise DatasetError(f"edge_index must have the shape [2, num_edges], got {list(edge_index.shape)}")
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise DatasetError(f"edge_index refers to nodes outside [0, {num_nodes})")


def gcn_norm(edge_index, num_nodes: int, edge_weight=None, add_self_loops: bool = True,
             dtype=torch.float64) -> tuple[Tensor, Tensor]:
    """Compute the symmetric GCN normalisation of a graph, as PyG's `gcn_norm` does.

    Formula: `norm(j, i) = w_ji / sqrt(deg(j) deg(i))` with `deg(i) = sum of w_ki over the
    edges k -> i`, after a self loop with weight 1 is added to every node that has none
    (an existing self loop keeps its weight). A node with degree 0 gets the coefficient 0.
    Edges that occur more than once are merged and their coefficients summed, because
    one LRNN fact has one value while PyG sums the messages of repeated edges.

    Args:
        edge_index: `[2, E]` source and target nodes.
        num_nodes: number of nodes.
        edge_weight: `[E]` edge weights, 1 when None.
        add_self_loops: whether self loops are added before normalising.
        dtype: dtype of the returned coefficients.

    Returns:
        `(edge_index [2, E'], norm [E'])` with one entry per distinct edge, sorted by target
        and then source.

    Example:
        >>> index, norm = gcn_norm([[0], [1]], num_nodes=2)
        >>> index.tolist(), [round(v, 4) for v in norm.tolist()]
        ([[0, 0, 1], [0, 1, 1]], [1.0, 0.7071, 0.5])
    """
    edge_index = _as_tensor(edge_index, "edge_index", torch.long)
    _check_edge_index(edge_index, num_nodes)
    weight = torch.ones(edge_index.shape[1], dtype=dtype) if edge_weight is None else \
        _as_tensor(edge_weight, "edge_weight", dtype).reshape(-1)
    source, target = edge_index
    if add_self_loops:
        loop = source == target
        loop_weight = torch.ones(num_nodes, dtype=dtype)
        loop_weight[source[loop]] = weight[loop]
        nodes = torch.arange(num_nodes)
        source = torch.cat([source[~loop], nodes])
        target = torch.cat([target[~loop], nodes])
        weight = torch.cat([weight[~loop], loop_weight])
    degree = torch.zeros(num_nodes, dtype=dtype).index_add_(0, target, weight)
    inverse_sqrt = degree.pow(-0.5)
    inverse_sqrt[degree == 0] = 0.0
    norm = inverse_sqrt[source] * weight * inverse_sqrt[target]
    return _coalesce(source, target, norm, num_nodes)


def _coalesce(source: Tensor, target: Tensor, values: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    key = target * num_nodes + source
    unique, inverse = torch.unique(key, return_inverse=True)
    summed = torch.zeros(len(unique), dtype=values.dtype).index_add_(0, inverse, values)
    return torch.stack([unique % num_nodes, unique // num_nodes]), summed


def _vector(row: Tensor):
    values = row.tolist()
    return values[0] if len(values) == 1 else values


def graph_facts(x, edge_index, *, feature: str = "x", edge: str = "edge", edge_type=None,
                edge_attr=None, edge_attr_predicate: str = "edge_attr", edge_weight=None,
                edge_weight_predicate: str = "edge_weight", norm_predicate: str | None = None,
                add_self_loops: bool = True) -> list[Atom]:
    """Write a PyG-style graph as lrnn facts.

    Facts made (node `i` is the constant `i`):

    - `feature(i)[x[i]]` for every node (a scalar when `x` has one column),
    - `edge(j, i)` for every edge `j -> i`, or `edge(j, i, r)` with `r = edge_type[e]`,
    - `edge_attr_predicate(j, i)[edge_attr[e]]` when `edge_attr` is given,
    - `edge_weight_predicate(j, i)[edge_weight[e]]` when `edge_weight` is given,
    - `norm_predicate(j, i)[c]`, the GCN coefficients of :func:`gcn_norm` (with self loops
      when `add_self_loops`), when `norm_predicate` is given.

    Repeated edges give one edge fact. For `edge_attr` and `edge_weight` the first value
    of a repeated edge is kept, because one fact has one value. GCN coefficients of
    repeated edges are summed, as PyG sums their messages.

    Example:
        >>> facts = graph_facts([[1.0, 2.0], [3.0, 4.0]], [[0], [1]], norm_predicate="gcn_norm")
        >>> [str(f) for f in facts][:3]
        ['[1.0, 2.0] x(0)', '[3.0, 4.0] x(1)', 'edge(0, 1)']
    """
    x = _as_tensor(x, "x", torch.float64)
    if x.dim() == 1:
        x = x[:, None]
    num_nodes = x.shape[0]
    edge_index = _as_tensor(edge_index, "edge_index", torch.long).reshape(2, -1)
    _check_edge_index(edge_index, num_nodes)
    pairs = edge_index.t().tolist()
    facts = [R.get(feature)(i)[_vector(row)] for i, row in enumerate(x)]
    if edge_type is None:
        facts.extend(R.get(edge)(j, i) for j, i in pairs)
    else:
        types = _as_tensor(edge_type, "edge_type", torch.long).reshape(-1).tolist()
        facts.extend(R.get(edge)(j, i, r) for (j, i), r in zip(pairs, types))
    if edge_attr is not None:
        attr = _as_tensor(edge_attr, "edge_attr", torch.float64)
        attr = attr[:, None] if attr.dim() == 1 else attr
        facts.extend(R.get(edge_attr_predicate)(j, i)[_vector(row)] for (j, i), row in zip(pairs, attr))
    if edge_weight is not None:
        weights = _as_tensor(edge_weight, "edge_weight", torch.float64).reshape(-1).tolist()
        facts.extend(R.get(edge_weight_predicate)(j, i)[w] for (j, i), w in zip(pairs, weights))
    if norm_predicate is not None:
        index, norm = gcn_norm(edge_index, num_nodes, edge_weight, add_self_loops)
        facts.extend(R.get(norm_predicate)(j, i)[c] for (j, i), c in zip(index.t().tolist(), norm.tolist()))
    return facts
