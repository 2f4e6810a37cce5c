"""The per-atom reference evaluator against hand-derived values and against the compiled model."""
import pytest
import torch
from hypothesis import HealthCheck, given, note, settings

from lrnn import Aggregation, C, F, Metadata, QueryError, R, Sample, Settings, Template, V
from lrnn.language.dsl import Atom
from lrnn.language.terms import Constant
from lrnn.testing import reference_eval, reference_ground, reference_values
from lrnn.testing.strategies import neural_programs

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOAT64 = Settings(dtype=torch.float64)


def value_of(template, query, facts, settings=FLOAT64):
    model = template.build(settings)
    ((_, value),) = reference_eval(model, [Sample(query, facts)])[0]
    return value


def compiled_value(template, query, facts, settings=FLOAT64):
    model = template.build(settings)
    return model(model.build_dataset([Sample(query, facts)]))[0]


# -- hand-derived values --


def test_weighted_rule_average():
    template = Template([R.h(V.X)[2.0] <= (R.e(V.X, V.Y)[0.5], R.f(V.Y)[3.0])])
    facts = [R.e(C.a, C.b)[1.0], R.e(C.a, C.c)[2.0], R.e(C.a, C.d)[4.0],
             R.f(C.b)[1.0], R.f(C.c)[0.0], R.f(C.d)[-1.0]]
    groundings = [0.5 * 1 + 3 * 1, 0.5 * 2 + 3 * 0, 0.5 * 4 + 3 * -1]  # via b, c, d
    expected = 2.0 * sum(groundings) / 3
    assert value_of(template, R.h(C.a), facts).item() == pytest.approx(expected)


def test_two_rules_sum_at_the_atom():
    template = Template([R.h(V.X)[2.0] <= R.e(V.X, V.Y)[0.5], R.h(V.X)[-1.0] <= R.f(V.X)[3.0]])
    facts = [R.e(C.a, C.b)[1.0], R.e(C.a, C.c)[2.0], R.f(C.a)[5.0]]
    expected = 2.0 * (0.5 * 1 + 0.5 * 2) / 2 + -1.0 * 3.0 * 5.0
    assert value_of(template, R.h(C.a), facts).item() == pytest.approx(expected)


def test_transformation_order():
    template = Template([(R.h[2.0] <= R.b[0.5]) | [F.tanh], R.h / 0 | [F.sigmoid]])
    expected = torch.sigmoid(2.0 * torch.tanh(torch.tensor(0.5 * 0.8, dtype=torch.float64)))
    assert value_of(template, R.h, [R.b[0.8]]).item() == pytest.approx(0.6813315716852161)
    assert value_of(template, R.h, [R.b[0.8]]).item() == pytest.approx(expected.item())


def test_matrix_weights_and_broadcast():
    template = Template([R.h <= (R.b[[[1, 0, 2], [0, 1, -1]]], R.c)])
    value = value_of(template, R.h, [R.b[[1.0, 2.0, 3.0]], R.c[10.0]])
    assert value.tolist() == [7.0 + 10.0, -1.0 + 10.0]  # W b = [7, -1], plus the scalar c


def test_vector_max_picks_whole_input_by_sum():
    template = Template([(R.h <= R.v(V.X)) | [Aggregation.MAX], (R.k <= R.v(V.X)) | [Aggregation.MIN]])
    facts = [R.v(C.a)[[1.0, 5.0]], R.v(C.b)[[3.0, -4.0]], R.v(C.c)[[2.0, 2.0]]]
    assert value_of(template, R.h, facts).tolist() == [1.0, 5.0]
    assert value_of(template, R.k, facts).tolist() == [3.0, -4.0]


def test_grouped_softmax_aggregation():
    rule = (R.h(V.X, V.Y) <= R.s(V.X, V.Y)[2.0]) | [Aggregation.SOFTMAX(agg_terms=["Y"])]
    facts = [R.s(C.a, C.p)[1.0], R.s(C.a, C.q)[2.0], R.s(C.a, C.r)[0.5]]
    expected = {"p": 0.1141952, "q": 0.8437947, "r": 0.0420101}
    for y, value in expected.items():
        assert value_of(Template([rule]), R.h(C.a, C.get(y)), facts).item() == pytest.approx(value, abs=1e-7)
        assert compiled_value(Template([rule]), R.h(C.a, C.get(y)), facts).item() == pytest.approx(value, abs=1e-7)


