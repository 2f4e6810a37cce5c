"""A per-atom reference evaluator: the value formula of the language, one atom at a time.

For a derived atom h of a sample (rules r in template order, groundings θ of r with head h):

    val(h)    = T_h( C_h( [offset_h,] [W_head_r ⊗ agg_r,h]_r ) )
    agg_r,h   = A_r( [rho_r,θ]_θ )
    rho_r,θ   = T_r( C_r( [offset_r,] [W_r,j ⊗ phi_j(val(L_j θ))]_j ) )

with `⊗` the product of a weight (left) and a value (right): scaling if either is a scalar,
else a matrix product. Values are 2-D tensors (scalar 1x1, column n x 1, row 1 x n). The
ground instances come from :func:`lrnn.testing.reference_ground`, the weights from
``model.weight(i)``, so gradients flow into the model's parameters.

The functions are written out here from their definitions; nothing is shared with
:mod:`lrnn.nn`. MAX and MIN pick the whole input with the largest (smallest) element sum,
the first one on ties, in grounding order.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..errors import CyclicGroundingError, QueryError, ShapeError
from ..language.terms import Constant
from ..program.records import Leaf
from .reference_grounder import reference_ground

# -- products and functions --


def is_scalar(x: Tensor) -> bool:
    return tuple(x.shape) == (1, 1)


def weight_product(weight: Tensor, x: Tensor) -> Tensor:
    """`weight ⊗ x`: scaling when either side is a scalar, else the matrix product."""
    if is_scalar(weight) or is_scalar(x):
        return weight * x if is_scalar(weight) else x * weight
    if weight.shape[1] != x.shape[0]:
        raise ShapeError(f"cannot multiply a {tuple(weight.shape)} weight by a {tuple(x.shape)} value")
    return weight @ x


def _broadcast(inputs: list[Tensor]) -> tuple[int, int]:
    shape = (1, 1)
    for x in inputs:
        if is_scalar(x):
            continue
        if shape not in ((1, 1), tuple(x.shape)):
            raise ShapeError(f"cannot add values of shapes {shape} and {tuple(x.shape)}")
        shape = tuple(x.shape)
    return shape


def _expand(x: Tensor, shape) -> Tensor:
    return x.expand(*shape) if is_scalar(x) else x


def _pick(inputs: list[Tensor], largest: bool) -> Tensor:
    shape = _broadcast(inputs)
    best, best_score = None, None
    for x in inputs:
        x = _expand(x, shape)
        score = float(x.detach().sum())
        if best is None or (score > best_score if largest else score < best_score):
            best, best_score = x, score
    return best


def _sparsemax(values: Tensor) -> Tensor:
    """Euclidean projection of a flat vector onto the probability simplex."""
    ordered = sorted(values.tolist(), reverse=True)
    support, total = 0, 0.0
    for k, z in enumerate(ordered, start=1):
        if 1 + k * z > total + z:
            support, total = k, total + z
        else:
            break
    top = torch.topk(values, support).values
    tau = (top.sum() - 1) / support
    return torch.clamp(values - tau, min=0)


def combine(function, inputs: list[Tensor]) -> Tensor:
    """Combination `function` of a list of 2-D values, in input order."""
    name, n = function.name, len(inputs)
    if n == 1 and name in ("sum", "avg", "max", "min", "product", "elproduct", "concat"):
        return inputs[0]
    if name in ("sum", "avg", "elproduct"):
        shape = _broadcast(inputs)
        total = _expand(inputs[0], shape)
        for x in inputs[1:]:
            total = total * _expand(x, shape) if name == "elproduct" else total + _expand(x, shape)
        return total / n if name == "avg" else total
    if name in ("max", "min"):
        return _pick(inputs, name == "max")
    if name == "count":
        return inputs[0].new_full((1, 1), float(n))
    if name in ("softmax", "sparsemax"):
        if any(not is_scalar(x) for x in inputs):
            raise ShapeError(f"{name} combines scalars only")
        if n == 1:
            return inputs[0].new_ones((1, 1))
        flat = torch.stack([x.reshape(()) for x in inputs])
        return (_softmax(flat) if name == "softmax" else _sparsemax(flat)).reshape(n, 1)
    if name == "product":
        total = inputs[0]
        for x in inputs[1:]:
            total = weight_product(total, x)
        return total
    if name == "crosssum":
        sums = [torch.zeros((), dtype=inputs[0].dtype, device=inputs[0].device)]
        for x in inputs:  # the first input varies slowest
            sums = [s + e for s in sums for e in x.reshape(-1)]
        return torch.stack(sums).reshape(-1, 1) if len(sums) > 1 else sums[0].reshape(1, 1)
    if name == "concat":
        return _concat(inputs, function.param("axis"))
    if name == "cossim":
        if n != 2 or is_scalar(inputs[0]) or inputs[0].shape != inputs[1].shape:
            raise ShapeError("cossim needs two vectors of equal shape")
        a, b = inputs[0].reshape(-1), inputs[1].reshape(-1)
        return ((a * b).sum() / (a.pow(2).sum().sqrt() * b.pow(2).sum().sqrt())).reshape(1, 1)
    raise ShapeError(f"unknown combination {name}")


def _concat(inputs: list[Tensor], axis) -> Tensor:
    if axis is None or (axis == 0 and all(x.shape[1] == 1 for x in inputs)):
        return torch.cat([x.reshape(-1) for x in inputs]).reshape(-1, 1)
    return torch.cat(inputs, dim=0 if axis == 0 else 1)


def _softmax(flat: Tensor) -> Tensor:
    shifted = torch.exp(flat - flat.max().detach())
    return shifted / shifted.sum()


def transform(function, x: Tensor) -> Tensor:
    """Transformation `function` of one 2-D value."""
    name = function.name
    elementwise = {
        "identity": lambda v: v,
        "sigmoid": _sigmoid,
        "tanh": torch.tanh,
        "signum": lambda v: (v > 0).to(v.dtype),
        "relu": lambda v: torch.where(v > 0, v, torch.zeros_like(v)),
        "leaky_relu": lambda v: torch.where(v > 0, v, function.param("alpha", 0.01) * v),
        "lukasiewicz": lambda v: _sigmoid(6 * v + 0.5),
        "exp": torch.exp,
        "sqrt": torch.sqrt,
        "inverse": lambda v: 1.0 / v,
        "reverse": lambda v: 1.0 - v,
        "log": torch.log,
    }
    if name in elementwise:
        return elementwise[name](x)
    if name == "transp":
        return x.t()
    if name in ("softmax", "sparsemax"):
        if is_scalar(x):
            raise ShapeError(f"{name} transformation needs a vector")
        flat = x.reshape(-1)
        return (_softmax(flat) if name == "softmax" else _sparsemax(flat)).reshape(x.shape)
    if name == "norm":
        flat = x.reshape(-1)
        mean = flat.sum() / flat.numel()
        variance = ((flat - mean) ** 2).sum() / flat.numel()
        return ((flat - mean) / torch.sqrt(variance + 1e-10)).reshape(x.shape)
    if name == "slice":
        return _slice(function, x)
    if name == "reshape":
        target = function.param("shape")
        target = (target, 1) if isinstance(target, int) else tuple(target)
        return x.reshape(target if len(target) == 2 else (target[0], 1))
    raise ShapeError(f"unknown transformation {name}")


def _sigmoid(v: Tensor) -> Tensor:
    inner = 1.0 / (1.0 + torch.exp(-v.clamp(-100.0, 100.0)))
    return torch.where(v > 100, torch.ones_like(v), torch.where(v < -100, torch.zeros_like(v), inner))


def _slice(function, x: Tensor) -> Tensor:
    rows, cols = function.param("rows"), function.param("cols")
    r, c = x.shape
    if c == 1 and cols is None:  # a column vector is sliced by `rows`
        start, stop = rows or (0, r)
        return x[start:stop, :]
    if r == 1 and rows is None and c > 1:  # a row vector by `cols`
        start, stop = cols or (0, c)
        return x[:, start:stop]
    rows, cols = rows or (0, r), cols or (0, c)
    return x[rows[0]:rows[1], cols[0]:cols[1]]


def aggregate(function, values: list[Tensor]) -> Tensor:
    """Aggregation `function` over the instance values of one rule and head, in grounding order."""
    name = function.name
    if name in ("avg", "sum"):
        total = values[0]
        for x in values[1:]:
            total = total + x
        return total / len(values) if name == "avg" else total
    if name in ("max", "min"):
        return _pick(values, name == "max")
    if name == "count":
        return values[0].new_full((1, 1), float(len(values)))
    if name == "concat":
        return torch.cat([x.reshape(-1) for x in values]).reshape(-1, 1)
    if name == "softmax":
        if len(values) == 1:
            return values[0].new_ones((1, 1))
        return _softmax(torch.stack([x.reshape(()) for x in values])).reshape(-1, 1)
    raise ShapeError(f"unknown aggregation {name}")


# -- the evaluator --
class _SampleEvaluator:
    def __init__(self, model, sample, grounding):
        self.model = model
        self.program = model.program
        self.settings = model.settings
        self.grounding = grounding
        self.memo: dict[str, Tensor] = {}
        self.active: set[str] = set()
        self.by_head: dict[str, dict[int, list[tuple]]] = {}
        for key in grounding.instance_counts.elements():
            rule, head, body = key
            self.by_head.setdefault(head, {}).setdefault(rule, []).append(body)
        self.facts = self._fact_values(sample)

    def _tensor(self, value) -> Tensor:
        """Convert a 2-D value (nested lists or an array) to a tensor of the model's dtype and device."""
        array = np.asarray(value, dtype=np.float64)
        return torch.as_tensor(array, dtype=self.settings.dtype, device=self.settings.device)

    def _fact_values(self, sample) -> dict:
        facts: dict[str, Tensor | int] = {}
        for fact in sample.facts:  # the first value of a duplicate fact wins
            text = _atom_text(fact.name, [t.name for t in fact.terms])
            if text not in facts:
                value = fact.value.initial if fact.value is not None else [[self.settings.default_fact_value]]
                facts[text] = self._tensor(value)
        vocab = self.program.vocab
        for fact in self.program.template_facts:
            text = vocab.atom_text(fact.pred, fact.const_ids)
            if text not in facts:
                facts[text] = fact.weight if fact.weight is not None else self._tensor([[1.0]])
        for text, value in self.grounding.eval_values.items():
            facts[text] = self._tensor([[value]])
        return facts

    def value(self, atom: str) -> Tensor:
        found = self.memo.get(atom)
        if found is not None:
            return found
        if atom not in self.by_head:
            fact = self.facts.get(atom)
            if fact is None:
                raise QueryError(f"atom {atom} is neither a fact nor derived in this sample")
            return self.model.weight(fact) if isinstance(fact, int) else fact
        if atom in self.active:
            raise CyclicGroundingError(f"the ground network is cyclic through {atom}")
        self.active.add(atom)
        result = self._derived(atom)
        self.active.discard(atom)
        self.memo[atom] = result
        return result

    def _derived(self, atom: str) -> Tensor:
        relation = self.program.relation(self._pred_of(atom))
        inputs = []
        if relation.offset_weight is not None:
            inputs.append(self.model.weight(relation.offset_weight))
        for rule_index in sorted(self.by_head[atom]):
            rule = self.program.rules[rule_index]
            values = self._instance_values(rule, atom)
            if rule.aggregation.name == "softmax" and rule.agg_group_positions is not None:
                aggregated = self._grouped_softmax(rule, atom)
            else:
                aggregated = aggregate(rule.aggregation, values)
            if rule.head_weight is not None:
                aggregated = weight_product(self.model.weight(rule.head_weight), aggregated)
            inputs.append(aggregated)
        return transform(relation.transformation, combine(relation.combination, inputs))

    def _pred_of(self, atom: str) -> int:
        name = atom.split("(", 1)[0]
        return self.program.vocab.predicate_ids[(name, len(self.grounding.head_terms[atom]))]

    def _instance_values(self, rule, head: str) -> list[Tensor]:
        return [self.rho(rule, body) for body in self.by_head[head][rule.index]]

    def _grouped_softmax(self, rule, atom: str) -> Tensor:
        """SOFTMAX(agg_terms=...): softmax over every instance whose head agrees outside the masked terms."""
        positions = rule.agg_group_positions
        key = tuple(self.grounding.head_terms[atom][p] for p in positions)
        members = []
        for head, rules in self.by_head.items():
            if rule.index in rules and tuple(self.grounding.head_terms[head][p] for p in positions) == key:
                members.extend((head, self.rho(rule, body)) for body in rules[rule.index])
        weights = _softmax(torch.stack([v.reshape(()) for _, v in members]))
        return sum(w for w, (head, _) in zip(weights, members) if head == atom).reshape(1, 1)

    def rho(self, rule, body: tuple) -> Tensor:
        value = self._node(rule.tree, rule, body, top=True)
        return transform(rule.transformation, value)

    def _node(self, node, rule, body, top=False) -> Tensor:
        if isinstance(node, Leaf):
            x = self.value(body[node.slot])
            if node.function is not None:
                x = transform(node.function, x)
            if node.weight is not None:
                x = weight_product(self.model.weight(node.weight), x)
            return x
        inputs = [self._node(child, rule, body) for child in node.children]
        if node.function.kind == "transformation":
            return transform(node.function, inputs[0])
        if top and rule.offset_weight is not None:
            inputs.insert(0, self.model.weight(rule.offset_weight))
        if not inputs:  # a body of valueless literals only (hidden, negated, builtins): value 1
            return torch.ones(1, 1, dtype=self.settings.dtype, device=self.settings.device)
        return combine(node.function, inputs)


