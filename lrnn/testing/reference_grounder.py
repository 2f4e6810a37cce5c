"""A naive reference grounder: one substitution at a time, in plain Python.

It computes, per sample, the least Herbrand model of the template rules, template facts and
sample facts (stratified negation as failure, builtins, hidden predicates) and the ground
rule instances, by nested loops over facts. It is slow on purpose: it shares no code with
the vectorized grounder in :mod:`lrnn.grounding`, so the two can check each other.

Atoms are written as :meth:`lrnn.program.Vocabulary.atom_text` writes them: `name` for
arity 0, else `name(c1, c2)`. A hidden literal `R._g(X)` reads facts of `g`. A `*_eval`
builtin such as `add_eval(2, 5)` is the value-carrying atom `@add_eval(2, 5)`.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from ..errors import StratificationError
from ..language.dsl import ALL_VARIABLES, Rule
from ..language.terms import Variable

FILTER_BUILTINS = {"eq", "neq", "lt", "leq", "gt", "geq", "next", "alldiff", "maxcard", "_in", "in",
                   "anypred", "true", "false"}
GENERATOR_BUILTINS = {"add", "sub", "mod", "mul"}
EVAL_BUILTINS = {"add_eval", "sub_eval", "mul_eval", "div_eval", "mod_eval", "max_eval", "min_eval"}


@dataclass
class ReferenceGrounding:
    """The grounding of one sample.

    Attributes:
        instances: ground rule instances `(rule index, head text, value-literal texts)`.
        instance_counts: how often each instance occurs; 1 unless the rule keeps duplicate
            groundings, where each distinct substitution of all rule variables counts once.
        model: texts of all true atoms (facts and derived atoms), without `*_eval` atoms.
        eval_values: numeric value of every `@name_eval(a, b)` atom used by an instance.
        head_terms: constant texts of every derived atom, by atom text.
    """

    instances: frozenset
    instance_counts: Counter
    model: frozenset
    eval_values: dict = field(default_factory=dict)
    head_terms: dict = field(default_factory=dict)


# -- program view --
@dataclass(frozen=True)
class _Literal:
    kind: str                 # "positive", "negated" or "special"
    name: str                 # predicate name, or builtin name for specials
    terms: tuple              # ("var", name) or ("const", text) pairs
    valued: bool


@dataclass(frozen=True)
class _Rule:
    index: int
    head_name: str
    head_terms: tuple
    literals: tuple
    duplicate_grounding: bool


def _term(term) -> tuple[str, str]:
    return ("var", term.name) if isinstance(term, Variable) else ("const", term.name)


def _rules_from_template(template, settings) -> list[_Rule]:
    rules = []
    for rule in (entry for entry in template if isinstance(entry, Rule)):
        head = tuple(_term(t) for t in rule.head.terms)
        names = [t[1] for t in head if t[0] == "var"]
        literals, shorthand = [], []
        for atom in rule.literals():
            if atom.terms == (ALL_VARIABLES,):  # alldiff(...): every variable of the rule
                shorthand.append(len(literals))
                literals.append(_Literal("special", atom.name, (), False))
                continue
            terms = tuple(_term(t) for t in atom.terms)
            names.extend(t[1] for t in terms if t[0] == "var")
            if atom.special:
                literals.append(_Literal("special", atom.name, terms, atom.name in EVAL_BUILTINS))
            elif atom.negated:
                literals.append(_Literal("negated", atom.name, terms, False))
            else:
                literals.append(_Literal("positive", atom.name, terms, not atom.hidden))
        every_variable = tuple(("var", n) for n in dict.fromkeys(names))
        for position in shorthand:
            literals[position] = _Literal("special", literals[position].name, every_variable, False)
        duplicate = rule.metadata.duplicate_grounding
        if duplicate is None:
            duplicate = settings.duplicate_grounding
        rules.append(_Rule(len(rules), rule.head.name, head, tuple(literals), duplicate))
    return rules


def _template_facts(template) -> list[tuple[str, tuple]]:
    from ..language.dsl import Atom

    return [(e.name, tuple(t.name for t in e.terms)) for e in template if isinstance(e, Atom)]


# -- numbers --
def number(text: str) -> float | None:
    """Numeric value of a constant's text, None if it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _integral_text(text: str) -> bool:
    return "." not in text and "e" not in text.lower()


