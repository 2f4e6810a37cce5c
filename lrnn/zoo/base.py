"""Shared parts of the zoo layers: the `Layer` base class, literals, biases and PyG weight links.

A zoo layer is a list of template entries (rules, relation settings) that `template += layer`
adds like any other list. Its weights are named `"<layer name>.<PyG parameter name>"`, for
example `"conv1.lin.weight"`, so :func:`load_pyg_weights` can copy the weights of a PyTorch
Geometric layer by name.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ..errors import TemplateError, UnsupportedOptionError
from ..language import Function, R, V
from ..language.dsl import Atom, RelationSettings, Rule
from ..language.functions import lookup
from ..language.values import parse_bracket
from ..model import natural_shape

SOURCE = V.Y   # the node a message comes from (PyG: edge_index[0], x_j)
TARGET = V.X   # the node a message goes to (PyG: edge_index[1], x_i)


@dataclass(frozen=True)
class ParamLink:
    """The location of one PyTorch module parameter among the weights of an lrnn template.

    The lrnn weight `weight_name` receives `module_tensor[index]`, transposed when
    `transpose` is set, then reshaped to the lrnn weight's shape.

    Attributes:
        module_name: the parameter (or buffer) name in the PyTorch module, e.g. `"lin.weight"`.
        weight_name: the name of the lrnn weight, e.g. `"conv1.lin.weight"`.
        index: the part of the module tensor that the weight holds, e.g. `(0, 1)` for one
            attention head of `att` `[1, heads, channels]`; None for the whole tensor.
        transpose: whether the module stores the transposed matrix (`x @ W` instead of `W x`).
    """

    module_name: str
    weight_name: str
    index: tuple | None = None
    transpose: bool = False

    def module_part(self, tensor: Tensor) -> Tensor:
        """Return the part of `tensor` that this link maps, in the lrnn orientation."""
        if self.index is not None:
            tensor = tensor[self.index]
        return tensor.transpose(-1, -2) if self.transpose else tensor


class Layer(list):
    """A zoo layer: the template entries of one layer plus the names of its weights.

    Subclasses declare what they support with class attributes; an unsupported option raises
    :class:`lrnn.errors.UnsupportedOptionError` when the layer is created.

    Attributes:
        name: prefix of every weight name of the layer.
        links: one :class:`ParamLink` per weight that has a PyTorch counterpart.
    """

    supports_edge_features: ClassVar[bool] = False
    supports_edge_weights: ClassVar[bool] = False
    supports_bias: ClassVar[bool] = True

    def __init__(self, name: str, entries=(), links=()):
        super().__init__(entries)
        if not isinstance(name, str) or not name:
            raise TemplateError(f"{type(self).__name__}: the layer name must be a non-empty string, got {name!r}")
        self.name = name
        self.links: list[ParamLink] = list(links)

    def weight(self, module_name: str, transpose: bool = False, index: tuple | None = None,
               part: str | None = None) -> str:
        """Register the lrnn weight that mirrors `module_name` and return its weight name.

        A weight that contains `module_tensor[index]` is named after the indices, or after `part`.
        """
        weight_name = f"{self.name}.{module_name}"
        if part is not None:
            weight_name += f".{part}"
        elif index is not None:
            weight_name += "." + ".".join(str(i) for i in index)
        self.links.append(ParamLink(module_name, weight_name, index, transpose))
        return weight_name

    def weight_map(self) -> dict[str, str]:
        """Map each PyTorch parameter name to the lrnn weight name (first link of a shared name)."""
        mapping: dict[str, str] = {}
        for link in self.links:
            mapping.setdefault(link.module_name, link.weight_name)
        return mapping

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, {len(self)} entries, {len(self.links)} weights)"

    def __eq__(self, other) -> bool:
        return list.__eq__(self, other) and getattr(other, "name", None) == self.name

    __hash__ = None


# -- literals and relation settings --
def relation(name: str, hidden: bool = False) -> Atom:
    """Return the relation `name` as an atom factory (`R.name`, or `R.hidden.name`)."""
    if not isinstance(name, str) or not name or name.startswith("_"):
        raise TemplateError(f"invalid predicate name {name!r}; use a name such as 'h1' (hidden "
                            "literals are created by the layers themselves)")
    return R.hidden.get(name) if hidden else R.get(name)


def activation_function(activation, where: str) -> Function | None:
    """Turn an activation given as None, a name or a Transformation into a Function."""
    if activation is None:
        return None
    if isinstance(activation, str):
        activation = lookup("transformation", activation)
    if not isinstance(activation, Function) or activation.kind != "transformation":
        raise TemplateError(f"{where}: activation must be a Transformation or its name, got {activation!r}")
    return None if activation.name == "identity" else activation


def output_settings(output: str, arity: int, activation: Function | None, bias: str | None,
                    channels: int) -> list[RelationSettings]:
    """Relation settings of a layer's output: its activation and its bias (a relation offset).

    A relation offset is added once per output atom, before the activation, so it is the
    bias of `activation(sum of rule contributions + bias)`.
    """
    entries = []
    settings = relation(output) / arity
    if activation is not None:
        settings = settings | [activation]
    if bias is not None:
        settings = settings[bias:(channels, 1)]
    if activation is not None or bias is not None:
        entries.append(settings)
    return entries


def zero_rule(output: str, input: str, channels: int, terms=(TARGET,)):
    """Make a rule that gives every atom of `input` an `output` atom with the value zero.

    An atom without groundings does not exist in LRNN, while PyG gives a node without
    incoming messages the output `bias`. This rule makes the output atom exist. A hidden
    literal has no value, so the body evaluates to 1, which a fixed zero column vector
    scales to 0.
    """
    zeros = np.zeros((channels, 1)) if channels > 1 else 0.0
    return relation(output)(*terms)[zeros].fixed() <= relation(input, hidden=True)(*terms)


def with_offset(rule: Rule, weight_name: str, dims) -> Rule:
    """Return `rule` with the learnable offset `weight_name`, added once per grounding.

    The Python DSL has no syntax for rule offsets, but rules carry them (the text format
    writes `h :- x, $name={n}.`), so the zoo sets the field directly.
    """
    return replace(rule, offset=parse_bracket(slice(weight_name, dims), f"offset of {rule}"))


def check_channels(where: str, **sizes) -> None:
    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise TemplateError(f"{where}: {key} must be a positive integer, got {value!r}")


def unsupported(where: str, option: str, alternative: str) -> UnsupportedOptionError:
    return UnsupportedOptionError(f"{where}: {option} is not supported; {alternative}")


# -- weights from PyTorch modules --
def _declaration(model, weight_name: str) -> int:
    for index, decl in enumerate(model.program.weights):
        if decl.name == weight_name:
            return index
    raise TemplateError(f"weight {weight_name!r} not found in the model; build the model from a "
                        "template that contains this layer")


def _module_tensors(module) -> dict[str, Tensor]:
    tensors = dict(module.named_buffers())
    tensors.update(dict(module.named_parameters()))
    return tensors


def load_pyg_weights(model, layer: Layer, module) -> list[str]:
    """Copy the weights of a PyTorch (Geometric) module into the lrnn weights of `layer`, by name.

    Args:
        model: a built :class:`lrnn.model.Model` whose template contains `layer`.
        layer: a zoo layer; its `links` name the module parameters.
        module: the PyTorch module, e.g. `torch_geometric.nn.GCNConv`.

    Returns:
        The lrnn weight keys that were set.

    Raises:
        TemplateError: a parameter is missing in `module`, or a weight is missing in `model`.
    """
    tensors = _module_tensors(module)
    keys = []
    with torch.no_grad():
        for link in layer.links:
            if link.module_name not in tensors:
                raise TemplateError(f"{type(module).__name__} has no parameter {link.module_name!r} that "
                                    f"layer {layer.name!r} expects; create both with the same options")
            index = _declaration(model, link.weight_name)
            target = model.weight(index)
            value = link.module_part(tensors[link.module_name])
            if value.numel() != target.numel():
                raise TemplateError(f"parameter {link.module_name!r} has {value.numel()} entries but lrnn "
                                    f"weight {link.weight_name!r} has {target.numel()}; check the layer sizes")
            target.copy_(value.reshape(target.shape).to(target.dtype))
            keys.append(model.program.weights[index].key)
    return keys


def module_values(model, layer: Layer, module, grad: bool = False) -> dict[str, Tensor]:
    """Map each lrnn weight key of `layer` to its module parameter (or gradient) in the lrnn shape.

    Useful to compare gradients: `model.weights[key].grad` against the returned tensor.
    A parameter without a gradient maps to None.
    """
    tensors = _module_tensors(module)
    values: dict[str, Tensor] = {}
    for link in layer.links:
        decl = model.program.weights[_declaration(model, link.weight_name)]
        tensor = tensors[link.module_name]
        if grad:
            tensor = tensor.grad
            if tensor is None:
                values[decl.key] = None
                continue
        values[decl.key] = link.module_part(tensor.detach()).reshape(natural_shape(decl.shape))
    return values