def _atom_text(name: str, args) -> str:
    return f"{name}({', '.join(args)})" if args else name


def _query_atoms(query, evaluator, sample_index: int) -> list[str]:
    terms = [t.name if isinstance(t, Constant) else None for t in query.terms]
    text = None if None in terms else _atom_text(query.name, terms)
    derived = evaluator.by_head
    if text is not None:
        if text in derived:
            return [text]
        if text in evaluator.facts:
            raise QueryError(f"sample {sample_index}: query {text} is an input fact; only atoms "
                             "derived by rules can be queried")
        raise QueryError(f"sample {sample_index}: query {query} has no proof in this sample")
    vocab = evaluator.program.vocab
    found = []
    for atom in derived:
        args = evaluator.grounding.head_terms[atom]
        if atom.split("(", 1)[0] != query.name or len(args) != len(terms):
            continue
        binding: dict = {}
        ok = True
        for term, arg in zip(query.terms, args):
            if isinstance(term, Constant):
                ok &= term.name == arg
            else:
                ok &= binding.setdefault(term.name, arg) == arg
        if ok:
            found.append(atom)
    if not found:
        raise QueryError(f"sample {sample_index}: query {query} has no proof in this sample")
    missing = len(vocab.constants)
    return sorted(found, key=lambda a: ([vocab.constant_ids.get(c, missing) for c in
                                         evaluator.grounding.head_terms[a]], a))


