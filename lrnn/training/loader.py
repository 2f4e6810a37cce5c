"""Mini-batches of sample indices over a built dataset, and random train/test splits."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor

from ..errors import DatasetError


class BatchLoader:
    """Yields batches of sample indices; `model(built, samples=batch)` evaluates one batch.

    With `seed`, the order of epoch e depends only on `seed + e` (as in torch's
    DistributedSampler), so a run resumed at epoch e gets the same batches as an
    uninterrupted one. Call :meth:`set_epoch` before iterating; `fit` does this.

    Args:
        samples: the number of samples, or the sample indices to draw from (a training split).
        batch_size: samples per batch; None puts all samples in one batch.
        shuffle: draw a new random order every epoch.
        seed: seed of the per-epoch order. None draws from `generator` (or torch's default RNG).
        generator: a torch.Generator used when `seed` is None.
        drop_last: drop the last batch when it is smaller than `batch_size`.

    Example:
        >>> loader = BatchLoader(5, batch_size=2, shuffle=False)
        >>> [batch.tolist() for batch in loader]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, samples: int | Sequence[int] | Tensor, batch_size: int | None = 32, shuffle: bool = True,
                 seed: int | None = None, generator: torch.Generator | None = None, drop_last: bool = False):
        if isinstance(samples, int):
            samples = torch.arange(samples)
        self.samples = torch.as_tensor(samples, dtype=torch.long).reshape(-1)
        if len(self.samples) == 0:
            raise DatasetError("no samples to draw batches from: the sample indices (fit's `train`, or the "
                               "dataset) are empty")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise DatasetError(f"batch_size must be a positive int or None, got {batch_size!r}")
        self.batch_size = batch_size or len(self.samples)
        self.shuffle, self.seed, self.generator, self.drop_last = shuffle, seed, generator, drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the order of epoch `epoch` (used when `seed` is set)."""
        self.epoch = epoch

    def __len__(self) -> int:
        full, rest = divmod(len(self.samples), self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def __iter__(self) -> Iterator[Tensor]:
        order = self.samples
        if self.shuffle:
            generator = self.generator
            if self.seed is not None:
                generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = order[torch.randperm(len(order), generator=generator)]
        for i in range(len(self)):
            yield order[i * self.batch_size:(i + 1) * self.batch_size]


def split_indices(num_samples: int, test_fraction: float, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Split `range(num_samples)` at random into (train, test) index tensors, each sorted.

    The test part has `round(test_fraction * num_samples)` samples, at least one when
    `test_fraction > 0`. The split depends only on `seed`.

    Raises:
        DatasetError: `test_fraction` outside [0, 1) or a split that leaves no training sample.
    """
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"test_fraction must be in [0, 1), got {test_fraction}")
    num_test = max(1, round(test_fraction * num_samples)) if test_fraction > 0 else 0
    if num_test >= num_samples:
        raise DatasetError(f"a test fraction of {test_fraction} leaves no training sample out of {num_samples}")
    order = torch.randperm(num_samples, generator=torch.Generator().manual_seed(seed))
    return order[num_test:].sort().values, order[:num_test].sort().values
