"""A tiny regression task shared by the training tests: h = w * f with target 2 * f, four samples."""
from __future__ import annotations

import pytest
import torch

from lrnn import Dataset, R, Sample, Settings, Template


def make_model(initial: float = 0.5):
    template = Template()
    template += R.h[initial] <= R.f  # one learnable scalar weight w: h = w * f
    return template.build(Settings(dtype=torch.float64))


def make_dataset(count: int = 4) -> Dataset:
    # targets 2 * f: the loss reaches 0 at w = 2
    return Dataset([Sample(R.h[2.0 * (i + 1)], [R.f[float(i + 1)]], name=f"s{i}") for i in range(count)])


@pytest.fixture
def task():
    model = make_model()
    return model, model.build_dataset(make_dataset())


