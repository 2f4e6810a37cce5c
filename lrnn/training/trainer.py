"""`fit`, `evaluate` and `predict`: mini-batch training and evaluation of a `Model` on a `BuiltDataset`.

The loop is a plain torch loop (forward, loss, backward, optimizer step) over batches of
sample indices. Its state lives in local variables, the optimizer and the callbacks, not in the model.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from ..errors import LrnnError
from ..progress import progress_bar, progress_enabled
from .callbacks import EarlyStopping
from .history import History
from .loader import BatchLoader
from .metrics import resolve_metrics
from .targets import TargetTable, flatten_outputs

logger = logging.getLogger(__name__)


def fit(model, built, optimizer: torch.optim.Optimizer, loss: Callable, epochs: int = 1, *,
        batch_size: int | None = None, train=None, val=None, metrics: Sequence = ("accuracy",),
        callbacks: Sequence[Callable] = (), early_stopping: EarlyStopping | int | None = None,
        progress: bool | None = None, shuffle: bool = True, seed: int = 0, initial_epoch: int = 0,
        history: History | None = None) -> History:
    """Train `model` on the samples of `built` with mini-batches.

    Args:
        model: a :class:`~lrnn.model.Model`.
        built: the output of `model.build_dataset`.
        optimizer: any torch optimizer over `model.parameters()`.
        loss: `loss(output, target) -> scalar tensor`, e.g. `torch.nn.MSELoss()`. Targets have the
            shape of the outputs; outputs of mixed shapes are flattened into one vector.
        epochs: train until this many epochs are done (counting `initial_epoch`).
        batch_size: samples per batch; None trains on all training samples at once.
        train: indices of the training samples (default: all).
        val: validation samples: indices into `built`, another BuiltDataset, or a pair
            (BuiltDataset, indices). Adds `val_loss` and `val_<metric>` to the logs.
        metrics: names ("accuracy", "auroc", "mae") or callables `metric(output, target)`;
            the loss is always reported.
        callbacks: callables `callback(epoch, logs)` run after every epoch; True stops training.
        early_stopping: an :class:`EarlyStopping`, or a patience (monitors `val_loss` when `val`
            is given, else `loss`).
        progress: a tqdm bar over the batches: True or False force it, None (the default
            `model.settings.progress`) shows it on a terminal or in a notebook.
        shuffle, seed: a new order of the training samples every epoch, from `seed + epoch`.
        initial_epoch, history: resume a run (see :func:`~lrnn.training.load_checkpoint`).

    Returns:
        the :class:`History` of all epochs (including those of `history`).

    Raises:
        DatasetError: a query without a target or with a target of the wrong shape.
    """
    history = history if history is not None else History()
    targets = TargetTable(model, built)
    train = torch.arange(len(built)) if train is None else torch.as_tensor(train, dtype=torch.long)
    loader = BatchLoader(train, batch_size, shuffle=shuffle, seed=seed)
    metric_fns = resolve_metrics(metrics)
    validation = _validation(model, built, targets, val)
    stopper = _stopper(early_stopping, validation is not None)
    show = model.settings.progress if progress is None else progress
    bar = _progress_bar(show, (epochs - initial_epoch) * len(loader))
    try:
        for epoch in range(initial_epoch, epochs):
            start = time.perf_counter()
            loader.set_epoch(epoch)
            logs = {"epoch": epoch, **_train_epoch(model, built, targets, loader, optimizer, loss, metric_fns, bar)}
            if validation is not None:
                val_built, val_targets, val_samples = validation
                scores = evaluate(model, val_built, loss, metric_fns, val_samples, batch_size, val_targets)
                logs.update({f"val_{k}": v for k, v in scores.items()})
            logs["time"] = time.perf_counter() - start
            history.append(logs)
            logger.info("epoch %d: %s", epoch, ", ".join(f"{k} {v:.4f}" for k, v in logs.items() if k != "epoch"))
            stop = any(bool(callback(epoch, logs)) for callback in callbacks)
            if stopper is not None and stopper.update(epoch, logs, model):
                logger.info("early stopping after epoch %d: best %s %.4f at epoch %d", epoch, stopper.monitor,
                            stopper.best, stopper.best_epoch)
                stop = True
            if stop:
                break
    finally:
        bar.close()
    if stopper is not None:
        stopper.restore(model)
    return history


def evaluate(model, built, loss: Callable | None = None, metrics: Sequence | dict = ("accuracy",), samples=None,
             batch_size: int | None = None, targets: TargetTable | None = None) -> dict[str, float]:
    """Loss and metrics of `model` on the samples of `built` (all by default), without gradients."""
    targets = targets or TargetTable(model, built)
    metric_fns = metrics if isinstance(metrics, dict) else resolve_metrics(metrics)
    samples = torch.arange(len(built)) if samples is None else torch.as_tensor(samples, dtype=torch.long)
    outputs, targets_seen = [], []
    with torch.no_grad():
        for batch in BatchLoader(samples, batch_size, shuffle=False):
            output = model(built, samples=batch)
            targets_seen.append(targets.take(batch, output).to(_device(output)).reshape(-1))
            outputs.append(flatten_outputs(output).reshape(-1))
        output_shape = output.shape if isinstance(output, Tensor) else None
        flat_out, flat_target = torch.cat(outputs), torch.cat(targets_seen)
        output, target = _restore_shape(flat_out, flat_target, output_shape)
        scores = {} if loss is None else {"loss": float(loss(output, target))}
    scores.update({name: float(fn(output, target)) for name, fn in metric_fns.items()})
    return scores


def predict(model, built, samples=None, batch_size: int | None = None) -> Tensor | list:
    """Outputs of `model` on the samples of `built` (all by default), without gradients."""
    with torch.no_grad():
        if batch_size is None:
            return model(built, samples=samples)
        samples = torch.arange(len(built)) if samples is None else torch.as_tensor(samples, dtype=torch.long)
        parts = [model(built, samples=batch) for batch in BatchLoader(samples, batch_size, shuffle=False)]
        if all(isinstance(p, Tensor) for p in parts) and len({p.shape[1:] for p in parts}) == 1:
            return torch.cat(parts)
        return [row for p in parts for row in (p if isinstance(p, list) else list(p))]


# -- one epoch --
def _train_epoch(model, built, targets, loader, optimizer, loss, metric_fns, bar) -> dict[str, float]:
    total, count = 0.0, 0
    outputs, targets_seen = [], []
    for batch in loader:
        optimizer.zero_grad()
        output = model(built, samples=batch)
        target = targets.take(batch, output).to(_device(output))
        value = loss(flatten_outputs(output), target)
        value.backward()
        optimizer.step()
        size = target.shape[0] if target.dim() else 1
        total += float(value.detach()) * size
        count += size
        if metric_fns:
            outputs.append(flatten_outputs(output).detach().reshape(-1))
            targets_seen.append(target.reshape(-1))
        bar.update(1)
        bar.set_postfix(loss=f"{float(value.detach()):.4f}", refresh=False)
    logs = {"loss": total / max(count, 1)}
    if metric_fns:
        shape = output.shape if isinstance(output, Tensor) else None
        output, target = _restore_shape(torch.cat(outputs), torch.cat(targets_seen), shape)
        logs.update({name: float(fn(output, target)) for name, fn in metric_fns.items()})
    return logs


def _restore_shape(flat_out: Tensor, flat_target: Tensor, shape) -> tuple[Tensor, Tensor]:
    """Reshape flat outputs of batches back to `[num_queries, *value_shape]` when shapes agree."""
    if shape is None:
        return flat_out, flat_target
    row = tuple(shape[1:])
    return flat_out.reshape(-1, *row), flat_target.reshape(-1, *row)


def _device(output) -> torch.device:
    return output.device if isinstance(output, Tensor) else output[0].device


def _validation(model, built, targets, val):
    if val is None:
        return None
    if isinstance(val, tuple) and len(val) == 2 and hasattr(val[0], "network"):
        val_built, samples = val
    elif hasattr(val, "network"):
        val_built, samples = val, None
    else:
        val_built, samples = built, val
    if val_built is built:
        return built, targets, samples
    return val_built, TargetTable(model, val_built), samples


def _stopper(early_stopping, has_val: bool) -> EarlyStopping | None:
    if early_stopping is None:
        return None
    if isinstance(early_stopping, int) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping("val_loss" if has_val else "loss", patience=early_stopping)
    if not isinstance(early_stopping, EarlyStopping):
        raise LrnnError(f"early_stopping must be an EarlyStopping or a patience (int), got {early_stopping!r}")
    early_stopping.reset()
    return early_stopping


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix(self, **kwargs):
        pass

    def close(self):
        pass


def _progress_bar(show: bool | None, total: int):
    if not progress_enabled(show):
        return _NoBar()
    return progress_bar(True, total=total, unit="batch", dynamic_ncols=True, leave=False)


