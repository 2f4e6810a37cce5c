"""Atoms derived by several rules: SUM and AVG relation combinations, offsets, batches."""
from __future__ import annotations

import pytest
import torch

import lrnn
from lrnn import Settings


def build(combination: str, offset: str = ""):
    template = lrnn.parse_template(f"""
        h(X) :- 0.5 a(X).
        h(X) :- 2.0 b(X).
        h/1 {offset} [combination={combination}, activation=identity]
    """)
    dataset = lrnn.parse_dataset("3.0 a(x), 5.0 b(x), 4.0 a(y).", "h(x). h(y).")
    model = template.build(Settings(dtype=torch.float64))
    return model, model.build_dataset(dataset)


@pytest.mark.parametrize("combination, offset, expected", [
    ("sum", "", [0.5 * 3 + 2 * 5, 0.5 * 4]),
    ("avg", "", [(0.5 * 3 + 2 * 5) / 2, 0.5 * 4]),
    ("sum", "1.0", [1 + 0.5 * 3 + 2 * 5, 1 + 0.5 * 4]),
    ("avg", "1.0", [(1 + 0.5 * 3 + 2 * 5) / 3, (1 + 0.5 * 4) / 2]),
])
def test_rules_of_one_head_combine(combination, offset, expected):
    model, built = build(combination, offset)
    torch.testing.assert_close(model(built), torch.tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize("combination", ["sum", "avg"])
def test_batches_of_combined_atoms(combination):
    model, built = build(combination, "1.0")
    full = model(built)
    torch.testing.assert_close(model(built, samples=[1, 0]), full[[1, 0]])
    torch.testing.assert_close(model(built, samples=[1]), full[[1]])


def test_identical_literals_are_computed_once():
    from lrnn import C, Dataset, R, Sample, Template, V

    template = Template()
    template += R.h(V.X) <= (R.f(V.X)["w": 2.0], R.f(V.X)["w": 2.0], R.f(V.X)[3.0])
    model = template.build(Settings(dtype=torch.float64))
    built = model.build_dataset(Dataset([Sample(R.h(C.a), [R.f(C.a)[0.5]]), Sample(R.h(C.b), [R.f(C.b)[1.0]])]))
    (op,) = built._plans[None].layers[0].ops
    leaves = op.groups[0].leaves
    assert leaves[1].same_as == leaves[0].slot
    assert leaves[2].same_as is None  # another weight: a different operation
    # 2 * 0.5 + 2 * 0.5 + 3 * 0.5, and the same with f(b) = 1
    torch.testing.assert_close(model(built), torch.tensor([7.0 * 0.5, 7.0 * 1.0], dtype=torch.float64))
    torch.testing.assert_close(model(built, samples=[1]), torch.tensor([7.0], dtype=torch.float64))
