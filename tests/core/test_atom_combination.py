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
