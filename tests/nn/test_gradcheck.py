"""torch.autograd.gradcheck in float64 for every transformation, combination and aggregation.

Inputs are drawn tie-free and away from kinks (0 for relu, signum and leaky_relu; the
simplex breakpoints of sparsemax), so the finite differences are valid.
"""
from types import SimpleNamespace

import pytest
import torch

from lrnn import Aggregation, Combination, Transformation
from lrnn.language.functions import AGGREGATIONS, COMBINATIONS, TRANSFORMATIONS
from lrnn.nn.aggregation import aggregate
from lrnn.nn.functions import combine, transform


def tensor(values, shape):
    return torch.tensor(values, dtype=torch.float64).reshape(shape).requires_grad_(True)


# three column vectors of length 4, well away from 0 and without ties
COLUMNS = [[0.3, -1.2, 0.8, 2.1], [1.7, 0.4, -0.6, -2.3], [-0.9, 1.1, 0.25, 0.55]]
POSITIVE = [[0.3, 1.2, 0.8, 2.1], [1.7, 0.4, 0.6, 2.3], [0.9, 1.1, 0.25, 0.55]]

TRANSFORMATION_CASES = {
    "sigmoid": (Transformation.SIGMOID, COLUMNS),
    "tanh": (Transformation.TANH, COLUMNS),
    "signum": (Transformation.SIGNUM, COLUMNS),
    "relu": (Transformation.RELU, COLUMNS),
    "leaky_relu": (Transformation.LEAKY_RELU(0.2), COLUMNS),
    "lukasiewicz": (Transformation.LUKASIEWICZ, COLUMNS),
    "exp": (Transformation.EXP, COLUMNS),
    "sqrt": (Transformation.SQRT, POSITIVE),
    "inverse": (Transformation.INVERSE, POSITIVE),
    "reverse": (Transformation.REVERSE, COLUMNS),
    "log": (Transformation.LOG, POSITIVE),
    "identity": (Transformation.IDENTITY, COLUMNS),
    "transp": (Transformation.TRANSP, COLUMNS),
    "softmax": (Transformation.SOFTMAX, COLUMNS),
    # sparsemax keeps three of the four entries; each input is at least 0.05 from changing that
    "sparsemax": (Transformation.SPARSEMAX, [[0.3, 0.2, 0.05, -0.4], [0.5, -0.1, 0.45, 0.0]]),
    "norm": (Transformation.NORM, COLUMNS),
    "slice": (Transformation.SLICE(rows=(1, 3)), COLUMNS),
    "reshape": (Transformation.RESHAPE(shape=(2, 2)), COLUMNS),
}


def test_every_transformation_is_covered():
    assert set(TRANSFORMATION_CASES) == set(TRANSFORMATIONS)


@pytest.mark.parametrize("name", sorted(TRANSFORMATION_CASES))
def test_transformation_gradcheck(name):
    function, rows = TRANSFORMATION_CASES[name]
    x = tensor(rows, (len(rows), 4, 1))
    assert torch.autograd.gradcheck(lambda v: transform(function, v, (4, 1)), (x,))


SCALARS = [[0.7, -0.4, 1.9], [0.2, 0.35, -1.1]]     # two rows of three scalar inputs
SPARSE_SCALARS = [[0.3, 0.2, -0.4], [0.5, 0.45, -0.1]]  # sparsemax keeps two of three


def scalar_inputs(values):
    return [tensor([row[j] for row in values], (len(values), 1, 1)) for j in range(len(values[0]))]


def column_inputs(count, length=3, offset=0.0):
    generator = torch.Generator().manual_seed(count)
    return [(torch.randn(2, length, 1, generator=generator, dtype=torch.float64) + offset + j).requires_grad_(True)
            for j in range(count)]


