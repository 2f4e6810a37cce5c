"""Tests of `lrnn.torch.NeuraLogic`, an LRNN template used as a torch layer."""
from __future__ import annotations

import io
import warnings

import pytest
import torch

from lrnn import C, F, InputFactError, LrnnError, R, Settings, Template, V
from lrnn.torch import NeuraLogic

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
XOR = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]


def xor_template() -> Template:
    template = Template()
    template += (R.xor[1, 8] <= R.xy) | [F.identity]
    template += R.xor / 0 | [F.identity]
    return template


def passthrough_template() -> Template:
    template = Template()
    template += R.xor <= R.xy
    return template


def xor_layer(dtype=torch.float32) -> NeuraLogic:
    return NeuraLogic(xor_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x]], Settings(dtype=dtype))


def train_xor(model) -> list[float]:
    """The training loop of the PyNeuraLogic XOR example: 400 epochs of per-point SGD steps."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.MSELoss()
    data = [(torch.tensor(x), torch.tensor(y)) for x, y in XOR]
    for _ in range(400):
        for x, y in data:
            out = model(x)
            loss(out, y).backward()
            optimizer.step()
            optimizer.zero_grad()
    with torch.no_grad():
        return [float(model(x)) for x, _ in data]


# -- training --
@pytest.mark.parametrize("seed", range(5))
def test_xor_example_learns(seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8, bias=False), torch.nn.Tanh(),
        NeuraLogic(xor_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x]]),
        torch.nn.Tanh())

    outputs = train_xor(model)

    assert [round(o) for o in outputs] == [0, 1, 1, 0], outputs


@pytest.mark.parametrize("seed", [0, 1])
def test_passthrough_template_matches_torch(seed):
    """A weightless template passes the 8-vector through, so training equals the plain torch model."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8, bias=False), torch.nn.Tanh(),
        NeuraLogic(passthrough_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x]]),
        torch.nn.Linear(8, 1), torch.nn.Tanh())
    torch.manual_seed(seed)
    plain = torch.nn.Sequential(torch.nn.Linear(2, 8, bias=False), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1), torch.nn.Tanh())

    with warnings.catch_warnings():  # the [1] output against a 0-d target broadcasts in both models
        warnings.simplefilter("ignore", UserWarning)
        outputs, expected = train_xor(model), train_xor(plain)

    torch.testing.assert_close(torch.tensor(outputs), torch.tensor(expected))


@pytest.mark.parametrize("seed", [0, 2, 3, 4])
def test_passthrough_template_learns(seed):
    # NOTE: seed 1 leaves this model (and the same plain torch model) at [0.76, 0.68, 0.68, 0.04]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8, bias=False), torch.nn.Tanh(),
        NeuraLogic(passthrough_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x]]),
        torch.nn.Linear(8, 1), torch.nn.Tanh())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        outputs = train_xor(model)

    assert [round(o) for o in outputs] == [0, 1, 1, 0], outputs


# -- parameters --
def test_weights_are_parameters_of_the_enclosing_model():
    layer = xor_layer()
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), layer)

    names = [name for name, _ in model.named_parameters()]

    assert "1.model.weights.r0_xor_head" in names
    assert len(list(layer.parameters())) == 1


def test_optimizer_not_backward_changes_weights():
    layer = xor_layer()
    weight = next(layer.parameters())
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    before = weight.detach().clone()

    layer(torch.ones(8)).backward()
    after_backward = weight.detach().clone()
    optimizer.step()

    assert torch.equal(before, after_backward)
    assert weight.grad is not None and torch.equal(weight.grad, torch.ones(1, 8))
    assert not torch.equal(weight.detach(), before)


def test_gradient_reaches_input_tensor():
    layer = xor_layer(torch.float64)
    x = torch.randn(8, dtype=torch.float64, requires_grad=True)

    layer(x).backward()

    # xor = w . xy, so d xor / d xy = w
    torch.testing.assert_close(x.grad, next(layer.parameters()).detach().reshape(8))


def test_state_dict_round_trip():
    source, target = xor_layer(), xor_layer()
    buffer = io.BytesIO()

    torch.save(source.state_dict(), buffer)
    buffer.seek(0)
    target.load_state_dict(torch.load(buffer, weights_only=True))

    x = torch.randn(8)
    assert list(source.state_dict()) == ["model.weights.r0_xor_head"]
    torch.testing.assert_close(target(x), source(x))


@pytest.mark.parametrize("device", DEVICES)
def test_to_device_moves_weights(device):
    layer = xor_layer().to(device)
    x = torch.randn(4, 8, device=device)

    out = layer(x)
    out.sum().backward()

    assert next(layer.parameters()).device.type == device
    assert out.device.type == device
    assert out.shape == (4,)


def test_double_changes_dtype():
    layer = xor_layer().double()

    out = layer(torch.randn(8, dtype=torch.float64))

    assert out.dtype == torch.float64


# -- shapes and batches --
def test_unbatched_output_shapes():
    scalar = xor_layer()
    vector = NeuraLogic(passthrough_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x]])

    assert scalar(torch.ones(8)).shape == ()
    assert vector(torch.ones(8)).shape == (8,)
    assert vector(torch.ones(3, 8)).shape == (3, 8)


