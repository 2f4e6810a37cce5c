"""Mini-batches cut from a compiled plan: index tensors sliced by sample and shifted by offsets.

In a full plan every per-sample row space (a value chunk, the heads of a rule op) lists its
rows sorted by sample, and every index array lists its entries sorted by sample. A batch
keeps, for each array, the entry ranges of its samples and shifts each entry by where its
sample's rows start in the batch, so assembling a batch costs O(batch) numpy work per
array and never grounds or compiles again.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from .plan import AtomGroupPlan, ChunkPlan, InstanceGroupPlan, LayerPlan, NetworkPlan, RuleOpPlan


def _ptr(sample: np.ndarray, num_samples: int) -> np.ndarray:
    return np.searchsorted(sample, np.arange(num_samples + 1)).astype(np.int64)


def _long(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))


class _Space:
    """Rows of one or more segments (ops of a table, or a single chunk), each sorted by sample."""

    def __init__(self, bases: list[int], ptrs: list[np.ndarray]):
        self.bases = np.asarray(bases, dtype=np.int64)
        self.ptrs = np.stack(ptrs) if ptrs else np.zeros((0, 1), dtype=np.int64)   # [segments, S + 1]

    def shifts(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per segment and batch position: the shift of an old row to its new row; new sizes."""
        counts = self.ptrs[:, batch + 1] - self.ptrs[:, batch]                      # [segments, m]
        totals = counts.sum(axis=1)
        new_bases = np.concatenate([[0], np.cumsum(totals)[:-1]]) if len(totals) else totals
        starts = new_bases[:, None] + np.cumsum(counts, axis=1) - counts
        return starts - (self.bases[:, None] + self.ptrs[:, batch]), totals


# Plans of single-sample batches are kept, because per-sample training cuts the same plans every
# epoch. The plan of one Mutagenesis molecule under a 5-layer GIN takes about 70 KB of Python
# objects (tracemalloc), so a full cache takes about 150 MB for such samples.
SINGLE_SAMPLE_CACHE = 2048


