"""Records of a normalised program: interned predicates and constants, rules, weights."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..language.functions import Function


@dataclass
class Vocabulary:
    """Interned predicates `(name, arity)` and constants; grows as data arrives."""

    predicates: list[tuple[str, int]] = field(default_factory=list)
    predicate_ids: dict[tuple[str, int], int] = field(default_factory=dict)
    constants: list[str] = field(default_factory=list)
    constant_ids: dict[str, int] = field(default_factory=dict)

    def predicate(self, name: str, arity: int) -> int:
        key = (name, arity)
        found = self.predicate_ids.get(key)
        if found is None:
            found = self.predicate_ids[key] = len(self.predicates)
            self.predicates.append(key)
        return found

    def constant(self, text: str) -> int:
        found = self.constant_ids.get(text)
        if found is None:
            found = self.constant_ids[text] = len(self.constants)
            self.constants.append(text)
        return found

    def predicate_text(self, pred: int) -> str:
        name, arity = self.predicates[pred]
        return f"{name}/{arity}"

    def atom_text(self, pred: int, const_ids) -> str:
        name, arity = self.predicates[pred]
        if arity == 0:
            return name
        return f"{name}({', '.join(self.constants[int(c)] for c in const_ids)})"

    def numeric_values(self) -> np.ndarray:
        """Float value of every constant, NaN where the constant is not a number."""
        values = np.full(len(self.constants), np.nan)
        for i, text in enumerate(self.constants):
            try:
                values[i] = float(text)
            except ValueError:
                pass
        return values


@dataclass
class WeightDecl:
    """One learnable or fixed weight: a parameter of the built model."""

    key: str
    shape: tuple[int, int]
    initial: np.ndarray | None
    fixed: bool
    gain: float
    where: str
    name: str | None = None


@dataclass
class LiteralRec:
    """A body literal. `pattern[i]` >= 0 is a variable slot, < 0 encodes constant id -(p + 1)."""

    pred: int            # -1 for builtins
    pattern: list[int]
    kind: str            # "positive", "negated" or "special"
    hidden: bool
    special: str | None
    value_slot: int      # index among the rule's value-carrying literals, -1 if valueless
    text: str


@dataclass
class Leaf:
    """A value-carrying literal inside a rule's value expression."""

    slot: int
    weight: int | None
    function: Function | None


@dataclass
class Node:
    """A combination or transformation applied to leaves or nodes."""

    function: Function
    children: list


@dataclass
class RuleRec:
    index: int
    text: str
    head_pred: int
    head_pattern: list[int]
    literals: list[LiteralRec]
    var_names: list[str]
    value_literals: list[int]
    tree: Node
    head_weight: int | None
    offset_weight: int | None
    transformation: Function
    aggregation: Function
    duplicate_grounding: bool
    weighted: bool
    agg_group_positions: list[int] | None = None  # head positions that form a softmax group

    @property
    def num_vars(self) -> int:
        return len(self.var_names)


@dataclass
class RelationRec:
    transformation: Function
    combination: Function
    offset_weight: int | None
    explicit: bool = False


@dataclass
class TemplateFact:
    pred: int
    const_ids: tuple[int, ...]
    weight: int | None   # a valued template fact is a learnable weight
    text: str
