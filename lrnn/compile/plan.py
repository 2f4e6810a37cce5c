"""Compiled network plans: layers of index tensors plus sizes as Python ints.

A plan is data that contains no weights, and it and can be moved to a device with :meth:`NetworkPlan.to`.
Values live in *chunks*: each chunk is a tensor `[rows, r, c]` of atoms with one value
shape. Layer 0 chunks hold facts; every atom group of a later layer writes one chunk.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import torch
from torch import Tensor

from ..language.functions import Function


def index_tensor(array) -> Tensor:
    """Return an int64 index tensor sharing memory with `array` where it already is int64."""
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))


def _move(obj, device):
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Tensor):
            setattr(obj, f.name, value.to(device))
        elif isinstance(value, list):
            setattr(obj, f.name, [_move(v, device) if hasattr(v, "__dataclass_fields__") else
                                  v.to(device) if isinstance(v, Tensor) else v for v in value])
        elif hasattr(value, "__dataclass_fields__"):
            _move(value, device)
    return obj


@dataclass
class ChunkPlan:
    """Source of a chunk's values.

    kind: "data" (rows `index` of the dataset's fact values of this shape), "param"
    (template facts: weights `weights`), "constant" (every row equals `constant`) or
    "derived" (written by an atom group).
    """

    kind: str
    shape: tuple[int, int]
    size: int
    index: Tensor | None = None
    weights: list[int] = field(default_factory=list)
    constant: float = 1.0
    row_sample: np.ndarray | None = None   # sample of each row (sorted); None for shared rows


@dataclass
class LeafPlan:
    """One value-carrying literal of an instance group: rows of chunk `chunk`, then function and weight."""

    slot: int
    chunk: int
    rows: Tensor | None   # None: instance i reads row i of the chunk (no gather needed)
    function: Function | None
    weight: int | None
    in_shape: tuple[int, int]
    weight_shape: tuple[int, int] | None
    weight_first: bool   # apply the weight to the whole chunk, then gather (fewer rows than instances)
    same_as: int | None = None  # slot of an earlier leaf with the same chunk, rows, function and weight


@dataclass
class InstanceGroupPlan:
    """Instances of one rule whose body atoms come from the same chunks."""

    size: int
    leaves: list[LeafPlan]
    sample: np.ndarray | None = None       # sample of each instance (sorted)


@dataclass
class RuleOpPlan:
    """Instances of one rule at one layer with one value shape, aggregated per head.

    Shapes:
        head_index: [G] in [0, num_heads), G = sum of the groups' sizes (groups concatenated)
        head_counts: [num_heads]
        order: [G] instance order sorted by head (CONCAT and SOFTMAX aggregations)
        group_index: [G] softmax group of each instance (SOFTMAX with agg_terms)
    """

    rule: int
    groups: list[InstanceGroupPlan]
    tree: object
    combination_bypassed: bool
    transformation: Function | None
    aggregation: str
    head_index: Tensor
    head_counts: Tensor
    num_heads: int
    order: Tensor | None
    group_index: Tensor | None
    num_groups: int
    head_weight: int | None
    rho_shape: tuple[int, int]
    agg_shape: tuple[int, int]
    out_shape: tuple[int, int]
    table: tuple[int, int]
    table_offset: int
    offset_weight: int | None = None
    head_sample: np.ndarray | None = None  # sample of each head (sorted)


@dataclass
class AtomGroupPlan:
    """Derived atoms of one relation and input pattern: combine rule contributions, transform.

    `inputs[j]` is (contribution table shape, rows `[num_atoms]`) of the j-th contribution.
    """

    pred: int
    inputs: list[tuple[tuple[int, int], Tensor]]
    input_shapes: list[tuple[int, int]]
    offset_weight: int | None
    combination: Function | None
    transformation: Function | None
    chunk: int
    num_atoms: int
    out_shape: tuple[int, int]
    identity_input: bool = False  # the single input is the whole contribution table in order
    # Scatter form (SUM or AVG over any number of rules): contribution rows of table
    # `input_shapes[0]` added into atom rows `scatter_target`; `counts` per atom for AVG.
    scatter_source: Tensor | None = None
    scatter_target: Tensor | None = None
    scatter_sample: np.ndarray | None = None
    counts: Tensor | None = None
    target_by_row: Tensor | None = None  # when the sources are the whole table: target of each row


@dataclass
class LayerPlan:
    ops: list[RuleOpPlan]
    atom_groups: list[AtomGroupPlan]
    table_sizes: dict[tuple[int, int], int]


@dataclass
class NetworkPlan:
    """The whole compiled network of a set of samples.

    `output_chunk[i]`, `output_row[i]` locate query i; `output_sample[i]` is its position
    among the plan's samples and `output_shape[i]` its value shape.
    """

    chunks: list[ChunkPlan]
    layers: list[LayerPlan]
    output_chunk: list[int]
    output_row: Tensor
    output_sample: list[int]
    output_shapes: list[tuple[int, int]]
    output_groups: list[tuple[int, Tensor, Tensor]]   # (chunk, rows, positions in the output order)
    num_samples: int
    targets: list

    def to(self, device) -> NetworkPlan:
        return _move(self, torch.device(device))
