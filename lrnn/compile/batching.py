"""Mini-batches cut from a compiled plan: index tensors sliced by sample and shifted by offsets.

In a full plan every per-example row space (a value chunk, the heads of a rule op) lists its
rows sorted by example, and every index array lists its entries sorted by example. A batch
keeps, for each array, the entry ranges of its examples. Each entry is then shifted by where
its example's rows start in the batch. The ranges and shifts of all arrays come from one
matrix of per-example row pointers, so assembling a batch costs a few numpy calls over
O(arrays x batch) numbers plus O(batch) gathers, and never grounds or compiles again.
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from .atom_groups import whole_table_targets
from .plan import InstanceGroupPlan, LayerPlan, NetworkPlan, index_tensor

# Plans of single-sample batches are kept, because per-sample training cuts the same plans every
# epoch. The plan of one Mutagenesis molecule under a 5-layer GIN takes about 70 KB of Python
# objects (tracemalloc), so a full cache takes about 150 MB for such samples.
SINGLE_SAMPLE_CACHE = 2048


def _ptr(sample: np.ndarray, count: int) -> np.ndarray:
    return np.searchsorted(sample, np.arange(count + 1)).astype(np.int64)



def _with(obj, **changes):
    """Shallow copy of a plan record with some fields replaced (cheaper than dataclasses.replace)."""
    result = copy.copy(obj)
    for key, value in changes.items():
        setattr(result, key, value)
    return result


class PlanSlicer:
    """Cuts batches of samples out of the plan of a whole dataset.

    Row pointers of every sliceable array (per-example chunks, op heads, instance groups) are
    stacked in one matrix `[arrays, examples + 1]`, so the entry ranges and row shifts of a
    batch are computed for all arrays at once.
    """

    def __init__(self, plan: NetworkPlan, query_example: np.ndarray, num_examples: int):
        self.plan = plan
        self.single_sample_plans: dict[int, NetworkPlan] = {}
        self.query_example = np.asarray(query_example, dtype=np.int64)
        self.supported = all(op.group_index is None for layer in plan.layers for op in layer.ops)
        ptrs: list[np.ndarray] = []

        def register(sample: np.ndarray) -> int:
            ptrs.append(_ptr(sample, num_examples))
            return len(ptrs) - 1

        self.chunk_array = [None if c.row_sample is None else register(c.row_sample) for c in plan.chunks]
        self.op_array, self.group_array = {}, {}
        self.tables = []  # per layer: {shape: (op arrays, old bases)}
        for layer in plan.layers:
            tables: dict = {}
            for op in layer.ops:
                self.op_array[id(op)] = register(op.head_sample)
                for group in op.groups:
                    self.group_array[id(group)] = register(group.sample)
                arrays, bases = tables.setdefault(op.table, ([], []))
                arrays.append(self.op_array[id(op)])
                bases.append(op.table_offset)
            self.tables.append({shape: (np.array(a), np.array(b)) for shape, (a, b) in tables.items()})
            for group in layer.atom_groups:
                if group.scatter_source is not None:
                    self.group_array[id(group)] = register(group.scatter_sample)
        self.ptrs = np.stack(ptrs) if ptrs else np.zeros((0, num_examples + 1), dtype=np.int64)
        self.output_ptr = _ptr(np.asarray(plan.output_sample, dtype=np.int64), plan.num_samples)
        self.numpy: dict[int, np.ndarray] = {}  # numpy copies of index tensors, made once

    def _host(self, tensor: torch.Tensor) -> np.ndarray:
        found = self.numpy.get(id(tensor))
        if found is None:
            found = self.numpy[id(tensor)] = tensor.cpu().numpy()
        return found

    def slice(self, samples) -> NetworkPlan:
        """Cut the plan of the given samples, in their order; samples that share an example share its rows."""
        samples = np.asarray(samples, dtype=np.int64).reshape(-1)
        if len(samples) == 1:
            key = int(samples[0])
            found = self.single_sample_plans.get(key)
            if found is None:
                if len(self.single_sample_plans) >= SINGLE_SAMPLE_CACHE:
                    self.single_sample_plans.pop(next(iter(self.single_sample_plans)))
                found = self.single_sample_plans[key] = self._slice(samples)
            return found
        return self._slice(samples)

    # -- one batch --
    def _slice(self, samples: np.ndarray) -> NetworkPlan:
        examples = self.query_example[samples]
        unique, first = np.unique(examples, return_index=True)
        order = np.argsort(first)
        batch = unique[order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        example_position = rank[np.searchsorted(unique, examples)]

        starts = self.ptrs[:, batch]                                   # [arrays, m]
        counts = self.ptrs[:, batch + 1] - starts
        new_starts = np.cumsum(counts, axis=1) - counts
        self.totals = counts.sum(axis=1)
        self.shift = new_starts - starts                               # old row -> new row, per example
        self._entries(starts, counts)

        chunks = [self._chunk(chunk, array) for chunk, array in zip(self.plan.chunks, self.chunk_array)]
        layers = [self._layer(layer, tables) for layer, tables in zip(self.plan.layers, self.tables)]
        return self._outputs(chunks, layers, samples, example_position)

    def _entries(self, starts, counts) -> None:
        """Entry indices (and their batch positions) of every array, from one vectorized expansion."""
        flat_counts = counts.ravel()
        total = int(flat_counts.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(flat_counts) - flat_counts, flat_counts)
        entries = np.repeat(starts.ravel(), flat_counts) + offsets
        positions = np.repeat(np.tile(np.arange(counts.shape[1]), counts.shape[0]), flat_counts)
        bounds = np.cumsum(self.totals)[:-1]
        self.entries = np.split(entries, bounds)
        self.positions = np.split(positions, bounds)

    def _chunk(self, chunk, array):
        if array is None:
            return chunk
        index = None
        if chunk.kind == "data":
            index = index_tensor(self._host(chunk.index)[self.entries[array]])
        return _with(chunk, size=int(self.totals[array]), index=index, row_sample=None)

    def _layer(self, layer, tables) -> LayerPlan:
        table_shift = {}
        for shape, (arrays, old_bases) in tables.items():
            totals = self.totals[arrays]
            new_bases = np.cumsum(totals) - totals
            table_shift[shape] = (old_bases, self.shift[arrays] + (new_bases - old_bases)[:, None],
                                  int(totals.sum()))
        ops, offsets = [], {}
        for op in layer.ops:
            new = self._op(op)
            if new is not None:
                new.table_offset = offsets.get(op.table, 0)
                offsets[op.table] = new.table_offset + new.num_heads
                ops.append(new)
        groups = [g for g in (self._atom_group(group, table_shift) for group in layer.atom_groups) if g is not None]
        return LayerPlan(ops, groups, offsets)

    def _op(self, op):
        array = self.op_array[id(op)]
        heads = self.entries[array]
        if len(heads) == 0:
            return None
        head_shift = self.shift[array]
        old_head_index = self._host(op.head_index)
        groups, head_index, start = [], [], 0
        for group in op.groups:
            g = self.group_array[id(group)]
            entries, position = self.entries[g], self.positions[g]
            if len(entries):
                leaves = [self._leaf(leaf, entries, position) for leaf in group.leaves]
                groups.append(InstanceGroupPlan(len(entries), leaves, None))
                head_index.append(old_head_index[start + entries] + head_shift[position])
            start += group.size
        head_index = np.concatenate(head_index)
        order = index_tensor(np.argsort(head_index, kind="stable")) if op.order is not None else None
        counts = self._host(op.head_counts)[heads]
        return _with(op, groups=groups, head_index=index_tensor(head_index), head_counts=index_tensor(counts),
                     num_heads=len(heads), order=order, head_sample=None)

    def _leaf(self, leaf, entries, position):
        if leaf.rows is None:  # instance i reads row i, and still does in the batch
            return leaf
        return _with(leaf, rows=index_tensor(self._leaf_rows(leaf, entries, position)))

    def _leaf_rows(self, leaf, entries, position) -> np.ndarray:
        rows = self._host(leaf.rows)[entries]
        array = self.chunk_array[leaf.chunk]
        return rows if array is None else rows + self.shift[array][position]

    def _atom_group(self, group, table_shift):
        array = self.chunk_array[group.chunk]
        entries, position = self.entries[array], self.positions[array]
        if len(entries) == 0:
            return None
        if group.scatter_source is not None:
            return self._scatter_group(group, table_shift, array, entries)
        inputs = []
        for shape, rows in group.inputs:
            old_bases, shift, _ = table_shift[shape]
            old = self._host(rows)[entries]
            segment = np.searchsorted(old_bases, old, side="right") - 1 if len(old_bases) > 1 else 0
            inputs.append((shape, index_tensor(old + shift[segment, position])))
        return _with(group, inputs=inputs, num_atoms=len(entries))

    def _scatter_group(self, group, table_shift, array, atom_entries):
        scatter = self.group_array[id(group)]
        entries, position = self.entries[scatter], self.positions[scatter]
        old_bases, shift, table_size = table_shift[group.input_shapes[0]]
        old = self._host(group.scatter_source)[entries]
        segment = np.searchsorted(old_bases, old, side="right") - 1 if len(old_bases) > 1 else 0
        source = old + shift[segment, position]
        target = self._host(group.scatter_target)[entries] + self.shift[array][position]
        counts = self._host(group.counts)[atom_entries]
        by_row = None
        if group.target_by_row is not None:  # the batch's table rows are again all contributions
            by_row = whole_table_targets(source, target, table_size)
        return _with(group, scatter_source=index_tensor(source), scatter_target=index_tensor(target),
                     scatter_sample=None, counts=index_tensor(counts), num_atoms=len(atom_entries),
                     target_by_row=by_row)

    def _outputs(self, chunks, layers, samples, example_position) -> NetworkPlan:
        starts, ends = self.output_ptr[samples], self.output_ptr[samples + 1]
        counts = ends - starts
        entries = np.repeat(starts, counts) + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts,
                                                                                       counts)
        sample_position = np.repeat(np.arange(len(samples)), counts)
        position = example_position[sample_position]
        old_chunk = np.asarray(self.plan.output_chunk, dtype=np.int64)[entries]
        new_row = self._host(self.plan.output_row)[entries].copy()
        groups = []
        for c in np.unique(old_chunk).tolist():
            pick = np.flatnonzero(old_chunk == c)
            array = self.chunk_array[c]
            if array is not None:
                new_row[pick] += self.shift[array][position[pick]]
            groups.append((c, index_tensor(new_row[pick]), index_tensor(pick)))
        shapes = [self.plan.output_shapes[i] for i in entries.tolist()]
        targets = [self.plan.targets[i] for i in entries.tolist()]
        return NetworkPlan(chunks, layers, old_chunk.tolist(), index_tensor(new_row), sample_position.tolist(), shapes,
                           groups, len(samples), targets)
