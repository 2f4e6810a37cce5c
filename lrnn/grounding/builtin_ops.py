"""Builtin predicates as vectorized filters and generators over bound columns."""
from __future__ import annotations

import numpy as np

from ..errors import TemplateError


class ConstantInfo:
    """Per-constant numeric value and string rank, for comparisons on constant ids."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.refresh()

    def refresh(self) -> None:
        self.numeric = self.vocab.numeric_values()
        order = np.argsort(np.array(self.vocab.constants, dtype=object), kind="stable")
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[order] = np.arange(len(order))


def _compare(name: str, a: np.ndarray, b: np.ndarray, info: ConstantInfo) -> np.ndarray:
    na, nb = info.numeric[a], info.numeric[b]
    numeric = ~np.isnan(na) & ~np.isnan(nb)
    if name in ("eq", "neq"):
        equal = np.where(numeric, na == nb, a == b)
        return equal if name == "eq" else ~equal
    ra, rb = info.rank[a], info.rank[b]
    ops = {"lt": np.less, "leq": np.less_equal, "gt": np.greater, "geq": np.greater_equal}
    op = ops[name]
    return np.where(numeric, op(np.nan_to_num(na), np.nan_to_num(nb)), op(ra, rb))


def filter_mask(name: str, columns: list[np.ndarray], info: ConstantInfo, where: str,
                num_rows: int | None = None) -> np.ndarray:
    """Evaluate a builtin filter on bound columns; returns a boolean mask over rows.

    `num_rows` sizes the mask of a builtin without terms (`true`, `false`, `anypred()`).
    """
    n = len(columns[0]) if columns else (num_rows or 0)
    if name in ("anypred", "true"):
        return np.ones(n, dtype=bool)
    if name == "false":
        return np.zeros(n, dtype=bool)
    if name in ("eq", "neq", "lt", "leq", "gt", "geq"):
        _arity(name, columns, 2, where)
        return _compare(name, columns[0], columns[1], info)
    if name == "next":
        _arity(name, columns, 2, where)
        a, b = info.numeric[columns[0]], info.numeric[columns[1]]
        return ~np.isnan(a) & ~np.isnan(b) & (b == a + 1)
    if name == "alldiff":
        mask = np.ones(n, dtype=bool)
        for i in range(len(columns)):
            for j in range(i + 1, len(columns)):
                mask &= columns[i] != columns[j]
        return mask
    if name in ("_in", "in"):
        mask = np.zeros(n, dtype=bool)
        for other in columns[1:]:
            mask |= columns[0] == other
        return mask
    if name == "maxcard":
        limit = info.numeric[columns[0]]
        stacked = np.sort(np.stack(columns[1:], axis=1), axis=1)
        distinct = 1 + (np.diff(stacked, axis=1) != 0).sum(axis=1) if stacked.shape[1] else np.zeros(n)
        return distinct <= limit
    raise TemplateError(f"{where}: builtin @{name} is not a filter")


def _arity(name, columns, expected, where):
    if len(columns) != expected:
        raise TemplateError(f"{where}: builtin @{name} takes {expected} terms, got {len(columns)}")


def _format(values: np.ndarray, integral: np.ndarray) -> list[str]:
    return [str(int(v)) if flag and float(v).is_integer() else repr(float(v))
            for v, flag in zip(values.tolist(), integral.tolist())]


def arithmetic(name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    base = name.replace("_eval", "")
    with np.errstate(divide="ignore", invalid="ignore"):
        if base == "add":
            return a + b
        if base == "sub":
            return a - b
        if base == "mul":
            return a * b
        if base == "div":
            return a / b
        if base == "mod":
            return np.mod(a, b)
        if base == "max":
            return np.maximum(a, b)
        if base == "min":
            return np.minimum(a, b)
    raise TemplateError(f"unknown arithmetic builtin @{name}")


def generate(name: str, x: np.ndarray, y: np.ndarray, info: ConstantInfo) -> tuple[np.ndarray, np.ndarray]:
    """Compute z = x op y on numeric constants; returns (mask of valid rows, z constant ids)."""
    a, b = info.numeric[x], info.numeric[y]
    valid = ~np.isnan(a) & ~np.isnan(b)
    result = arithmetic(name, a, b)
    valid &= np.isfinite(result)
    texts_x = np.array(info.vocab.constants, dtype=object)
    integral = np.array([("." not in t and "e" not in t.lower()) for t in texts_x], dtype=bool)
    both_int = integral[x] & integral[y]
    ids = np.full(len(x), -1, dtype=np.int64)
    if valid.any():
        texts = _format(result[valid], both_int[valid])
        ids[valid] = [info.vocab.constant(t) for t in texts]
        info.refresh()
    return valid, ids
