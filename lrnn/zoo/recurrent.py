"""Recurrent cells unrolled over a sequence of facts: `RNN` and `GRU`, equal to `torch.nn.RNN` / `GRU`.

A sequence is the facts `input(0), input(1), ..., input(L-1)` with integer time constants.
The recurrence is a rule that reads the previous step through the builtin `@next(P, T)`
(true when `T = P + 1`), so the hidden state `output(t)` of every step is an atom that a
query or a later rule can use. The initial hidden state is zero, as in PyTorch.
"""
from __future__ import annotations

from ..language import Combination, R, V
from .base import Layer, activation_function, check_channels, output_settings, relation, with_offset, zero_rule

STEP = V.T       # the current time step
PREVIOUS = V.P   # the step before it


def _recurrent_body(literal, input: str):
    """Body that reads `literal` at the previous step; the hidden input literal binds T."""
    return literal, relation(input, hidden=True)(STEP), R.special.next(PREVIOUS, STEP)


class RNN(Layer):
    """Elman RNN cell unrolled over time, equal to `torch.nn.RNNCell` (or one-layer `torch.nn.RNN`).

    Formula::

        output(t) = activation(W_ih input(t) + b_ih + W_hh output(t-1) + b_hh),   output(-1) = 0

    In LRNN terms (`b_ih` a rule offset, `b_hh` the relation offset of `output`)::

        output(T) <= W_ih input(T), b_ih
        output(T) <= W_hh output(P), input(T), @next(P, T)      (hidden input literal)

    Weight names: `"<name>.weight_ih"`, `"<name>.weight_hh"`, `"<name>.bias_ih"`,
    `"<name>.bias_hh"`, each followed by `module_suffix` (`"_l0"` for `torch.nn.RNN`).

    Args:
        in_channels, hidden_channels: sizes of the input and of the hidden state.
        input, output: predicate names.
        activation: `"tanh"` (default) or `"relu"`, like PyTorch's `nonlinearity`.
        bias: whether both biases are used.
        module_suffix: suffix of the PyTorch parameter names.
        name: weight name prefix; defaults to `output`.

    Example:
        >>> from lrnn.zoo import RNN
        >>> sorted(RNN(3, 5, module_suffix="_l0").weight_map())
        ['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']
    """

    def __init__(self, in_channels: int, hidden_channels: int, input: str = "x", output: str = "h", *,
                 activation="tanh", bias: bool = True, module_suffix: str = "", name: str | None = None):
        where = f"RNN {output!r}"
        check_channels(where, in_channels=in_channels, hidden_channels=hidden_channels)
        super().__init__(name or output)
        head = relation(output)(STEP)
        step = head <= relation(input)(STEP)[self.weight(f"weight_ih{module_suffix}"):(hidden_channels, in_channels)]
        if bias:
            step = with_offset(step, self.weight(f"bias_ih{module_suffix}"), (hidden_channels, 1))
        self.append(step)
        previous = relation(output)(PREVIOUS)[self.weight(f"weight_hh{module_suffix}"):
                                              (hidden_channels, hidden_channels)]
        self.append(head <= _recurrent_body(previous, input))
        self.extend(output_settings(output, 1, activation_function(activation, where),
                                    self.weight(f"bias_hh{module_suffix}") if bias else None, hidden_channels))


class GRU(Layer):
    """Gated recurrent unit unrolled over time, equal to `torch.nn.GRUCell` (or one-layer `torch.nn.GRU`).

    Formula (PyTorch's; `*` is the element-wise product, `h(-1) = 0`)::

        r(t) = sigmoid(W_ir x(t) + b_ir + W_hr h(t-1) + b_hr)
        z(t) = sigmoid(W_iz x(t) + b_iz + W_hz h(t-1) + b_hz)
        n(t) = tanh(W_in x(t) + b_in + r(t) * (W_hn h(t-1) + b_hn))
        h(t) = (1 - z(t)) * n(t) + z(t) * h(t-1)

    In LRNN terms the gates are the predicates `<output>_r`, `<output>_z`, `<output>_n` and
    `<output>_hn` (the term `W_hn h(t-1) + b_hn`, which a zero rule makes exist at t = 0)::

        output_r(T) <= W_ir input(T), b_ir
        output_r(T) <= W_hr output(P), input(T), @next(P, T)     [relation offset b_hr, sigmoid]
        output_n(T) <= output_r(T) * output_hn(T)                [combination=elproduct]
        output(T)   <= output_n(T) * (1 - output_z(T))           [combination=elproduct]
        output(T)   <= output_z(T) * output(P), @next(P, T)      [combination=elproduct]

    PyTorch stacks the three gates in `weight_ih` `[3H, in]` in the order r, z, n. The lrnn
    weights `"<name>.weight_ih.r"`, `.z` and `.n` are these blocks, and likewise for
    `weight_hh`, `bias_ih` and `bias_hh`.

    Args:
        in_channels, hidden_channels: sizes of the input and of the hidden state.
        input, output: predicate names.
        bias: whether the biases are used.
        module_suffix: suffix of the PyTorch parameter names (`"_l0"` for `torch.nn.GRU`).
        name: weight name prefix; defaults to `output`.

    Example:
        >>> from lrnn.zoo import GRU
        >>> len(GRU(3, 5).links)
        12
    """

    def __init__(self, in_channels: int, hidden_channels: int, input: str = "x", output: str = "h", *,
                 bias: bool = True, module_suffix: str = "", name: str | None = None):
        check_channels(f"GRU {output!r}", in_channels=in_channels, hidden_channels=hidden_channels)
        super().__init__(name or output)
        size = hidden_channels
        gates = {}
        for g, (gate, function) in enumerate((("r", "sigmoid"), ("z", "sigmoid"), ("n", "tanh"))):
            block = (slice(g * size, (g + 1) * size),)
            names = {kind: self.weight(f"{kind}{module_suffix}", index=block, part=gate)
                     for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if bias or kind[0] == "w"}
            gates[gate] = names
            pred = f"{output}_{gate}"
            step = relation(pred)(STEP) <= relation(input)(STEP)[names["weight_ih"]:(size, in_channels)]
            if bias:
                step = with_offset(step, names["bias_ih"], (size, 1))
            self.append(step)
            recurrent_bias = names.get("bias_hh")
            if gate != "n":
                previous = relation(output)(PREVIOUS)[names["weight_hh"]:(size, size)]
                self.append(relation(pred)(STEP) <= _recurrent_body(previous, input))
            else:
                recurrent_bias = None
            self.extend(output_settings(pred, 1, activation_function(function, pred), recurrent_bias, size))
        self._candidate_rules(output, input, size, gates["n"], bias)

    def _candidate_rules(self, output: str, input: str, size: int, names: dict, bias: bool) -> None:
        hn, n = f"{output}_hn", f"{output}_n"
        r, z = f"{output}_r", f"{output}_z"
        previous = relation(output)(PREVIOUS)[names["weight_hh"]:(size, size)]
        self.append(relation(hn)(STEP) <= _recurrent_body(previous, input))
        self.append(zero_rule(hn, input, size, terms=(STEP,)))
        self.extend(output_settings(hn, 1, None, names.get("bias_hh"), size))
        self.append((relation(n)(STEP) <= (relation(r)(STEP), relation(hn)(STEP))) | [Combination.ELPRODUCT])
        head = relation(output)(STEP)
        self.append((head <= (relation(n)(STEP), -relation(z)(STEP))) | [Combination.ELPRODUCT])
        self.append((head <= (relation(z)(STEP), relation(output)(PREVIOUS), R.special.next(PREVIOUS, STEP)))
                    | [Combination.ELPRODUCT])