def _arithmetic(name: str, a: float, b: float) -> float:
    base = name.replace("_eval", "")
    if base == "add":
        return a + b
    if base == "sub":
        return a - b
    if base == "mul":
        return a * b
    if base == "div":
        return a / b if b != 0 else math.nan
    if base == "mod":  # the sign follows the divisor, as Python's % and numpy's mod
        return a % b if b != 0 else math.nan
    if base == "max":
        return max(a, b)
    if base == "min":
        return min(a, b)
    raise ValueError(f"unknown arithmetic builtin {name}")


def generated_text(result: float, x: str, y: str) -> str:
    """Text of a constant made by add/sub/mod/mul: an integer if both inputs are written as integers."""
    if _integral_text(x) and _integral_text(y) and float(result).is_integer():
        return str(int(result))
    return repr(float(result))


# -- builtins on ground terms --
def _compare(name: str, a: str, b: str) -> bool:
    na, nb = number(a), number(b)
    if na is not None and nb is not None:
        left, right = na, nb
    elif name in ("eq", "neq"):
        return (a == b) == (name == "eq")
    else:
        left, right = a, b
    return {"eq": left == right, "neq": left != right, "lt": left < right, "leq": left <= right,
            "gt": left > right, "geq": left >= right}[name]


def builtin_holds(name: str, args: list[str]) -> bool:
    """Truth of a filter builtin on ground constant texts."""
    if name in ("anypred", "true"):
        return True
    if name == "false":
        return False
    if name in ("eq", "neq", "lt", "leq", "gt", "geq"):
        return _compare(name, args[0], args[1])
    if name == "next":
        a, b = number(args[0]), number(args[1])
        return a is not None and b is not None and b == a + 1
    if name == "alldiff":
        return len(set(args)) == len(args)
    if name == "maxcard":
        limit = number(args[0])
        return limit is not None and len(set(args[1:])) <= limit
    if name in ("_in", "in"):
        return args[0] in args[1:]
    raise ValueError(f"builtin {name} is not a filter")


# -- the grounder --
class _SampleGrounder:
    def __init__(self, rules: list[_Rule], facts: set[tuple[str, tuple]]):
        self.rules = rules
        self.model: dict[tuple[str, int], set[tuple]] = {}
        for name, args in facts:
            self.model.setdefault((name, len(args)), set()).add(args)

    def solve(self) -> None:
        for level in _strata(self.rules):
            changed = True
            while changed:  # naive fixpoint within one stratum
                changed = False
                for rule in level:
                    for theta in list(self.substitutions(rule)):
                        args = self.instantiate(rule.head_terms, theta)
                        found = self.model.setdefault((rule.head_name, len(args)), set())
                        if args not in found:
                            found.add(args)
                            changed = True

    def substitutions(self, rule: _Rule):
        """Yield every substitution of all rule variables that satisfies the body, in a fixed order."""
        positives = [lit for lit in rule.literals if lit.kind == "positive"]

        def extend(i: int, theta: dict):
            if i == len(positives):
                finished = self._finish(rule, theta)
                if finished is not None:
                    yield finished
                return
            lit = positives[i]
            for args in sorted(self.model.get((lit.name, len(lit.terms)), ())):
                bound = _match(lit.terms, args, theta)
                if bound is not None:
                    yield from extend(i + 1, bound)

        yield from extend(0, {})

    def _finish(self, rule: _Rule, theta: dict) -> dict | None:
        theta = dict(theta)
        generators = [lit for lit in rule.literals if lit.kind == "special" and lit.name in GENERATOR_BUILTINS]
        pending = list(generators)
        while pending:  # bind generator outputs once their inputs are bound
            ready = [g for g in pending if all(_bound(t, theta) for t in g.terms[:2])]
            if not ready:
                break
            for lit in ready:
                pending.remove(lit)
                x, y = (_value(t, theta) for t in lit.terms[:2])
                a, b = number(x), number(y)
                if a is None or b is None:
                    return None
                result = _arithmetic(lit.name, a, b)
                if not math.isfinite(result):
                    return None
                out = lit.terms[2]
                if _bound(out, theta):
                    z = number(_value(out, theta))
                    if z is None or z != result:
                        return None
                else:
                    theta[out[1]] = generated_text(result, x, y)
        for lit in rule.literals:
            if lit.kind == "special" and lit.name not in GENERATOR_BUILTINS:
                args = [_value(t, theta) for t in lit.terms]
                if lit.name in EVAL_BUILTINS:
                    a, b = number(args[0]), number(args[1])
                    if a is None or b is None or not math.isfinite(_arithmetic(lit.name, a, b)):
                        return None
                elif not builtin_holds(lit.name, args):
                    return None
            elif lit.kind == "negated":
                if self.instantiate(lit.terms, theta) in self.model.get((lit.name, len(lit.terms)), ()):
                    return None
        return theta

    @staticmethod
    def instantiate(terms, theta) -> tuple:
        return tuple(_value(t, theta) for t in terms)


