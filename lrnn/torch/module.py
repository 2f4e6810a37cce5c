"""`NeuraLogic`: an LRNN template used as a layer inside any torch model.

The template is grounded and compiled once, for the declared input facts. Each call maps
its arguments to facts with tensor values (`to_logic`), writes those values into the
compiled network and runs it, so gradients reach both the template weights and the
input tensors.

Shapes follow the language's value orientation: a declared `[n,]` is an n x 1 column
vector fed as a tensor `[n]`, a scalar is fed as `[]`, a row vector `[1, n]` as `[1, n]`
and a matrix `[r, c]` as `[r, c]`. Extra leading dimensions form a batch.
"""
from __future__ import annotations

import copy
import dataclasses

import torch
from torch import Tensor, nn

from ..datasets.sample import Dataset, Sample
from ..errors import InputFactError
from ..language.dsl import Atom
from ..language.terms import Constant
from ..model import Model, natural_shape
from ..settings import Settings


class NeuraLogic(nn.Module):
    """An LRNN template as a torch layer: input tensors become fact values, the output is a query.

    The template's weights are ``nn.Parameter`` entries of the submodule `model`, so they
    appear in ``parameters()`` and ``state_dict()`` of any enclosing module, only the
    optimizer changes them, and ``.to(device)`` moves them.

    Args:
        template: the :class:`~lrnn.Template` to evaluate.
        input_facts: the facts fed from tensors, each with its value shape, e.g.
            ``[R.xy[8,]]`` or ``[R.x(C.a)[2,], R.x(C.b)[2,]]``. A fact declared with a value
            (``R.bias[[0.5, 0.5]]``) keeps that value when `to_logic` does not return it.
        output_relation: the queried atom, e.g. ``R.xor``. With variables (``R.h(V.X)``) the
            output has one entry per derivable instance.
        to_logic: maps the arguments of ``forward`` to facts with tensor values,
            e.g. ``lambda x: [R.xy[x]]``.
        settings: settings of the inner :class:`~lrnn.model.Model` (dtype, initializer, ...).

    Shapes:
        a fact declared `[r, c]` is fed as a tensor `[*batch, *natural]` where `natural` is
        `[]` for a scalar, `[r]` for a column vector (`[r,]`), `[1, c]` for a row vector and
        `[r, c]` for a matrix. Facts without batch dimensions are broadcast to the batch.
        returns: `[*batch, *out]` with `out` the natural shape of the query's value (a
        scalar query gives a 0-d tensor without a batch), and `[*batch, Q, *out]` for an
        `output_relation` with variables and Q derived instances.

    Raises:
        InputFactError: at construction, when a declared fact is not ground, is declared
            twice or is not used by the template to derive `output_relation`. When called,
            when `to_logic` returns an undeclared fact, a fact twice or a value of the wrong
            shape, or omits a fact declared without a value.

    NOTE: a scalar output is 0-d, so ``MSELoss()(out, target)`` with a target of shape
    `[1]` broadcasts (torch warns). Use a 0-d target, or targets `[B]` for a batch.

    Example:
        >>> import torch
        >>> from lrnn import R, F, Template
        >>> template = Template()
        >>> template += (R.xor[1, 8] <= R.xy) | [F.identity]
        >>> layer = NeuraLogic(template, [R.xy[8,]], R.xor, lambda x: [R.xy[x]])
        >>> layer(torch.ones(8)).shape, layer(torch.ones(64, 8)).shape
        (torch.Size([]), torch.Size([64]))
    """

    def __init__(self, template, input_facts, output_relation: Atom, to_logic, settings: Settings | None = None):
        super().__init__()
        self.model = Model(template, settings)
        self.to_logic = to_logic
        self.output_relation = output_relation
        self._facts = [_declared_fact(fact) for fact in input_facts]
        self._index = _index_facts(self._facts)
        self._natural = [natural_shape(fact.value.shape) for fact in self._facts]
        defaults = [_placeholder(fact, self.model.settings.dtype) for fact in self._facts]
        sample = Sample(output_relation, [dataclasses.replace(f, value=_spec(f, v))
                                          for f, v in zip(self._facts, defaults)])
        self._built = self.model.build_dataset(Dataset([sample]))
        compiled = self.model.plan(self._built)
        self._plan = _without_identity_gathers(compiled, self._built)
        self._plans_by_device = {self._plan_device(self._plan): self._plan}
        self._has_default = [fact.value.initial is not None for fact in self._facts]
        for i, value in enumerate(defaults):
            self.register_buffer(f"default_{i}", value, persistent=False)
        self._layout = self._value_layout()
        self._check_used(compiled)
        self._single_query = output_relation.is_ground
        self._dtype = self._template_dtype()

    def _apply(self, fn, *args, **kwargs):
        # `.to()`, `.double()`, `.cuda()` change the weights; remember their dtype for `forward`
        result = super()._apply(fn, *args, **kwargs)
        self._dtype = self._template_dtype()
        return result

    def _template_dtype(self) -> torch.dtype:
        for weight in self.model.parameters():
            return weight.dtype
        for buffer in self.model.buffers():
            return buffer.dtype
        return self.model.settings.dtype

    # -- construction --
    def _value_layout(self) -> dict:
        """Per value shape, the source of each row: a declared fact index, or a row range of stored values.

        Stored rows belong to builtin `_eval` facts, whose values do not change.
        """
        slots = self._built.fact_value_slots()
        layout: dict = {}
        for shape, rows in self._built.fact_values.items():
            sources: list = [None] * rows.shape[0]
            for i, (slot_shape, row) in enumerate(slots[:len(self._facts)]):
                if slot_shape == shape:
                    sources[row] = i
            layout[shape] = _merge_stored_rows(sources)
        return layout

    def _check_used(self, plan) -> None:
        used = set()
        for chunk in plan.chunks:
            if chunk.kind == "data":
                used.update((chunk.shape, int(row)) for row in chunk.index.tolist())
        for fact, slot in zip(self._facts, self._built.fact_value_slots()):
            if slot not in used:
                raise InputFactError(
                    f"input fact {_fact_text(fact)} is not used by the template to derive "
                    f"{self.output_relation}: no rule that supports the query has it in its body, or a "
                    "rule derives it. Remove it from input_facts or add a rule whose body uses it.")

    # -- forward --
    def forward(self, *args, **kwargs) -> Tensor | list:
        """Evaluate the template on the facts `to_logic(*args, **kwargs)` returns."""
        values = self._fed_values(self.to_logic(*args, **kwargs))
        dtype, device = self._dtype, values[0].device
        batches = [v.shape[:v.dim() - len(n)] for v, n in zip(values, self._natural)]
        lead = batches[0]
        if any(batch != lead for batch in batches):
            lead = self._common_batch(batches)
        fact_values = {}
        for shape, sources in self._layout.items():
            parts = []
            for source in sources:
                if isinstance(source, int):
                    value = values[source] if values[source].dtype == dtype else values[source].to(dtype)
                    part = value.reshape(*batches[source], 1, *shape)
                else:
                    part = self._built.fact_values[shape][source].to(device, dtype)
                parts.append(part if part.shape[:-3] == lead else part.expand(*lead, *part.shape[-3:]))
            fact_values[shape] = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-3)
        out = self.model.run_plan(self._plan_on(device), fact_values, dtype, device)
        if self._single_query and isinstance(out, Tensor):
            return out.select(len(lead), 0)
        return out

    def _common_batch(self, batches) -> torch.Size:
        try:
            return torch.broadcast_shapes(*batches)
        except RuntimeError as error:
            described = ", ".join(f"{_fact_text(f)}: {list(b)}" for f, b in zip(self._facts, batches))
            raise InputFactError(f"the batch dimensions of the input facts do not broadcast ({described})") from error

    def _fed_values(self, facts) -> list[Tensor]:
        """Values of the declared facts, in declaration order, from the facts `to_logic` returned."""
        if isinstance(facts, Atom):
            facts = [facts]
        values: list = [None] * len(self._facts)
        for fact in facts:
            i = self._index.get(_fact_key(fact)) if isinstance(fact, Atom) else None
            if i is None:
                returned = _fact_text(fact) if isinstance(fact, Atom) else repr(fact)
                raise InputFactError(
                    f"to_logic returned {returned}, which is not a declared input fact; declared: "
                    f"{', '.join(_fact_text(f) for f in self._facts)}. Add it to input_facts.")
            if values[i] is not None:
                raise InputFactError(f"to_logic returned the input fact {_fact_text(fact)} twice")
            values[i] = self._check_value(i, fact)
        for i, value in enumerate(values):
            if value is None:
                if not self._has_default[i]:
                    raise InputFactError(
                        f"to_logic did not return the input fact {_fact_text(self._facts[i])}, which was "
                        "declared without a value; return it, or declare it with a default value.")
                values[i] = getattr(self, f"default_{i}")
        return values

    def _check_value(self, i: int, fact: Atom) -> Tensor:
        spec = fact.value
        if spec is None:
            raise InputFactError(f"to_logic returned the input fact {fact} without a value; "
                                 f"write it as {fact}[tensor]")
        value = spec.tensor if spec.tensor is not None else torch.as_tensor(spec.initial).reshape(
            natural_shape(spec.shape))
        natural = self._natural[i]
        if value.dim() < len(natural) or tuple(value.shape[value.dim() - len(natural):]) != natural:
            declared = self._facts[i].value.shape
            raise InputFactError(
                f"the value of input fact {_fact_text(fact)} has shape {list(value.shape)}, but the fact "
                f"was declared {declared[0]}x{declared[1]}, which is fed as a tensor {list(natural)} "
                "with optional leading batch dimensions")
        return value

    def _plan_on(self, device):
        plan = self._plans_by_device.get(device)
        if plan is None:
            plan = self._plans_by_device[device] = copy.deepcopy(self._plan).to(device)
        return plan

    @staticmethod
    def _plan_device(plan) -> torch.device:
        for chunk in plan.chunks:
            if chunk.index is not None:
                return chunk.index.device
        return torch.device("cpu")

    def extra_repr(self) -> str:
        facts = ", ".join(_fact_text(f) for f in self._facts)
        return f"input_facts=[{facts}], output_relation={self.output_relation}"


