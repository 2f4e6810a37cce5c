"""One test per kind of failure that users of similar systems have reported (lrnn core only)."""
import io
import time

import pytest
import torch

from lrnn import (
    Aggregation,
    C,
    CyclicGroundingError,
    Dataset,
    F,
    QueryError,
    R,
    Sample,
    Settings,
    ShapeError,
    Template,
    V,
)
from lrnn.grounding.inference import InferenceEngine
from lrnn.testing import reference_values, vectorized_ground

FLOAT64 = Settings(dtype=torch.float64)


def run(template, samples, settings=FLOAT64):
    model = template.build(settings)
    return model, model(model.build_dataset(list(samples)))


# -- grounding and semantics --


def test_zero_fact_relation_gives_zero_groundings():
    template = Template([R.h(V.X) <= (R.b(V.X), R.never(V.X)), R.h(V.X) <= R.b(V.X)[2.0]])
    _, out = run(template, [Sample(R.h(C.a), [R.b(C.a)[1.5]])])
    assert out.tolist() == [2.0 * 1.5]  # only the second rule has a grounding


def test_monotone_in_rules_and_duplicate_literals():
    base = Template([R.p(V.X) <= R.e(V.X, V.Y)])
    duplicated = Template([R.p(V.X) <= (R.e(V.X, V.Y), R.e(V.X, V.Y))])
    extended = Template([R.p(V.X) <= R.e(V.X, V.Y), R.p(V.Y) <= R.e(V.X, V.Y)])
    facts = [R.e(C.a, C.b), R.e(C.b, C.c)]
    model = InferenceEngine(base).model(facts)
    assert InferenceEngine(duplicated).model(facts) == model
    assert InferenceEngine(extended).model(facts) >= model
    assert InferenceEngine(extended).model(facts + [R.e(C.c, C.d)]) >= InferenceEngine(extended).model(facts)


def test_repeated_variables_in_one_literal():
    template = Template([R.h(V.X) <= R.a(V.X, V.Y, V.Y)[1.0], R.r(V.X) <= R.c(V.X, V.X)[1.0]])
    facts = [R.a(C.p, C.q, C.q)[2.0], R.a(C.p, C.q, C.r)[5.0], R.a(C.s, C.q, C.r)[7.0],
             R.c(C.p, C.p)[3.0], R.c(C.p, C.s)[9.0]]
    engine = InferenceEngine(template)
    assert engine.query(R.h(V.X), facts) == [{"X": "p"}]
    assert engine.query(R.r(V.X), facts) == [{"X": "p"}]
    _, out = run(template, [Sample([R.h(C.p), R.r(C.p)], facts)])
    assert out.tolist() == [2.0, 3.0]  # a(p, q, q) only; c(p, p) only


def test_batch_compositions_agree():
    template = Template([(R.h(V.X)[0.7] <= (R.e(V.X, V.Y)[1.3], R.f(V.Y))) | [F.tanh]])
    first = Sample(R.h(C.a), [R.e(C.a, C.b)[0.5], R.e(C.a, C.c)[-1.0], R.f(C.b)[2.0], R.f(C.c)[0.1]])
    second = Sample(R.h(C.b), [R.e(C.b, C.a)[0.25], R.f(C.a)[-3.0]])
    _, together = run(template, [first, second])
    _, reversed_ = run(template, [second, first])
    _, alone = run(template, [second])
    assert torch.equal(together, reversed_.flip(0))
    assert torch.equal(together[1:], alone)
    grounded_together = vectorized_ground(template, [first, second], via_network=True)
    grounded_alone = vectorized_ground(template, [second], via_network=True)
    assert grounded_together[1].instances == grounded_alone[0].instances


def test_cyclic_recursion_raises_quickly_naming_a_cycle():
    template = Template([R.path(V.X, V.Y) <= R.edge(V.X, V.Y)[0.5],
                         R.path(V.X, V.Y) <= (R.path(V.X, V.Z)[2.0], R.edge(V.Z, V.Y)[0.5])])
    edges = [R.edge(C.get(f"n{i}"), C.get(f"n{(i + 1) % 50}")) for i in range(50)]
    model = template.build(FLOAT64)
    start = time.perf_counter()
    with pytest.raises(CyclicGroundingError, match=r"cyclic: path\(n\d+, n\d+\) <- .*path"):
        model.build_dataset([Sample(R.path(C.n0, C.n1), edges)])
    assert time.perf_counter() - start < 10.0


