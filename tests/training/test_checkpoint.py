"""Checkpoints: weights_only loading and exact resumption on CPU."""
from __future__ import annotations

import pytest
import torch

from lrnn import LrnnError
from lrnn.datasets.builtin import load_builtin
from lrnn.model import Model
from lrnn.training import fit, load_checkpoint, save_checkpoint


def setup(seed=0):
    torch.manual_seed(seed)
    template, graphs = load_builtin(num_graphs=24, seed=1)
    model = Model(template)
    return model, model.build_dataset(graphs), torch.optim.Adam(model.parameters(), lr=0.01)


def test_resume_matches_uninterrupted(tmp_path):
    model, built, optimizer = setup()
    straight = fit(model, built, optimizer, torch.nn.MSELoss(), epochs=4, batch_size=5, seed=3)

    first, built_first, optimizer_first = setup()
    history = fit(first, built_first, optimizer_first, torch.nn.MSELoss(), epochs=2, batch_size=5, seed=3)
    save_checkpoint(tmp_path / "run.pt", first, optimizer_first, epoch=2, history=history)

    resumed, built_resumed, optimizer_resumed = setup(seed=99)  # other initial weights, overwritten by the load
    state = load_checkpoint(tmp_path / "run.pt", resumed, optimizer_resumed)
    assert state["epoch"] == 2
    history = fit(resumed, built_resumed, optimizer_resumed, torch.nn.MSELoss(), epochs=4, batch_size=5, seed=3,
                  initial_epoch=state["epoch"], history=state["history"])

    assert history["loss"] == straight["loss"]
    for key, value in model.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_weights_only_load(tmp_path, task):
    model, built = task
    optimizer = torch.optim.Adam(model.parameters())
    fit(model, built, optimizer, torch.nn.MSELoss(), epochs=1)
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=1, note="tiny")
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["epoch"] == 1
    assert state["extra"] == {"note": "tiny"}
    torch.save(model.state_dict(), tmp_path / "w.pt")
    assert set(torch.load(tmp_path / "w.pt", weights_only=True)) == set(model.state_dict())


def test_load_errors(tmp_path, task):
    model, _ = task
    with pytest.raises(LrnnError, match="not found"):
        load_checkpoint(tmp_path / "none.pt", model)
    torch.save({"a": 1}, tmp_path / "other.pt")
    with pytest.raises(LrnnError, match="not an lrnn checkpoint"):
        load_checkpoint(tmp_path / "other.pt", model)
    save_checkpoint(tmp_path / "plain.pt", model)
    with pytest.raises(LrnnError, match="no optimizer state"):
        load_checkpoint(tmp_path / "plain.pt", model, torch.optim.SGD(model.parameters(), lr=0.1))


