"""Normalise a template into a program: interned symbols, rule records, one weight table."""
from __future__ import annotations

import math
import re
import warnings

from ..errors import TemplateError, UnsafeRuleError, WeightError
from ..language.dsl import ALL_VARIABLES, Atom, Expression, RelationSettings, Rule
from ..language.functions import Function
from ..language.terms import Variable
from ..language.values import ValueSpec
from .builtins import BUILTINS, EVAL_BUILTINS, GENERATORS
from .records import Leaf, LiteralRec, Node, RelationRec, RuleRec, TemplateFact, Vocabulary, WeightDecl


def _gain(function: Function | None) -> float:
    if function is None:
        return 1.0
    if function.name == "tanh":
        return 5.0 / 3.0
    if function.name == "relu":
        return math.sqrt(2.0)
    if function.name == "leaky_relu":
        slope = function.param("alpha", 0.01)
        return math.sqrt(2.0 / (1.0 + slope * slope))
    return 1.0


def _key(text: str) -> str:
    key = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")
    return key or "w"


class Program:
    """A template normalised once: predicates and constants interned, rules as records.

    Attributes:
        vocab: the :class:`Vocabulary` shared with grounding.
        rules: one :class:`RuleRec` per template rule, in template order.
        relations: predicate id -> :class:`RelationRec` (only where settings or offsets exist).
        weights: the weight table; rules refer to weights by index.
        template_facts: facts that hold in every sample.
    """

    def __init__(self, template, settings):
        self.settings = settings
        self.vocab = Vocabulary()
        self.weights: list[WeightDecl] = []
        self._named: dict[str, int] = {}
        self._keys: set[str] = set()
        self.rules: list[RuleRec] = []
        self.relations: dict[int, RelationRec] = {}
        self.template_facts: list[TemplateFact] = []
        relation_entries = [e for e in template if isinstance(e, RelationSettings)]
        for entry in relation_entries:
            self._add_relation(entry)
        for entry in template:
            if isinstance(entry, Rule):
                self.rules.append(self._add_rule(entry, len(self.rules)))
            elif isinstance(entry, Atom):
                self._add_template_fact(entry)
        self._warn_unused_relation_settings(relation_entries)

    def _warn_unused_relation_settings(self, entries) -> None:
        heads = self.head_predicates()
        for entry in entries:
            if self.vocab.predicate(entry.name, entry.arity) not in heads:
                warnings.warn(f"relation settings {entry.name}/{entry.arity} apply to no rule head: no rule "
                              f"derives {entry.name}/{entry.arity}, so they have no effect (check the name "
                              "and arity)", stacklevel=5)

    # -- lookups used by later stages --
    def relation(self, pred: int) -> RelationRec:
        found = self.relations.get(pred)
        if found is None:
            return RelationRec(self.settings.relation_transformation, self.settings.relation_combination, None)
        return found

    def head_predicates(self) -> set[int]:
        return {rule.head_pred for rule in self.rules}

    # -- weights --
    def _weight(self, spec: ValueSpec, key: str, gain: float, where: str) -> int:
        if spec.name is not None:
            found = self._named.get(spec.name)
            if found is not None:
                first = self.weights[found]
                other = ValueSpec(first.shape, first.initial)
                if not ValueSpec(spec.shape, spec.initial).same_declaration(other):
                    raise WeightError(
                        f"weight {spec.name!r} is declared twice with different values: "
                        f"{other.text()} at {first.where} and {ValueSpec(spec.shape, spec.initial).text()} "
                        f"at {where}; give the weights different names or the same value")
                return found
            key = _key(spec.name)
        base, suffix = key, 1
        while key in self._keys:
            suffix += 1
            key = f"{base}_{suffix}"
        self._keys.add(key)
        self.weights.append(WeightDecl(key, spec.shape, spec.initial, spec.fixed, gain, where, spec.name))
        if spec.name is not None:
            self._named[spec.name] = len(self.weights) - 1
        return len(self.weights) - 1

    # -- relations --
    def _add_relation(self, entry: RelationSettings) -> None:
        pred = self.vocab.predicate(entry.name, entry.arity)
        current = self.relations.get(pred) or RelationRec(
            self.settings.relation_transformation, self.settings.relation_combination, None, True)
        meta = entry.metadata
        if meta.transformation is not None:
            current.transformation = meta.transformation
        if meta.combination is not None:
            current.combination = meta.combination
        if entry.offset is not None:
            where = f"relation {entry.name}/{entry.arity}"
            current.offset_weight = self._weight(entry.offset, f"{entry.name}_offset", 1.0, where)
        current.explicit = True
        self.relations[pred] = current

    # -- template facts --
    def _add_template_fact(self, fact: Atom) -> None:
        pred = self.vocab.predicate(fact.name, fact.arity)
        const_ids = tuple(self.vocab.constant(t.name) for t in fact.terms)
        weight = None
        if fact.value is not None:
            weight = self._weight(fact.value, f"fact_{fact.name}_" + "_".join(t.name for t in fact.terms),
                                  1.0, f"template fact {fact}")
        self.template_facts.append(TemplateFact(pred, const_ids, weight, str(fact)))

    # -- rules --
    def _add_rule(self, rule: Rule, index: int) -> RuleRec:
        text = str(rule)
        where = f"rule {index} ({text})"
        meta = rule.metadata
        transformation = meta.transformation or self.settings.rule_transformation
        aggregation = meta.aggregation or self.settings.aggregation
        combination = meta.combination or self.settings.rule_combination
        head = rule.head
        slots: dict[str, int] = {}
        var_names: list[str] = []

        def slot_of(var: Variable) -> int:
            if var.name not in slots:
                slots[var.name] = len(var_names)
                var_names.append(var.name)
            return slots[var.name]

        def pattern(atom: Atom) -> list[int]:
            result = []
            for term in atom.terms:
                if isinstance(term, Variable):
                    result.append(slot_of(term))
                else:
                    result.append(-(self.vocab.constant(term.name) + 1))
            return result

        literals: list[LiteralRec] = []
        value_literals: list[int] = []
        leaves: dict[int, Leaf] = {}
        weighted = False
        head_name = head.name

        def add_literal(atom: Atom) -> int:
            nonlocal weighted
            lit_where = f"literal {atom} of {where}"
            if atom.special:
                name = atom.name
                if name not in BUILTINS:
                    raise TemplateError(f"{lit_where}: unknown builtin @{name}; valid: {', '.join(sorted(BUILTINS))}")
                if atom.value is not None and name not in EVAL_BUILTINS:
                    raise WeightError(f"{lit_where}: builtin @{name} carries no value and cannot be weighted")
                if atom.terms == (ALL_VARIABLES,):
                    rec = LiteralRec(-1, [], "special", False, name, -1, str(atom))
                else:
                    rec = LiteralRec(-1, pattern(atom), "special", False, name, -1, str(atom))
                if name in EVAL_BUILTINS:
                    rec.pred = self.vocab.predicate("@" + name, atom.arity)
                    rec.value_slot = len(value_literals)
                    value_literals.append(len(literals))
            else:
                pred = self.vocab.predicate(atom.name, atom.arity)
                if atom.negated:
                    kind = "negated"
                    if atom.value is not None or atom.function is not None:
                        raise TemplateError(f"{lit_where}: a negated literal carries no value, so it "
                                            "cannot have a weight or a function")
                else:
                    kind = "positive"
                rec = LiteralRec(pred, pattern(atom), kind, atom.hidden, None, -1, str(atom))
                if kind == "positive" and not atom.hidden:
                    rec.value_slot = len(value_literals)
                    value_literals.append(len(literals))
                elif atom.value is not None or atom.function is not None:
                    raise TemplateError(f"{lit_where}: hidden literal {atom} carries no value, so it "
                                        "cannot have a weight or a function")
            literals.append(rec)
            if rec.value_slot >= 0:
                weight = None
                if atom.value is not None:
                    weighted = True
                    weight = self._weight(atom.value, f"r{index}_{_key(head_name)}_{_key(atom.name)}",
                                          _gain(meta.transformation), lit_where)
                leaves[len(literals) - 1] = Leaf(rec.value_slot, weight, atom.function)
            return len(literals) - 1

        def build(item):
            if isinstance(item, Expression):
                children = [c for c in (build(a) for a in item.args) if c is not None]
                if not children:
                    raise TemplateError(f"{where}: expression {item} has no value-carrying literal")
                return Node(item.function, children)
            position = add_literal(item)
            return leaves.get(position)

        head_pattern = pattern(head)
        children = [c for c in (build(item) for item in rule.body) if c is not None]
        tree = Node(combination, children)
        if not children and rule.offset is None:
            tree = Node(combination, [])
        head_weight = None
        if head.value is not None:
            rel = self.relations.get(self.vocab.predicate(head.name, head.arity))
            gain = _gain(rel.transformation if rel else self.settings.relation_transformation)
            head_weight = self._weight(head.value, f"r{index}_{_key(head_name)}_head", gain, f"head of {where}")
        offset_weight = None
        if rule.offset is not None:
            offset_weight = self._weight(rule.offset, f"r{index}_{_key(head_name)}_offset", 1.0, f"offset of {where}")
        if any(lit.kind == "special" and not lit.pattern and lit.special == "alldiff" for lit in literals):
            for lit in literals:
                if lit.kind == "special" and lit.special == "alldiff" and not lit.pattern:
                    lit.pattern = list(range(len(var_names)))
        self._check_safety(rule, where, head_pattern, literals, var_names)
        group_positions = None
        if aggregation.name == "softmax" and aggregation.param("agg_terms"):
            masked = set(aggregation.param("agg_terms"))
            head_names = {t.name for t in head.terms if isinstance(t, Variable)}
            if masked & head_names:  # naming no head variable leaves a plain softmax over all instances
                group_positions = [i for i, t in enumerate(head.terms)
                                   if not (isinstance(t, Variable) and t.name in masked)]
        duplicate = meta.duplicate_grounding
        if duplicate is None:
            duplicate = self.settings.duplicate_grounding
        return RuleRec(index, text, self.vocab.predicate(head.name, head.arity), head_pattern, literals,
                       var_names, value_literals, tree, head_weight, offset_weight, transformation,
                       aggregation, duplicate, weighted, group_positions)

    def _check_safety(self, rule, where, head_pattern, literals, var_names) -> None:
        bound = set()
        for lit in literals:
            if lit.kind == "positive":
                bound.update(p for p in lit.pattern if p >= 0)
        changed = True
        while changed:  # generators such as add(X, Y, Z) bind Z once X and Y are bound
            changed = False
            for lit in literals:
                if lit.kind == "special" and lit.special in GENERATORS:
                    inputs, output = lit.pattern[:-1], lit.pattern[-1]
                    if output >= 0 and output not in bound and all(p < 0 or p in bound for p in inputs):
                        bound.add(output)
                        changed = True
        for slot in head_pattern:
            if slot >= 0 and slot not in bound:
                raise UnsafeRuleError(
                    f"{where}: variable {var_names[slot]!r} appears in the head but in no positive "
                    "body literal. Bind it in the body or replace it with a constant.")
        for lit in literals:
            if lit.kind in ("negated", "special"):
                for slot in lit.pattern:
                    if slot >= 0 and slot not in bound:
                        raise UnsafeRuleError(
                            f"{where}: variable {var_names[slot]!r} of {lit.text} is bound by no positive "
                            "body literal, so the literal cannot be evaluated. Bind it in a positive literal.")
