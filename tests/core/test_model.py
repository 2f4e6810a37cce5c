"""The built model as a torch module: parameters, state_dict, devices, dtypes, initialisation."""
from __future__ import annotations

import io

import pytest
import torch

from lrnn import (
    C,
    Dataset,
    QueryError,
    R,
    Sample,
    Settings,
    SettingsError,
    ShapeError,
    Template,
    Transformation,
    V,
    WeightError,
)
from lrnn.settings import Initializer


def gnn_template() -> Template:
    template = Template()
    template += (R.h(V.X)["w_msg": 3, 2] <= (R.f(V.Y)[2, 2], R._edge(V.Y, V.X))) | [Transformation.TANH]
    template += R.out[1, 3] <= R.h(V.X)
    template += R.out[0.5].fixed() <= R.bias
    template += R.bias[0.25]
    return template


def graph_sample(target=1.0) -> Sample:
    facts = [R.edge(C.a, C.b), R.edge(C.b, C.a), R.f(C.a)[[1.0, -1.0]], R.f(C.b)[[0.5, 2.0]]]
    return Sample(R.out[target], facts)


def test_parameters_and_state_dict_keys():
    model = gnn_template().build()
    keys = set(model.state_dict())
    assert "weights.w_msg" in keys
    assert any(k.startswith("weights.fact_bias") for k in keys)
    # the fixed head weight of rule 2 is a non-persistent buffer, not a parameter
    assert "r2_out_head" in model.named_weights()
    assert not any("r2_out_head" in k for k in keys)
    assert sum(p.numel() for p in model.parameters()) == 6 + 4 + 3 + 1


def test_state_dict_round_trip_weights_only():
    torch.manual_seed(0)
    model = gnn_template().build()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    other = gnn_template().build()
    other.load_state_dict(torch.load(buffer, weights_only=True))
    built = model.build_dataset(Dataset([graph_sample()]))
    torch.testing.assert_close(model(built), other(other.build_dataset(Dataset([graph_sample()]))))


def test_manual_seed_reproduces_initialisation():
    torch.manual_seed(3)
    first = gnn_template().build().state_dict()
    torch.manual_seed(3)
    second = gnn_template().build().state_dict()
    for key in first:
        torch.testing.assert_close(first[key], second[key])


def test_glorot_bounds():
    template = Template()
    template += R.h[40, 60] <= R.a[50, 1]
    torch.manual_seed(0)
    model = template.build()
    matrix, vector = sorted(model.weights.values(), key=lambda p: p.numel(), reverse=True)
    assert matrix.abs().max() <= (6.0 / 100) ** 0.5
    assert vector.abs().max() <= (6.0 / 51) ** 0.5


def test_initializer_constant():
    template = Template()
    template += R.h[2, 2] <= R.a
    model = template.build(Settings(initializer=Initializer("constant", 0.5)))
    assert torch.all(next(iter(model.weights.values())) == 0.5)


def test_dtype_setting(dtype):
    model = gnn_template().build(Settings(dtype=dtype))
    out = model(model.build_dataset(Dataset([graph_sample()])))
    assert out.dtype == dtype


def test_device_move(device):
    model = gnn_template().build()
    built = model.build_dataset(Dataset([graph_sample(), graph_sample(0.0)]))
    expected = model(built).detach()
    model.to(device)
    out = model(built)
    assert out.device.type == device
    torch.testing.assert_close(out.detach().cpu(), expected)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_unknown_setting_is_an_error():
    with pytest.raises(SettingsError, match="unknown settings"):
        Settings(chain_prunning=True)


def test_weight_name_conflict_names_both():
    template = Template()
    template += R.h <= R.a["w": 0.5]
    template += R.h <= R.b["w": 2.0]
    with pytest.raises(WeightError, match="'w' is declared twice"):
        template.build()


def test_shape_mismatch_names_rule():
    template = Template()
    template += R.h[[1.0, 2.0]] <= R.b
    model = template.build()
    with pytest.raises(ShapeError, match=r"rule .*h :- b"):
        model.build_dataset(Dataset([Sample(R.h, [R.b[[1.0, 3.0]]])]))


def test_query_on_input_fact_is_an_error():
    template = Template()
    template += R.h <= R.a
    model = template.build()
    with pytest.raises(QueryError, match="input fact"):
        model.build_dataset(Dataset([Sample(R.a, [R.a[1.0]])]))


def test_learnable_facts_are_dataset_parameters():
    template = Template()
    template += R.h[2.0] <= R.a
    model = template.build(Settings(dtype=torch.float64, learnable_facts=True))
    built = model.build_dataset(Dataset([Sample(R.h, [R.a[0.5]])]))
    assert len(built.parameters()) == 1
    optimizer = torch.optim.SGD(list(model.parameters()) + built.parameters(), lr=0.1)
    loss = (model(built)[0] - 0.0) ** 2       # output 2 * 0.5 = 1, d loss / d a = 2 * 1 * 2 = 4
    loss.backward()
    optimizer.step()
    torch.testing.assert_close(built.parameters()[0].detach().reshape(()), torch.tensor(0.5 - 0.1 * 4.0,
                                                                                     dtype=torch.float64))


def test_example_facts_are_constants_by_default():
    template = Template()
    template += R.h[2.0] <= R.a
    model = template.build()
    built = model.build_dataset(Dataset([Sample(R.h, [R.a[0.5]])]))
    assert built.parameters() == []


def test_sample_without_facts_has_no_proof():
    template = Template()
    template += R.h(V.X) <= R.f(V.X)
    model = template.build()
    with pytest.raises(QueryError, match=r"sample 0: query h\(a\) has no proof"):
        model.build_dataset(Dataset([Sample(R.h(C.a), [])]))