# -- helpers --
def _declared_fact(fact) -> Atom:
    if not isinstance(fact, Atom) or fact.negated or fact.function is not None or fact.special:
        raise InputFactError(f"input fact {fact!r} is not a fact such as R.xy[8,] or R.x(C.a)[2,]")
    if not all(isinstance(t, Constant) for t in fact.terms):
        raise InputFactError(f"input fact {fact} contains a variable; input facts must be ground "
                             "(write constants such as R.x(C.a)[2,])")
    if fact.value is None:
        raise InputFactError(f"input fact {fact} has no shape; declare it as {fact}[8,] for an 8-vector, "
                             f"{fact}[1] for a scalar or {fact}[r, c] for a matrix")
    return fact


def _index_facts(facts) -> dict:
    index = {}
    for i, fact in enumerate(facts):
        key = _fact_key(fact)
        if key in index:
            raise InputFactError(f"input fact {_fact_text(fact)} is declared twice")
        index[key] = i
    return index


def _fact_key(fact: Atom):
    return fact.name, fact.terms, fact.hidden


def _fact_text(fact: Atom) -> str:
    return str(dataclasses.replace(fact, value=None))


def _placeholder(fact: Atom, dtype) -> Tensor:
    """Return the declared value of `fact` in its natural shape, or zeros for a declared shape only."""
    spec = fact.value
    if spec.initial is None:
        return torch.zeros(natural_shape(spec.shape), dtype=dtype)
    return torch.as_tensor(spec.initial, dtype=dtype).reshape(natural_shape(spec.shape))


