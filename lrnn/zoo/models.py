"""Whole graph-classification templates built from zoo layers: `gcn`, `sage`, `gin`.

Each model stacks `layers` convolutions of width `hidden` (predicates `h1`, `h2`, ...; weight
prefixes `conv1`, `conv2`, ...), pools the last node values into `pooled` and maps them with
a linear layer (weight prefix `lin`) to the graph-level query predicate `output`::

    h_k(X) = activation(conv_k(h_{k-1}))          h_0 = feature
    pooled = readout_X h_L(X)
    output = output_activation(W pooled + b)

These are the Mutagenesis benchmark models when `in_features` is the number of atom
types, `hidden=10` and the defaults otherwise (2 GCN layers, 2 SAGE layers, 5 GIN layers,
mean readout, sigmoid output). Query each sample with `R.<output>` (arity 0).
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import TemplateError
from ..language import Template
from .base import Layer, check_channels
from .conv import GCNConv, SAGEConv
from .dense import Linear
from .gin import GINConv
from .readout import Readout


class ModelTemplate(Template):
    """A template made of zoo layers; `layers` maps each layer name to its :class:`Layer`.

    Example:
        >>> from lrnn.zoo.models import gcn
        >>> template = gcn(in_features=7, hidden=10, layers=2)
        >>> list(template.layers)
        ['conv1', 'conv2', 'readout', 'lin']
    """

    def __init__(self, entries=()):
        super().__init__(entries)
        self.layers: dict[str, Layer] = {}

    def add_layer(self, layer: Layer) -> ModelTemplate:
        if layer.name in self.layers:
            raise TemplateError(f"the template already has a layer named {layer.name!r}")
        self.layers[layer.name] = layer
        self.add(layer)
        return self


def _stack(in_features: int, hidden: int, layers: int, make_conv: Callable, feature: str, output: str,
           activation, output_activation, readout: str, out_features: int) -> ModelTemplate:
    check_channels(f"model {output!r}", in_features=in_features, hidden=hidden, layers=layers,
                   out_features=out_features)
    template = ModelTemplate()
    source, width = feature, in_features
    for k in range(1, layers + 1):
        template.add_layer(make_conv(width, hidden, source, f"h{k}", activation, f"conv{k}"))
        source, width = f"h{k}", hidden
    template.add_layer(Readout(hidden, source, "pooled", readout, name="readout"))
    template.add_layer(Linear(hidden, out_features, "pooled", output, activation=output_activation, terms=(),
                              name="lin"))
    return template


def gcn(in_features: int, hidden: int = 10, layers: int = 2, out_features: int = 1, *, feature: str = "x",
        edge: str = "edge", output: str = "predict", activation="relu", output_activation="sigmoid",
        readout: str = "mean", normalize: bool = True, norm: str = "gcn_norm") -> ModelTemplate:
    """Build a GCN graph classifier: `layers` :class:`GCNConv` layers, a readout and a linear output.

    With `normalize=True` the samples need the `norm` facts of
    `graph_facts(..., norm_predicate="gcn_norm")`; with `normalize=False` they need the
    edge facts `edge(j, i)`.

    Example:
        >>> template = gcn(in_features=7)
        >>> sorted(template.layers["conv1"].weight_map())
        ['bias', 'lin.weight']
    """
    def make_conv(width, size, source, target, act, name):
        return GCNConv(width, size, source, target, edge, normalize=normalize, norm=norm, activation=act,
                       name=name)

    return _stack(in_features, hidden, layers, make_conv, feature, output, activation, output_activation,
                  readout, out_features)


def sage(in_features: int, hidden: int = 10, layers: int = 2, out_features: int = 1, *, feature: str = "x",
         edge: str = "edge", output: str = "predict", activation="relu", output_activation="sigmoid",
         readout: str = "mean", aggr: str = "mean") -> ModelTemplate:
    """Build a GraphSAGE graph classifier: `layers` :class:`SAGEConv` layers, a readout and a linear output.

    Example:
        >>> len(sage(in_features=7).layers)
        4
    """
    def make_conv(width, size, source, target, act, name):
        return SAGEConv(width, size, source, target, edge, aggr=aggr, activation=act, name=name)

    return _stack(in_features, hidden, layers, make_conv, feature, output, activation, output_activation,
                  readout, out_features)


def gin(in_features: int, hidden: int = 10, layers: int = 5, out_features: int = 1, *, feature: str = "x",
        edge: str = "edge", output: str = "predict", activation="relu", output_activation="sigmoid",
        readout: str = "mean", train_eps: bool = False) -> ModelTemplate:
    """Build a GIN graph classifier: `layers` :class:`GINConv` layers, a readout and a linear output.

    Each GIN layer's MLP is `Linear(width, hidden), ReLU, Linear(hidden, hidden)`.

    Example:
        >>> len(gin(in_features=7, layers=5).layers)
        7
    """
    def make_conv(width, size, source, target, act, name):
        return GINConv(width, [size], size, source, target, edge, train_eps=train_eps, activation=act, name=name)

    return _stack(in_features, hidden, layers, make_conv, feature, output, activation, output_activation,
                  readout, out_features)
