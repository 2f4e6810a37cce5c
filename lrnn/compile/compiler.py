"""Compile a ground network into a layered plan of index tensors (see :mod:`lrnn.compile.plan`)."""
from __future__ import annotations

import logging
import time

import numpy as np
import torch

from ..errors import ShapeError
from ..grounding.joins import joint_keys
from ..nn.functions import SCALAR, combination_shape, product_shape, transformation_shape
from ..program.records import Leaf
from .atom_groups import AtomGroupBuilder
from .plan import ChunkPlan, InstanceGroupPlan, LayerPlan, LeafPlan, NetworkPlan, RuleOpPlan, index_tensor
from .shapes import leaf_shape, preserves_shape, tree_shape, with_rule

logger = logging.getLogger(__name__)



class Compiler(AtomGroupBuilder):
    """Turns a :class:`GroundNetwork` (or the part of it for some samples) into a NetworkPlan.

    Args:
        program: the normalised program.
        weight_shapes: value shape of every weight, by weight index.
        fact_shapes: value shape of every fact value of the dataset, by value index.
        fact_rows: row of every fact value among the dataset's values of its shape.
    """

    def __init__(self, program, weight_shapes, fact_shapes, fact_rows):
        self.program = program
        self.settings = program.settings
        self.weight_shapes = weight_shapes
        self.fact_shapes = fact_shapes
        self.fact_rows = fact_rows
        self.pruning = program.settings.chain_pruning
        self.only_identities = program.settings.prune_only_identities

    # -- entry --
    def compile(self, network, samples: np.ndarray | None = None) -> NetworkPlan:
        start = time.perf_counter()
        n = len(network.atom_pred)
        if samples is None:
            samples = np.arange(network.num_samples)
        samples = np.asarray(samples, dtype=np.int64)
        in_batch = np.zeros(network.num_examples, dtype=bool)
        in_batch[network.query_example[samples]] = True
        self.network = network
        self.atom_chunk = np.full(n, -1, dtype=np.int64)
        self.atom_row = np.full(n, -1, dtype=np.int64)
        self.chunks: list[ChunkPlan] = []
        query_atoms = np.zeros(n, dtype=bool)
        for s in samples:
            for atom, _, _ in network.queries[s]:
                query_atoms[atom] = True
        self.query_atoms = query_atoms
        instances = {}
        for r, inst in network.instances.items():
            keep = in_batch[network.atom_sample[inst.head]]
            instances[r] = (inst.head[keep], inst.body[keep])
        used = np.zeros(n, dtype=bool)
        for head, body in instances.values():
            used[head] = True
            used[body.reshape(-1)] = True
        for s in samples:
            for atom, _, _ in network.queries[s]:
                used[atom] = True
        self._fact_chunks(np.flatnonzero(used & ~network.derived))
        depth = network.depth
        layers = []
        max_depth = int(depth[used].max()) if used.any() else 0
        for level in range(1, max_depth + 1):
            layers.append(self._layer(level, instances, depth))
        plan = self._outputs(network, samples, layers)
        logger.debug("compiled %d samples: %d layers, %d chunks (%.3f s)", len(samples), len(layers),
                     len(self.chunks), time.perf_counter() - start)
        return plan

    # -- facts --
    def _fact_chunks(self, atoms: np.ndarray) -> None:
        refs = self.network.fact_ref[atoms]
        data = refs >= 0
        if data.any():
            shapes = self.fact_shapes[refs[data]]
            keys = shapes[:, 0] * 1_000_003 + shapes[:, 1]
            for key in np.unique(keys):
                pick = atoms[data][keys == key]
                pick = pick[np.argsort(self.network.atom_sample[pick], kind="stable")]
                rows = self.fact_rows[self.network.fact_ref[pick]]
                shape = tuple(int(v) for v in self.fact_shapes[self.network.fact_ref[pick[0]]])
                self._new_chunk(ChunkPlan("data", shape, len(pick), index=index_tensor(rows)), pick)
        default = atoms[refs == -1]
        if len(default):
            self._new_chunk(ChunkPlan("constant", SCALAR, 1, constant=self.settings.default_fact_value),
                            default, rows=np.zeros(len(default), dtype=np.int64))
        template = atoms[refs <= -2]
        if len(template):
            index = -2 - self.network.fact_ref[template]
            facts = self.program.template_facts
            weights = np.array([-1 if facts[t].weight is None else facts[t].weight for t in range(len(facts))])
            per_atom = weights[index]
            constant = template[per_atom < 0]
            if len(constant):
                self._new_chunk(ChunkPlan("constant", SCALAR, 1, constant=1.0), constant,
                                rows=np.zeros(len(constant), dtype=np.int64))
            valued = per_atom >= 0
            shapes = {}
            for w in np.unique(per_atom[valued]).tolist():
                shapes.setdefault(self.weight_shapes[w], []).append(w)
            for shape, ws in shapes.items():
                position = {w: i for i, w in enumerate(ws)}
                pick = template[np.isin(per_atom, ws)]
                rows = np.array([position[w] for w in weights[-2 - self.network.fact_ref[pick]].tolist()])
                self._new_chunk(ChunkPlan("param", shape, len(ws), weights=ws), pick, rows=rows)

    def _new_chunk(self, chunk: ChunkPlan, atoms: np.ndarray, rows: np.ndarray | None = None) -> int:
        if chunk.kind in ("data", "derived"):
            chunk.row_sample = self.network.atom_sample[atoms]
        self.chunks.append(chunk)
        chunk_id = len(self.chunks) - 1
        self.atom_chunk[atoms] = chunk_id
        self.atom_row[atoms] = np.arange(len(atoms)) if rows is None else rows
        return chunk_id

    # -- one layer --
    def _layer(self, level, instances, depth) -> LayerPlan:
        ops: list[RuleOpPlan] = []
        tables: dict[tuple[int, int], int] = {}
        contributions = []  # (op, head atom ids)
        for rule in self.program.rules:
            head, body = instances[rule.index]
            at_level = depth[head] == level
            if not at_level.any():
                continue
            head, body = head[at_level], body[at_level]
            for part_head, part_body, aggregation in self._partitions(rule, head, body):
                for op, heads in self._rule_ops(rule, part_head, part_body, aggregation):
                    op.table_offset = tables.get(op.out_shape, 0)
                    op.table = op.out_shape
                    tables[op.out_shape] = op.table_offset + op.num_heads
                    ops.append(op)
                    contributions.append((op, heads))
        groups = self._atom_groups(contributions, tables)
        return LayerPlan(ops, groups, tables)

    def _partitions(self, rule, head, body):
        """Split instances by head group size where the aggregation's result depends on it.

        CONCAT and SOFTMAX give one entry per instance, so heads with n instances form one op.
        Under chain pruning a head with a single instance is not aggregated at all (the
        reference bypasses single-input aggregation neurons), which matters for COUNT,
        SOFTMAX and CONCAT.
        """
        name = rule.aggregation.name
        grouped_softmax = name == "softmax" and rule.agg_group_positions is not None
        needs_size = name in ("concat", "softmax") and not grouped_softmax
        prune_single = self.pruning and name in ("count", "softmax", "concat") and not grouped_softmax
        if not needs_size and not prune_single:
            return [(head, body, name)]
        _, inverse, counts = np.unique(head, return_inverse=True, return_counts=True)
        size = counts[inverse]
        parts = []
        if needs_size:
            for n in np.unique(size).tolist():
                pick = size == n
                parts.append((head[pick], body[pick], "sum" if self.pruning and n == 1 else name))
            return parts
        single = size == 1
        if single.any():
            parts.append((head[single], body[single], "sum"))
        if (~single).any():
            parts.append((head[~single], body[~single], name))
        return parts

    def _rule_ops(self, rule, head, body, aggregation):
        """Group instances by body chunks, infer shapes, and build one op per value shape."""
        K = body.shape[1]
        chunks = self.atom_chunk[body] if K else np.zeros((len(head), 0), dtype=np.int64)
        rows = self.atom_row[body] if K else chunks
        if K:
            keys = joint_keys([chunks[:, k] for k in range(K)])[0]
            signatures, group_of = np.unique(keys, return_inverse=True)
        else:
            signatures, group_of = np.zeros(1), np.zeros(len(head), dtype=np.int64)
        by_shape: dict = {}
        for g in range(len(signatures)):
            pick = np.flatnonzero(group_of == g)
            chunk_ids = chunks[pick[0]].tolist() if K else []
            group, rho_shape = self._instance_group(rule, chunk_ids, rows[pick])
            group.sample = self.network.atom_sample[head[pick]]
            by_shape.setdefault(rho_shape, []).append((group, pick))
        seen_heads = []
        for rho_shape, parts in by_shape.items():
            picks = np.concatenate([p for _, p in parts])
            heads = head[picks]
            unique, head_index, counts = np.unique(heads, return_inverse=True, return_counts=True)
            for earlier in seen_heads:
                clash = np.intersect1d(earlier, unique)
                if len(clash):
                    atom = self.network.atom_text(self.program.vocab, int(clash[0]))
                    raise ShapeError(f"rule {rule.text}: the instances of {atom} have values of different "
                                     "shapes, so they cannot be aggregated")
            seen_heads.append(unique)
            op = self._op(rule, [g for g, _ in parts], unique, head_index, counts, rho_shape, aggregation, heads)
            op.head_sample = self.network.atom_sample[unique]
            yield op, unique

    def _instance_group(self, rule, chunk_ids, rows):
        leaves, leaf_shapes = [], {}
        bypass = self._rule_bypassed(rule)
        size = len(rows)
        for position in rule.value_literals:
            slot = rule.literals[position].value_slot
            leaf = _find_leaf(rule.tree, slot)
            chunk = self.chunks[chunk_ids[slot]]
            weight_shape = self.weight_shapes[leaf.weight] if leaf.weight is not None else None
            drop = self._drop_function(leaf.function)
            try:
                leaf_shapes[slot] = leaf_shape(leaf, chunk.shape, weight_shape, drop)
            except ShapeError as error:
                raise with_rule(error, rule.text) from None
            weight_first = (leaf.weight is not None and (leaf.function is None or drop)
                            and chunk.kind != "constant" and chunk.size < size)
            identity = chunk.size == size and np.array_equal(rows[:, slot], np.arange(size))
            leaves.append(LeafPlan(slot, chunk_ids[slot], None if identity else index_tensor(rows[:, slot]),
                                   None if drop else leaf.function, leaf.weight, chunk.shape,
                                   weight_shape, weight_first))
        _mark_duplicate_leaves(leaves)
        try:
            tree = rule.tree.children[0] if bypass else rule.tree
            shape = tree_shape(tree, leaf_shapes, f"rule {rule.text}")
            if rule.offset_weight is not None:
                shape = combination_shape(rule.tree.function, [self.weight_shapes[rule.offset_weight], shape],
                                          f"rule {rule.text}")
            if not bypass:
                shape = transformation_shape(rule.transformation, shape)
        except ShapeError as error:
            raise with_rule(error, rule.text) from None
        return InstanceGroupPlan(size, leaves), shape

    def _rule_bypassed(self, rule) -> bool:
        if not self.pruning or rule.weighted or rule.offset_weight is not None:
            return False
        if len(rule.tree.children) != 1 or not isinstance(rule.tree.children[0], Leaf):
            return False
        if not preserves_shape(rule.transformation):
            return False
        return not self.only_identities or rule.transformation.name == "identity"

    def _drop_function(self, function) -> bool:
        if function is None or not self.pruning or not preserves_shape(function):
            return False
        return not self.only_identities

    def _op(self, rule, groups, unique, head_index, counts, rho_shape, aggregation, heads) -> RuleOpPlan:
        order, group_index, num_groups = None, None, 0
        where = f"rule {rule.text}"
        if aggregation in ("concat", "softmax"):
            order = index_tensor(np.argsort(head_index, kind="stable"))
        if aggregation == "softmax":
            if rho_shape != SCALAR:
                raise ShapeError(f"{where}: SOFTMAX aggregation needs scalar instance values, got "
                                 f"{rho_shape[0]}x{rho_shape[1]}")
            if rule.agg_group_positions is not None:
                group_index, num_groups = self._softmax_groups(rule, heads)
                agg_shape = SCALAR
            else:
                agg_shape = (int(counts[0]), 1) if counts[0] > 1 else SCALAR
        elif aggregation == "concat":
            size = int(counts[0]) * rho_shape[0] * rho_shape[1]
            agg_shape = (size, 1)
        elif aggregation == "count":
            agg_shape = SCALAR
        else:
            agg_shape = rho_shape
        out_shape = agg_shape
        if rule.head_weight is not None:
            try:
                out_shape = product_shape(self.weight_shapes[rule.head_weight], agg_shape)
            except ShapeError as error:
                raise with_rule(error, rule.text) from None
        if aggregation in ("sum", "avg", "max", "min") and len(unique) == len(head_index) \
                and np.array_equal(head_index, np.arange(len(head_index))):
            aggregation = "none"  # one instance per head, in head order: nothing to aggregate
        transformation = None if self._rule_bypassed(rule) else rule.transformation
        return RuleOpPlan(rule.index, groups, rule.tree, self._rule_bypassed(rule), transformation,
                          aggregation, index_tensor(head_index), index_tensor(counts), len(unique), order,
                          None if group_index is None else index_tensor(group_index), num_groups,
                          rule.head_weight, rho_shape, agg_shape, out_shape, out_shape, 0,
                          rule.offset_weight)

    def _softmax_groups(self, rule, heads):
        terms = self.network.terms_of(heads)
        columns = [self.network.atom_sample[heads]] + [terms[:, p] for p in rule.agg_group_positions]
        keys = joint_keys(columns)[0]
        _, group_index = np.unique(keys, return_inverse=True)
        return group_index, int(group_index.max()) + 1 if len(group_index) else 0

    def _outputs(self, network, samples, layers) -> NetworkPlan:
        out_chunk, out_row, out_sample, out_shapes, targets = [], [], [], [], []
        for i, s in enumerate(samples.tolist()):
            for atom, target, _ in network.queries[s]:
                out_chunk.append(int(self.atom_chunk[atom]))
                out_row.append(int(self.atom_row[atom]))
                out_sample.append(i)
                out_shapes.append(self.chunks[out_chunk[-1]].shape)
                targets.append(target)
        chunk_arr, row_arr = np.array(out_chunk, dtype=np.int64), np.array(out_row, dtype=np.int64)
        groups = []
        for c in np.unique(chunk_arr).tolist():
            pick = np.flatnonzero(chunk_arr == c)
            groups.append((c, index_tensor(row_arr[pick]), index_tensor(pick)))
        return NetworkPlan(self.chunks, layers, out_chunk, index_tensor(row_arr), out_sample, out_shapes, groups,
                           len(samples), targets)


def _mark_duplicate_leaves(leaves) -> None:
    """Structural deduplication: a leaf equal to an earlier one (same chunk, rows, function and
    weight) reuses its value instead of gathering and multiplying again. Exact by construction."""
    for j, leaf in enumerate(leaves):
        for earlier in leaves[:j]:
            if earlier.same_as is None and (earlier.chunk, earlier.weight, earlier.function, earlier.weight_first) \
                    == (leaf.chunk, leaf.weight, leaf.function, leaf.weight_first) \
                    and _same_rows(earlier.rows, leaf.rows):
                leaf.same_as = earlier.slot
                break


def _same_rows(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(torch.equal(a, b))


def _find_leaf(node, slot):
    if isinstance(node, Leaf):
        return node if node.slot == slot else None
    for child in node.children:
        found = _find_leaf(child, slot)
        if found is not None:
            return found
    return None
