"""Targets of a built dataset as one tensor, checked once against the shapes of the outputs."""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..errors import DatasetError


class TargetTable:
    """The targets of every query of a built dataset, flattened, with per-sample offsets.

    `take(samples)` returns the targets of a batch in the order `model(built, samples=...)`
    returns its outputs: samples in the given order, the queries of a sample in query order.

    Raises:
        DatasetError: a query has no target, or its target size differs from the size of its
            value. The message names the sample and the query.
    """

    def __init__(self, model, built, dtype: torch.dtype | None = None, device=None):
        plan = model.plan(built)
        sizes, rows = [], []
        position = 0
        for s, queries in enumerate(built.network.queries):
            for _, target, text in queries:
                shape = tuple(plan.output_shapes[position])
                position += 1
                where = f"sample {built.sample_names[s]}: query {text}"
                if target is None:
                    raise DatasetError(f"{where} has no target value; write one before the query, as in "
                                       "'1.0 predict.' or R.predict[1.0]")
                if np.size(target) != shape[0] * shape[1]:
                    raise DatasetError(f"{where} has a target of shape {list(np.shape(target))} but its value has "
                                       f"shape {list(shape)}; give targets of the output's shape")
                rows.append(np.asarray(target, dtype=np.float64).reshape(-1))
            sizes.append(len(queries))
        self.ptr = torch.as_tensor(np.concatenate([[0], np.cumsum(sizes)]), dtype=torch.long)
        self.sizes = [row.size for row in rows]
        same = len(set(self.sizes)) == 1
        dtype = dtype or model.settings.dtype
        # one row per query when every target has the same size, else one flat vector of elements
        values = np.stack(rows) if same else np.concatenate(rows)
        self.values = torch.as_tensor(values, dtype=dtype, device=device)
        self.elem_ptr = None if same else torch.as_tensor(np.concatenate([[0], np.cumsum(self.sizes)]))

    def query_index(self, samples) -> Tensor:
        """Positions of the queries of `samples` among all queries."""
        samples = torch.as_tensor(samples, dtype=torch.long).reshape(-1)
        starts, counts = self.ptr[samples], self.ptr[samples + 1] - self.ptr[samples]
        offsets = torch.arange(int(counts.sum())) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
        return torch.repeat_interleave(starts, counts) + offsets

    def take(self, samples, like: Tensor | list) -> Tensor:
        """Targets of `samples` shaped like the outputs `like` (a tensor, or a list of tensors)."""
        queries = self.query_index(samples)
        if self.elem_ptr is None:
            target = self.values[queries.to(self.values.device)]
            return target.reshape(like.shape) if isinstance(like, Tensor) else target.reshape(-1)
        parts = [torch.arange(int(self.elem_ptr[q]), int(self.elem_ptr[q + 1])) for q in queries.tolist()]
        return self.values[torch.cat(parts).to(self.values.device)]


def flatten_outputs(outputs: Tensor | list) -> Tensor:
    """Outputs of mixed shapes (a list) as one flat vector; a tensor is returned as it is."""
    if isinstance(outputs, Tensor):
        return outputs
    return torch.cat([o.reshape(-1) for o in outputs])