def test_weightless_template_at_query_time():
    template = Template([R.path(V.X, V.Y) <= R.edge(V.X, V.Y),
                         R.path(V.X, V.Y) <= (R.path(V.X, V.Z), R.edge(V.Z, V.Y))])
    facts = [R.edge(C.a, C.b), R.edge(C.b, C.c)]
    model, out = run(template, [Sample(R.path(C.a, C.c), facts)])
    assert len(model.weights) == 0
    assert out.tolist() == [(1.0 + 1.0) / 1]  # path(a, b) = 1 plus edge(b, c) = 1, one grounding
    assert InferenceEngine(template).query(R.path(C.a, V.Y), facts) == [{"Y": "b"}, {"Y": "c"}]


# -- numerics of aggregation --


@pytest.mark.parametrize("aggregation", [Aggregation.MAX, Aggregation.MIN])
def test_max_and_min_over_negative_values(aggregation):
    template = Template([(R.h <= R.b(V.X)) | [aggregation]])
    _, out = run(template, [Sample(R.h, [R.b(C.a)[-3.0], R.b(C.b)[-1.5], R.b(C.c)[-7.0]])])
    assert out.item() == (-1.5 if aggregation == Aggregation.MAX else -7.0)


def test_atom_without_groundings_does_not_exist():
    template = Template([R.h(V.X) <= (R.b(V.X), R.c(V.X))])
    model = template.build()
    with pytest.raises(QueryError, match="no proof"):
        model.build_dataset([Sample(R.h(C.a), [R.b(C.a)])])


def test_sparse_heads_have_finite_gradients():
    # heads with one and with several groundings side by side; MAX and PRODUCT-like paths with a zero
    template = Template([(R.h(V.X) <= R.b(V.X, V.Y)[1.0]) | [Aggregation.MAX],
                         (R.k(V.X) <= (R.b(V.X, V.Y)[1.0] * R.z(V.Y)))])
    facts = [R.b(C.a, C.p)[2.0], R.b(C.c, C.p)[1.0], R.b(C.c, C.q)[3.0], R.z(C.p)[0.0], R.z(C.q)[0.5]]
    model, out = run(template, [Sample([R.h(C.a), R.h(C.c), R.k(C.a), R.k(C.c)], facts)])
    out.sum().backward()
    for weight in model.weights.values():
        assert torch.isfinite(weight.grad).all()


def test_softmax_aggregation_with_large_values():
    template = Template([(R.h <= R.b(V.X)[1.0]) | [Aggregation.SOFTMAX]])
    model, out = run(template, [Sample(R.h, [R.b(C.a)[1000.0], R.b(C.b)[999.0], R.b(C.c)[-1000.0]])])
    assert torch.isfinite(out).all()
    assert sorted(out.reshape(-1).tolist()) == pytest.approx([0.0, 1 / (1 + torch.e), torch.e / (1 + torch.e)])
    out.reshape(-1)[0].backward()
    assert torch.isfinite(next(iter(model.weights.values())).grad).all()


def test_tiny_values_survive():
    template = Template([(R.h <= R.b(V.X)) | [Aggregation.SUM]])
    _, out = run(template, [Sample(R.h, [R.b(C.a)[1e-300], R.b(C.b)[2e-300]])])
    assert out.item() == pytest.approx(3e-300, rel=1e-12)


@pytest.mark.parametrize("aggregation", [Aggregation.MAX, Aggregation.MIN])
def test_gradient_at_ties_goes_to_first_instance(aggregation):
    # NOTE: at a tie the whole gradient flows into the first instance in grounding order, which
    # follows the fact tables (sorted by sample, then constant ids in order of first appearance).
    template = Template([(R.h <= (R.b(V.X)[1.0], R.c(V.X)[1.0])) | [aggregation]])
    facts = [R.b(C.a)[1.0], R.c(C.a)[2.0], R.b(C.b)[2.0], R.c(C.b)[1.0]]  # both instances give 3
    model, out = run(template, [Sample(R.h, facts)])
    assert out.item() == 3.0
    out.sum().backward()
    w_b, w_c = (w.grad.item() for w in model.weights.values())
    assert (w_b, w_c) == (1.0, 2.0)  # the instance via a: d/dw_b = b(a) = 1, d/dw_c = c(a) = 2


