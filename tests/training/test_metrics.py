"""Metrics and History on hand-computed inputs."""
from __future__ import annotations

import math
import sys

import pytest
import torch

from lrnn import LrnnError
from lrnn.training import Accuracy, History, auroc, mae


def test_accuracy_threshold():
    output, target = torch.tensor([0.2, 0.7, 0.9, 0.4]), torch.tensor([0.0, 1.0, 0.0, 0.0])
    assert Accuracy()(output, target) == 0.75  # 0.9 is the only mistake
    assert Accuracy(threshold=0.8)(output, target) == 0.5  # now 0.7 is wrong and 0.9 still is
    assert Accuracy(threshold=0.95)(output, target) == 0.75  # 0.9 is right, 0.7 stays wrong


def test_accuracy_one_hot_rows():
    output = torch.tensor([[0.1, 0.8, 0.1], [0.5, 0.2, 0.3]])
    target = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert Accuracy()(output, target) == 0.5


def test_auroc_exact():
    # positives 0.8, 0.4; negatives 0.5, 0.1: pairs won 2 (0.8) + 1 (0.4 > 0.1) of 4
    assert auroc(torch.tensor([0.8, 0.4, 0.5, 0.1]), torch.tensor([1.0, 1.0, 0.0, 0.0])) == 0.75
    # a tie between a positive and a negative counts one half
    assert auroc(torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0])) == 0.5
    assert math.isnan(auroc(torch.tensor([0.5, 0.6]), torch.tensor([1.0, 1.0])))
    with pytest.raises(LrnnError, match="binary targets"):
        auroc(torch.tensor([0.5]), torch.tensor([0.3]))


def test_mae_exact():
    assert mae(torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, 4.0]])) == 1.5


def test_history_columns():
    history = History([{"epoch": 0, "loss": 1.0}, {"epoch": 1, "loss": 0.5, "val_loss": 0.7}])
    assert history["loss"] == [1.0, 0.5]
    assert math.isnan(history["val_loss"][0])
    assert History.from_dict(history.to_dict()).epochs == history.epochs
    with pytest.raises(KeyError, match="no metric 'auroc'"):
        history["auroc"]


def test_history_plot():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = History([{"epoch": 0, "loss": 1.0}, {"epoch": 1, "loss": 0.5}]).plot()
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]


def test_history_plot_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        History([{"epoch": 0, "loss": 1.0}]).plot()
