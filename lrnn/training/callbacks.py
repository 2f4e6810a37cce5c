"""Callbacks of `fit`: any callable `callback(epoch, logs)`; returning True stops training."""
from __future__ import annotations

import copy
import math

from ..errors import LrnnError


class EarlyStopping:
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs in a row.

    With `restore_best`, the model gets the weights of its best epoch back when training ends.
    The state (best value, waiting epochs, best weights) lives in this object, not in the model.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, mode: str = "min",
                 restore_best: bool = True):
        if mode not in ("min", "max"):
            raise LrnnError(f"mode must be 'min' or 'max', got {mode!r}")
        if not isinstance(patience, int) or patience < 0:
            raise LrnnError(f"patience must be an int >= 0, got {patience!r}")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best = restore_best
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = -1
        self.best_state = None
        self.wait = 0

    def update(self, epoch: int, logs: dict, model) -> bool:
        """Record the epoch's logs; return True when training should stop."""
        if self.monitor not in logs:
            raise LrnnError(f"early stopping monitors {self.monitor!r}, but the logs have only "
                            f"{', '.join(logs)}; pass val=... or monitor='loss'")
        value = logs[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore(self, model) -> None:
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)
