"""Message-passing layers with linear messages: `GCNConv`, `SAGEConv` and `RGCNConv`.

Every layer reads node features `input(j)` and edges `edge(j, i)` (source `j`, target `i`,
PyG's `source_to_target` flow) and writes `output(i)`. Each weight matrix sits on the
source literal, so the compiler multiplies each source node once and gathers the products
per edge, and edges are hidden literals, so they carry no value.

In LRNN an atom without groundings does not exist, while PyG gives a node without incoming
messages the output `bias`. Each layer therefore has a rule that grounds for every node: a
root or self-loop rule where PyG has one, else a rule with a fixed zero value.

NOTE: a repeated edge `j -> i` is one fact, so its message counts once, while PyG counts
it once per occurrence. GCN normalisation coefficients are the exception, because
`gcn_norm` sums them per distinct edge.
"""
from __future__ import annotations

from ..language import Aggregation, Combination
from .base import (
    SOURCE,
    TARGET,
    Layer,
    activation_function,
    check_channels,
    output_settings,
    relation,
    unsupported,
    zero_rule,
)

_AGGREGATIONS = {"mean": Aggregation.AVG, "sum": Aggregation.SUM, "add": Aggregation.SUM}


def _aggregation(aggr: str, where: str):
    if aggr not in _AGGREGATIONS:
        raise unsupported(where, f"aggr={aggr!r}", "use 'mean' or 'sum' (LRNN's MAX aggregation picks whole "
                          "vectors by their element sum, so it is not PyG's element-wise max)")
    return _AGGREGATIONS[aggr]


class GCNConv(Layer):
    """Graph convolution of Kipf and Welling, equal to `torch_geometric.nn.GCNConv`.

    Formula with `normalize=True`::

        output(i) = activation(bias + sum_{j -> i, and j = i} norm(j, i) * W input(j))

    where `norm(j, i) = 1 / sqrt(deg(j) deg(i))` (degrees count the self loop) is read from
    the scalar facts `norm(j, i)` that :func:`lrnn.zoo.graphs.gcn_norm` computes and
    :func:`lrnn.zoo.graph_facts` writes, self loops included. The coefficients are data
    rather than rules because they do not depend on weights, so they are computed once per
    dataset instead of once per forward pass. In LRNN terms::

        output(X) <= W input(Y) * norm(Y, X)              [combination=elproduct, aggregation=sum]

    With `normalize=False` the layer sums `W input(j)` over the edges `edge(j, i)`, each
    scaled by the fact `edge_weight(j, i)` when `edge_weight` names a predicate.

    Weight names: `"<name>.lin.weight"` `[out, in]` and `"<name>.bias"`, as in PyG.

    Args:
        in_channels, out_channels: feature sizes.
        input, output, edge: predicate names; `edge` is unused when `normalize=True`.
        normalize: read the symmetric normalisation from the `norm` facts.
        add_self_loops: whether the `norm` facts contain a self loop for every node (as
            `gcn_norm` writes them by default). Without self loops a zero rule keeps
            nodes without incoming edges in the output.
        norm: predicate of the normalisation coefficients.
        edge_weight: predicate of scalar edge weights for `normalize=False`; None for weight 1.
        bias, activation, name: see :class:`lrnn.zoo.Linear`.

    Example:
        >>> from lrnn.zoo import GCNConv
        >>> for entry in GCNConv(3, 16, input="x", output="h1", activation="relu"):
        ...     print(entry)
        h1(X) :- $h1.lin.weight={16, 3} x(Y), gcn_norm(Y, X). [combination=elproduct, aggregation=sum]
        h1/1 $h1.bias={16} [transformation=relu]
    """

    supports_edge_weights = True

    def __init__(self, in_channels: int, out_channels: int, input: str = "x", output: str = "h",
                 edge: str = "edge", *, normalize: bool = True, add_self_loops: bool = True,
                 norm: str = "gcn_norm", edge_weight: str | None = None, bias: bool = True,
                 activation=None, name: str | None = None):
        where = f"GCNConv {output!r}"
        check_channels(where, in_channels=in_channels, out_channels=out_channels)
        if normalize and edge_weight is not None:
            raise unsupported(where, "edge_weight with normalize=True",
                              "pass the edge weights to gcn_norm or graph_facts, which fold them into the norm facts")
        super().__init__(name or output)
        weight = self.weight("lin.weight")
        message = relation(input)(SOURCE)[weight:(out_channels, in_channels)]
        head = relation(output)(TARGET)
        if normalize or edge_weight is not None:
            scale = relation(norm if normalize else edge_weight)(SOURCE, TARGET)
            self.append((head <= (message, scale)) | [Combination.ELPRODUCT, Aggregation.SUM])
        else:
            self.append((head <= (message, relation(edge, hidden=True)(SOURCE, TARGET))) | [Aggregation.SUM])
        if not (normalize and add_self_loops):
            self.append(zero_rule(output, input, out_channels))
        self.extend(output_settings(output, 1, activation_function(activation, where),
                                    self.weight("bias") if bias else None, out_channels))


