"""The Python DSL: relations (`R`), atoms and literals, body expressions, rules and metadata.

    R.h(V.X)[3, 3] <= (R.f(V.Y)[3, 3], R.edge(V.Y, V.X))      # a rule with two body weights
    (R.h(V.X) <= R.b(V.X)) | [Transformation.TANH, Aggregation.SUM]
    R.h / 1 | [Transformation.SIGMOID]                          # relation settings
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

from ..errors import TemplateError, WeightError
from .functions import TRANSFORMATIONS, Function, lookup
from .terms import Constant, Variable, to_term
from .values import ValueSpec, parse_bracket

ALL_VARIABLES = "..."  # the `alldiff(...)` shorthand: every variable of the rule


@dataclass(frozen=True)
class Atom:
    """A relation applied to terms, optionally weighted, negated or wrapped in a function.

    In a rule body an Atom is a literal: `value` is its weight, `function` the transformation
    applied to its value before the weight. As a fact, `value` is the fact's value; as a rule
    head, the head weight; as a query, the training target.
    """

    name: str
    terms: tuple = ()
    hidden: bool = False
    special: bool = False
    negated: bool = False
    value: ValueSpec | None = None
    function: Function | None = None
    called: bool = field(default=False, compare=False)

    # -- construction --
    def __call__(self, *terms) -> Atom:
        if self.value is not None:
            raise TemplateError(f"terms cannot be given after the weight of {self}: write "
                                f"R.{self.name}(...)[weight] instead of R.{self.name}[weight](...)")
        if self.called:
            raise TemplateError(f"{self} already has terms; a relation is called once")
        if self.negated or self.function is not None:
            raise TemplateError(f"give the terms of {self.name} before negating it or applying a function")
        if len(terms) == 1 and terms[0] is Ellipsis:
            return replace(self, terms=(ALL_VARIABLES,), called=True)
        return replace(self, terms=tuple(to_term(t) for t in terms), called=True)

    def __getitem__(self, item) -> Atom:
        if self.value is not None:
            raise WeightError(f"{self} already has the weight {self.value.text()}")
        return replace(self, value=parse_bracket(item, f"weight or value of {self.name}"))

    def fixed(self) -> Atom:
        """Return this literal with its weight (or this fact with its value) held constant."""
        if self.value is None:
            raise WeightError(f"{self} has no weight to fix; write R.{self.name}[value].fixed()")
        return replace(self, value=self.value.with_fixed())

    def __invert__(self) -> Atom:
        if self.value is not None or self.function is not None:
            raise TemplateError(f"weighted or function-carrying literal {self} cannot be negated")
        return replace(self, negated=not self.negated)

    def __neg__(self):
        return apply_function(lookup("transformation", "reverse"), (self,))

    @property
    def T(self):  # noqa: N802 - mirrors torch's .T
        return apply_function(lookup("transformation", "transp"), (self,))

    def __add__(self, other):
        return _operator("sum", self, other)

    def __mul__(self, other):
        return _operator("elproduct", self, other)

    def __matmul__(self, other):
        return _operator("product", self, other)

    def __le__(self, body) -> Rule:
        return Rule(self, _body_tuple(body, self))

    def __truediv__(self, arity) -> RelationSettings:
        if self.called or self.value is not None:
            raise TemplateError(f"relation settings are written R.{self.name} / arity, got {self} / {arity}")
        if isinstance(arity, bool) or not isinstance(arity, int) or arity < 0:
            raise TemplateError(f"arity of {self.name} must be a non-negative integer, got {arity!r}")
        return RelationSettings(self.name, arity)

    # -- queries --
    @property
    def arity(self) -> int:
        return len(self.terms)

    @property
    def is_ground(self) -> bool:
        return all(isinstance(t, Constant) for t in self.terms)

    def variables(self) -> list[Variable]:
        return [t for t in self.terms if isinstance(t, Variable)]

    def __str__(self) -> str:
        return atom_text(self)

    __repr__ = __str__


_PLAIN_CONSTANT = re.compile(r"[a-z][A-Za-z0-9_]*|[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def term_text(term) -> str:
    """Render a term; a constant that would not read back as itself is written in quotes."""
    if isinstance(term, Constant) and not _PLAIN_CONSTANT.fullmatch(term.name):
        return '"' + term.name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(term)


def body_function_text(function: Function, num_args: int) -> str:
    """Render a function applied in a rule body: `sigmoid`, `leaky_relu[alpha=0.2]`.

    A combination that shares its name with a transformation (softmax, sparsemax) and has one
    argument is written `combination.softmax`, because `#softmax(a)` reads as the transformation.
    """
    name = function.name
    if function.kind == "combination" and num_args == 1 and name in TRANSFORMATIONS:
        name = f"combination.{name}"
    if not function.params:
        return name
    params = function.text()[len(function.name) + 1:-1]
    return f"{name}[{params}]"


def atom_text(atom: Atom, with_value: bool = True) -> str:
    """Render an atom or literal in the NeuraLogic text format."""
    prefix = ""
    if atom.negated:
        prefix += "!"
    if atom.hidden:
        prefix += "*"
    if atom.special:
        prefix += "@"
    if atom.terms == (ALL_VARIABLES,):
        core = f"{prefix}{atom.name}(...)"
    elif atom.terms:
        core = f"{prefix}{atom.name}({', '.join(term_text(t) for t in atom.terms)})"
    else:
        core = prefix + atom.name
    if atom.function is not None:
        core = f"#{body_function_text(atom.function, 1)}({core})" \
            if atom.function.name != "reverse" or atom.function.params else "~" + core
    if with_value and atom.value is not None:
        core = f"{atom.value.text()} {core}"
    return core


@dataclass(frozen=True)
class Expression:
    """A body expression: a combination or transformation applied to literals or expressions."""

    function: Function
    args: tuple

    def __add__(self, other):
        return _operator("sum", self, other)

    def __mul__(self, other):
        return _operator("elproduct", self, other)

    def __matmul__(self, other):
        return _operator("product", self, other)

    def literals(self) -> list[Atom]:
        found = []
        for arg in self.args:
            found.extend(arg.literals() if isinstance(arg, Expression) else [arg])
        return found

    def __str__(self) -> str:
        return f"#{body_function_text(self.function, len(self.args))}" \
               f"({', '.join(body_item_text(a) for a in self.args)})"

    __repr__ = __str__


def body_item_text(item) -> str:
    return str(item)


def _operator(name: str, left, right) -> Expression:
    if not isinstance(right, (Atom, Expression)):
        return NotImplemented
    function = lookup("combination", name)
    args = []
    for side in (left, right):
        if isinstance(side, Expression) and side.function == function and name != "product":
            args.extend(side.args)
        else:
            args.append(side)
    return Expression(function, tuple(args))


def apply_function(function: Function, args: tuple):
    """Apply a transformation or combination to body literals or expressions."""
    if function.kind == "aggregation":
        raise TemplateError(f"{function} aggregates groundings of a rule; attach it with "
                            f"(rule) | [{function}] instead of applying it to literals")
    if function.kind == "transformation":
        if len(args) != 1:
            raise TemplateError(f"{function} takes one literal or expression, got {len(args)}")
        (arg,) = args
        if isinstance(arg, Atom) and arg.function is None and arg.value is None and not arg.negated:
            return replace(arg, function=function)
        return Expression(function, (arg,))
    return Expression(function, tuple(args))


def _body_tuple(body, head) -> tuple:
    items = body if isinstance(body, (tuple, list)) else (body,)
    for item in items:
        if not isinstance(item, (Atom, Expression)):
            raise TemplateError(f"invalid body item {item!r} in the rule for {head}; "
                                "body items are literals such as R.b(V.X) or expressions")
    if not items:
        raise TemplateError(f"the rule for {head} has an empty body; write a fact instead")
    return tuple(items)


@dataclass(frozen=True)
class Metadata:
    """Functions and flags attached to a rule or relation; None means the default."""

    transformation: Function | None = None
    combination: Function | None = None
    aggregation: Function | None = None
    duplicate_grounding: bool | None = None

    def __post_init__(self):
        for kind in ("transformation", "combination", "aggregation"):
            value = getattr(self, kind)
            if isinstance(value, str):
                object.__setattr__(self, kind, lookup(kind, value))
            elif value is not None and (not isinstance(value, Function) or value.kind != kind):
                raise TemplateError(f"Metadata({kind}=...) needs a {kind}, got {value!r}")

    def merged(self, other: Metadata) -> Metadata:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update({f.name: getattr(other, f.name) for f in fields(other)
                       if getattr(other, f.name) is not None})
        return Metadata(**values)

    @staticmethod
    def from_list(items, where: str) -> Metadata:
        if isinstance(items, Metadata):
            return items
        if isinstance(items, Function):
            items = [items]
        if not isinstance(items, (list, tuple)):
            raise TemplateError(f"{where}: metadata is a list of functions or Metadata(...), got {items!r}")
        values = {}
        for item in items:
            if not isinstance(item, Function):
                raise TemplateError(f"{where}: {item!r} is not a Transformation, Combination or Aggregation")
            if item.kind in values:
                raise TemplateError(f"{where}: two {item.kind}s given ({values[item.kind]} and {item})")
            values[item.kind] = item
        return Metadata(**values)

    def text_entries(self) -> list[str]:
        entries = []
        if self.transformation is not None:
            entries.append(f"transformation={self.transformation.text()}")
        if self.combination is not None:
            entries.append(f"combination={self.combination.text()}")
        if self.aggregation is not None:
            entries.append(f"aggregation={self.aggregation.text()}")
        if self.duplicate_grounding is not None:
            entries.append(f"duplicate_grounding={str(self.duplicate_grounding).lower()}")
        return entries


@dataclass(frozen=True)
class Rule:
    """`head <= body` with optional metadata; the head's value is its head weight."""

    head: Atom
    body: tuple
    metadata: Metadata = Metadata()
    offset: ValueSpec | None = None

    def __or__(self, items) -> Rule:
        extra = Metadata.from_list(items, f"rule {self}")
        return replace(self, metadata=self.metadata.merged(extra))

    def literals(self) -> list[Atom]:
        found = []
        for item in self.body:
            found.extend(item.literals() if isinstance(item, Expression) else [item])
        return found

    def __str__(self) -> str:
        from .text_output import rule_text

        return rule_text(self)

    __repr__ = __str__


