"""`History`: the metrics of every epoch of a training run."""
from __future__ import annotations

import math


class History:
    """Per-epoch logs, e.g. `{"epoch": 3, "loss": 0.12, "accuracy": 0.9, "val_loss": 0.2, "time": 0.4}`.

    `history["loss"]` is the list of one metric over the epochs (NaN where an epoch lacks it).

    Example:
        >>> history = History([{"epoch": 0, "loss": 1.0}, {"epoch": 1, "loss": 0.5}])
        >>> history["loss"]
        [1.0, 0.5]
    """

    def __init__(self, epochs: list[dict] | None = None):
        self.epochs: list[dict] = [dict(logs) for logs in epochs or ()]

    def append(self, logs: dict) -> None:
        self.epochs.append(dict(logs))

    def keys(self) -> list[str]:
        names: dict[str, None] = {}
        for logs in self.epochs:
            names.update(dict.fromkeys(logs))
        return list(names)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.keys():
            raise KeyError(f"no metric {key!r} in the history; recorded: {', '.join(self.keys())}")
        return [logs.get(key, math.nan) for logs in self.epochs]

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.epochs[-1].items()) if self.epochs else ""
        return f"History({len(self.epochs)} epochs; last: {last})"

    def to_dict(self) -> dict:
        """Plain lists and floats, loadable with `torch.load(..., weights_only=True)`."""
        return {"epochs": [dict(logs) for logs in self.epochs]}

    @classmethod
    def from_dict(cls, state: dict) -> History:
        return cls(state.get("epochs", []))

    def plot(self, keys: list[str] | None = None, ax=None):
        """Plot metrics over epochs (all but `epoch` and `time` by default); returns the axes.

        Raises:
            ImportError: when matplotlib is not installed.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from error
        keys = keys or [k for k in self.keys() if k not in ("epoch", "time")]
        if ax is None:
            _, ax = plt.subplots()
        epochs = self["epoch"] if "epoch" in self.keys() else list(range(len(self)))
        for key in keys:
            ax.plot(epochs, self[key], label=key)
        ax.set_xlabel("epoch")
        ax.legend()
        return ax