class SAGEConv(Layer):
    """GraphSAGE layer, equal to `torch_geometric.nn.SAGEConv` (no projection or normalisation).

    Formula::

        output(i) = activation(W_l mean_{j -> i} input(j) + bias + W_r input(i))

    In LRNN terms::

        output(X) <= W_l input(Y), edge(Y, X)     [aggregation=avg]   (hidden edge literal)
        output(X) <= W_r input(X)                                     (the root weight)

    A node without incoming edges gets `W_r input(i) + bias`, as in PyG.
    Weight names: `"<name>.lin_l.weight"`, `"<name>.lin_l.bias"`, `"<name>.lin_r.weight"`.

    Args:
        in_channels, out_channels: feature sizes.
        input, output, edge: predicate names.
        aggr: `"mean"` or `"sum"`.
        root_weight: whether the root rule `W_r input(i)` is added.
        bias, activation, name: see :class:`lrnn.zoo.Linear`.

    Example:
        >>> from lrnn.zoo import SAGEConv
        >>> sorted(SAGEConv(3, 8, output="h1").weight_map())
        ['lin_l.bias', 'lin_l.weight', 'lin_r.weight']
    """

    def __init__(self, in_channels: int, out_channels: int, input: str = "x", output: str = "h",
                 edge: str = "edge", *, aggr: str = "mean", root_weight: bool = True, bias: bool = True,
                 normalize: bool = False, project: bool = False, activation=None, name: str | None = None):
        where = f"SAGEConv {output!r}"
        check_channels(where, in_channels=in_channels, out_channels=out_channels)
        if normalize:
            raise unsupported(where, "normalize=True (L2 normalisation of the output)",
                              "leave it False; LRNN's NORM transformation standardises instead")
        if project:
            raise unsupported(where, "project=True", "add a Linear layer with activation='relu' before")
        aggregation = _aggregation(aggr, where)
        super().__init__(name or output)
        head = relation(output)(TARGET)
        neighbour = relation(input)(SOURCE)[self.weight("lin_l.weight"):(out_channels, in_channels)]
        self.append((head <= (neighbour, relation(edge, hidden=True)(SOURCE, TARGET))) | [aggregation])
        if root_weight:
            self.append(head <= relation(input)(TARGET)[self.weight("lin_r.weight"):(out_channels, in_channels)])
        else:
            self.append(zero_rule(output, input, out_channels))
        self.extend(output_settings(output, 1, activation_function(activation, where),
                                    self.weight("lin_l.bias") if bias else None, out_channels))


class RGCNConv(Layer):
    """Relational graph convolution, equal to `torch_geometric.nn.RGCNConv` without bases or blocks.

    Edges are ternary facts `edge(j, i, r)` with the relation type `r` an integer constant
    in `[0, num_relations)` (`graph_facts(..., edge_type=...)` writes them). Formula::

        output(i) = activation(W_root input(i) + bias + sum_r mean_{j -r-> i} W_r input(j))

    In LRNN terms, one rule per relation type `r` and the root rule::

        output(X) <= W_r input(Y), edge(Y, X, r)  [aggregation=avg]   (hidden edge literal)
        output(X) <= W_root input(X)

    PyG stores `weight` `[R, in, out]` and `root` `[in, out]` for `x @ W`. The lrnn weights
    `"<name>.weight.<r>"` and `"<name>.root"` are their transposes, so the links of this
    layer transpose when copying.

    Args:
        in_channels, out_channels: feature sizes.
        num_relations: number of relation types.
        input, output, edge: predicate names.
        aggr: `"mean"` or `"sum"`.
        root_weight: whether the root rule is added.
        num_bases, num_blocks: not supported (must be None).
        bias, activation, name: see :class:`lrnn.zoo.Linear`.

    Example:
        >>> from lrnn.zoo import RGCNConv
        >>> len(RGCNConv(4, 4, num_relations=3, output="h1").links)
        5
    """

    def __init__(self, in_channels: int, out_channels: int, num_relations: int, input: str = "x",
                 output: str = "h", edge: str = "edge", *, aggr: str = "mean", root_weight: bool = True,
                 num_bases: int | None = None, num_blocks: int | None = None, bias: bool = True,
                 activation=None, name: str | None = None):
        where = f"RGCNConv {output!r}"
        check_channels(where, in_channels=in_channels, out_channels=out_channels, num_relations=num_relations)
        if num_bases is not None or num_blocks is not None:
            raise unsupported(where, "num_bases and num_blocks", "use one full weight per relation type")
        aggregation = _aggregation(aggr, where)
        super().__init__(name or output)
        head = relation(output)(TARGET)
        dims = (out_channels, in_channels)
        for r in range(num_relations):
            weight = self.weight("weight", transpose=True, index=(r,))
            body = (relation(input)(SOURCE)[weight:dims], relation(edge, hidden=True)(SOURCE, TARGET, r))
            self.append((head <= body) | [aggregation])
        if root_weight:
            self.append(head <= relation(input)(TARGET)[self.weight("root", transpose=True):dims])
        else:
            self.append(zero_rule(output, input, out_channels))
        self.extend(output_settings(output, 1, activation_function(activation, where),
                                    self.weight("bias") if bias else None, out_channels))