def _bound(term, theta) -> bool:
    return term[0] == "const" or term[1] in theta


def _value(term, theta) -> str:
    return term[1] if term[0] == "const" else theta[term[1]]


def _match(terms, args, theta) -> dict | None:
    bound = theta
    for term, arg in zip(terms, args):
        if term[0] == "const":
            if term[1] != arg:
                return None
        elif term[1] in bound:
            if bound[term[1]] != arg:
                return None
        else:
            if bound is theta:
                bound = dict(theta)
            bound[term[1]] = arg
    return bound


def _strata(rules: list[_Rule]) -> list[list[_Rule]]:
    """Group rules by stratum: a head is at least as high as its positive and above its negated inputs."""
    heads = {(r.head_name, len(r.head_terms)) for r in rules}
    level = dict.fromkeys(heads, 0)
    for _ in range(len(heads) + 1):
        changed = False
        for rule in rules:
            head = (rule.head_name, len(rule.head_terms))
            for lit in rule.literals:
                key = (lit.name, len(lit.terms))
                if lit.kind == "special" or key not in level:
                    continue
                need = level[key] + (1 if lit.kind == "negated" else 0)
                if need > level[head]:
                    if need > len(heads):
                        raise StratificationError(
                            f"{rule.head_name}/{len(rule.head_terms)} depends on itself through a "
                            "negation; the program has no stratified model")
                    level[head] = need
                    changed = True
        if not changed:
            break
    return [[r for r in rules if level[(r.head_name, len(r.head_terms))] == k]
            for k in sorted(set(level.values()))]


def _text(name: str, args: tuple) -> str:
    return f"{name}({', '.join(args)})" if args else name


def _ground_sample(rules, facts) -> ReferenceGrounding:
    grounder = _SampleGrounder(rules, facts)
    grounder.solve()
    counts: Counter = Counter()
    eval_values: dict[str, float] = {}
    head_terms: dict[str, tuple] = {}
    for rule in rules:
        seen = Counter()
        for theta in grounder.substitutions(rule):
            head_args = grounder.instantiate(rule.head_terms, theta)
            head = _text(rule.head_name, head_args)
            head_terms[head] = head_args
            body = []
            for lit in rule.literals:
                if not lit.valued:
                    continue
                args = grounder.instantiate(lit.terms, theta)
                if lit.kind == "special":
                    text = _text("@" + lit.name, args)
                    eval_values[text] = _arithmetic(lit.name, number(args[0]), number(args[1]))
                else:
                    text = _text(lit.name, args)
                body.append(text)
            seen[(rule.index, head, tuple(body))] += 1
        for key, count in seen.items():
            counts[key] += count if rule.duplicate_grounding else 1
    model = frozenset(_text(name, args) for (name, _), rows in grounder.model.items() for args in rows)
    return ReferenceGrounding(frozenset(counts), counts, model, eval_values, head_terms)


def reference_ground(template, samples, settings=None) -> list[ReferenceGrounding]:
    """Ground `template` on each sample naively; returns one :class:`ReferenceGrounding` per sample.

    Args:
        template: a :class:`lrnn.Template`, or a built :class:`lrnn.model.Model` (its template
            and settings are used).
        samples: :class:`lrnn.Sample` objects (or anything with a `facts` list of ground atoms).
        settings: :class:`lrnn.Settings` for `duplicate_grounding`; defaults to `Settings()`.

    Raises:
        StratificationError: a predicate depends on itself through negation.
    """
    from ..settings import Settings

    if hasattr(template, "template") and hasattr(template, "program"):  # a built Model
        settings = settings or template.settings
        template = template.template
    settings = settings or Settings()
    rules = _rules_from_template(template, settings)
    shared = set(_template_facts(template))
    results = []
    for sample in samples:
        facts = set(shared)
        facts.update((f.name, tuple(t.name for t in f.terms)) for f in sample.facts)
        results.append(_ground_sample(rules, facts))
    return results


