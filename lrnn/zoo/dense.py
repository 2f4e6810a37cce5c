"""General layers: `Linear` and `MLP` on atoms of any arity.

Both mirror `torch.nn.Linear` and an `nn.Sequential(Linear, activation, Linear, ...)`: a
weight `W` `[out, in]` is applied as `W x` to the column-vector value `x` of each input atom.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import TemplateError
from ..language import V, Variable
from .base import Layer, activation_function, check_channels, output_settings, relation


def variables(terms, where: str) -> tuple:
    """Turn variable names (`"X"`) or Variables into a tuple of Variables."""
    result = []
    for term in terms:
        if isinstance(term, str) and term[:1].isupper():
            term = V.get(term)
        if not isinstance(term, Variable):
            raise TemplateError(f"{where}: terms must be variables such as 'X' or V.X, got {term!r}")
        result.append(term)
    return tuple(result)


class Linear(Layer):
    """A linear map with optional bias and activation, like `torch.nn.Linear`.

    Formula (for every atom `input(T)` with terms `T`)::

        output(T) = activation(W input(T) + bias)      W: [out_channels, in_channels]

    In LRNN terms: the rule `output(T) <= W input(T)` and the relation offset `bias` of
    `output`. Weight names: `"<name>.weight"`, `"<name>.bias"`.

    Args:
        in_channels, out_channels: sizes of the input and output vectors.
        input, output: predicate names.
        activation: a Transformation (or its name) applied to the output; None for identity.
        bias: whether the output gets a learnable bias.
        terms: variable names of the input and output atoms; `()` for arity-0 predicates.
        name: weight name prefix; defaults to `output`.
        module_name: parameter name prefix in the PyTorch module; `""` for `nn.Linear` itself.

    Example:
        >>> from lrnn import Template
        >>> from lrnn.zoo import Linear
        >>> template = Template()
        >>> template += Linear(3, 2, input="x", output="y")
        >>> for entry in template:
        ...     print(entry)
        y(X) :- $y.weight={2, 3} x(X).
        y/1 $y.bias={2}
    """

    def __init__(self, in_channels: int, out_channels: int, input: str = "x", output: str = "y", *,
                 activation=None, bias: bool = True, terms: Sequence = ("X",), name: str | None = None,
                 module_name: str = ""):
        where = f"Linear {output!r}"
        check_channels(where, in_channels=in_channels, out_channels=out_channels)
        super().__init__(name or output)
        terms = variables(terms, where)
        prefix = f"{module_name}." if module_name else ""
        weight = self.weight(f"{prefix}weight")
        self.append(relation(output)(*terms) <= relation(input)(*terms)[weight:(out_channels, in_channels)])
        bias_name = self.weight(f"{prefix}bias") if bias else None
        self.extend(output_settings(output, len(terms), activation_function(activation, where), bias_name,
                                    out_channels))


class MLP(Layer):
    """A stack of `Linear` layers with an activation between them.

    Formula, for `channels = [c0, c1, ..., cn]`::

        output(T) = out_act(W_n act(... act(W_1 input(T) + b_1) ...) + b_n)

    Intermediate predicates are named `"<output>_mlp<i>"`. The weight names follow
    `nn.Sequential(Linear, activation, Linear, ...)`, where the linear layers have the
    indices 0, 2, 4, ... (`"<name>.0.weight"`, `"<name>.2.bias"`); `module_names` changes them.

    Args:
        channels: sizes of the input, the hidden layers and the output.
        input, output: predicate names.
        activation: applied after every layer but the last.
        output_activation: applied after the last layer.
        bias: whether every linear layer has a bias.
        terms: variable names of the atoms.
        name: weight name prefix; defaults to `output`.
        module_names: parameter name prefix of each linear layer in the PyTorch module.

    Example:
        >>> from lrnn.zoo import MLP
        >>> mlp = MLP([3, 8, 1], input="x", output="y")
        >>> [link.module_name for link in mlp.links]
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, channels: Sequence[int], input: str = "x", output: str = "y", *, activation="relu",
                 output_activation=None, bias: bool = True, terms: Sequence = ("X",), name: str | None = None,
                 module_names: Sequence[str] | None = None):
        where = f"MLP {output!r}"
        channels = list(channels)
        if len(channels) < 2:
            raise TemplateError(f"{where}: channels needs the input and output size at least, got {channels}")
        check_channels(where, **{f"channels[{i}]": c for i, c in enumerate(channels)})
        count = len(channels) - 1
        if module_names is None:
            module_names = [str(2 * i) for i in range(count)]
        if len(module_names) != count:
            raise TemplateError(f"{where}: {count} linear layers but {len(module_names)} module names")
        super().__init__(name or output)
        source = input
        for i in range(count):
            target = output if i == count - 1 else f"{output}_mlp{i + 1}"
            layer = Linear(channels[i], channels[i + 1], source, target, bias=bias, terms=terms, name=self.name,
                           activation=output_activation if i == count - 1 else activation,
                           module_name=module_names[i])
            self.extend(layer)
            self.links.extend(layer.links)
            source = target
