"""Convert lark parse trees of the text format into DSL objects (atoms, values, metadata).

Each clause becomes a :class:`Clause`. The template and dataset loaders decide later what a
clause means: a rule, a template fact, an example or a query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from lark import Token, Tree

from ...errors import LrnnError, ParseError, TemplateError, UnknownFunctionError, WeightError
from ..dsl import ALL_VARIABLES, Atom, Expression, Metadata, RelationSettings, apply_function
from ..functions import AGGREGATIONS, ALIASES, COMBINATIONS, TRANSFORMATIONS, Function, lookup
from ..terms import Constant, Variable, fresh_variable
from ..values import ValueSpec, array_spec, dims_spec

_INTEGER = re.compile(r"[+-]?\d+")
_ESCAPE = re.compile(r"\\(.)")
_REVERSE = Function("transformation", "reverse")
_RULE_KEYS = ("activation", "transformation", "combination", "aggregation", "duplicate_grounding",
              "offset", "learnable")
_RELATION_KEYS = ("activation", "transformation", "combination", "offset", "learnable")


@dataclass(frozen=True)
class BareValue:
    """A value written alone in a rule body: the rule's offset (`h :- 1 x, 0.5.`)."""

    value: ValueSpec


@dataclass
class Clause:
    """One clause as written, before it is given a meaning.

    `head` contains the items before `:-` (None when the clause has no `:-`), `body` the items
    after it, or all items of a clause without `:-`. `positions` contains the (line, column)
    of each body item when known. A relation line sets `relation` and leaves the rest empty.
    """

    head: list | None
    body: list
    line: int
    column: int
    metadata: Metadata | None = None
    relation: RelationSettings | None = None
    positions: list | None = field(default=None, repr=False, compare=False)
    # Set by the scanner: every item is an atom of constants without prefixes or functions.
    plain: bool = field(default=False, repr=False, compare=False)


def location(source: str, line: int, column: int) -> str:
    return f"{source}:{line}:{column}"


def relocate(error: LrnnError, where: str) -> LrnnError:
    """Return an error of the same class whose message starts with `where`."""
    return type(error)(f"{where}: {error}")


def parse_number(text: str) -> ValueSpec:
    """Read a number token as a scalar value, exactly as a Python float (not float32)."""
    return ValueSpec((1, 1), array_spec(float(text), "value")[1])


def unquote(text: str) -> str:
    return _ESCAPE.sub(r"\1", text[1:-1])


def _position(node) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.line, node.column
    if node.meta.empty:
        return 0, 0
    return node.meta.line, node.meta.column