def _spec(fact: Atom, value: Tensor):
    return dataclasses.replace(fact.value, initial=value.double().numpy().reshape(fact.value.shape),
                               tensor=None, name=None, fixed=False)


def _merge_stored_rows(sources: list) -> list:
    """Replace runs of stored rows (None) by one slice each."""
    merged: list = []
    start = None
    for row, source in enumerate(sources + [-1]):
        if source is None:
            start = row if start is None else start
            continue
        if start is not None:
            merged.append(slice(start, row))
            start = None
        if row < len(sources):
            merged.append(source)
    return merged


# -- plan specialisation --
def _without_identity_gathers(plan, built):
    """Copy `plan`, setting to None the row gathers that select every row in order, so they are skipped.

    A rule op whose instances are the only instances of their heads, in head order, also gets
    `head_index` None, because SUM, AVG, MAX and MIN of one instance return it unchanged.
    """
    chunks = []
    for chunk in plan.chunks:
        if chunk.kind == "data" and _is_arange(chunk.index, built.fact_values[chunk.shape].shape[0]):
            chunk = dataclasses.replace(chunk, index=None)
        chunks.append(chunk)
    layers = [dataclasses.replace(layer, ops=[_op_without_identity(op, chunks) for op in layer.ops])
              for layer in plan.layers]
    groups = [(c, None if _is_arange(rows, chunks[c].size) and _is_arange(positions, len(positions)) else rows,
               positions) for c, rows, positions in plan.output_groups]
    return dataclasses.replace(plan, chunks=chunks, layers=layers, output_groups=groups)


def _op_without_identity(op, chunks):
    groups = []
    for group in op.groups:
        leaves = [dataclasses.replace(leaf, rows=None) if _is_arange(leaf.rows, chunks[leaf.chunk].size) else leaf
                  for leaf in group.leaves]
        groups.append(dataclasses.replace(group, leaves=leaves))
    op = dataclasses.replace(op, groups=groups)
    if op.aggregation in ("sum", "avg", "max", "min") and _is_arange(op.head_index, op.num_heads):
        op = dataclasses.replace(op, head_index=None)
    return op


def _is_arange(index: Tensor | None, size: int) -> bool:
    return (index is not None and index.shape[0] == size
            and bool(torch.equal(index.cpu(), torch.arange(size))))
