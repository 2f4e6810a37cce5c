"""Graph readouts: sum, mean and element-wise max of node values, like PyG's global pooling."""
from __future__ import annotations

from collections.abc import Sequence

from ..language import Aggregation, Combination, Transformation
from .base import Layer, check_channels, relation, unsupported
from .dense import variables

_AGGREGATIONS = {"sum": Aggregation.SUM, "add": Aggregation.SUM, "mean": Aggregation.AVG,
                 "max": Aggregation.MAX}


class Readout(Layer):
    """Pool the values of all atoms `input(X)` of a sample into one atom `output`.

    Formula (`aggr` = sum, mean or max, max element-wise)::

        output = aggr_X input(X)

    equal to `global_add_pool`, `global_mean_pool` and `global_max_pool` of
    `torch_geometric.nn` with one graph per sample. In LRNN terms sum and mean are one
    rule `output <= input(X)` with SUM or AVG aggregation. LRNN's MAX aggregation keeps the
    whole vector with the largest element sum, so the element-wise max takes one rule per
    channel `k` and concatenates the results::

        output_max<k> <= input(X)[k]       [aggregation=max]   ([k]: SLICE of entry k)
        output <= output_max0, ..., output_max<C-1>            [combination=concat]

    Args:
        channels: size of the input vectors (only the max readout uses it).
        input, output: predicate names.
        aggr: `"sum"`, `"mean"` or `"max"`.
        terms: variables of the input atoms; those that are not in `output_terms` are pooled.
        output_terms: variables kept in the output atom, e.g. `("G",)` for `input(G, X)`.

    Example:
        >>> from lrnn.zoo import Readout
        >>> print(Readout(8, "h2", "pooled")[0])
        pooled :- h2(X). [aggregation=avg]
    """

    supports_bias = False

    def __init__(self, channels: int, input: str = "h", output: str = "pooled", aggr: str = "mean", *,
                 terms: Sequence = ("X",), output_terms: Sequence = (), name: str | None = None):
        where = f"Readout {output!r}"
        check_channels(where, channels=channels)
        if aggr not in _AGGREGATIONS:
            raise unsupported(where, f"aggr={aggr!r}", "use 'sum', 'mean' or 'max'")
        super().__init__(name or output)
        terms, output_terms = variables(terms, where), variables(output_terms, where)
        head = relation(output)(*output_terms)
        body = relation(input)(*terms)
        if aggr != "max" or channels == 1:
            self.append((head <= body) | [_AGGREGATIONS[aggr]])
            return
        parts = []
        for k in range(channels):
            part = relation(f"{output}_max{k}")(*output_terms)
            self.append((part <= Transformation.SLICE(rows=(k, k + 1))(body)) | [Aggregation.MAX])
            parts.append(part)
        self.append((head <= tuple(parts)) | [Combination.CONCAT])
