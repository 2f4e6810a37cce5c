"""Aggregations over the ground instances of one rule that share a head.

Inputs are `x: [..., G, r, c]` (instance values) and `head_index: [G]` in `[0, num_heads)`.
Every head has at least one instance (an atom with no instances does not exist), so no
output row is left uninitialised.
"""
from __future__ import annotations

import torch
from torch import Tensor


def segment_sum(x: Tensor, head_index: Tensor, num_heads: int) -> Tensor:
    lead, value_shape = x.shape[:-3], x.shape[-2:]
    flat = x.reshape(*lead, x.shape[-3], value_shape.numel())   # index_add_ is fastest on 2-D rows
    out = flat.new_zeros((*lead, num_heads, value_shape.numel())).index_add_(len(lead), head_index, flat)
    return out.view(*lead, num_heads, *value_shape)


def segment_mean(x: Tensor, head_index: Tensor, num_heads: int, counts: Tensor) -> Tensor:
    return segment_sum(x, head_index, num_heads) / counts.to(x.dtype)[:, None, None]


def segment_pick(x: Tensor, head_index: Tensor, num_heads: int, largest: bool) -> Tensor:
    """Whole instance value with the largest (smallest) element sum per head; ties pick the first.

    The gradient flows only into the picked instance.
    """
    score = x.sum(dim=(-1, -2))                                   # [..., G]
    if not largest:
        score = -score
    lead = score.shape[:-1]
    index = head_index.expand(*lead, -1)
    best = score.new_full((*lead, num_heads), float("-inf"))
    best = best.scatter_reduce(-1, index, score, reduce="amax", include_self=True)
    is_best = score == best.gather(-1, index)
    positions = torch.arange(score.shape[-1], device=x.device).expand(*lead, -1)
    candidate = torch.where(is_best, positions, torch.full_like(positions, score.shape[-1]))
    first = torch.full((*lead, num_heads), score.shape[-1], dtype=torch.long, device=x.device)
    first = first.scatter_reduce(-1, index, candidate, reduce="amin", include_self=True)
    gather_index = first[..., None, None].expand(*lead, num_heads, *x.shape[-2:])
    return x.gather(-3, gather_index)


def segment_softmax(score: Tensor, group_index: Tensor, num_groups: int) -> Tensor:
    """Softmax of scalar instance values `score: [..., G]` within groups, with a max shift."""
    lead = score.shape[:-1]
    index = group_index.expand(*lead, -1)
    top = score.new_full((*lead, num_groups), float("-inf"))
    top = top.scatter_reduce(-1, index, score.detach(), reduce="amax", include_self=True)
    e = torch.exp(score - top.gather(-1, index))
    total = e.new_zeros((*lead, num_groups)).index_add_(len(lead), group_index, e)
    return e / total.gather(-1, index)


def aggregate(name: str, x: Tensor, plan) -> Tensor:
    """Aggregate instance values per head as the op's plan specifies (`plan.head_index`, counts, order)."""
    if name == "none":  # every head has exactly one instance, already in head order
        return x
    if name == "sum":
        return segment_sum(x, plan.head_index, plan.num_heads)
    if name == "avg":
        return segment_mean(x, plan.head_index, plan.num_heads, plan.head_counts)
    if name in ("max", "min"):
        return segment_pick(x, plan.head_index, plan.num_heads, name == "max")
    if name == "count":
        return plan.head_counts.to(x.dtype)[:, None, None].expand(*x.shape[:-3], plan.num_heads, 1, 1)
    if name == "concat":  # instances sorted by head, every head with `group_size` instances
        ordered = x.index_select(x.dim() - 3, plan.order)
        return ordered.reshape(*x.shape[:-3], plan.num_heads, -1, 1)
    if name == "softmax":
        if plan.group_index is not None:  # agg_terms: one softmax per group, each head its share
            weights = segment_softmax(x[..., 0, 0], plan.group_index, plan.num_groups)
            return segment_sum(weights[..., None, None], plan.head_index, plan.num_heads)
        weights = segment_softmax(x[..., 0, 0], plan.head_index, plan.num_heads)
        ordered = weights.index_select(weights.dim() - 1, plan.order)
        return ordered.reshape(*x.shape[:-3], plan.num_heads, -1, 1)
    raise ValueError(f"unknown aggregation {name}")
