"""Mini-batches cut from the dataset plan equal the full evaluation and a fresh compilation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lrnn import Aggregation, C, Combination, Dataset, R, Sample, Settings, Template, Transformation, V

CASES = Path(__file__).resolve().parents[1] / "refcases" / "cases"
MULTI_SAMPLE = [
    "dsl_aggregation_avg", "dsl_aggregation_concat", "dsl_aggregation_max", "dsl_combination_relation_level",
    "dsl_gnn_message_passing_matrix_hidden_edge", "dsl_mutagenesis_three_molecules", "dsl_recursive_xor",
    "dsl_trains_small_template", "dsl_negation", "dsl_transformation_relation_join",
]


def build_case(name: str):
    case = json.loads((CASES / f"{name}.json").read_text())
    scope = {"R": R, "V": V, "C": C, "Template": Template, "Transformation": Transformation,
             "Aggregation": Aggregation, "Combination": Combination}
    exec(case["template"], scope)
    exec(case["samples"], scope)
    model = scope["template"].build(Settings(dtype=torch.float64))
    built = model.build_dataset(Dataset([Sample(q, f) for q, f in scope["samples"]]))
    return model, built


def as_list(outputs):
    return list(outputs) if isinstance(outputs, list) else [o for o in outputs]


@pytest.mark.parametrize("name", MULTI_SAMPLE)
def test_batch_equals_full_evaluation(name):
    model, built = build_case(name)
    full = as_list(model(built))
    rng = np.random.default_rng(0)
    for size in (1, 2, built.num_samples):
        batch = rng.permutation(built.num_samples)[:size]
        sliced = as_list(model(built, samples=batch))
        assert len(sliced) == len(batch)
        for got, index in zip(sliced, batch.tolist()):
            torch.testing.assert_close(got, full[index])


@pytest.mark.parametrize("name", MULTI_SAMPLE)
def test_batch_gradients_equal_compiled_plan(name):
    model, built = build_case(name)
    batch = np.arange(built.num_samples)[::-1][: max(1, built.num_samples - 1)]
    sliced = as_list(model(built, samples=batch))
    if not len(model.weights):
        pytest.skip("the template has no weights")
    sum(o.sum() for o in sliced).backward()
    sliced_grads = {k: p.grad.clone() for k, p in model.weights.items() if p.grad is not None}
    model.zero_grad()
    plan = model._compile(built, batch)
    values = model._executor.run(plan, built.fact_values, torch.float64, "cpu")
    compiled = as_list(model._outputs(plan, values))
    sum(o.sum() for o in compiled).backward()
    for key, grad in sliced_grads.items():
        torch.testing.assert_close(grad, model.weights[key].grad)
    for got, want in zip(sliced, compiled):
        torch.testing.assert_close(got, want)


def test_batch_index_out_of_range():
    model, built = build_case("dsl_aggregation_avg")
    with pytest.raises(ValueError, match="sample indices"):
        model(built, samples=[built.num_samples])


def test_shared_facts_list_grounds_once_with_equal_outputs():
    template = Template()
    template += R.h(V.X)[1.5] <= (R.f(V.Y)[0.5], R.edge(V.X, V.Y))
    template += R.h / 1 | [Transformation.SIGMOID]
    facts = [R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.a), R.f(C.a)[1.0], R.f(C.b)[-1.0], R.f(C.c)[2.0]]
    queries = [R.h(C.a), R.h(C.b), R.h(C.c)]
    model = template.build(Settings(dtype=torch.float64))
    shared = model.build_dataset(Dataset([Sample(q, facts) for q in queries]))
    separate = model.build_dataset(Dataset([Sample(q, list(facts)) for q in queries]))
    assert shared.network.num_examples == 1
    assert separate.network.num_examples == 3
    torch.testing.assert_close(model(shared), model(separate))
    torch.testing.assert_close(model(shared, samples=[2, 0]), model(separate)[[2, 0]])
