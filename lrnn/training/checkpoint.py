"""Checkpoints: model weights, optimizer state, epoch and history in one `torch.save` file.

The file holds only tensors, numbers, strings, lists and dicts, so
`torch.load(path, weights_only=True)` reads it.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import LrnnError
from .history import History

FORMAT = 1


def save_checkpoint(path, model, optimizer=None, epoch: int = 0, history: History | None = None,
                    **extra) -> None:
    """Write `model.state_dict()`, the optimizer state, the number of finished epochs and the history.

    `extra` entries (numbers, strings, tensors) are stored as they are.
    """
    state = {"format": FORMAT, "model": model.state_dict(),
             "optimizer": None if optimizer is None else optimizer.state_dict(),
             "epoch": int(epoch), "history": None if history is None else history.to_dict(), "extra": extra}
    torch.save(state, Path(path))


def load_checkpoint(path, model, optimizer=None, map_location=None) -> dict:
    """Load a checkpoint into `model` (and `optimizer`); return `{"epoch", "history", "extra"}`.

    Resume with `fit(..., initial_epoch=state["epoch"], history=state["history"])`.

    Raises:
        LrnnError: the file is missing or is not an lrnn checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise LrnnError(f"checkpoint file {str(path)!r} not found")
    state = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT or "model" not in state:
        raise LrnnError(f"{str(path)!r} is not an lrnn checkpoint written by save_checkpoint")
    model.load_state_dict(state["model"])
    if optimizer is not None:
        if state["optimizer"] is None:
            raise LrnnError(f"{str(path)!r} has no optimizer state; it was saved without an optimizer")
        optimizer.load_state_dict(state["optimizer"])
    history = History.from_dict(state["history"]) if state["history"] is not None else History()
    return {"epoch": state["epoch"], "history": history, "extra": state["extra"]}