class PlanSlicer:
    """Cuts batches of samples out of the plan of a whole dataset."""

    def __init__(self, plan: NetworkPlan, query_example: np.ndarray, num_examples: int):
        self.plan = plan
        self.single_sample_plans: dict[int, NetworkPlan] = {}
        self.query_example = np.asarray(query_example, dtype=np.int64)
        self.num_samples = num_examples  # row spaces are sorted by example
        self.supported = all(op.group_index is None for layer in plan.layers for op in layer.ops)
        self.chunk_spaces = [None if c.row_sample is None else _Space([0], [_ptr(c.row_sample, self.num_samples)])
                             for c in plan.chunks]
        self.group_ptrs = {}
        self.head_ptrs = {}
        self.table_spaces = []
        for layer in plan.layers:
            segments: dict = {}
            for op in layer.ops:
                self.head_ptrs[id(op)] = _ptr(op.head_sample, self.num_samples)
                for group in op.groups:
                    self.group_ptrs[id(group)] = _ptr(group.sample, self.num_samples)
                bases, ptrs = segments.setdefault(op.table, ([], []))
                bases.append(op.table_offset)
                ptrs.append(self.head_ptrs[id(op)])
            self.table_spaces.append({shape: _Space(b, p) for shape, (b, p) in segments.items()})
        self.numpy = {}  # numpy copies of index tensors, made once
        sample = np.asarray(plan.output_sample, dtype=np.int64)
        self.output_ptr = _ptr(sample, plan.num_samples)

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

    def _slice(self, samples: np.ndarray) -> NetworkPlan:
        examples = self.query_example[samples]
        unique, first = np.unique(examples, return_index=True)
        order = np.argsort(first)
        batch = unique[order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        example_position = rank[np.searchsorted(unique, examples)]
        chunk_shifts = [None if space is None else space.shifts(batch) for space in self.chunk_spaces]
        chunks = [self._chunk(c, space, shifts, batch) for c, space, shifts in
                  zip(self.plan.chunks, self.chunk_spaces, chunk_shifts)]
        layers = [self._layer(layer, tables, chunk_shifts, batch)
                  for layer, tables in zip(self.plan.layers, self.table_spaces)]
        return self._outputs(chunks, layers, chunk_shifts, samples, example_position)

    # -- pieces --
    def _select(self, ptr: np.ndarray, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entry indices of the batch's samples in batch order, and each entry's batch position."""
        starts, counts = ptr[batch], ptr[batch + 1] - ptr[batch]
        total = int(counts.sum())
        position = np.repeat(np.arange(len(batch)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(starts, counts) + offsets, position

    @staticmethod
    def _remap(rows: np.ndarray, position: np.ndarray, space: _Space, shifts) -> np.ndarray:
        table, _ = shifts
        if len(space.bases) == 1:
            return rows + table[0, position]
        segment = np.searchsorted(space.bases, rows, side="right") - 1
        return rows + table[segment, position]

    def _chunk(self, chunk: ChunkPlan, space, shifts, batch) -> ChunkPlan:
        if space is None:
            return chunk
        size = int(shifts[1][0])
        index = None
        if chunk.kind == "data":
            entries, _ = self._select(space.ptrs[0], batch)
            index = _long(self._host(chunk.index)[entries])
        return replace(chunk, size=size, index=index, row_sample=None)

    def _layer(self, layer: LayerPlan, tables, chunk_shifts, batch) -> LayerPlan:
        ops, offsets = [], {}
        table_shifts = {shape: space.shifts(batch) for shape, space in tables.items()}
        for op in layer.ops:
            new = self._op(op, chunk_shifts, batch)
            if new is not None:
                new.table_offset = offsets.get(op.table, 0)
                offsets[op.table] = new.table_offset + new.num_heads
                ops.append(new)
        groups = []
        for group in layer.atom_groups:
            new = self._atom_group(group, tables, table_shifts, chunk_shifts, batch)
            if new is not None:
                groups.append(new)
        return LayerPlan(ops, groups, offsets)

    def _op(self, op: RuleOpPlan, chunk_shifts, batch) -> RuleOpPlan | None:
        head_ptr = self.head_ptrs[id(op)]
        heads, _ = self._select(head_ptr, batch)
        if len(heads) == 0:
            return None
        head_space = _Space([0], [head_ptr])
        head_shifts = head_space.shifts(batch)
        groups, head_index = [], []
        old_head_index = self._host(op.head_index)
        start = 0
        for group in op.groups:
            entries, position = self._select(self.group_ptrs[id(group)], batch)
            if len(entries):
                leaves = [replace(leaf, rows=_long(self._remap(self._host(leaf.rows)[entries], position,
                                                               self.chunk_spaces[leaf.chunk],
                                                               chunk_shifts[leaf.chunk])))
                          if self.chunk_spaces[leaf.chunk] is not None else
                          replace(leaf, rows=_long(self._host(leaf.rows)[entries])) for leaf in group.leaves]
                groups.append(InstanceGroupPlan(len(entries), leaves, None))
                head_index.append(self._remap(old_head_index[start + entries], position, head_space, head_shifts))
            start += group.size
        head_index = np.concatenate(head_index)
        order = _long(np.argsort(head_index, kind="stable")) if op.order is not None else None
        counts = self._host(op.head_counts)[heads]
        return replace(op, groups=groups, head_index=_long(head_index), head_counts=_long(counts),
                       num_heads=len(heads), order=order, head_sample=None)

    def _atom_group(self, group: AtomGroupPlan, tables, table_shifts, chunk_shifts, batch):
        space = self.chunk_spaces[group.chunk]
        entries, position = self._select(space.ptrs[0], batch)
        if len(entries) == 0:
            return None
        inputs = []
        for shape, rows in group.inputs:
            new_rows = self._remap(self._host(rows)[entries], position, tables[shape], table_shifts[shape])
            inputs.append((shape, _long(new_rows)))
        return replace(group, inputs=inputs, num_atoms=len(entries))

    def _outputs(self, chunks, layers, chunk_shifts, samples, example_position) -> NetworkPlan:
        entries, sample_position = self._select(self.output_ptr, samples)
        position = example_position[sample_position]
        old_chunk = np.asarray(self.plan.output_chunk, dtype=np.int64)[entries]
        old_row = self._host(self.plan.output_row)[entries]
        new_row = np.empty_like(old_row)
        for c in np.unique(old_chunk).tolist():
            pick = old_chunk == c
            space = self.chunk_spaces[c]
            new_row[pick] = old_row[pick] if space is None else \
                self._remap(old_row[pick], position[pick], space, chunk_shifts[c])
        groups = []
        for c in np.unique(old_chunk).tolist():
            pick = np.flatnonzero(old_chunk == c)
            groups.append((c, _long(new_row[pick]), _long(pick)))
        shapes = [self.plan.output_shapes[i] for i in entries.tolist()]
        targets = [self.plan.targets[i] for i in entries.tolist()]
        return NetworkPlan(chunks, layers, old_chunk.tolist(), _long(new_row), sample_position.tolist(), shapes,
                           groups, len(samples), targets)
