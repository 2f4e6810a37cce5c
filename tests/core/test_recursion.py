"""Recursion: exact values on acyclic ground networks, errors or unrolling on cyclic ones."""
from __future__ import annotations

import pytest
import torch

from lrnn import C, CyclicGroundingError, Dataset, QueryError, R, Sample, Settings, Template, Transformation, V


def path_template() -> Template:
    template = Template()
    template += R.path(V.X, V.Y)[0.9] <= R.edge(V.X, V.Y)[1.5]
    template += R.path(V.X, V.Y)[0.8] <= (R.edge(V.X, V.Z)[1.0], R.path(V.Z, V.Y)[2.0])
    template += R.path / 2 | [Transformation.SIGMOID]
    return template


def evaluate(template, samples, **settings):
    model = template.build(Settings(dtype=torch.float64, **settings))
    return model(model.build_dataset(Dataset(samples)))


def test_chain_path_value():
    # path(b, c) comes from the edge rule alone; path(a, c) only from the recursive rule through b.
    chain = [R.edge(C.a, C.b)[1.0], R.edge(C.b, C.c)[0.5]]
    path_bc = torch.sigmoid(torch.tensor(0.9 * 1.5 * 0.5, dtype=torch.float64))
    path_ac = torch.sigmoid(0.8 * (1.0 * 1.0 + 2.0 * path_bc))
    out = evaluate(path_template(), [Sample(R.path(C.a, C.c), chain)])
    torch.testing.assert_close(out[0], path_ac)


def test_unrolled_recursion_is_exact_on_dags():
    chain = [R.edge(C.a, C.b)[1.0], R.edge(C.b, C.c)[0.5], R.edge(C.c, C.d)[2.0]]
    samples = [Sample(R.path(C.a, C.d), chain), Sample(R.path(C.a, C.c), chain)]
    exact = evaluate(path_template(), samples)
    for steps in (3, 6):
        torch.testing.assert_close(evaluate(path_template(), samples, recursion_depth=steps), exact)


def test_cyclic_ground_network_names_cycle():
    cycle = [R.edge(C.a, C.b), R.edge(C.b, C.a), R.edge(C.b, C.c)]
    with pytest.raises(CyclicGroundingError, match=r"cyclic: path\(a, c\) <- path\(b, c\) <- path\(a, c\)"):
        evaluate(path_template(), [Sample(R.path(C.a, C.c), cycle)])


def test_cyclic_ground_network_unrolls_with_setting():
    cycle = [R.edge(C.a, C.b), R.edge(C.b, C.a), R.edge(C.b, C.c)]
    out = evaluate(path_template(), [Sample(R.path(C.a, C.c), cycle)], recursion_depth=4)
    assert out.shape == (1,)
    assert 0.0 < out.detach()[0].item() < 1.0


def test_unrolling_too_shallow_raises():
    chain = [R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.d)]
    with pytest.raises(QueryError, match="no proof within 1 unrolled step;"):
        evaluate(path_template(), [Sample(R.path(C.a, C.d), chain)], recursion_depth=1)
