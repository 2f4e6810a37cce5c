"""Vectorized relational primitives on int64 columns: joint key encoding, joins, membership."""
from __future__ import annotations

import numpy as np

_LIMIT = 2 ** 62


def joint_keys(*sides: list[np.ndarray]) -> list[np.ndarray]:
    """Encode rows of several column sets into int64 keys that are equal iff the rows are equal.

    Each side is a list of 1-D int64 arrays (the same number of columns on every side).
    Columns are combined in mixed radix. Where the next radix would overflow int64, the
    partial key is first replaced by its dense rank (np.unique), so any width works.
    """
    lengths = [len(side[0]) if side else 0 for side in sides]
    num_cols = len(sides[0])
    if num_cols == 0:
        return [np.zeros(n, dtype=np.int64) for n in lengths]
    key = np.concatenate([side[0] for side in sides]).astype(np.int64, copy=False)
    for j in range(1, num_cols):
        column = np.concatenate([side[j] for side in sides]).astype(np.int64, copy=False)
        radix = int(column.max()) + 1 if column.size else 1
        top = int(key.max()) + 1 if key.size else 1
        if top >= _LIMIT // max(radix, 1):
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        key = key * radix + column
    bounds = np.cumsum([0] + lengths)
    return [key[bounds[i]:bounds[i + 1]] for i in range(len(sides))]


def equi_join(left_keys: np.ndarray, right_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return index pairs (i, j) with left_keys[i] == right_keys[j], ordered by i then j.

    Sort-merge join: sort the right side once, binary-search each left key, and expand the
    matching ranges with np.repeat.
    """
    order = np.argsort(right_keys, kind="stable")
    sorted_right = right_keys[order]
    starts = np.searchsorted(sorted_right, left_keys, side="left")
    ends = np.searchsorted(sorted_right, left_keys, side="right")
    counts = ends - starts
    total = int(counts.sum())
    left_index = np.repeat(np.arange(len(left_keys), dtype=np.int64), counts)
    if total == 0:
        return left_index, np.zeros(0, dtype=np.int64)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    right_index = order[np.repeat(starts, counts) + offsets]
    return left_index, right_index


def member(keys: np.ndarray, table_keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which `keys` occur in `table_keys`."""
    if table_keys.size == 0:
        return np.zeros(len(keys), dtype=bool)
    sorted_table = np.sort(table_keys)
    position = np.searchsorted(sorted_table, keys)
    position = np.minimum(position, len(sorted_table) - 1)
    return sorted_table[position] == keys


def lookup(keys: np.ndarray, sorted_table_keys: np.ndarray) -> np.ndarray:
    """Position of each key in a sorted, duplicate-free key array; -1 where absent."""
    if sorted_table_keys.size == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    position = np.searchsorted(sorted_table_keys, keys)
    clipped = np.minimum(position, len(sorted_table_keys) - 1)
    found = sorted_table_keys[clipped] == keys
    return np.where(found, clipped, -1).astype(np.int64)


def unique_rows(rows: np.ndarray) -> np.ndarray:
    """Distinct rows of a 2-D int64 array, sorted lexicographically."""
    if len(rows) == 0:
        return rows
    (keys,) = joint_keys([rows[:, j] for j in range(rows.shape[1])])
    _, first = np.unique(keys, return_index=True)
    result = rows[first]
    order = np.lexsort(result.T[::-1])
    return result[order]


def first_occurrences(columns: list[np.ndarray]) -> np.ndarray:
    """Indices of the first occurrence of each distinct row, in original order."""
    (keys,) = joint_keys(columns)
    _, first = np.unique(keys, return_index=True)
    return np.sort(first)
