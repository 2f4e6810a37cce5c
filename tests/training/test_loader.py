"""BatchLoader and split_indices: sizes, orders, seeds."""
from __future__ import annotations

import pytest
import torch

from lrnn import DatasetError
from lrnn.training import BatchLoader, split_indices


def test_batches_in_order():
    assert [b.tolist() for b in BatchLoader(5, batch_size=2, shuffle=False)] == [[0, 1], [2, 3], [4]]
    assert len(BatchLoader(5, batch_size=2, shuffle=False)) == 3


def test_drop_last_and_full_batch():
    assert [b.tolist() for b in BatchLoader(5, 2, shuffle=False, drop_last=True)] == [[0, 1], [2, 3]]
    assert [b.tolist() for b in BatchLoader([4, 7, 9], None, shuffle=False)] == [[4, 7, 9]]


def test_shuffle_covers_subset_once():
    loader = BatchLoader([10, 11, 12, 13, 14], 2, seed=1)
    drawn = torch.cat(list(loader))
    assert sorted(drawn.tolist()) == [10, 11, 12, 13, 14]


def test_seed_fixes_order_per_epoch():
    first, again = BatchLoader(20, 4, seed=7), BatchLoader(20, 4, seed=7)
    again.set_epoch(3)
    first.set_epoch(3)
    assert torch.equal(torch.cat(list(first)), torch.cat(list(again)))
    first.set_epoch(4)
    assert not torch.equal(torch.cat(list(first)), torch.cat(list(again)))


def test_generator_without_seed():
    a = BatchLoader(20, 4, generator=torch.Generator().manual_seed(5))
    b = BatchLoader(20, 4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(torch.cat(list(a)), torch.cat(list(b)))


def test_invalid_loader():
    with pytest.raises(DatasetError, match="no samples"):
        BatchLoader([], 2)
    with pytest.raises(DatasetError, match="batch_size"):
        BatchLoader(3, 0)


def test_split_sizes_and_seed():
    train, test = split_indices(10, 0.3, seed=2)
    assert len(train) == 7
    assert len(test) == 3
    assert sorted(torch.cat([train, test]).tolist()) == list(range(10))
    again = split_indices(10, 0.3, seed=2)
    assert torch.equal(train, again[0])
    assert torch.equal(test, again[1])
    assert len(split_indices(10, 0.0)[1]) == 0


def test_split_invalid():
    with pytest.raises(DatasetError, match="in \\[0, 1\\)"):
        split_indices(10, 1.0)
    with pytest.raises(DatasetError, match="leaves no training sample"):
        split_indices(1, 0.5)
