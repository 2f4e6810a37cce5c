"""`Model`: a built template as a ``torch.nn.Module``, and `BuiltDataset`, its compiled input."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from .compile import Compiler, NetworkPlan
from .compile.batching import PlanSlicer
from .datasets.sample import Dataset, Sample
from .errors import DatasetError
from .grounding import build_network, encode_samples
from .nn.executor import Executor
from .nn.functions import glorot_bound
from .program import Program
from .progress import progress_bar
from .settings import Settings

logger = logging.getLogger(__name__)

PLAN_CACHE_SIZE = 64  # compiled plans kept per built dataset for batches that slicing does not cover


def natural_shape(shape) -> tuple[int, ...]:
    """Torch shape of a value: scalar [], column vector [n], row vector [1, n], matrix [r, c]."""
    r, c = shape
    if r == c == 1:
        return ()
    if c == 1:
        return (r,)
    return (r, c)


def _move_values(value: Tensor, device) -> Tensor:
    if isinstance(value, nn.Parameter):
        return nn.Parameter(value.detach().to(device))
    return value.to(device)


@dataclass
class BuiltDataset:
    """Samples grounded once and compiled; any subset of them forms a batch without grounding again.

    Attributes:
        network: the relevant ground network of all samples.
        fact_values: example fact values stacked by value shape, `{(r, c): [n, r, c]}`.
        num_samples: number of samples.
        targets: per sample, the targets of its queries (None where a query has none).
    """

    network: object
    fact_values: dict
    fact_shapes: np.ndarray
    fact_rows: np.ndarray
    num_samples: int
    targets: list
    sample_names: list
    _plans: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.num_samples

    def parameters(self) -> list[Tensor]:
        """Fact values that are learnable (built with `Settings(learnable_facts=True)`), else []."""
        return [v for v in self.fact_values.values() if isinstance(v, nn.Parameter)]

    def state_dict(self) -> dict[str, Tensor]:
        """Fact values by shape key `"r x c"`, for saving learnable fact values with torch.save."""
        return {f"{r}x{c}": v.detach() for (r, c), v in self.fact_values.items()}

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        with torch.no_grad():
            for (r, c), value in self.fact_values.items():
                value.copy_(state[f"{r}x{c}"])

    def to(self, device) -> BuiltDataset:
        self.fact_values = {k: _move_values(v, device) for k, v in self.fact_values.items()}
        self._plans = {k: p.to(device) for k, p in self._plans.items() if isinstance(p, NetworkPlan)}
        return self

    def fact_value_slots(self) -> list[tuple[tuple[int, int], int]]:
        """Locate each example fact value as `(shape, row)`, the value being `fact_values[shape][row]`.

        Entries are indexed like `network.values`: the valued example facts in the order the
        samples list them, then values computed for builtin `_eval` facts.
        """
        return [((int(shape[0]), int(shape[1])), int(row)) for shape, row in zip(self.fact_shapes, self.fact_rows)]

    def target_tensor(self, indices=None, dtype=torch.float32) -> Tensor:
        """Targets of the given samples (all by default) stacked in one tensor."""
        indices = range(self.num_samples) if indices is None else indices
        rows = []
        for i in indices:
            targets = self.targets[i]
            if any(t is None for t in targets):
                raise DatasetError(f"sample {self.sample_names[i]} has a query without a target value")
            rows.extend(torch.as_tensor(t, dtype=dtype).reshape(natural_shape(t.shape)) for t in targets)
        shapes = {tuple(r.shape) for r in rows}
        if len(shapes) > 1:
            raise DatasetError(f"targets have different shapes {sorted(shapes)}; they cannot be stacked")
        return torch.stack(rows) if rows else torch.zeros(0, dtype=dtype)


class Model(nn.Module):
    """A template compiled into a torch module. Weights are ``nn.Parameter`` entries of `weights`.

    Example:
        >>> import torch
        >>> from lrnn import R, V, C, Template, Sample, Dataset, Settings
        >>> template = Template()
        >>> template += R.h(V.X)[0.5] <= R.f(V.X)
        >>> model = template.build(Settings(dtype=torch.float64))
        >>> built = model.build_dataset(Dataset([Sample(R.h(C.a), [R.f(C.a)[2.0]])]))
        >>> model(built)
        tensor([1.], dtype=torch.float64, grad_fn=<...>)
    """

    def __init__(self, template, settings: Settings | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.template = template
        self.program = Program(template, self.settings)
        self.weights = nn.ParameterDict()
        self._weight_keys: list[str] = []
        self.weight_shapes = [decl.shape for decl in self.program.weights]
        for decl in self.program.weights:
            self._weight_keys.append(decl.key)
            tensor = torch.zeros(natural_shape(decl.shape), dtype=self.settings.dtype)
            if decl.fixed:
                self.register_buffer(f"fixed_{decl.key}", tensor, persistent=False)
            else:
                self.weights[decl.key] = nn.Parameter(tensor)
        self.reset_parameters()
        self.to(self.settings.device)
        self._executor = Executor(self.weight, self.weight_shapes)

    # -- weights --
    def weight(self, index: int) -> Tensor:
        """Weight `index` as a 2-D matrix view (scalar 1x1, column n x 1, row 1 x n)."""
        decl = self.program.weights[index]
        tensor = getattr(self, f"fixed_{decl.key}") if decl.fixed else self.weights[decl.key]
        return tensor.reshape(decl.shape)

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Set explicit initial values and draw the others with the settings' initializer."""
        init = self.settings.initializer
        for decl in self.program.weights:
            tensor = getattr(self, f"fixed_{decl.key}") if decl.fixed else self.weights[decl.key]
            if decl.initial is not None:
                tensor.copy_(torch.as_tensor(decl.initial, dtype=tensor.dtype).reshape(tensor.shape))
                continue
            rows, cols = decl.shape
            if init.name == "glorot":
                bound = glorot_bound(decl.shape, decl.gain)
                tensor.uniform_(-bound, bound, generator=generator)
            elif init.name == "uniform":
                tensor.uniform_(-init.scale / 2, init.scale / 2, generator=generator)
            elif init.name == "normal":
                tensor.normal_(0.0, init.scale, generator=generator)
            elif init.name == "constant":
                tensor.fill_(init.scale)
            elif init.name == "he":
                tensor.normal_(0.0, (2.0 / cols) ** 0.5, generator=generator)
            else:  # torch
                bound = 1.0 / cols ** 0.5
                tensor.uniform_(-bound, bound, generator=generator)

    def named_weights(self) -> dict[str, Tensor]:
        """Return every weight, fixed ones included, by its key."""
        return {decl.key: self.weight(i).reshape(natural_shape(decl.shape))
                for i, decl in enumerate(self.program.weights)}

    # -- data --
    def build_dataset(self, dataset, progress: bool | None = None) -> BuiltDataset:
        """Ground and compile `dataset` (a Dataset, a list of Samples, or an object with `encode_facts`).

        Each phase (encoding, grounding, compilation) logs one INFO line with counts and seconds.
        With `progress` (default `settings.progress`), a tqdm bar steps through the phases:
        True and False force it on or off, None shows it on a terminal or in a notebook.
        """
        if isinstance(dataset, Sample):
            dataset = Dataset([dataset])
        show = self.settings.progress if progress is None else progress
        bar = progress_bar(show, total=3, desc="encoding", unit="phase", leave=False)
        start = time.perf_counter()
        if hasattr(dataset, "encode_facts"):  # array-backed datasets intern their facts in bulk
            facts, queries, names = dataset.encode_facts(self.program)
            samples = names
        else:
            samples = list(dataset)
            if not samples:
                raise DatasetError("the dataset is empty; add samples before building it")
            facts, queries = encode_samples(self.program, samples)
        names = [s if isinstance(s, str) else s.name or str(i) for i, s in enumerate(samples)]
        encoded = time.perf_counter()
        logger.info("encoded %d samples: %d facts, %d fact values (%.3f s)", len(samples),
                    sum(len(rows) for rows in facts.rows.values()), len(facts.values), encoded - start)
        bar.update(1)
        bar.set_description("grounding")
        network = build_network(self.program, facts, queries, sample_names=names)
        grounded = time.perf_counter()
        logger.info("grounded %d samples: %d atoms, %d rule instances (%.3f s)", len(samples),
                    len(network.atom_pred), sum(len(i.head) for i in network.instances.values()),
                    grounded - encoded)
        bar.update(1)
        bar.set_description("compiling")
        fact_values, fact_shapes, fact_rows = self._stack_values(network.values)
        built = BuiltDataset(network, fact_values, fact_shapes, fact_rows, len(samples),
                             [[t for _, t, _ in q] for q in network.queries], names)
        built._plans[None] = self._compile(built, None)
        bar.update(1)
        bar.close()
        logger.info("compiled %d samples: %d layers (%.3f s)", len(samples), len(built._plans[None].layers),
                    time.perf_counter() - grounded)
        return built

    def _stack_values(self, values):
        arrays, shapes, rows = values.stack_by_shape()
        stacked = {shape: torch.as_tensor(array, dtype=self.settings.dtype, device=self._device())
                   for shape, array in arrays.items()}
        if self.settings.learnable_facts:  # per-dataset parameters, see BuiltDataset.parameters()
            stacked = {shape: nn.Parameter(value) for shape, value in stacked.items()}
        return stacked, shapes, rows

    def _compile(self, built: BuiltDataset, samples) -> NetworkPlan:
        compiler = Compiler(self.program, self.weight_shapes, built.fact_shapes, built.fact_rows)
        plan = compiler.compile(built.network, samples)
        device = self._device()
        return plan.to(device) if device.type != "cpu" else plan

    def plan(self, built: BuiltDataset, samples=None) -> NetworkPlan:
        """Return the compiled plan of some samples of `built` (all by default).

        A subset is cut from the whole dataset's plan by slicing its index tensors
        (:class:`~lrnn.compile.batching.PlanSlicer`). Slicing does not cover grouped softmax
        aggregations, so those plans are compiled from the stored ground network.
        """
        if samples is None:
            return built._plans[None]
        batch = np.asarray(samples, dtype=np.int64).reshape(-1)
        if batch.size and (batch.min() < 0 or batch.max() >= built.num_samples):
            raise DatasetError(f"sample indices must lie in [0, {built.num_samples}), got {batch.tolist()}")
        slicer = built._plans.get("slicer")
        if slicer is None:
            network = built.network
            slicer = built._plans["slicer"] = PlanSlicer(built._plans[None], network.query_example,
                                                         network.num_examples)
        if slicer.supported:
            return slicer.slice(batch)
        cache = built._plans.setdefault("compiled", OrderedDict())
        key = tuple(batch.tolist())
        found = cache.pop(key, None)
        if found is None:
            found = self._compile(built, batch)
        cache[key] = found
        while len(cache) > PLAN_CACHE_SIZE:  # shuffled batches rarely repeat: keep the recent ones
            cache.popitem(last=False)
        return found

    def _device(self) -> torch.device:
        for tensor in self.parameters():
            return tensor.device
        for tensor in self.buffers():
            return tensor.device
        return self.settings.device

    # -- forward --
    def forward(self, built: BuiltDataset, samples=None, fact_values: dict | None = None):
        """Evaluate the queries of `built` (or of the listed samples).

        Args:
            built: a dataset from :meth:`build_dataset`.
            samples: indices of the samples to evaluate, in the order wanted (a mini-batch);
                None evaluates all. The batch is cut from the compiled dataset, not grounded again.
            fact_values: replacement example fact values by value shape `{(r, c): [..., n, r, c]}`,
                laid out like `built.fact_values`; leading dimensions form a batch.

        Returns:
            a tensor `[num_queries, ...]` when every query value has the same shape (scalars give
            `[num_queries]`, column vectors `[num_queries, n]`), else a list of tensors in query order.
        """
        device = self._device()
        full = built._plans[None]
        if full.output_row.device != device:  # the model moved since the dataset was built
            built.to(device)
        plan = self.plan(built, samples)
        if plan.output_row.device != device:
            plan = plan.to(device)
        values = self._executor.run(plan, fact_values if fact_values is not None else built.fact_values,
                                    self.settings.dtype, device)
        return self._outputs(plan, values)

    def run_plan(self, plan: NetworkPlan, fact_values: dict, dtype: torch.dtype, device) -> Tensor | list:
        """Evaluate a compiled plan (from :meth:`plan`) on `fact_values`; returns what `forward` returns.

        The plan, the fact values and the weights must already be on `device`.
        """
        return self._outputs(plan, self._executor.run(plan, fact_values, dtype, device))

    def _outputs(self, plan, values):
        if len({tuple(s) for s in plan.output_shapes}) == 1:
            shape = plan.output_shapes[0]
            parts = [values[c] if rows is None else values[c].index_select(values[c].dim() - 3, rows)
                     for c, rows, _ in plan.output_groups]
            if len(parts) == 1:
                out = parts[0]
            else:
                lead = torch.broadcast_shapes(*(p.shape[:-3] for p in parts))
                stacked = torch.cat([p.expand(*lead, *p.shape[-3:]) for p in parts], dim=-3)
                positions = torch.cat([pos for _, _, pos in plan.output_groups])
                inverse = torch.empty_like(positions)
                inverse[positions] = torch.arange(len(positions), device=positions.device)
                out = stacked.index_select(stacked.dim() - 3, inverse)
            return out.reshape((*out.shape[:-2], *natural_shape(shape)))
        outputs = []
        for c, row, shape in zip(plan.output_chunk, plan.output_row.tolist(), plan.output_shapes):
            value = values[c].select(values[c].dim() - 3, row)
            outputs.append(value.reshape((*value.shape[:-2], *natural_shape(shape))))
        return outputs
