"""The naive reference grounder against hand-derived cases and against the vectorized grounder."""
import pytest
from hypothesis import HealthCheck, given, note, settings

from lrnn import C, CyclicGroundingError, Metadata, R, Sample, Settings, StratificationError, Template, V
from lrnn.testing import ground_graph_cycle, reference_ground, vectorized_ground
from lrnn.testing.strategies import as_samples, logic_programs

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ground_one(template, facts, **options):
    return reference_ground(template, [Sample(R.unused, facts)], Settings(**options))[0]


def heads(grounding, name):
    return sorted({h for _, h, _ in grounding.instances if h.split("(")[0] == name})


# -- hand-derived cases --


def test_join_with_repeated_variable():
    template = Template([R.h(V.X) <= (R.a(V.X, V.Y, V.Y), R.c(V.X, V.X))])
    facts = [R.a(C.p, C.q, C.q), R.a(C.p, C.q, C.r), R.a(C.s, C.t, C.t), R.c(C.p, C.p), R.c(C.s, C.t)]
    grounding = ground_one(template, facts)
    assert grounding.instances == {(0, "h(p)", ("a(p, q, q)", "c(p, p)"))}


def test_recursion_least_model():
    template = Template([R.path(V.X, V.Y) <= R.edge(V.X, V.Y),
                         R.path(V.X, V.Y) <= (R.path(V.X, V.Z), R.edge(V.Z, V.Y))])
    grounding = ground_one(template, [R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.a)])
    expected = {f"path({x}, {y})" for x in "abc" for y in "abc"}
    assert set(heads(grounding, "path")) == expected
    assert ground_graph_cycle(grounding) is not None


def test_negation_as_failure():
    template = Template([R.h(V.X) <= (R.d(V.X)[2.0], ~R.b(V.X))])
    grounding = ground_one(template, [R.d(C.p)[1.0], R.d(C.q)[3.0], R.b(C.p)[0.7]])
    assert grounding.instances == {(0, "h(q)", ("d(q)",))}


def test_negation_of_derived_relation_is_stratified():
    template = Template([R.reach(V.X) <= R.start(V.X),
                        R.reach(V.Y) <= (R.reach(V.X), R.edge(V.X, V.Y)),
                        R.unreached(V.X) <= (R.node(V.X), ~R.reach(V.X))])
    facts = [R.start(C.a), R.edge(C.a, C.b), R.node(C.a), R.node(C.b), R.node(C.c)]
    assert heads(ground_one(template, facts), "unreached") == ["unreached(c)"]


def test_negation_through_recursion_raises():
    template = Template([R.p(V.X) <= (R.n(V.X), ~R.q(V.X)), R.q(V.X) <= (R.n(V.X), ~R.p(V.X))])
    with pytest.raises(StratificationError):
        ground_one(template, [R.n(C.a)])


def test_hidden_literal_has_no_value():
    template = Template([R.h(V.X) <= (R.d(V.X)[2.0], R._g(V.X))])
    grounding = ground_one(template, [R.d(C.p), R.d(C.q), R.g(C.q)])
    assert grounding.instances == {(0, "h(q)", ("d(q)",))}


@pytest.mark.parametrize("duplicate, count", [(False, 1), (True, 3)])
def test_duplicate_groundings(duplicate, count):
    rule = R.h(V.X) <= (R.d(V.X), R._g(V.X, V.Y))
    template = Template([rule | Metadata(duplicate_grounding=duplicate)])
    facts = [R.d(C.a), R.g(C.a, C.p), R.g(C.a, C.q), R.g(C.a, C.r)]
    grounding = ground_one(template, facts)
    assert grounding.instance_counts == {(0, "h(a)", ("d(a)",)): count}


@pytest.mark.parametrize("builtin, pairs", [
    ("eq", {(1, 1), (2, 2), (3, 3)}),
    ("neq", {(x, y) for x in (1, 2, 3) for y in (1, 2, 3) if x != y}),
    ("lt", {(1, 2), (1, 3), (2, 3)}),
    ("leq", {(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)}),
    ("gt", {(2, 1), (3, 1), (3, 2)}),
    ("geq", {(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)}),
    ("next", {(1, 2), (2, 3)}),
])
def test_comparison_builtins(builtin, pairs):
    template = Template([R.h(V.X, V.Y) <= (R.p(V.X, V.Y), R.special.get(builtin)(V.X, V.Y))])
    facts = [R.p(C.get(str(x)), C.get(str(y))) for x in (1, 2, 3) for y in (1, 2, 3)]
    assert set(heads(ground_one(template, facts), "h")) == {f"h({x}, {y})" for x, y in pairs}


def test_numbers_compare_numerically_and_names_lexicographically():
    template = Template([R.h(V.X, V.Y) <= (R.p(V.X), R.p(V.Y), R.special.lt(V.X, V.Y))])
    facts = [R.p(C.get("9")), R.p(C.get("10")), R.p(C.b), R.p(C.ab)]
    found = set(heads(ground_one(template, facts), "h"))
    assert "h(9, 10)" in found                   # 9 < 10 as numbers
    assert "h(ab, b)" in found                   # "ab" < "b" as strings
    assert "h(10, b)" in found                   # mixed: string order, "1" < "b"