def ground_graph_cycle(grounding: ReferenceGrounding) -> list[str] | None:
    """Return one cycle among derived atoms (a head depends on its value literals), or None."""
    edges: dict[str, set[str]] = {}
    for _, head, body in grounding.instances:
        edges.setdefault(head, set()).update(body)
    state: dict[str, int] = {}
    for root in sorted(edges):
        if root in state:
            continue
        stack = [(root, iter(sorted(edges.get(root, ()))))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return None


def vectorized_ground(template, samples, settings=None, via_network: bool = False) -> list[ReferenceGrounding]:
    """Ground with lrnn's vectorized grounder and return the same per-sample view as `reference_ground`.

    With `via_network=False` the instances come from :meth:`lrnn.grounding.Grounder.least_model`
    (recursion over cyclic data is fine there). With `via_network=True` they come from
    ``build_network(..., relevant_only=False)``, which also checks that the ground network is
    acyclic and raises :class:`lrnn.CyclicGroundingError` otherwise.
    """
    from ..grounding import Grounder, build_network, encode_samples
    from ..program import Program
    from ..settings import Settings

    program = Program(template, settings or Settings())
    vocab = program.vocab
    facts, _ = encode_samples(program, samples)
    per_sample = [(Counter(), set(), {}) for _ in samples]

    def record(rule_index, head_rows, body_rows, keep_duplicates):
        for g in range(len(head_rows)):
            sample = int(head_rows[g, 0])
            head = vocab.atom_text(rule_index[1], head_rows[g, 1:])
            body = tuple(vocab.atom_text(pred, rows[g, 1:]) for pred, rows in body_rows)
            counts, _, head_terms = per_sample[sample]
            key = (rule_index[0], head, body)
            if keep_duplicates or key not in counts:
                counts[key] += 1
            head_terms[head] = tuple(vocab.constants[int(c)] for c in head_rows[g, 1:])

    if via_network:
        network = build_network(program, facts, [[] for _ in samples], relevant_only=False)
        for rule in program.rules:
            inst = network.instances[rule.index]
            head_rows = _atom_rows(network, inst.head)
            body_rows = [(int(network.atom_pred[inst.body[0, k]]) if len(inst.head) else -1,
                          _atom_rows(network, inst.body[:, k])) for k in range(inst.body.shape[1])]
            record((rule.index, rule.head_pred), head_rows, body_rows, True)
        for atom in range(len(network.atom_pred)):
            text = network.atom_text(vocab, atom)
            if not text.startswith("@"):
                per_sample[int(network.atom_sample[atom])][1].add(text)
    else:
        tables, bindings = Grounder(program).least_model(facts)
        for rule in program.rules:
            found = bindings[rule.index]
            head_rows = Grounder.literal_rows(rule.head_pattern, found)
            body_rows = [(rule.literals[p].pred, Grounder.literal_rows(rule.literals[p].pattern, found))
                         for p in rule.value_literals]
            record((rule.index, rule.head_pred), head_rows, body_rows, rule.duplicate_grounding)
        for pred, rows in tables.items():
            if vocab.predicates[pred][0].startswith("@"):
                continue
            for row in rows:
                per_sample[int(row[0])][1].add(vocab.atom_text(pred, row[1:]))
    return [ReferenceGrounding(frozenset(counts), counts, frozenset(model), {}, head_terms)
            for counts, model, head_terms in per_sample]


def _atom_rows(network, atoms):
    import numpy as np

    rows = np.zeros((len(atoms), 1 + (len(network.atom_terms[int(atoms[0])]) if len(atoms) else 0)),
                    dtype=np.int64)
    for g, atom in enumerate(atoms.tolist()):
        rows[g, 0] = network.atom_sample[atom]
        rows[g, 1:] = network.atom_terms[atom]
    return rows