@pytest.mark.parametrize("duplicate, expected", [(False, 1.0), (True, 3.0)])
def test_duplicate_groundings_add_up(duplicate, expected):
    rule = (R.h(V.X) <= (R.d(V.X), R._g(V.X, V.Y))) | Metadata(aggregation=Aggregation.SUM,
                                                              duplicate_grounding=duplicate)
    facts = [R.d(C.a)[1.0], R.g(C.a, C.p), R.g(C.a, C.q), R.g(C.a, C.r)]
    assert value_of(Template([rule]), R.h(C.a), facts).item() == expected
    assert compiled_value(Template([rule]), R.h(C.a), facts).item() == expected


def test_eval_builtin_injects_value():
    template = Template([(R.h <= (R.n(V.X), R.special.add_eval(V.X, C.get("5")))) | [Aggregation.SUM]])
    assert value_of(template, R.h, [R.n(C.get("2"))[10.0]]).item() == 10.0 + (2 + 5)


def test_valueless_body_gives_head_weight():
    template = Template([R.h <= R.m(V.X)[3.0], R.m(V.X)[0.25] <= R._g(V.X)])
    assert value_of(template, R.h, [R.g(C.a)]).item() == 3.0 * 0.25


@pytest.mark.parametrize("builtin, expected", [
    ("eq", 12.0), ("neq", 8.0), ("lt", 17 / 3), ("leq", 8.833333333333334), ("gt", 10.333333333333334),
    ("geq", 11.166666666666666), ("next", 7.0)])
def test_builtin_filters_average(builtin, expected):
    # p(X, Y) = X^2 * Y over X, Y in 1..3; the filter picks which pairs are averaged
    template = Template([R.h <= (R.p(V.X, V.Y), R.special.get(builtin)(V.X, V.Y))])
    facts = [R.p(C.get(str(x)), C.get(str(y)))[float(x * x * y)] for x in (1, 2, 3) for y in (1, 2, 3)]
    assert value_of(template, R.h, facts).item() == pytest.approx(expected)
    assert compiled_value(template, R.h, facts).item() == pytest.approx(expected)


def test_acyclic_recursion():
    template = Template([R.path(V.X, V.Y)[1.0] <= R.edge(V.X, V.Y)[0.5],
                         R.path(V.X, V.Y)[1.0] <= (R.path(V.X, V.Z)[2.0], R.edge(V.Z, V.Y)[0.5])])
    facts = [R.edge(C.a, C.b), R.edge(C.b, C.c)]
    assert value_of(template, R.path(C.a, C.b), facts).item() == 0.5
    assert value_of(template, R.path(C.a, C.c), facts).item() == 2 * 0.5 + 0.5
    assert compiled_value(template, R.path(C.a, C.c), facts).item() == 2 * 0.5 + 0.5


def test_rule_and_relation_offsets_from_text():
    from lrnn.language.text.files import parse_template

    template = parse_template("h :- 1.0 x, -1.0 y, 0.5. [transformation=sigmoid]\n"
                              "k :- ~x, 2.0 y.\nk/0 0.25.\n3.0 k :- y.")
    model = template.build(FLOAT64)
    sample = Sample([R.h, R.k], [R.x[0.3], R.y[0.9]])
    h_value = torch.sigmoid(torch.tensor(0.3 - 0.9 + 0.5, dtype=torch.float64))
    k_value = 0.25 + ((1 - 0.3) + 2.0 * 0.9) + 3.0 * 0.9  # offset, first rule, second rule
    reference = reference_values(model, [sample])
    compiled = model(model.build_dataset([sample]))
    assert reference[0].item() == pytest.approx(h_value.item())
    assert reference[1].item() == pytest.approx(k_value)
    torch.testing.assert_close(compiled, torch.stack(reference))


def test_query_on_input_fact_raises():
    template = Template([R.h(V.X) <= R.b(V.X)])
    with pytest.raises(QueryError, match="input fact"):
        value_of(template, R.b(C.a), [R.b(C.a)])