def test_generator_builtin_binds_result():
    template = Template([R.h(V.Z) <= (R.n(V.X), R.n(V.Y), R.special.add(V.X, V.Y, V.Z))])
    facts = [R.n(C.get("1")), R.n(C.get("2"))]
    assert heads(ground_one(template, facts), "h") == ["h(2)", "h(3)", "h(4)"]


def test_generator_with_bound_result_filters():
    template = Template([R.h(V.X, V.Y, V.Z) <= (R.n(V.X), R.n(V.Y), R.n(V.Z), R.special.add(V.X, V.Y, V.Z))])
    facts = [R.n(C.get(str(v))) for v in (1, 2, 4)]
    assert heads(ground_one(template, facts), "h") == ["h(1, 1, 2)", "h(2, 2, 4)"]


def test_alldiff_shorthand_and_maxcard():
    template = Template([R.h(V.X, V.Y) <= (R.p(V.X), R.p(V.Y), R.special.alldiff(...)),
                         R.k(V.X, V.Y) <= (R.p(V.X), R.p(V.Y), R.special.maxcard(C.get("1"), V.X, V.Y))])
    grounding = ground_one(template, [R.p(C.a), R.p(C.b)])
    assert heads(grounding, "h") == ["h(a, b)", "h(b, a)"]
    assert heads(grounding, "k") == ["k(a, a)", "k(b, b)"]


def test_membership_true_false_anypred():
    template = Template([R.h(V.X) <= (R.p(V.X), R.special.get("_in")(V.X, C.a, C.c)),
                         R.t(V.X) <= (R.p(V.X), R.special.true, R.special.anypred()),
                         R.f(V.X) <= (R.p(V.X), R.special.false)])
    grounding = ground_one(template, [R.p(C.a), R.p(C.b), R.p(C.c)])
    assert heads(grounding, "h") == ["h(a)", "h(c)"]
    assert heads(grounding, "t") == ["t(a)", "t(b)", "t(c)"]
    assert heads(grounding, "f") == []


def test_eval_builtin_is_a_value_literal():
    template = Template([R.h(V.X) <= (R.n(V.X), R.special.add_eval(V.X, C.get("5")))])
    grounding = ground_one(template, [R.n(C.get("2"))[10.0]])
    assert grounding.instances == {(0, "h(2)", ("n(2)", "@add_eval(2, 5)"))}
    assert grounding.eval_values == {"@add_eval(2, 5)": 7.0}


def test_zero_fact_relation_gives_no_instances():
    template = Template([R.h(V.X) <= (R.p(V.X), R.never(V.X)), R.k(V.X) <= R.p(V.X)])
    grounding = ground_one(template, [R.p(C.a)])
    assert heads(grounding, "h") == []
    assert heads(grounding, "k") == ["k(a)"]


def test_template_facts_hold_in_every_sample():
    template = Template([R.h(V.X) <= (R.p(V.X), R.q(V.X)), R.q(C.a)])
    first, second = reference_ground(template, [Sample(R.h(V.X), [R.p(C.a)]),
                                                Sample(R.h(V.X), [R.p(C.b)])])
    assert heads(first, "h") == ["h(a)"]
    assert heads(second, "h") == []


# -- the vectorized grounder agrees --


@FUZZ
@given(logic_programs())
def test_least_model_matches_vectorized(program):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    samples = as_samples(fact_lists)
    expected = reference_ground(template, samples)
    found = vectorized_ground(template, samples)
    for s, (ref, vec) in enumerate(zip(expected, found)):
        assert vec.model == ref.model, f"sample {s}: models differ by {sorted(ref.model ^ vec.model)}"
        assert vec.instance_counts == ref.instance_counts, f"sample {s}"


@FUZZ
@given(logic_programs())
def test_ground_network_matches_reference(program):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    samples = as_samples(fact_lists)
    expected = reference_ground(template, samples)
    cycles = [ground_graph_cycle(g) for g in expected]
    if any(cycles):
        with pytest.raises(CyclicGroundingError):
            vectorized_ground(template, samples, via_network=True)
        return
    found = vectorized_ground(template, samples, via_network=True)
    for s, (ref, vec) in enumerate(zip(expected, found)):
        assert vec.model == ref.model, f"sample {s}"
        assert vec.instance_counts == ref.instance_counts, f"sample {s}"


def test_bound_generator_result_compares_numbers():
    template = Template([R.h(V.X, V.Y, V.Z) <= (R.n(V.X), R.n(V.Y), R.m(V.Z), R.special.add(V.X, V.Y, V.Z))])
    samples = [Sample(R.unused, [R.n(C.get("1")), R.n(C.get("2")), R.m(C.get("3.0"))])]
    expected = {"h(1, 2, 3.0)", "h(2, 1, 3.0)"}  # 1 + 2 equals 3.0 as a number, as in eq(3, 3.0)
    assert heads(reference_ground(template, samples)[0], "h") == sorted(expected)
    assert heads(vectorized_ground(template, samples)[0], "h") == sorted(expected)
