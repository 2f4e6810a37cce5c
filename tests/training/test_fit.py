"""fit, evaluate and predict on tiny tasks; target checks; no state added to the model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import make_dataset, make_model

from lrnn import Dataset, DatasetError, LrnnError, R, Sample, Settings, Template
from lrnn.training import EarlyStopping, evaluate, fit, predict


def test_fit_learns_weight(task):
    model, built = task
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
    history = fit(model, built, optimizer, torch.nn.MSELoss(), epochs=60, batch_size=2, metrics=["mae"])
    assert len(history) == 60
    assert history["loss"][-1] < history["loss"][0]
    torch.testing.assert_close(model.weights["r0_h_head"].detach(), torch.tensor(2.0, dtype=torch.float64))
    assert evaluate(model, built, torch.nn.MSELoss(), ["mae"])["mae"] < 1e-6


def test_first_epoch_loss_exact(task):
    model, built = task
    # w = 0.5, f = 1..4, targets 2f: squared errors (1.5 f)^2 = 2.25 f^2; one full batch, so the
    # epoch loss is the loss before the step: 2.25 * (1 + 4 + 9 + 16) / 4
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    history = fit(model, built, optimizer, torch.nn.MSELoss(), epochs=1, metrics=["mae"])
    assert history["loss"][0] == pytest.approx(2.25 * 30 / 4)
    assert history["mae"][0] == pytest.approx(1.5 * 10 / 4)


def test_plain_torch_loop(task):
    model, built = task
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
    for _ in range(60):
        for batch in ([0, 1], [2, 3]):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(built, samples=batch),
                                                built.target_tensor(batch, dtype=torch.float64))
            loss.backward()
            optimizer.step()
    torch.testing.assert_close(model.weights["r0_h_head"].detach(), torch.tensor(2.0, dtype=torch.float64))


def test_fit_adds_no_model_state(task):
    model, built = task
    before = (set(vars(model)), set(model.state_dict()), [n for n, _ in model.named_buffers()])
    fit(model, built, torch.optim.Adam(model.parameters()), torch.nn.MSELoss(), epochs=2, batch_size=3,
        val=[0], early_stopping=1, callbacks=[lambda epoch, logs: None])
    assert (set(vars(model)), set(model.state_dict()), [n for n, _ in model.named_buffers()]) == before


def test_validation_and_metrics(task):
    model, built = task
    history = fit(model, built, torch.optim.SGD(model.parameters(), lr=0.0), torch.nn.MSELoss(), epochs=1,
                  train=[0, 1], val=[2, 3], metrics=["mae"])
    # validation on f = 3, 4: errors 1.5 * 3 and 1.5 * 4
    assert history["val_loss"][0] == pytest.approx((4.5 ** 2 + 6 ** 2) / 2)
    assert history["val_mae"][0] == pytest.approx((4.5 + 6) / 2)


def test_validation_on_other_built(task):
    model, built = task
    other = model.build_dataset(make_dataset(2))
    history = fit(model, built, torch.optim.SGD(model.parameters(), lr=0.0), torch.nn.MSELoss(), epochs=1,
                  val=other, metrics=[])
    assert history["val_loss"][0] == pytest.approx((1.5 ** 2 + 3 ** 2) / 2)


def test_callback_stops(task):
    model, built = task
    seen = []
    history = fit(model, built, torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.MSELoss(), epochs=10,
                  callbacks=[lambda epoch, logs: seen.append(epoch) or epoch == 2])
    assert seen == [0, 1, 2]
    assert len(history) == 3


def test_early_stopping_restores_best(task):
    model, built = task
    # lr 0.2 overshoots: the loss grows every epoch, so the weights of epoch 0 are the best
    stopper = EarlyStopping("loss", patience=2)
    history = fit(model, built, torch.optim.SGD(model.parameters(), lr=0.2), torch.nn.MSELoss(), epochs=20,
                  early_stopping=stopper)
    assert len(history) == 3
    assert stopper.best_epoch == 0
    assert evaluate(model, built, torch.nn.MSELoss(), [])["loss"] == pytest.approx(history["loss"][1])


def test_early_stopping_needs_metric(task):
    model, built = task
    with pytest.raises(LrnnError, match="monitors 'val_loss'"):
        fit(model, built, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.MSELoss(), epochs=2,
            early_stopping=EarlyStopping("val_loss"))


def test_vector_targets():
    template = Template()
    template += R.h[[[1.0, 0.0], [0.0, 1.0]]] <= R.f
    model = template.build(Settings(dtype=torch.float64))
    dataset = Dataset([Sample(R.h[[2.0, -1.0]], [R.f[[1.0, 1.0]]]), Sample(R.h[[0.0, 4.0]], [R.f[[0.0, 2.0]]])])
    built = model.build_dataset(dataset)
    assert model(built).shape == (2, 2)
    history = fit(model, built, torch.optim.Adam(model.parameters(), lr=0.1), torch.nn.MSELoss(), epochs=120,
                  metrics=["mae"])
    assert history["loss"][-1] < 1e-3
    assert predict(model, built, batch_size=1).shape == (2, 2)


def test_target_shape_mismatch_names_sample():
    template = Template()
    template += R.h[0.5] <= R.f
    model = template.build()
    built = model.build_dataset(Dataset([Sample(R.h[1.0], [R.f[1.0]], name="good"),
                                         Sample(R.h[[1.0, 2.0]], [R.f[1.0]], name="bad")]))
    with pytest.raises(DatasetError, match=r"sample bad: query .*shape \[2, 1\].*value has shape \[1, 1\]"):
        fit(model, built, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.MSELoss())


def test_missing_target_names_sample():
    model = make_model()
    built = model.build_dataset(Dataset([Sample(R.h, [R.f[1.0]], name="unlabelled")]))
    with pytest.raises(DatasetError, match="sample unlabelled: query h has no target value"):
        fit(model, built, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.MSELoss())


def test_predict_batches_match_full(task):
    model, built = task
    torch.testing.assert_close(predict(model, built, batch_size=3), predict(model, built))
    np.testing.assert_allclose(predict(model, built, samples=[3, 0]).numpy(), [2.0, 0.5])


def test_progress_on_non_terminal(task):
    model, built = task
    history = fit(model, built, torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.MSELoss(), epochs=2,
                  progress=True)
    assert len(history) == 2


def test_batch_plans_not_kept(task):
    model, built = task
    fit(model, built, torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.MSELoss(), epochs=5, batch_size=1)
    assert [key for key in built._plans if isinstance(key, tuple)] == []
