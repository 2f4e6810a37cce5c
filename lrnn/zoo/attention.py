"""Graph attention: `GATv2Conv`, with the attention softmax as a grouped SOFTMAX aggregation."""
from __future__ import annotations

from ..language import Aggregation, Combination, R, Transformation
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
from .dense import Linear


class GATv2Conv(Layer):
    """GATv2 attention layer, equal to `torch_geometric.nn.GATv2Conv` without edge features or dropout.

    Formula for head `h` with `C = out_channels` channels per head::

        a_h(j, i)     = att_h . leaky_relu(W_l input(j) + b_l + W_r input(i) + b_r)[head h block]
        alpha_h(j, i) = softmax of a_h(., i) over the sources j of i (a self loop j = i included)
        head_h(i)     = sum_j alpha_h(j, i) (W_l input(j) + b_l)[head h block]
        output(i)     = activation(concat_h head_h(i) (or their mean) + W_res input(i) + bias)

    In LRNN terms, with `xl`, `xr` the predicates `<output>_l`, `<output>_r` of the two
    linear maps and `[h]` the SLICE of head h (omitted for one head)::

        score_h(Y, X)[att_h] <= xl(Y)[h], xr(X)[h], edge(Y, X), @neq(Y, X)   [transformation=leaky_relu]
        score_h(X, X)[att_h] <= xl(X)[h], xr(X)[h]                           (the self loops)
        alpha_h(Y, X) <= score_h(Y, X)          [aggregation=softmax(agg_terms=[Y])]
        head_h(X) <= alpha_h(Y, X), xl(Y)[h]    [combination=elproduct, aggregation=sum]
        output(X) <= head_0(X), ..., head_{H-1}(X)          [combination=concat or avg]

    `SOFTMAX(agg_terms=["Y"])` groups the groundings of `alpha_h(Y, X)` by `X` and gives each
    atom its own share of the softmax. With `add_self_loops=True`, as in PyG, the edges
    `j -> j` of the data are replaced by one self loop per node. With `add_self_loops=False`
    they are kept, and a zero rule gives nodes without incoming edges the output `bias`.

    Weight names as in PyG: `"<name>.lin_l.weight"`, `"<name>.lin_l.bias"`, `lin_r` likewise
    (absent with `share_weights`), `"<name>.att.0.<h>"` (head h of PyG's `att`
    `[1, heads, C]`), `"<name>.res.weight"` and `"<name>.bias"`.

    Args:
        in_channels, out_channels: input size and output size per head.
        input, output, edge: predicate names.
        heads: number of attention heads.
        concat: concatenate the heads (True) or average them (False).
        negative_slope: slope of the leaky ReLU.
        add_self_loops: whether every node attends to itself.
        share_weights: use `lin_l` for targets too.
        residual: add `W_res input(i)`.
        bias, activation, name: see :class:`lrnn.zoo.Linear`.
        dropout, edge_dim: not supported (must be 0.0 and None).

    Example:
        >>> from lrnn.zoo import GATv2Conv
        >>> conv = GATv2Conv(3, 4, output="h1", heads=2)
        >>> sorted(conv.weight_map())
        ['att', 'bias', 'lin_l.bias', 'lin_l.weight', 'lin_r.bias', 'lin_r.weight']
    """

    def __init__(self, in_channels: int, out_channels: int, input: str = "x", output: str = "h",
                 edge: str = "edge", *, heads: int = 1, concat: bool = True, negative_slope: float = 0.2,
                 dropout: float = 0.0, add_self_loops: bool = True, edge_dim: int | None = None,
                 bias: bool = True, share_weights: bool = False, residual: bool = False, activation=None,
                 name: str | None = None):
        where = f"GATv2Conv {output!r}"
        check_channels(where, in_channels=in_channels, out_channels=out_channels, heads=heads)
        if edge_dim is not None:
            raise unsupported(where, "edge features (edge_dim)", "use GINEConv for edge features")
        if dropout != 0.0:
            raise unsupported(where, "attention dropout", "set dropout=0.0")
        super().__init__(name or output)
        width = heads * out_channels
        source_pred = f"{output}_l"
        target_pred = source_pred if share_weights else f"{output}_r"
        for pred, module in ((source_pred, "lin_l"), (target_pred, "lin_r")):
            if module == "lin_r" and share_weights:
                continue
            linear = Linear(in_channels, width, input, pred, bias=bias, name=self.name, module_name=module)
            self.extend(linear)
            self.links.extend(linear.links)

        leaky = Transformation.LEAKY_RELU(negative_slope)
        head_preds = [output] if heads == 1 else [f"{output}_head{h}" for h in range(heads)]
        for h in range(heads):
            part = _head_slice(h, out_channels, heads)
            score, alpha = f"{output}_score{h}", f"{output}_alpha{h}"
            att_name = self.weight("att", index=(0, h))
            att = relation(score)(SOURCE, TARGET)[att_name:(1, out_channels)]
            body = [part(relation(source_pred)(SOURCE)), part(relation(target_pred)(TARGET)),
                    relation(edge, hidden=True)(SOURCE, TARGET)]
            if add_self_loops:
                body.append(R.special.neq(SOURCE, TARGET))
            self.append((att <= tuple(body)) | [leaky])
            if add_self_loops:
                loop = relation(score)(TARGET, TARGET)[att_name:(1, out_channels)]
                self.append((loop <= (part(relation(source_pred)(TARGET)), part(relation(target_pred)(TARGET))))
                            | [leaky])
            softmax = Aggregation.SOFTMAX(agg_terms=[SOURCE.name])
            self.append((relation(alpha)(SOURCE, TARGET) <= relation(score)(SOURCE, TARGET)) | [softmax])
            message = (relation(alpha)(SOURCE, TARGET), part(relation(source_pred)(SOURCE)))
            self.append((relation(head_preds[h])(TARGET) <= message) | [Combination.ELPRODUCT, Aggregation.SUM])

        total = width if concat else out_channels
        if heads > 1:
            merge = Combination.CONCAT if concat else Combination.AVG
            self.append((relation(output)(TARGET) <= tuple(relation(p)(TARGET) for p in head_preds)) | [merge])
        if residual:
            self.append(relation(output)(TARGET) <= relation(input)(TARGET)[self.weight("res.weight"):
                                                                            (total, in_channels)])
        if not add_self_loops:
            self.append(zero_rule(output, input, total))
        self.extend(output_settings(output, 1, activation_function(activation, where),
                                    self.weight("bias") if bias else None, total))


def _head_slice(head: int, channels: int, heads: int):
    """Return a function that slices the block of `head` out of a literal's `[heads * channels]` value."""
    if heads == 1:
        return lambda literal: literal
    block = Transformation.SLICE(rows=(head * channels, (head + 1) * channels))
    return lambda literal: block(literal)