def test_batched_matches_per_sample():
    layer = xor_layer(torch.float64)
    rows = torch.randn(5, 8, dtype=torch.float64)
    batch = rows.clone().requires_grad_(True)
    singles = [row.clone().requires_grad_(True) for row in rows]

    batched_out = layer(batch)
    batched_out.sum().backward()
    batched_weight_grad = next(layer.parameters()).grad.clone()
    layer.zero_grad()
    single_out = torch.stack([layer(x) for x in singles])
    single_out.sum().backward()

    torch.testing.assert_close(batched_out, single_out)
    torch.testing.assert_close(batch.grad, torch.stack([x.grad for x in singles]))
    torch.testing.assert_close(batched_weight_grad, next(layer.parameters()).grad)


def ground_template() -> Template:
    """h(X) = sigmoid(W x(X)) averaged over the neighbours Y of X, plus the global bias vector."""
    template = Template()
    template += (R.h(V.X)[2, 2] <= (R.x(V.Y), R.edge(V.X, V.Y))) | [F.sigmoid]
    template += R.out <= (R.h(V.X), R.b)
    return template


def test_ground_facts_batched_matches_per_sample():
    facts = [R.x(C.a)[2,], R.x(C.b)[2,], R.b[[0.5, -0.5]]]
    template = ground_template()
    template += R.edge(C.a, C.b)
    template += R.edge(C.b, C.a)
    layer = NeuraLogic(template, facts, R.out, lambda xa, xb: [R.x(C.a)[xa], R.x(C.b)[xb]],
                       Settings(dtype=torch.float64))
    xa = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    xb = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)

    batched = layer(xa, xb)
    per_sample = torch.stack([layer(xa[i], xb[i]) for i in range(3)])

    assert batched.shape == (3, 2)
    torch.testing.assert_close(batched, per_sample)
    grads = torch.autograd.grad(batched.sum(), (xa, xb))
    expected = torch.autograd.grad(per_sample.sum(), (xa, xb))
    torch.testing.assert_close(grads, expected)


def test_declared_value_is_default_and_can_be_fed():
    template = Template()
    template += R.out <= (R.x, R.b)
    layer = NeuraLogic(template, [R.x[2,], R.b[[1.0, 2.0]]], R.out, lambda x, b=None:
                       [R.x[x]] + ([] if b is None else [R.b[b]]), Settings(dtype=torch.float64))
    x = torch.tensor([10.0, 20.0], dtype=torch.float64)

    torch.testing.assert_close(layer(x), torch.tensor([11.0, 22.0], dtype=torch.float64))
    torch.testing.assert_close(layer(x, torch.zeros(2, dtype=torch.float64)), x)
    # an unbatched default broadcasts against a batched input
    assert layer(torch.zeros(4, 2, dtype=torch.float64)).shape == (4, 2)


def test_output_relation_with_variables():
    template = Template()
    template += R.h(V.X) <= R.x(V.X)[0.5]
    layer = NeuraLogic(template, [R.x(C.a)[1], R.x(C.b)[1]], R.h(V.X),
                       lambda v: [R.x(C.a)[v[..., 0]], R.x(C.b)[v[..., 1]]], Settings(dtype=torch.float64))

    out = layer(torch.tensor([[2.0, 4.0], [6.0, 8.0]], dtype=torch.float64))

    # h(a) = 0.5 * x(a), h(b) = 0.5 * x(b), per batch row
    torch.testing.assert_close(out, torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64))


# -- errors --
def test_undeclared_fact_raises():
    layer = NeuraLogic(xor_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x], R.z[x]])

    with pytest.raises(InputFactError, match="to_logic returned z, which is not a declared input fact"):
        layer(torch.ones(8))


def test_wrong_shape_raises():
    layer = xor_layer()

    with pytest.raises(InputFactError, match=r"input fact xy has shape \[7\].*declared 8x1"):
        layer(torch.ones(7))
    with pytest.raises(InputFactError, match=r"input fact xy has shape \[8, 1\]"):
        layer(torch.ones(8, 1))


def test_missing_fact_raises():
    layer = NeuraLogic(xor_template(), [R.xy[8,]], R.xor, lambda x: [])

    with pytest.raises(InputFactError, match="did not return the input fact xy"):
        layer(torch.ones(8))


def test_unused_input_relation_raises():
    with pytest.raises(InputFactError, match="input fact unused is not used by the template"):
        NeuraLogic(xor_template(), [R.xy[8,], R.unused[2,]], R.xor, lambda x: [R.xy[x]])


def test_unused_ground_fact_raises():
    template = Template()
    template += R.h <= R.x(C.a)

    with pytest.raises(InputFactError, match=r"input fact x\(b\) is not used"):
        NeuraLogic(template, [R.x(C.a)[2,], R.x(C.b)[2,]], R.h, lambda a, b: [R.x(C.a)[a], R.x(C.b)[b]])


def test_invalid_declarations_raise():
    with pytest.raises(InputFactError, match="contains a variable"):
        NeuraLogic(xor_template(), [R.xy(V.X)[8,]], R.xor, lambda x: [])
    with pytest.raises(InputFactError, match="has no shape"):
        NeuraLogic(xor_template(), [R.xy], R.xor, lambda x: [])
    with pytest.raises(InputFactError, match="declared twice"):
        NeuraLogic(xor_template(), [R.xy[8,], R.xy[8,]], R.xor, lambda x: [])


def test_batches_that_do_not_broadcast_raise():
    template = Template()
    template += R.out <= (R.x, R.y)
    layer = NeuraLogic(template, [R.x[2,], R.y[2,]], R.out, lambda x, y: [R.x[x], R.y[y]])

    with pytest.raises(InputFactError, match="batch dimensions"):
        layer(torch.ones(3, 2), torch.ones(4, 2))


def test_input_fact_error_is_lrnn_error():
    assert issubclass(InputFactError, LrnnError)
    assert issubclass(InputFactError, ValueError)
