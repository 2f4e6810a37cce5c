"""Runs a compiled :class:`NetworkPlan`: gather, weight, combine, aggregate, transform per layer.

Values may carry leading batch dimensions `[B, ...]`, because the torch integration module
feeds a batch of fact values through one plan. Every kernel indexes rows on dimension -3.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..program.records import Leaf
from .aggregation import aggregate, segment_sum
from .functions import (
    SCALAR,
    combination_shape,
    combine,
    product,
    product_shape,
    transform,
    transformation_shape,
)


def _cat_rows(parts: list[Tensor]) -> Tensor:
    if len(parts) == 1:
        return parts[0]
    lead = torch.broadcast_shapes(*(p.shape[:-3] for p in parts))
    return torch.cat([p.expand(*lead, *p.shape[-3:]) for p in parts], dim=-3)


def _rows(x: Tensor, index: Tensor | None) -> Tensor:
    if index is None:  # a plan specialised for a fixed layout marks "every row, in order" this way
        return x
    return x.index_select(x.dim() - 3, index)


class Executor:
    """Evaluates plans with weights from `weight(i)` (a 2-D view of weight i)."""

    def __init__(self, weight, weight_shapes):
        self.weight = weight
        self.weight_shapes = weight_shapes

    def run(self, plan, fact_values: dict, dtype, device) -> list[Tensor]:
        self.dtype, self.device = dtype, device
        values: list[Tensor | None] = [None] * len(plan.chunks)
        for c, chunk in enumerate(plan.chunks):
            if chunk.kind == "data":
                values[c] = _rows(fact_values[chunk.shape], chunk.index)
            elif chunk.kind == "constant":
                values[c] = torch.full((1, *chunk.shape), chunk.constant, dtype=dtype, device=device)
            elif chunk.kind == "param":
                values[c] = torch.stack([self.weight(w) for w in chunk.weights])
        for layer in plan.layers:
            tables: dict = {}
            for op in layer.ops:
                tables.setdefault(op.table, []).append(self._op(op, values))
            tables = {shape: _cat_rows(parts) for shape, parts in tables.items()}
            for group in layer.atom_groups:
                values[group.chunk] = self._atom_group(group, tables)
        return values

    # -- rule ops --
    def _op(self, op, values) -> Tensor:
        parts = [self._instance_group(op, group, values) for group in op.groups]
        rho = _cat_rows(parts)
        num_instances = op.num_heads if op.head_index is None else op.head_index.shape[0]
        if rho.shape[-3] != num_instances:  # a constant-only body: one row for all instances
            rho = rho.expand(*rho.shape[:-3], num_instances, *rho.shape[-2:])
        # head_index None: instance i is the only instance of head i, so the aggregation is the identity
        out = rho if op.head_index is None else aggregate(op.aggregation, rho, op)
        if op.head_weight is not None:
            out = product(self.weight(op.head_weight), out, self.weight_shapes[op.head_weight], op.agg_shape)
        return out

    def _instance_group(self, op, group, values) -> Tensor:
        leaves = {}
        shapes = {}
        for leaf in group.leaves:
            if leaf.same_as is not None:  # an identical leaf was computed already
                leaves[leaf.slot], shapes[leaf.slot] = leaves[leaf.same_as], shapes[leaf.same_as]
                continue
            leaves[leaf.slot], shapes[leaf.slot] = self._leaf(leaf, values, group.size)
        tree = op.tree.children[0] if op.combination_bypassed else op.tree
        value, shape = self._node(tree, leaves, shapes, op, top=not op.combination_bypassed)
        if op.transformation is not None:
            value = transform(op.transformation, value, shape)
        if value.shape[-3] != group.size:
            value = value.expand(*value.shape[:-3], group.size, *value.shape[-2:])
        return value

    def _leaf(self, leaf, values, size):
        x = values[leaf.chunk]
        shape = leaf.in_shape
        if leaf.weight_first:
            x = product(self.weight(leaf.weight), x, leaf.weight_shape, shape)
            return _rows(x, leaf.rows), product_shape(leaf.weight_shape, shape)
        x = _rows(x, leaf.rows)
        if leaf.function is not None:
            x = transform(leaf.function, x, shape)
            shape = transformation_shape(leaf.function, shape)
        if leaf.weight is not None:
            x = product(self.weight(leaf.weight), x, leaf.weight_shape, shape)
            shape = product_shape(leaf.weight_shape, shape)
        return x, shape

    def _node(self, node, leaves, shapes, op, top=False):
        if isinstance(node, Leaf):
            return leaves[node.slot], shapes[node.slot]
        results = [self._node(child, leaves, shapes, op) for child in node.children]
        if node.function.kind == "transformation":
            value, shape = results[0]
            return transform(node.function, value, shape), transformation_shape(node.function, shape)
        inputs = [v for v, _ in results]
        input_shapes = [s for _, s in results]
        rule_offset = self._rule_offset(op) if top else None
        if rule_offset is not None:
            inputs.insert(0, rule_offset[0])
            input_shapes.insert(0, rule_offset[1])
        if not inputs:  # a body of valueless literals only: the rule's value is 1
            return torch.ones(1, 1, 1, dtype=self.dtype, device=self.device), SCALAR
        return (combine(node.function, inputs, input_shapes),
                combination_shape(node.function, input_shapes, "rule"))

    def _rule_offset(self, op):
        if op.offset_weight is None:
            return None
        return self.weight(op.offset_weight).unsqueeze(0), self.weight_shapes[op.offset_weight]

    # -- atom groups --
    def _atom_group(self, group, tables) -> Tensor:
        if group.scatter_source is not None:
            return self._scatter_group(group, tables)
        if group.identity_input:
            inputs = [tables[group.inputs[0][0]]]
        else:
            inputs = [_rows(tables[shape], rows) for shape, rows in group.inputs]
        shapes = list(group.input_shapes)
        if group.offset_weight is not None:
            inputs.insert(0, self.weight(group.offset_weight).unsqueeze(0))
            shapes.insert(0, self.weight_shapes[group.offset_weight])
        if group.combination is None:  # bypassed by chain pruning
            return inputs[0]
        value = combine(group.combination, inputs, shapes)
        shape = combination_shape(group.combination, shapes, "relation")
        if value.shape[-3] != group.num_atoms:
            value = value.expand(*value.shape[:-3], group.num_atoms, *value.shape[-2:])
        return transform(group.transformation, value, shape)

    def _scatter_group(self, group, tables) -> Tensor:
        """Sum (or average) each atom's rule contributions with one index_add_, then transform."""
        shape = group.input_shapes[0]
        if group.target_by_row is not None:  # every table row contributes: add the table in place
            value = segment_sum(tables[shape], group.target_by_row, group.num_atoms)
        else:
            value = segment_sum(_rows(tables[shape], group.scatter_source), group.scatter_target, group.num_atoms)
        if group.combination.name == "avg":
            value = value / group.counts.to(value.dtype)[:, None, None]
        if group.offset_weight is not None:
            offset = self.weight(group.offset_weight).unsqueeze(0)
            offset_shape = self.weight_shapes[group.offset_weight]
            value = combine(group.combination, [offset, value], [offset_shape, shape]) if \
                group.combination.name == "sum" else (offset + value * group.counts.to(value.dtype)[:, None, None]) \
                / (group.counts.to(value.dtype)[:, None, None] + 1)
            shape = combination_shape(group.combination, [offset_shape, shape], "relation")
        return transform(group.transformation, value, shape)
