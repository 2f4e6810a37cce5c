"""InferenceEngine: logic-only queries and least models on templates with or without weights."""
import pytest
from hypothesis import HealthCheck, given, note, settings

from lrnn import C, F, R, StratificationError, Template, TemplateError, V
from lrnn.grounding.inference import InferenceEngine
from lrnn.testing import reference_ground
from lrnn.testing.strategies import as_samples, logic_programs

EDGES = [R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.d)]


@pytest.fixture
def path_engine():
    template = Template()
    template += R.path(V.X, V.Y) <= R.edge(V.X, V.Y)
    template += R.path(V.X, V.Y) <= (R.path(V.X, V.Z), R.edge(V.Z, V.Y))
    return InferenceEngine(template)


def test_query_returns_sorted_substitutions(path_engine):
    answers = path_engine.query(R.path(V.X, V.Y), EDGES)
    expected = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    assert answers == [{"X": x, "Y": y} for x, y in expected]


def test_query_with_constant(path_engine):
    assert path_engine.query(R.path(V.X, C.d), EDGES) == [{"X": "a"}, {"X": "b"}, {"X": "c"}]


def test_ground_query_true_and_false(path_engine):
    assert path_engine.query(R.path(C.a, C.d), EDGES) == [{}]
    assert path_engine.query(R.path(C.d, C.a), EDGES) == []
    assert path_engine.holds(R.path(C.a, C.c), EDGES)
    assert not path_engine.holds(R.path(C.c, C.a), EDGES)


def test_query_repeated_variable(path_engine):
    cyclic = EDGES + [R.edge(C.d, C.b)]
    assert path_engine.query(R.path(V.X, V.X), cyclic) == [{"X": "b"}, {"X": "c"}, {"X": "d"}]


def test_query_anonymous_variable_is_not_reported(path_engine):
    assert path_engine.query(R.path(V.X, V._), EDGES) == [{"X": "a"}, {"X": "b"}, {"X": "c"}]


def test_query_unknown_relation_or_constant(path_engine):
    assert path_engine.query(R.nothing(V.X), EDGES) == []
    assert path_engine.query(R.path(C.zzz, V.Y), EDGES) == []


def test_cyclic_data_is_fine_for_logic(path_engine):
    cyclic = [R.edge(C.a, C.b), R.edge(C.b, C.a)]
    assert path_engine.model(cyclic) == {"edge(a, b)", "edge(b, a)", "path(a, b)", "path(b, a)",
                                         "path(a, a)", "path(b, b)"}


def test_weighted_template_weights_are_ignored():
    template = Template([(R.h(V.X)[2, 2] <= R.b(V.X)[2, 3]) | [F.sigmoid], R.h / 1 | [F.tanh]])
    assert InferenceEngine(template).query(R.h(V.X), [R.b(C.a), R.b(C.b)]) == [{"X": "a"}, {"X": "b"}]


def test_negation_and_builtins():
    template = Template([R.small(V.X) <= (R.n(V.X), R.special.lt(V.X, C.get("2"))),
                        R.big(V.X) <= (R.n(V.X), ~R.small(V.X))])
    engine = InferenceEngine(template)
    facts = [R.n(C.get(str(i))) for i in range(4)]
    assert engine.query(R.big(V.X), facts) == [{"X": "2"}, {"X": "3"}]


def test_unstratifiable_negation_raises():
    template = Template([R.p(V.X) <= (R.n(V.X), ~R.q(V.X)), R.q(V.X) <= (R.n(V.X), ~R.p(V.X))])
    with pytest.raises(StratificationError):
        InferenceEngine(template).model([R.n(C.a)])


def test_invalid_query_raises(path_engine):
    with pytest.raises(TemplateError, match="invalid query"):
        path_engine.query(~R.path(V.X, V.Y), EDGES)


def test_engine_is_reusable(path_engine):
    first = path_engine.model(EDGES)
    path_engine.model([R.edge(C.x, C.y)])
    assert path_engine.model(EDGES) == first


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logic_programs(max_samples=1))
def test_model_matches_reference(program):
    template, (facts,) = program
    note(f"template:\n{template}facts: {facts}")
    expected = reference_ground(template, as_samples([facts]))[0].model
    assert InferenceEngine(template).model(facts) == expected