def test_query_without_proof_raises():
    template = Template([R.h(V.X) <= R.b(V.X)])
    with pytest.raises(QueryError, match="no proof"):
        value_of(template, R.h(C.z), [R.b(C.a)])


def test_chain_pruning_is_not_emulated():
    model = Template([R.h <= R.b]).build(Settings(chain_pruning=True))
    with pytest.raises(NotImplementedError, match="chain_pruning"):
        reference_eval(model, [Sample(R.h, [R.b])])


@pytest.mark.parametrize("aggregation", [Aggregation.CONCAT, Aggregation.SOFTMAX])
def test_order_dependent_aggregations_match_as_multisets(aggregation):
    template = Template([(R.h(V.X) <= R.s(V.X, V.Y)[1.5]) | [aggregation, F.tanh]])
    facts = [R.s(C.a, C.get(y))[v] for y, v in (("p", 0.3), ("q", -1.2), ("r", 0.8), ("t", 2.0))]
    model = template.build(FLOAT64)
    compiled = model(model.build_dataset([Sample(R.h(C.a), facts)]))[0]
    (_, reference), = reference_eval(model, [Sample(R.h(C.a), facts)])[0]
    assert compiled.shape == reference.shape == (4,)
    torch.testing.assert_close(compiled.sort().values, reference.sort().values)
    # a symmetric function of the vector has the same gradient in any instance order
    weight = next(iter(model.weights.values()))
    (expected,) = torch.autograd.grad((reference ** 3).sum(), weight)
    (found,) = torch.autograd.grad((compiled ** 3).sum(), weight)
    torch.testing.assert_close(found, expected)


def test_variable_query_follows_model_order():
    template = Template([R.h(V.X) <= R.b(V.X)[2.0]])
    sample = Sample(R.h(V.X), [R.b(C.c)[1.0], R.b(C.a)[2.0], R.b(C.b)[3.0]])
    model = template.build(FLOAT64)
    compiled = model(model.build_dataset([sample]))
    reference = reference_eval(model, [sample])[0]
    assert [text for text, _ in reference] == ["h(c)", "h(a)", "h(b)"]
    torch.testing.assert_close(compiled, torch.stack([v for _, v in reference]))


# -- the compiled model agrees, values and gradients --


def gradients(loss, parameters):
    """Gradient of `loss` for each parameter, zeros where it does not depend on the parameter."""
    if not loss.requires_grad:
        return [torch.zeros_like(p) for p in parameters]
    found = torch.autograd.grad(loss, parameters, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(parameters, found)]


def derived_queries(model, fact_lists):
    """One sample per fact list that derives something, querying every derived atom."""
    groundings = reference_ground(model, [Sample(R.unused, facts) for facts in fact_lists])
    samples = []
    for facts, grounding in zip(fact_lists, groundings):
        heads = sorted({head for _, head, _ in grounding.instances})
        queries = [Atom(h.split("(")[0], tuple(Constant(c) for c in grounding.head_terms[h])) for h in heads]
        if queries:
            samples.append(Sample(queries, facts))
    return samples


@FUZZ
@given(neural_programs())
def test_compiled_model_matches_reference(program):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    model = template.build(FLOAT64)
    samples = derived_queries(model, fact_lists)
    if not samples:
        return
    compiled = model(model.build_dataset(samples))
    compiled = list(compiled) if isinstance(compiled, torch.Tensor) else compiled
    reference = reference_values(model, samples)
    assert len(compiled) == len(reference)
    generator = torch.Generator().manual_seed(0)
    coefficients = [torch.randn(r.shape, generator=generator, dtype=torch.float64) for r in reference]
    for i, (found, expected) in enumerate(zip(compiled, reference)):
        torch.testing.assert_close(found, expected, msg=lambda m, i=i: f"query {i}: {m}")
    parameters = list(model.weights.values())
    found = gradients(sum((c * v).sum() for c, v in zip(coefficients, compiled)), parameters)
    expected = gradients(sum((c * v).sum() for c, v in zip(coefficients, reference)), parameters)
    for name, f, e in zip(model.weights.keys(), found, expected):
        torch.testing.assert_close(f, e, msg=lambda m, name=name: f"gradient of weight {name}: {m}")