def test_cpu_runs_are_bitwise_equal():
    template = Template([(R.h(V.X)[3, 3] <= (R.e(V.X, V.Y)[3, 2], R.f(V.Y)[3, 3])) | [F.tanh],
                         (R.g[1, 3] <= R.h(V.Y)) | [Aggregation.SUM]])
    generator = torch.Generator().manual_seed(0)
    samples = []
    for s in range(3):
        facts = [R.e(C.get(f"n{i}"), C.get(f"n{(i * 7 + s) % 20}"))[torch.randn(2, generator=generator).tolist()]
                 for i in range(20)]
        facts += [R.f(C.get(f"n{i}"))[torch.randn(3, generator=generator).tolist()] for i in range(20)]
        samples.append(Sample(R.g, facts))
    results = []
    for _ in range(2):
        torch.manual_seed(1)
        model, out = run(template, samples, Settings(dtype=torch.float32))
        out.sum().backward()
        results.append((out.detach(), [w.grad.clone() for w in model.weights.values()]))
    assert torch.equal(results[0][0], results[1][0])
    for first, second in zip(results[0][1], results[1][1]):
        assert torch.equal(first, second)


def test_plan_indices_are_int64():
    template = Template([R.h(V.X) <= (R.e(V.X, V.Y)[0.5], R.f(V.Y))])
    model = template.build()
    built = model.build_dataset([Sample(R.h(C.a), [R.e(C.a, C.b), R.f(C.b)])])
    plan = model.plan(built)
    for layer in plan.layers:
        for op in layer.ops:
            assert op.head_index.dtype == torch.int64
            for group in op.groups:
                assert all(leaf.rows is None or leaf.rows.dtype == torch.int64 for leaf in group.leaves)


# -- interfaces --


@pytest.mark.parametrize("target", [[1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]]], ids=["column", "matrix"])
def test_vector_and_matrix_targets(target):
    shape = (2, 1) if not isinstance(target[0], list) else (2, 2)
    weight = [[1.0, 0.0], [0.0, 1.0]]
    template = Template([R.h <= R.b[weight]])
    value = [[0.5], [1.5]] if shape == (2, 1) else [[1.0, 2.0], [3.0, 4.0]]
    sample = Sample(R.h[target], [R.b[value if shape == (2, 2) else [0.5, 1.5]]])
    model, out = run(template, [sample, sample])
    targets = model.build_dataset([sample, sample]).target_tensor(dtype=torch.float64)
    assert targets.shape == out.shape
    loss = ((out - targets) ** 2).sum()
    assert torch.isfinite(loss)


def test_printing_template_with_unweighted_rule():
    template = Template([R.h(V.X) <= (R.b(V.X), R._g(V.X)), (R.k <= R.h(V.X)) | [Aggregation.MAX],
                         R.path(V.X, V.Y) <= (R.path(V.X, V.Z), R.edge(V.Z, V.Y))])
    text = str(template)
    assert "h(X) :- b(X), *g(X)." in text
    assert repr(template).startswith("Template(3 rules")


def test_state_dict_round_trip_with_weights_only():
    template = Template([R.h(V.X)[2, 3] <= R.b(V.X)[3, 1], R.bias[0.5], R.k <= R.h(V.X)["shared": 1, 2]])
    model = template.build(FLOAT64)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    fresh = template.build(FLOAT64)
    fresh.load_state_dict(state)
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)


def test_no_stale_weight_copy():
    template = Template([R.h <= R.b[2.0]])
    model = template.build(FLOAT64)
    built = model.build_dataset([Sample(R.h, [R.b[3.0]])])
    assert model(built).item() == 6.0
    with torch.no_grad():
        next(iter(model.weights.values())).fill_(-1.0)
    assert model(built).item() == -3.0
    assert reference_values(model, [Sample(R.h, [R.b[3.0]])])[0].item() == -3.0


def test_pinned_defaults():
    settings = Settings()
    assert settings.chain_pruning is False
    assert settings.prune_only_identities is False
    assert settings.aggregation.name == "avg"
    assert settings.rule_transformation.name == "identity"
    assert settings.relation_transformation.name == "identity"
    assert settings.rule_combination.name == "sum"
    assert settings.relation_combination.name == "sum"
    assert settings.duplicate_grounding is False
    assert settings.default_fact_value == 1.0
    assert settings.dtype == torch.float32


def test_errors_name_the_rule():
    template = Template([R.h <= R.b[[1.0, 2.0, 3.0]]])  # a column weight on a column value
    model = template.build()
    with pytest.raises(ShapeError, match=r"rule h :- "):
        model.build_dataset(Dataset([Sample(R.h, [R.b[[1.0, 2.0, 3.0]]])]))


def test_row_vector_targets_match_output_shape():
    template = Template([R.h <= R.b.T])  # column value transposed into a row vector
    sample = Sample(R.h[[[1.0, 2.0]]], [R.b[[0.5, 1.5]]])
    model, out = run(template, [sample, sample])
    targets = model.build_dataset([sample, sample]).target_tensor(dtype=torch.float64)
    assert targets.shape == out.shape
