"""Python samples end to end: targets on queries, several queries per example, variable queries."""
from __future__ import annotations

import pytest
import torch

from lrnn import C, Dataset, DatasetError, QueryError, R, Sample, Settings, Template, V


@pytest.fixture
def model():
    template = Template()
    template += R.h(V.X)[2.0] <= R.f(V.X)
    return template.build(Settings(dtype=torch.float64))


def test_labels_on_queries(model):
    built = model.build_dataset(Dataset([Sample(R.h(C.a)[1.0], [R.f(C.a)[0.5]]),
                                         Sample(R.h(C.a)[0.0], [R.f(C.a)[3.0]])]))
    torch.testing.assert_close(model(built), torch.tensor([1.0, 6.0], dtype=torch.float64))
    torch.testing.assert_close(built.target_tensor(), torch.tensor([1.0, 0.0]))


def test_several_queries_per_example(model):
    sample = Sample([R.h(C.a)[1.0], R.h(C.b)[2.0]], [R.f(C.a)[0.5], R.f(C.b)[3.0]])
    built = model.build_dataset(Dataset([sample, Sample(R.h(C.c)[3.0], [R.f(C.c)[1.0]])]))
    assert len(built) == 2
    torch.testing.assert_close(model(built), torch.tensor([1.0, 6.0, 2.0], dtype=torch.float64))
    # a batch of the second sample, then the first: outputs follow the batch order
    torch.testing.assert_close(model(built, samples=[1, 0]), torch.tensor([2.0, 1.0, 6.0], dtype=torch.float64))
    torch.testing.assert_close(built.target_tensor([1, 0]), torch.tensor([3.0, 1.0, 2.0]))


def test_variable_query_each_instance(model):
    sample = Sample(R.h(V.X)[1.0], [R.f(C.a)[0.5], R.f(C.b)[3.0], R.g(C.c)])
    built = model.build_dataset(Dataset([sample]))
    # one output per derivable instance (h(a), h(b); c has no f fact), each with the target 1.0
    torch.testing.assert_close(model(built), torch.tensor([1.0, 6.0], dtype=torch.float64))
    assert [text for _, _, text in built.network.queries[0]] == ["h(X)", "h(X)"]
    torch.testing.assert_close(built.target_tensor(), torch.tensor([1.0, 1.0]))


def test_empty_dataset(model):
    with pytest.raises(DatasetError, match="empty"):
        model.build_dataset(Dataset())


def test_undefined_query_predicate(model):
    with pytest.raises(QueryError, match="sample second: query g has no proof"):
        model.build_dataset(Dataset([Sample(R.h(C.a), [R.f(C.a)]), Sample(R.g, [R.f(C.a)], name="second")]))