class Converter:
    """Turn the trees of one parse into clauses.

    Args:
        source: file name used in error messages.
        examples: in example and query files `<0.5>` is a plain value or target, not a fixed weight.
    """

    def __init__(self, source: str, examples: bool = False):
        self.source = source
        self.examples = examples
        self._constants: dict[str, Constant] = {}

    def fail(self, node, message: str, error=ParseError, near: str | None = None):
        line, column = _position(node)
        if near is None and isinstance(node, Token):
            near = str(node)
        suffix = f" (near {near!r})" if near else ""
        raise error(f"{location(self.source, line, column)}: {message}{suffix}") from None

    def at(self, node) -> str:
        return location(self.source, *_position(node))

    # -- clauses --
    def clauses(self, tree: Tree) -> list[Clause]:
        result = []
        for child in tree.children:
            if child.data == "statement":
                result.append(self.statement(child))
            else:
                result.append(self.relation(child))
        return result

    def statement(self, tree: Tree) -> Clause:
        line, column = _position(tree)
        children = tree.children
        head_tree = None
        body_tree = children[0]
        metadata = None
        if len(children) > 1 and isinstance(children[1], Token) and children[1].type == "IMPLIES":
            head_tree = children[0]
            body_tree = children[2] if isinstance(children[2], Tree) and children[2].data == "items" else None
        if isinstance(children[-1], Tree) and children[-1].data == "metadata":
            metadata, _ = self.metadata(children[-1], relation=False)
        head = self.items(head_tree)[0] if head_tree is not None else None
        body, positions = self.items(body_tree) if body_tree is not None else ([], [])
        return Clause(head, body, line, column, metadata, positions=positions)

    def relation(self, tree: Tree) -> Clause:
        name, arity_token = tree.children[0], tree.children[1]
        if not _INTEGER.fullmatch(arity_token) or int(arity_token) < 0:
            self.fail(arity_token, f"the arity of relation {name} must be a non-negative integer")
        offset = None
        metadata = Metadata()
        for child in tree.children[2:]:
            if isinstance(child, Tree) and child.data == "value":
                offset = self.value(child)
            elif isinstance(child, Tree) and child.data == "metadata":
                metadata, meta_offset = self.metadata(child, relation=True, name=f"{name}/{arity_token}")
                if meta_offset is not None and offset is not None:
                    self.fail(child, f"relation {name}/{arity_token} has two offsets: "
                                     f"{offset.text()} and offset={meta_offset.text()}")
                offset = meta_offset if meta_offset is not None else offset
        settings = RelationSettings(str(name), int(arity_token), metadata, offset)
        line, column = _position(tree)
        return Clause(None, [], line, column, relation=settings)

    def items(self, tree: Tree) -> tuple[list, list]:
        values, positions = [], []
        for child in tree.children:
            values.append(self.item(child))
            positions.append(_position(child))
        return values, positions

    def item(self, tree: Tree):
        kind = tree.data
        if kind == "bare_value":
            return BareValue(self.value(tree.children[0]))
        if kind == "weighted":
            value_tree, target = tree.children
            value = self.value(value_tree)
            item = self.literal(target) if target.data == "literal" else self.expression(target)
            if isinstance(item, Expression):
                self.fail(target, f"a weight cannot precede the expression {item}; weights go on "
                                  "literals or on one-literal transformations such as #sigmoid(a)")
            if item.negated:
                self.fail(target, f"the negated literal {item} cannot carry a weight; "
                                  "negation as failure contributes no value")
            return replace(item, value=value)
        (target,) = tree.children
        return self.literal(target) if target.data == "literal" else self.expression(target)

    # -- literals and terms --
    def literal(self, tree: Tree) -> Atom:
        negated = soft = hidden = special = False
        terms = ()
        called = False
        name = None
        for child in tree.children:
            if isinstance(child, Tree):
                terms = self.terms(child)
                called = True
            elif child.type == "BANG":
                negated = True
            elif child.type == "TILDE":
                soft = True
            elif child.type == "STAR":
                hidden = True
            elif child.type == "AT":
                special = True
            else:
                name = str(child)
        function = _REVERSE if soft else None
        return Atom(name, terms, hidden, special, negated, None, function, called)

    def terms(self, tree: Tree) -> tuple:
        if tree.data == "all_variables":
            return (ALL_VARIABLES,)
        return tuple(self.term(child.children[0]) for child in tree.children if child is not None)

    def term(self, token: Token):
        kind = token.type
        if kind == "VARIABLE":
            return fresh_variable() if token == "_" else Variable(str(token))
        text = unquote(token) if kind == "STRING" else str(token)
        constant = self._constants.get(text)
        if constant is None:
            constant = self._constants[text] = Constant(text)
        return constant

    # -- body expressions --
    def expression(self, tree: Tree):
        name_tree, *rest = tree.children
        params = rest[0] if len(rest) == 2 else None
        args, _ = self.items(rest[-1])
        for arg, child in zip(args, rest[-1].children):
            if isinstance(arg, BareValue):
                self.fail(child, f"a value alone ({arg.value.text()}) cannot be a function argument")
        function = self.body_function(name_tree, len(args))
        if params is not None:
            positional, named = self.params(params.children)
            function = self.with_params(params, function, positional, named)
        try:
            return apply_function(function, tuple(args))
        except TemplateError as error:
            raise relocate(error, self.at(tree)) from None

    def body_function(self, tree: Tree, num_args: int) -> Function:
        names = [str(t) for t in tree.children if t.type == "NAME"]
        try:
            if len(names) == 2:
                kind, name = names
                if kind not in ("transformation", "combination"):
                    self.fail(tree, f"a body function is qualified as transformation.NAME or "
                                    f"combination.NAME, got {kind}.{name}", near=f"{kind}.{name}")
                return lookup(kind, name)
            (name,) = names
            key = ALIASES.get(name.lower(), name.lower())
            if key in TRANSFORMATIONS and (num_args == 1 or key not in COMBINATIONS):
                return lookup("transformation", key)
            if key in COMBINATIONS:
                return lookup("combination", key)
        except UnknownFunctionError as error:
            raise relocate(error, self.at(tree)) from None
        hint = " (an aggregation goes in the rule's metadata: [aggregation=...])" if key in AGGREGATIONS else ""
        self.fail(tree, f"unknown body function {name!r}{hint}; valid names: "
                        f"{', '.join(sorted(set(TRANSFORMATIONS) | set(COMBINATIONS)))}",
                  error=UnknownFunctionError, near=name)

    def params(self, children) -> tuple[list, dict]:
        positional, named = [], {}
        for param in children:
            if isinstance(param, Token):  # META_OPEN
                continue
            if len(param.children) == 2:
                key, value_tree = param.children
                if str(key) in named:
                    self.fail(key, f"parameter {key} is given twice")
                named[str(key)] = self.param_value(value_tree)
            else:
                if named:
                    self.fail(param, "a positional parameter cannot follow a named one")
                positional.append(self.param_value(param.children[0]))
        return positional, named

    def param_value(self, tree: Tree):
        kind = tree.data
        if kind in ("param_tuple", "param_list"):
            return tuple(self.param_value(c) for c in tree.children if c is not None)
        token = tree.children[0]
        if kind == "param_number":
            return int(token) if _INTEGER.fullmatch(token) else float(token)
        if kind == "param_string":
            return unquote(token)
        if kind == "param_variable":  # a variable name, as in agg_terms=[Y]
            return str(token)
        if token in ("true", "false"):
            return token == "true"
        return str(token)

    def with_params(self, node, function: Function, positional: list, named: dict) -> Function:
        try:
            return function.with_params(*positional, **named)
        except TemplateError as error:
            raise relocate(error, self.at(node)) from None

    # -- values --
    def value(self, tree: Tree) -> ValueSpec:
        if tree.data != "value":
            return self.plain_value(tree)
        if len(tree.children) == 2:
            name_token, inner = tree.children
            return replace(self.plain_value(inner), name=str(name_token)[1:])
        return self.plain_value(tree.children[0])

    def plain_value(self, tree: Tree) -> ValueSpec:
        kind = tree.data
        if kind == "number":
            try:
                spec = parse_number(tree.children[0])
            except WeightError as error:
                raise relocate(error, self.at(tree)) from None
            return self._check_finite(tree, spec)
        if kind == "fixed":
            inner = self.plain_value(tree.children[0])
            return inner if self.examples else inner.with_fixed()
        if kind == "dims":
            return self.dims(tree)
        nested = self.array(tree)
        try:
            shape, initial = array_spec(nested, "value")
        except WeightError as error:
            raise relocate(error, self.at(tree)) from None
        return self._check_finite(tree, ValueSpec(shape, initial))

    def _check_finite(self, tree, spec: ValueSpec) -> ValueSpec:
        if not all(abs(x) < float("inf") for x in spec.initial.reshape(-1)):
            self.fail(tree, f"the value {spec.text()} is not finite", error=WeightError)
        return spec

    def array(self, tree: Tree) -> list:
        elements = [self.array(c) if isinstance(c, Tree) else float(c) for c in tree.children]
        kinds = {isinstance(e, list) for e in elements}
        if len(kinds) > 1:
            self.fail(tree, "a matrix mixes numbers and rows; write [1, 2] or [[1, 2], [3, 4]]",
                      error=WeightError)
        lengths = sorted({len(e) for e in elements if isinstance(e, list)})
        if len(lengths) > 1:
            self.fail(tree, f"the rows of a matrix have different lengths ({', '.join(map(str, lengths))})",
                      error=WeightError)
        return elements

    def dims(self, tree: Tree) -> ValueSpec:
        numbers = tree.children
        for token in numbers:
            if not _INTEGER.fullmatch(token):
                self.fail(token, "braces hold the dimensions of a random weight, which are positive "
                                 f"integers; write {token} without braces (or [{token}]) for a value")
        try:
            return ValueSpec(dims_spec([int(t) for t in numbers], "weight dimensions"))
        except WeightError as error:
            raise relocate(error, self.at(tree)) from None

    # -- metadata --
    def metadata(self, tree: Tree, relation: bool, name: str = "") -> tuple[Metadata, ValueSpec | None]:
        """Read `[key=value, ...]`; returns the metadata and, for relations, the offset it sets."""
        valid = _RELATION_KEYS if relation else _RULE_KEYS
        functions: dict[str, Function] = {}
        duplicate_grounding = None
        offset = None
        learnable = None
        seen = set()
        for entry in tree.children[1:]:
            key_token, value_tree = entry.children
            key = str(key_token).lower()
            if key == "aggregation" and relation:
                self.fail(key_token, f"relation {name} cannot have an aggregation; an aggregation "
                                     "combines the groundings of one rule, so put it in that rule's metadata")
            if key not in valid:
                self.fail(key_token, f"unknown metadata key {key!r}; valid keys: {', '.join(valid)}")
            if key in seen or (key in ("activation", "transformation") and "transformation" in functions):
                self.fail(key_token, f"metadata key {key!r} is given twice")
            seen.add(key)
            if key in ("offset",):
                if value_tree.data == "function_spec":
                    self.fail(value_tree, "offset needs a value such as 1.0")
                offset = self.value(value_tree)
            elif key in ("learnable", "duplicate_grounding"):
                flag = self.flag(key, value_tree)
                if key == "learnable":
                    learnable = flag
                else:
                    duplicate_grounding = flag
            else:
                self.meta_functions(key, value_tree, functions)
        if offset is not None and relation and not learnable:
            offset = offset.with_fixed()
        return Metadata(duplicate_grounding=duplicate_grounding, **functions), offset if relation else None

    def flag(self, key: str, tree: Tree) -> bool:
        if tree.data == "function_spec" and len(tree.children) == 1 and tree.children[0] in ("true", "false"):
            return tree.children[0] == "true"
        self.fail(tree, f"metadata key {key!r} takes true or false")

    def meta_functions(self, key: str, tree: Tree, functions: dict) -> None:
        if tree.data != "function_spec":
            self.fail(tree, f"metadata key {key!r} takes a function name such as "
                            f"{'sigmoid' if key != 'aggregation' else 'sum'}, not a value")
        kind = "transformation" if key in ("activation", "transformation") else key
        tokens = [c for c in tree.children if isinstance(c, Token)]
        params = [c for c in tree.children if isinstance(c, Tree)]
        names = [t for t in tokens if t.type == "NAME"]
        if len(names) == 2:  # `elementproduct-tanh`: a combination, then a transformation
            if kind != "transformation":
                self.fail(tree, f"metadata key {key!r} takes one function name, got {names[0]}-{names[1]}")
            self.store_function(functions, "combination", names[0], [], tree)
        self.store_function(functions, kind, names[-1], params, tree)

    def store_function(self, functions: dict, kind: str, name: Token, params: list, tree: Tree) -> None:
        if kind in functions:
            self.fail(name, f"the {kind} is given twice ({functions[kind].text()} and {name})")
        try:
            function = lookup(kind, str(name))
        except UnknownFunctionError as error:
            raise relocate(error, self.at(name)) from None
        if params:
            positional, named = self.params(params)
            function = self.with_params(tree, function, positional, named)
        functions[kind] = function