def reference_eval(model, samples) -> list[list[tuple[str, Tensor]]]:
    """Evaluate the queries of `samples` atom by atom with the weights of `model`.

    Returns, per sample, `(atom text, value)` for each answered query atom, in query order. A
    query with variables stands for every derived instance, ordered by the constants' ids in
    ``model.program.vocab`` (the model's order once the samples are built), then by text.
    Values have the model's output shapes: scalar `[]`, column `[n]`, row `[1, n]`, matrix.

    NOTE: CONCAT and SOFTMAX aggregations list the instances of a head in this module's
    grounding order, which need not be the compiled model's order.

    Raises:
        NotImplementedError: the model emulates chain pruning.
        QueryError: a query has no proof or names an input fact.
        CyclicGroundingError: a query depends on itself.
    """
    if model.settings.chain_pruning:
        raise NotImplementedError("reference_eval implements the unpruned formula only; build the "
                                  "model with Settings(chain_pruning=False)")
    samples = list(samples)
    groundings = reference_ground(model, samples)
    results = []
    for s, (sample, grounding) in enumerate(zip(samples, groundings)):
        evaluator = _SampleEvaluator(model, sample, grounding)
        answers = []
        for query in sample.queries:
            for atom in _query_atoms(query, evaluator, s):
                answers.append((atom, _natural(evaluator.value(atom))))
        results.append(answers)
    return results


def reference_values(model, samples) -> list[Tensor]:
    """Query values of `reference_eval` flattened in sample order, the order of ``model(built)``."""
    return [value for answers in reference_eval(model, samples) for _, value in answers]


def _natural(x: Tensor) -> Tensor:
    r, c = x.shape
    if r == c == 1:
        return x.reshape(())
    if c == 1:
        return x.reshape(r)
    return x