COMBINATION_CASES = {
    "sum": lambda: (column_inputs(3) + scalar_inputs(SCALARS)[:1], [(3, 1)] * 3 + [(1, 1)]),
    "avg": lambda: (column_inputs(3), [(3, 1)] * 3),
    "max": lambda: (column_inputs(3), [(3, 1)] * 3),   # element sums differ by about 3
    "min": lambda: (column_inputs(3), [(3, 1)] * 3),
    "product": lambda: ([tensor([[0.5, -1.0, 2.0]] * 2, (2, 1, 3)),
                         tensor([[1.0, 0.3, -0.7, 0.2, 1.4, -0.5]] * 2, (2, 3, 2)),
                         tensor([[0.6, -1.3]] * 2, (2, 2, 1))], [(1, 3), (3, 2), (2, 1)]),
    "elproduct": lambda: (column_inputs(3), [(3, 1)] * 3),
    "softmax": lambda: (scalar_inputs(SCALARS), [(1, 1)] * 3),
    "sparsemax": lambda: (scalar_inputs(SPARSE_SCALARS), [(1, 1)] * 3),
    "crosssum": lambda: (column_inputs(2, length=2) + scalar_inputs(SCALARS)[:1], [(2, 1), (2, 1), (1, 1)]),
    "concat": lambda: (column_inputs(2) + [tensor([[0.1, 0.2]] * 2, (2, 1, 2))], [(3, 1), (3, 1), (1, 2)]),
    "cossim": lambda: (column_inputs(2), [(3, 1)] * 2),
}


def test_every_combination_is_covered():
    assert set(COMBINATION_CASES) | {"count"} == set(COMBINATIONS)


@pytest.mark.parametrize("name", sorted(COMBINATION_CASES))
def test_combination_gradcheck(name):
    inputs, shapes = COMBINATION_CASES[name]()
    function = getattr(Combination, name.upper())
    assert torch.autograd.gradcheck(lambda *xs: combine(function, list(xs), shapes), tuple(inputs))


def test_count_combination_is_constant():
    inputs = column_inputs(3)
    out = combine(Combination.COUNT, inputs, [(3, 1)] * 3)
    assert out.tolist() == [[[3.0]], [[3.0]]]
    assert not out.requires_grad


def aggregation_plan(head_index, num_heads):
    head_index = torch.tensor(head_index)
    counts = torch.bincount(head_index, minlength=num_heads)
    return SimpleNamespace(head_index=head_index, num_heads=num_heads, head_counts=counts,
                           order=torch.argsort(head_index, stable=True), group_index=None, num_groups=0)


# five instances of two heads, interleaved; instance sums are distinct
HEADS = [0, 1, 0, 1, 0]


@pytest.mark.parametrize("name", ["avg", "max", "min", "sum"])
def test_aggregation_gradcheck(name):
    # column instance values; instance i is offset by i, so element sums are far apart
    generator = torch.Generator().manual_seed(3)
    noise = torch.randn(5, 3, 1, generator=generator, dtype=torch.float64)
    x = (noise + torch.arange(5.0, dtype=torch.float64)[:, None, None]).requires_grad_(True)
    plan = aggregation_plan(HEADS, 2)
    assert torch.autograd.gradcheck(lambda v: aggregate(name, v, plan), (x,))


def test_softmax_aggregation_gradcheck():
    x = tensor([0.4, -1.3, 2.2, 0.9, -0.6, 0.1], (6, 1, 1))
    plan = aggregation_plan([0, 1, 0, 1, 0, 1], 2)  # every head needs the same number of instances
    assert aggregate("softmax", x, plan).shape == (2, 3, 1)
    assert torch.autograd.gradcheck(lambda v: aggregate("softmax", v, plan), (x,))


def test_concat_aggregation_gradcheck():
    x = tensor([0.4, -1.3, 2.2, 0.9, -0.6, 0.1], (6, 1, 1))
    plan = aggregation_plan([0, 1, 0, 1, 0, 1], 2)
    out = aggregate("concat", x, plan)
    assert out.shape == (2, 3, 1)
    assert torch.autograd.gradcheck(lambda v: aggregate("concat", v, plan), (x,))


def test_count_aggregation_is_constant():
    plan = aggregation_plan(HEADS, 2)
    out = aggregate("count", tensor([1.0] * 5, (5, 1, 1)), plan)
    assert out.reshape(-1).tolist() == [3.0, 2.0]
    assert not out.requires_grad


def test_grouped_softmax_aggregation_gradcheck():
    x = tensor([0.4, -1.3, 2.2, 0.9, -0.6], (5, 1, 1))
    plan = aggregation_plan([0, 1, 2, 3, 4], 5)
    plan.group_index, plan.num_groups = torch.tensor([0, 0, 0, 1, 1]), 2
    assert torch.autograd.gradcheck(lambda v: aggregate("softmax", v, plan), (x,))


def test_every_aggregation_is_covered():
    assert set(AGGREGATIONS) == {a.name for a in Aggregation}
