"""Atom groups of a layer: how the rule contributions of each derived atom are combined.

Atoms with the same relation and the same pattern of contributions share one group and one
value chunk. SUM and AVG relations with several rules per head use one `index_add_`
(the scatter form); other combinations gather each contribution and combine them in order.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import ShapeError
from ..grounding.joins import joint_keys
from ..nn.functions import combination_shape, transformation_shape
from .plan import AtomGroupPlan, ChunkPlan, index_tensor
from .shapes import preserves_shape


class AtomGroupBuilder:
    """Builds the atom groups of a layer; mixed into :class:`~lrnn.compile.compiler.Compiler`."""

    def _atom_groups(self, contributions, tables) -> list[AtomGroupPlan]:
        if not contributions:
            return []
        shape_ids = {shape: i for i, shape in enumerate(tables)}
        atoms = np.concatenate([heads for _, heads in contributions])
        rule_of = np.concatenate([np.full(op.num_heads, op.rule) for op, _ in contributions])
        table_of = np.concatenate([np.full(op.num_heads, shape_ids[op.out_shape]) for op, _ in contributions])
        row_of = np.concatenate([op.table_offset + np.arange(op.num_heads) for op, _ in contributions])
        weighted = np.concatenate([np.full(op.num_heads, op.head_weight is not None) for op, _ in contributions])
        order = np.lexsort((rule_of, atoms))
        atoms, table_of, row_of, weighted = atoms[order], table_of[order], row_of[order], weighted[order]
        unique, first, counts = np.unique(atoms, return_index=True, return_counts=True)
        position = np.arange(len(atoms)) - np.repeat(first, counts)
        width = int(counts.max())
        signature = np.full((len(unique), width), -1, dtype=np.int64)
        signature[np.repeat(np.arange(len(unique)), counts), position] = table_of
        rows = np.full((len(unique), width), -1, dtype=np.int64)
        rows[np.repeat(np.arange(len(unique)), counts), position] = row_of
        any_weighted = np.bincount(np.repeat(np.arange(len(unique)), counts), weights=weighted,
                                   minlength=len(unique)) > 0
        preds = self.network.atom_pred[unique]
        bypass = self._atom_bypass(unique, preds, counts, any_weighted)
        scattered = self._scatter_eligible(preds, bypass, signature, counts)
        group_counts = np.where(scattered, 0, counts)
        group_signature = signature.copy()
        group_signature[scattered, 1:] = -1   # one shape for all contributions, kept in the first column
        columns = [preds, group_counts, bypass.astype(np.int64)] + [group_signature[:, j] for j in range(width)]
        keys = joint_keys([c + 1 for c in columns])[0]
        _, group_of = np.unique(keys, return_inverse=True)
        shapes = list(tables)
        groups = []
        for g in range(int(group_of.max()) + 1):
            pick = np.flatnonzero(group_of == g)
            pred = int(preds[pick[0]])
            if scattered[pick[0]] and counts[pick].max() > 1:
                shape = shapes[int(signature[pick[0], 0])]
                groups.append(self._scatter_group(pred, unique[pick], counts[pick], rows[pick], shape,
                                                  tables[shape]))
                continue
            n = int(counts[pick[0]])
            input_shapes = [shapes[int(signature[pick[0], j])] for j in range(n)]
            inputs = [(input_shapes[j], index_tensor(rows[pick, j])) for j in range(n)]
            groups.append(self._atom_group(pred, unique[pick], inputs, input_shapes, bool(bypass[pick[0]]),
                                           tables))
        return groups

    def _scatter_eligible(self, preds, bypass, signature, counts) -> np.ndarray:
        """Atoms whose rule contributions can be summed by index_add_ whatever their number.

        Their relation combines by SUM or AVG and every contribution has the same shape, so
        atoms with one, two or more contributing rules share one group and one value chunk.
        """
        eligible = ~bypass & (signature[:, 0] >= 0)
        width = signature.shape[1]
        for j in range(1, width):
            eligible &= (signature[:, j] == signature[:, 0]) | (np.arange(width)[j] >= counts)
        for pred in np.unique(preds).tolist():
            if self.program.relation(pred).combination.name not in ("sum", "avg"):
                eligible &= preds != pred
        return eligible

    def _scatter_group(self, pred, atoms, counts, rows, shape, table_size) -> AtomGroupPlan:
        """Atom group whose contributions are summed into the atoms' rows with index_add_."""
        relation = self.program.relation(pred)
        what = f"relation {self.program.vocab.predicate_text(pred)}"
        shapes = [shape] if relation.offset_weight is None else [self.weight_shapes[relation.offset_weight], shape]
        try:
            out_shape = combination_shape(relation.combination, shapes, what)
            out_shape = transformation_shape(relation.transformation, out_shape)
        except ShapeError as error:
            atom = self.network.atom_text(self.program.vocab, int(atoms[0]))
            raise ShapeError(f"{what} ({atom}): {error}") from None
        chunk = self._new_chunk(ChunkPlan("derived", out_shape, len(atoms)), atoms)
        valid = rows >= 0
        destination = np.repeat(np.arange(len(atoms)), counts)
        plan = AtomGroupPlan(pred, [], [shape], relation.offset_weight, relation.combination,
                             relation.transformation, chunk, len(atoms), out_shape)
        plan.scatter_source = index_tensor(rows[valid])           # row-major: sorted by atom, hence by example
        plan.scatter_target = index_tensor(destination)
        plan.scatter_sample = self.network.atom_sample[atoms][destination]
        plan.counts = index_tensor(counts)
        plan.target_by_row = whole_table_targets(rows[valid], destination, table_size)
        return plan

    def _atom_bypass(self, atoms, preds, counts, weighted) -> np.ndarray:
        if not self.pruning:
            return np.zeros(len(atoms), dtype=bool)
        result = (counts == 1) & ~weighted & ~self.query_atoms[atoms]
        for pred in np.unique(preds):
            relation = self.program.relation(int(pred))
            ok = relation.offset_weight is None and preserves_shape(relation.transformation)
            if self.only_identities:
                ok = ok and relation.transformation.name == "identity"
            if not ok:
                result &= preds != pred
        return result

    def _atom_group(self, pred, atoms, inputs, input_shapes, bypass, tables) -> AtomGroupPlan:
        relation = self.program.relation(pred)
        what = f"relation {self.program.vocab.predicate_text(pred)}"
        shapes = list(input_shapes)
        offset = None if bypass else relation.offset_weight
        try:
            if bypass:
                out_shape = shapes[0]
                combination = transformation = None
            else:
                if offset is not None:
                    shapes = [self.weight_shapes[offset]] + shapes
                out_shape = combination_shape(relation.combination, shapes, what)
                out_shape = transformation_shape(relation.transformation, out_shape)
                combination, transformation = relation.combination, relation.transformation
        except ShapeError as error:
            atom = self.network.atom_text(self.program.vocab, int(atoms[0]))
            raise ShapeError(f"{what} ({atom}): {error}") from None
        chunk = self._new_chunk(ChunkPlan("derived", out_shape, len(atoms)), atoms)
        identity = (len(inputs) == 1 and tables[inputs[0][0]] == len(atoms)
                    and bool(torch.equal(inputs[0][1], torch.arange(len(atoms)))))
        return AtomGroupPlan(pred, inputs, input_shapes, offset, combination, transformation, chunk,
                             len(atoms), out_shape, identity)



def whole_table_targets(source: np.ndarray, target: np.ndarray, table_size: int) -> torch.Tensor | None:
    """If `source` lists every table row once, the target atom of each table row, else None.

    Then the contributions are added straight from the table (no gather, and no scatter in
    the backward pass).
    """
    if len(source) != table_size:
        return None
    by_row = np.full(table_size, -1, dtype=np.int64)
    by_row[source] = target
    return None if (by_row < 0).any() else index_tensor(by_row)
