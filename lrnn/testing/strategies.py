"""Hypothesis strategies for random templates and facts (needs the `hypothesis` package).

`logic_programs()` draws purely logical templates (joins, repeated variables, constants,
self-recursion, stratified negation, hidden literals and builtins) with facts for one to
three samples. `neural_programs()` draws layered weighted templates with valued facts: scalar
and column-vector values, several rules per head, body and head weights, aggregations,
transformations and relation settings. These templates are acyclic, so every derived atom
has a value.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..datasets import Sample
from ..language import Aggregation, C, Combination, F, Metadata, R, Template, Transformation, V

CONSTANTS = ("a", "b", "c", "0", "1", "2", "1.0")
VARIABLES = ("X", "Y", "Z", "W")
BASE_RELATIONS = (("e", 2), ("u", 1), ("t", 3), ("z", 0), ("n", 1))
FILTERS = ("eq", "neq", "lt", "leq", "gt", "geq", "next", "alldiff", "maxcard", "_in", "anypred",
           "true", "false")
GENERATORS = ("add", "sub", "mod")
EVALUATED = ("add_eval", "sub_eval", "mul_eval", "max_eval", "min_eval")


def _term(name: str):
    return V.get(name) if name[0].isupper() else C.get(name)


# -- purely logical programs --
@st.composite
def _logic_literal(draw, relations, variables):
    name, arity = draw(st.sampled_from(relations))
    terms = [draw(st.sampled_from(variables) if draw(st.integers(0, 9)) < 8 else st.sampled_from(CONSTANTS))
             for _ in range(arity)]
    return name, terms


@st.composite
def _builtin(draw, bound: list[str], fresh_name: str):
    """A builtin literal over bound variables and constants; returns (atom, new variable or None)."""
    pick = st.sampled_from(bound + list(CONSTANTS[3:])) if bound else st.sampled_from(CONSTANTS)
    kind = draw(st.sampled_from(("filter", "filter", "generator", "eval")))
    if kind == "generator" and bound:
        name = draw(st.sampled_from(GENERATORS))
        x, y = draw(pick), draw(pick)
        fresh = fresh_name if draw(st.booleans()) else None
        out = fresh or draw(pick)
        return R.special.get(name)(_term(x), _term(y), _term(out)), fresh
    if kind == "eval":
        name = draw(st.sampled_from(EVALUATED))
        return R.special.get(name)(_term(draw(pick)), _term(draw(pick))), None
    name = draw(st.sampled_from(FILTERS))
    if name in ("anypred",):
        return R.special.anypred(), None
    if name in ("true", "false"):
        return R.special.get(name), None
    if name == "alldiff" and draw(st.booleans()):
        return R.special.alldiff(...), None
    count = {"alldiff": draw(st.integers(2, 3)), "maxcard": 3, "_in": draw(st.integers(2, 3))}.get(name, 2)
    terms = [draw(pick) for _ in range(count)]
    if name == "maxcard":
        terms[0] = draw(st.sampled_from(("1", "2")))
    return R.special.get(name)(*[_term(t) for t in terms]), None


@st.composite
def _logic_rule(draw, head, level, derived):
    head_name, head_arity = head
    positive_pool = list(BASE_RELATIONS) + derived[:level + 1]
    literals, bound = [], []
    for _ in range(draw(st.integers(1, 3))):
        name, terms = draw(_logic_literal(positive_pool, VARIABLES))
        atom = (R.hidden.get(name) if draw(st.integers(0, 4)) == 0 else R.get(name))(*[_term(t) for t in terms])
        literals.append(atom)
        bound.extend(t for t in terms if t[0].isupper() and t not in bound)
    generated = []
    for fresh_name in ("G", "H")[:draw(st.sampled_from((0, 0, 1, 1, 2)))]:
        atom, fresh = draw(_builtin(bound + generated, fresh_name))
        literals.append(atom)
        generated.extend([fresh] if fresh else [])
    if len(literals) > 1:  # builtins may come before the literals that bind their variables
        literals = [literals[i] for i in draw(st.permutations(range(len(literals))))]
    if draw(st.integers(0, 9)) < 3:
        name, terms = draw(_logic_literal(list(BASE_RELATIONS) + derived[:level], bound or ["a"]))
        if bound or not terms:
            literals.append(~R.get(name)(*[_term(t) for t in terms]))
    head_pool = bound + generated
    if generated and any(atom.name == head_name and not atom.special for atom in literals):
        head_pool = bound  # a generated constant fed back into its own relation never stops growing
    head_terms = [draw(st.sampled_from(head_pool) if head_pool and draw(st.integers(0, 9)) < 8
                       else st.sampled_from(CONSTANTS)) for _ in range(head_arity)]
    rule = R.get(head_name)(*[_term(t) for t in head_terms]) <= tuple(literals)
    if draw(st.integers(0, 4)) == 0:
        rule = rule | Metadata(duplicate_grounding=True)
    return rule


@st.composite
def _facts(draw, relations, max_per_relation=10):
    facts = []
    for name, arity in relations:
        rows = draw(st.lists(st.tuples(*[st.sampled_from(CONSTANTS)] * arity), min_size=1 if arity else 0,
                             max_size=max_per_relation))
        facts.extend(R.get(name)(*[C.get(c) for c in row]) for row in rows)
    order = draw(st.permutations(range(len(facts)))) if facts else []
    return [facts[i] for i in order]


@st.composite
def logic_programs(draw, max_samples: int = 2):
    """Draw a purely logical template and 1..`max_samples` fact lists: `(template, [facts, ...])`."""
    derived = [(f"d{i}", draw(st.integers(0, 3))) for i in range(draw(st.integers(1, 3)))]
    template = Template()
    for level, head in enumerate(derived):
        for _ in range(draw(st.integers(1, 2))):
            template += draw(_logic_rule(head, level, derived))
    fact_relations = list(BASE_RELATIONS) + ([derived[0]] if draw(st.booleans()) else [])
    samples = [draw(_facts(fact_relations)) for _ in range(draw(st.integers(1, max_samples)))]
    return template, samples


def as_samples(fact_lists, query=None) -> list[Sample]:
    """Wrap fact lists as samples with a placeholder query (grounding ignores queries)."""
    return [Sample(query if query is not None else R.get("_unused"), facts) for facts in fact_lists]


# -- weighted programs --
ELEMENTWISE = (Transformation.IDENTITY, Transformation.SIGMOID, Transformation.TANH, Transformation.RELU,
               Transformation.LEAKY_RELU, Transformation.LUKASIEWICZ, Transformation.REVERSE)
VECTOR_ONLY = (Transformation.SOFTMAX, Transformation.NORM)
RULE_COMBINATIONS = (Combination.SUM, Combination.AVG, Combination.MAX, Combination.MIN, Combination.ELPRODUCT)
RELATION_COMBINATIONS = (Combination.SUM, Combination.AVG, Combination.MAX, Combination.MIN)
AGGREGATIONS = (Aggregation.AVG, Aggregation.SUM, Aggregation.MAX, Aggregation.MIN)
NEURAL_CONSTANTS = ("a", "b", "c", "d")


def _value(rng, rows: int, cols: int = 1):
    if rows == cols == 1:
        return float(rng.uniform(-1.5, 1.5))
    array = rng.uniform(-1.5, 1.5, size=(rows, cols))
    return array.reshape(-1).tolist() if cols == 1 else array.tolist()


def _weighted(atom, weight):
    return atom if weight is None else atom[weight]


def _weight_for(rng, source: int, head_dim: int):
    """Return a weight that maps a value with `source` rows to one with `head_dim` rows."""
    if source == head_dim == 1:
        return _value(rng, 1)
    if head_dim == 1:
        return _value(rng, 1, source)        # row vector: dot product
    if source == 1:
        return _value(rng, head_dim)         # column vector: scales it
    return _value(rng, head_dim, source)     # matrix


@st.composite
def _neural_literal(draw, rng, relations, dims, head_dim):
    name, arity = draw(st.sampled_from(relations))
    terms = [draw(st.sampled_from(VARIABLES[:3])) for _ in range(arity)]
    atom = R.get(name)(*[V.get(t) for t in terms])
    if name != "k" and draw(st.integers(0, 5)) == 0:
        return R.hidden.get(name)(*[V.get(t) for t in terms]), terms, False
    choice = draw(st.integers(0, 5))
    if choice == 0:
        atom = F.sigmoid(atom)
    elif choice == 1:
        atom = -atom
    source = dims[name]
    if source == head_dim and draw(st.booleans()):
        weight = None if draw(st.booleans()) else _value(rng, 1)
    else:
        weight = _weight_for(rng, source, head_dim)
    return _weighted(atom, weight), terms, True


@st.composite
def _neural_rule(draw, rng, head, level, derived, dims, picks_whole_vectors):
    head_name, head_arity = head
    dim = dims[head_name]
    pool = [("x", 1), ("y", 1), ("e", 2), ("k", 0)] + derived[:level]
    literals, bound, valued = [], [], 0
    for _ in range(draw(st.integers(1, 3))):
        atom, terms, has_value = draw(_neural_literal(rng, pool, dims, dim))
        literals.append(atom)
        valued += has_value
        bound.extend(t for t in terms if t not in bound)
    if not valued:
        literals.append(R.k[_weight_for(rng, 1, dim)])
    head_terms = [draw(st.sampled_from(bound)) if bound else None for _ in range(head_arity)]
    for i, term in enumerate(head_terms):
        if term is None:  # bind a head variable that no body literal has
            head_terms[i] = VARIABLES[3]
            literals.append(R.x(V.get(VARIABLES[3]))[_weight_for(rng, dims["x"], dim)])
    head_atom = R.get(head_name)(*[V.get(t) for t in head_terms])
    head_weight = draw(st.integers(0, 3))
    if head_weight == 1:
        head_atom = head_atom[_value(rng, 1)]
    elif head_weight == 2:
        head_atom = head_atom[_weight_for(rng, dim, dim)]
    aggregations = AGGREGATIONS + ((Aggregation.COUNT,) if dim == 1 else ())
    transformations = ELEMENTWISE + (VECTOR_ONLY if dim > 1 and not picks_whole_vectors else ())
    combinations = RULE_COMBINATIONS
    if not picks_whole_vectors:
        combinations = tuple(c for c in combinations if c.name not in ("max", "min"))
        aggregations = tuple(a for a in aggregations if a.name not in ("max", "min"))
    metadata = Metadata(transformation=draw(st.sampled_from(transformations)),
                        combination=draw(st.sampled_from(combinations)),
                        aggregation=draw(st.sampled_from(aggregations)))
    return (head_atom <= tuple(literals)) | metadata


@st.composite
def neural_programs(draw, max_samples: int = 2):
    """Draw a weighted acyclic template and fact lists: `(template, [facts, ...])`.

    Base relations: `x/1`, `y/1` (scalar or column-vector values), `e/2` (scalar) and the
    learnable template fact `k` (scalar). Derived relations `h0`, `h1`, ... read the base
    relations and lower derived relations only.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    # SOFTMAX and NORM outputs of one length all have the same element sum (1 and 0), so a
    # whole-vector MAX or MIN over them would pick by rounding noise; a template uses one kind
    picks_whole_vectors = draw(st.booleans())
    dims = {"x": draw(st.sampled_from((1, 2, 3))), "y": draw(st.sampled_from((1, 2))), "e": 1, "k": 1}
    derived = []
    for i in range(draw(st.integers(1, 3))):
        derived.append((f"h{i}", draw(st.integers(0, 2))))
        dims[f"h{i}"] = draw(st.sampled_from((1, 1, 2)))
    template = Template()
    template += R.k[_value(rng, 1)]
    for level, head in enumerate(derived):
        name, arity = head
        for _ in range(draw(st.integers(1, 2))):
            template += draw(_neural_rule(rng, head, level, derived, dims, picks_whole_vectors))
        setting = draw(st.integers(0, 3))
        if setting:
            relation = R.get(name) / arity
            transformations = ELEMENTWISE + (VECTOR_ONLY if dims[name] > 1 and not picks_whole_vectors else ())
            combinations = RELATION_COMBINATIONS if picks_whole_vectors else RELATION_COMBINATIONS[:2]
            relation = relation | Metadata(transformation=draw(st.sampled_from(transformations)),
                                           combination=draw(st.sampled_from(combinations)))
            if setting == 3:
                relation = relation[_value(rng, dims[name])]
            template += relation
    samples = []
    for _ in range(draw(st.integers(1, max_samples))):
        facts = []
        for name, arity in (("x", 1), ("y", 1), ("e", 2)):
            rows = draw(st.lists(st.tuples(*[st.sampled_from(NEURAL_CONSTANTS)] * arity), min_size=1,
                                 max_size=5, unique=True))
            facts.extend(R.get(name)(*[C.get(c) for c in row])[_value(rng, dims[name])] for row in rows)
        samples.append(facts)
    return template, samples