@dataclass(frozen=True)
class RelationSettings:
    """Settings of one relation `name/arity`: its transformation, combination and offset."""

    name: str
    arity: int
    metadata: Metadata = Metadata()
    offset: ValueSpec | None = None

    def __or__(self, items) -> RelationSettings:
        extra = Metadata.from_list(items, f"relation {self.name}/{self.arity}")
        if extra.aggregation is not None:
            raise TemplateError(f"relation {self.name}/{self.arity}: an aggregation applies to the "
                                "groundings of one rule; attach it to a rule, not to a relation")
        if extra.duplicate_grounding is not None:
            raise TemplateError(f"relation {self.name}/{self.arity}: duplicate_grounding is a rule setting")
        return replace(self, metadata=self.metadata.merged(extra))

    def __getitem__(self, item) -> RelationSettings:
        return replace(self, offset=parse_bracket(item, f"offset of {self.name}/{self.arity}"))

    def __str__(self) -> str:
        from .text_output import relation_text

        return relation_text(self)


class _RelationFactory:
    """`R.name` starts an atom; `R.hidden.name` / `R._name` a hidden one, `R.special.name` a builtin."""

    def __init__(self, hidden: bool = False, special: bool = False):
        self._hidden = hidden
        self._special = special

    def __getattr__(self, name: str) -> Atom:
        if name.startswith("__"):
            raise AttributeError(name)
        if not self._hidden and not self._special and name in ("hidden", "special"):
            return _RelationFactory(hidden=name == "hidden", special=name == "special")
        return self.get(name)

    def get(self, name: str) -> Atom:
        if not isinstance(name, str) or not name.lstrip("_"):
            raise TemplateError(f"invalid relation name {name!r}")
        hidden = self._hidden or name.startswith("_")
        return Atom(name.lstrip("_") if name.startswith("_") else name, hidden=hidden, special=self._special)


R = _RelationFactory()


def ensure_fact(atom, where: str) -> Atom:
    """Check that `atom` can be a fact: ground, not negated, no function, not special."""
    if not isinstance(atom, Atom):
        raise TemplateError(f"{where}: expected a fact such as R.b(C.a)[0.5], got {atom!r}")
    if atom.negated or atom.function is not None or atom.special:
        raise TemplateError(f"{where}: {atom} cannot be a fact (negated, function or builtin)")
    for term in atom.terms:
        if not isinstance(term, Constant):
            raise TemplateError(f"{where}: fact {atom} has the variable {term}; facts are ground")
    return atom
