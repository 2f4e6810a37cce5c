"""Metrics of outputs against targets: accuracy, AUROC for binary labels, mean absolute error.

Each metric is a callable `metric(output, target) -> float` with a `name`; plain functions
work too and are reported under their `__name__`.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ..errors import LrnnError


class Accuracy:
    """Fraction of correct predictions.

    Scalar outputs (and multi-label vectors) are thresholded elementwise: `output > threshold`
    predicts 1. With one-hot vector targets the prediction is the arg-max of the output row.
    Use threshold 0.5 for sigmoid or tanh outputs trained on 0/1 labels, 0 for logits.
    """

    name = "accuracy"

    def __init__(self, threshold: float = 0.5):
        self.threshold = threshold

    def __call__(self, output: Tensor, target: Tensor) -> float:
        if output.numel() == 0:
            return math.nan
        if output.dim() == 2 and _is_one_hot(target):
            return (output.argmax(dim=1) == target.argmax(dim=1)).double().mean().item()
        predicted = (output > self.threshold).to(target.dtype)
        return (predicted == target).double().mean().item()


def _is_one_hot(target: Tensor) -> bool:
    return bool(((target == 0) | (target == 1)).all() and (target.sum(dim=1) == 1).all())


def auroc(output: Tensor, target: Tensor) -> float:
    """Area under the ROC curve for binary 0/1 targets: the probability that a random positive
    scores higher than a random negative, ties counting one half. NaN when one class is absent."""
    scores, labels = output.reshape(-1).double(), target.reshape(-1)
    positive = labels == 1
    num_pos, num_neg = int(positive.sum()), int((labels == 0).sum())
    if num_pos + num_neg != len(labels):
        raise LrnnError("auroc needs binary targets (0 or 1); use mae for regression targets")
    if num_pos == 0 or num_neg == 0:
        return math.nan
    sorted_scores, order = scores.sort()
    ranks = torch.empty_like(scores)
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    # average ranks over tied scores
    _, inverse, counts = torch.unique_consecutive(sorted_scores, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    average = ends - (counts.double() - 1) / 2
    ranks[order] = average[inverse]
    return ((ranks[positive].sum() - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg)).item()


def mae(output: Tensor, target: Tensor) -> float:
    """Mean absolute error over all output elements."""
    if output.numel() == 0:
        return math.nan
    return (output - target).abs().double().mean().item()


NAMED: dict[str, Callable] = {"accuracy": Accuracy(), "auroc": auroc, "mae": mae}


def resolve_metrics(metrics) -> dict[str, Callable]:
    """Map metric names ("accuracy", "auroc", "mae") and callables to a {name: metric} dict."""
    resolved = {}
    for metric in metrics or ():
        if isinstance(metric, str):
            if metric == "loss":
                continue  # always reported
            if metric not in NAMED:
                raise LrnnError(f"unknown metric {metric!r}; valid: loss, {', '.join(NAMED)}, or a callable")
            resolved[metric] = NAMED[metric]
        elif callable(metric):
            resolved[getattr(metric, "name", None) or getattr(metric, "__name__", type(metric).__name__)] = metric
        else:
            raise LrnnError(f"a metric is a name or a callable(output, target), got {metric!r}")
    return resolved
