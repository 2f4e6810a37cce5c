"""Graph isomorphism layers: `GINConv` and `GINEConv` (edge features), each followed by an MLP."""
from __future__ import annotations

from collections.abc import Sequence

from ..language import Aggregation, Transformation
from .base import SOURCE, TARGET, Layer, check_channels, relation, with_offset
from .dense import MLP


def _self_rules(layer: Layer, input: str, aggregated: str, eps: float, train_eps: bool) -> None:
    """Add `(1 + eps) input(i)` to `aggregated(i)`: the plain term and, if needed, the eps term."""
    head = relation(aggregated)(TARGET)
    layer.append(head <= relation(input)(TARGET))
    if train_eps or eps != 0.0:
        literal = relation(input)(TARGET)[layer.weight("eps"):float(eps)]
        layer.append(head <= (literal if train_eps else literal.fixed()))


def _mlp(layer: Layer, channels, aggregated: str, output: str, mlp_activation, activation) -> None:
    mlp = MLP(channels, aggregated, output, activation=mlp_activation, output_activation=activation,
              name=layer.name, module_names=[f"nn.{2 * i}" for i in range(len(channels) - 1)])
    layer.extend(mlp)
    layer.links.extend(mlp.links)


class GINConv(Layer):
    """Graph isomorphism layer, equal to `torch_geometric.nn.GINConv(nn)` with an MLP `nn`.

    Formula::

        output(i) = MLP((1 + eps) input(i) + sum_{j -> i} input(j))

    In LRNN terms, with the intermediate predicate `<output>_agg`::

        output_agg(X) <= input(Y), edge(Y, X)    [aggregation=sum]   (hidden edge literal)
        output_agg(X) <= input(X)
        output_agg(X) <= eps input(X)            (only when eps != 0 or train_eps)
        output(X)     <= MLP(output_agg(X))

    The MLP mirrors `nn.Sequential(Linear, act, Linear, ..., Linear)`, so its weight names
    are `"<name>.nn.0.weight"`, `"<name>.nn.0.bias"`, `"<name>.nn.2.weight"`, ...; `eps` is
    `"<name>.eps"`, a fixed weight unless `train_eps`.

    Args:
        in_channels: input feature size.
        hidden: sizes of the MLP's hidden layers, e.g. `[16]`; `[]` for a single linear layer.
        out_channels: output feature size.
        input, output, edge: predicate names.
        eps: initial value of eps.
        train_eps: whether eps is learnable.
        mlp_activation: activation between the MLP layers (default ReLU).
        activation: activation after the MLP.
        name: weight name prefix; defaults to `output`.

    Example:
        >>> from lrnn.zoo import GINConv
        >>> conv = GINConv(3, [16], 16, output="h1", activation="relu")
        >>> sorted(conv.weight_map())
        ['nn.0.bias', 'nn.0.weight', 'nn.2.bias', 'nn.2.weight']
    """

    def __init__(self, in_channels: int, hidden: Sequence[int], out_channels: int, input: str = "x",
                 output: str = "h", edge: str = "edge", *, eps: float = 0.0, train_eps: bool = False,
                 mlp_activation="relu", activation=None, name: str | None = None):
        check_channels(f"GINConv {output!r}", in_channels=in_channels, out_channels=out_channels)
        super().__init__(name or output)
        aggregated = f"{output}_agg"
        neighbour = relation(input)(SOURCE), relation(edge, hidden=True)(SOURCE, TARGET)
        self.append((relation(aggregated)(TARGET) <= neighbour) | [Aggregation.SUM])
        _self_rules(self, input, aggregated, eps, train_eps)
        _mlp(self, [in_channels, *hidden, out_channels], aggregated, output, mlp_activation, activation)


class GINEConv(Layer):
    """GIN layer with edge features, equal to `torch_geometric.nn.GINEConv(nn, edge_dim=...)`.

    Edge features are the column-vector facts `edge_attr(j, i)` (these facts are the edges,
    so there is no separate edge predicate). Formula::

        output(i) = MLP((1 + eps) input(i) + sum_{j -> i} relu(input(j) + W_e edge_attr(j, i) + b_e))

    In LRNN terms, `W_e` is a body weight and `b_e` a rule offset, so the bias is added once
    per edge inside the ReLU::

        output_agg(X) <= input(Y), W_e edge_attr(Y, X), b_e   [transformation=relu, aggregation=sum]
        output_agg(X) <= input(X)   (+ eps input(X)),   output(X) <= MLP(output_agg(X))

    Without `edge_dim` the edge features must have `in_channels` entries and enter as they
    are (no `W_e`, `b_e`), as in PyG. Weight names: those of :class:`GINConv` plus
    `"<name>.lin.weight"` and `"<name>.lin.bias"`.

    Args:
        edge_dim: size of the edge features, or None when it equals `in_channels`.
        edge_attr: predicate of the edge features.
        other arguments: see :class:`GINConv`.

    Example:
        >>> from lrnn.zoo import GINEConv
        >>> sorted(GINEConv(3, [], 8, edge_dim=2, output="h1").weight_map())
        ['lin.bias', 'lin.weight', 'nn.0.bias', 'nn.0.weight']
    """

    supports_edge_features = True

    def __init__(self, in_channels: int, hidden: Sequence[int], out_channels: int, input: str = "x",
                 output: str = "h", edge_attr: str = "edge_attr", *, edge_dim: int | None = None,
                 eps: float = 0.0, train_eps: bool = False, mlp_activation="relu", activation=None,
                 name: str | None = None):
        where = f"GINEConv {output!r}"
        check_channels(where, in_channels=in_channels, out_channels=out_channels)
        if edge_dim is not None:
            check_channels(where, edge_dim=edge_dim)
        super().__init__(name or output)
        aggregated = f"{output}_agg"
        features = relation(edge_attr)(SOURCE, TARGET)
        if edge_dim is not None:
            features = features[self.weight("lin.weight"):(in_channels, edge_dim)]
        rule = (relation(aggregated)(TARGET) <= (relation(input)(SOURCE), features)) | \
            [Transformation.RELU, Aggregation.SUM]
        if edge_dim is not None:
            rule = with_offset(rule, self.weight("lin.bias"), (in_channels, 1))
        self.append(rule)
        _self_rules(self, input, aggregated, eps, train_eps)
        _mlp(self, [in_channels, *hidden, out_channels], aggregated, output, mlp_activation, activation)
