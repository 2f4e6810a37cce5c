"""End-to-end GNN training benchmarks: lrnn beside PyTorch Geometric, plain torch and PyNeuraLogic.

One configuration is one system training one model (GCN, GraphSAGE or GIN) on one set of
graphs. `run_config` builds the system's inputs from the numpy graphs (timed as the build),
checks its outputs against the plain torch sparse model with the same weights, and times
training epochs (forward, backward and an Adam step with lr 1e-3 on the binary cross
entropy) at each requested batch size:

- `"full"`: every graph in one step (PyG: one `Batch` collated at build time),
- `32`, `1`: mini-batches of a new random permutation each epoch (lrnn:
  `model(built, samples=idx)` on the built dataset; PyG: a shuffling `DataLoader` that
  collates every epoch; plain torch: batches collated once at build time, in a fixed
  order; PyNeuraLogic: only batch 1, its Java training loop).

With `baseline=True` the plain torch sparse model is timed in the same process, its
epochs interleaved with the system's, so the ratio sees the same machine load.

Run one configuration in a fresh process (what `python -m benchmarks` does in full mode)::

    python -m benchmarks.e2e '{"workload": "mutagenesis", "system": "lrnn", "model": "gcn"}'

It prints one line `RESULT <json>`.
"""
from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks import baselines
from benchmarks.baselines import LAYERS, TorchGNN, copy_parameters, dense_inputs, sparse_inputs
from benchmarks.mutagenesis import Graphs, load_mutagenesis, load_samples, samples_to_graphs

SYSTEMS = ("lrnn", "lrnn-text", "pyg", "torch-sparse", "torch-dense", "pyneuralogic")
HIDDEN = 10
LEARNING_RATE = 1e-3


# -- graphs of a configuration --
def load_graphs(config: dict) -> Graphs:
    if config["workload"] == "mutagenesis":
        graphs = load_mutagenesis(config.get("data"))
        if config.get("num_graphs"):
            graphs = graphs.subset(np.arange(min(config["num_graphs"], graphs.num_graphs)))
        return graphs
    from benchmarks.scaling import synthetic_molecules

    return synthetic_molecules(config["num_graphs"], seed=config.get("seed", 0))


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synchronize(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def batches(num_graphs: int, batch_size, generator: np.random.Generator) -> list[np.ndarray]:
    """Graph indices of each step of one epoch: all graphs, or chunks of a random permutation."""
    if batch_size == "full":
        return [np.arange(num_graphs)]
    order = generator.permutation(num_graphs)
    return [order[i:i + batch_size] for i in range(0, num_graphs, batch_size)]


# -- systems --
class Runner:
    """One system: `build` from numpy graphs, `outputs` for the check, `epoch_fn` per batch size."""

    batch_sizes = ("full", 32, 1)

    def __init__(self, kind: str, in_features: int, device: str):
        self.kind, self.in_features, self.device = kind, in_features, device

    def build(self, graphs: Graphs) -> None:
        raise NotImplementedError

    def load(self, reference: TorchGNN) -> None:
        """Copy the reference model's weights."""
        raise NotImplementedError

    def outputs(self) -> torch.Tensor:
        raise NotImplementedError

    def epoch_fn(self, batch_size) -> Callable[[], None]:
        raise NotImplementedError


def _train_step(model, optimizer, output, target) -> None:
    optimizer.zero_grad()
    F.binary_cross_entropy(output, target).backward()
    optimizer.step()


class LrnnRunner(Runner):
    def __init__(self, kind: str, in_features: int, device: str):
        super().__init__(kind, in_features, device)
        import lrnn
        from lrnn.zoo import models

        self.template = getattr(models, kind)(in_features, hidden=HIDDEN, layers=LAYERS[kind])
        self.model = self.template.build(lrnn.Settings(device=device))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.generator = np.random.default_rng(0)

    def dataset(self, graphs: Graphs):
        """The graphs as a `GraphDataset`; GCN graphs get the `gcn_norm(j, i)[c]` edge facts of `gcn_norm`."""
        from lrnn.datasets import GraphDataset
        from lrnn.zoo import gcn_norm

        if self.kind != "gcn":
            return GraphDataset(graphs.x, graphs.edge_index, graphs.y, batch=graphs.batch)
        index, norm = gcn_norm(torch.from_numpy(graphs.edge_index), len(graphs.x))
        return GraphDataset(graphs.x, index.numpy(), graphs.y, norm.numpy(), batch=graphs.batch, edge_name="gcn_norm")

    def build(self, graphs: Graphs) -> None:
        self.built = self.model.build_dataset(self.dataset(graphs))
        self.target = torch.from_numpy(graphs.y).to(self.device)

    def load(self, reference: TorchGNN) -> None:
        from lrnn.zoo import load_pyg_weights

        for k, conv in enumerate(reference.convs):
            load_pyg_weights(self.model, self.template.layers[f"conv{k + 1}"], conv)
        load_pyg_weights(self.model, self.template.layers["lin"], reference.lin)

    def outputs(self) -> torch.Tensor:
        return self.model(self.built)

    def epoch_fn(self, batch_size):
        def epoch():
            for index in batches(len(self.built), batch_size, self.generator):
                samples = None if batch_size == "full" else index
                target = self.target if batch_size == "full" else self.target[torch.from_numpy(index)]
                _train_step(self.model, self.optimizer, self.model(self.built, samples=samples), target)

        return epoch


class LrnnTextRunner(LrnnRunner):
    """lrnn building from the NeuraLogic text files: parse, convert to graphs, build the dataset."""

    batch_sizes = ()

    def build(self, graphs: Graphs) -> None:
        parsed = samples_to_graphs(load_samples(self.data))
        if parsed.num_graphs > graphs.num_graphs:  # quick mode benchmarks the first graphs only
            parsed = parsed.subset(range(graphs.num_graphs))
        super().build(parsed)


class TorchRunner(Runner):
    """Plain torch, `mode` "sparse" (index_add_ over the edge list) or "dense" (padded adjacency and bmm)."""

    def __init__(self, kind: str, in_features: int, device: str, mode: str = "sparse"):
        super().__init__(kind, in_features, device)
        self.mode = mode
        self.model = TorchGNN(kind, in_features, HIDDEN).to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)

    def _inputs(self, graphs: Graphs):
        inputs = sparse_inputs(graphs, self.kind) if self.mode == "sparse" else dense_inputs(graphs, self.kind)
        return inputs.to(self.device)

    def build(self, graphs: Graphs) -> None:
        self.full = self._inputs(graphs)

    def build_minibatches(self, graphs: Graphs, batch_sizes) -> None:
        """Collate fixed mini-batches once, outside the timed build and epochs."""
        self.minibatches = {}
        for size in [b for b in batch_sizes if b != "full"]:
            chunks = batches(graphs.num_graphs, size, np.random.default_rng(0))
            self.minibatches[size] = [self._inputs(graphs.subset(chunk)) for chunk in chunks]

    def load(self, reference: TorchGNN) -> None:
        copy_parameters(reference, self.model)

    def outputs(self) -> torch.Tensor:
        return self.model(self.full)

    def epoch_fn(self, batch_size):
        steps = [self.full] if batch_size == "full" else self.minibatches[batch_size]

        def epoch():
            for inputs in steps:
                _train_step(self.model, self.optimizer, self.model(inputs), inputs.y)

        return epoch


class PygRunner(Runner):
    def __init__(self, kind: str, in_features: int, device: str):
        super().__init__(kind, in_features, device)
        self.model = baselines.pyg_model(kind, in_features, HIDDEN).to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)

    def build(self, graphs: Graphs) -> None:
        from torch_geometric.data import Batch

        self.data_list = baselines.pyg_data_list(graphs)
        self.full = Batch.from_data_list(self.data_list).to(self.device)

    def load(self, reference: TorchGNN) -> None:
        copy_parameters(reference, self.model)

    def _forward(self, batch) -> torch.Tensor:
        return self.model(batch.x, batch.edge_index, batch.batch, batch.num_graphs)

    def outputs(self) -> torch.Tensor:
        return self._forward(self.full)

    def epoch_fn(self, batch_size):
        if batch_size == "full":
            return lambda: _train_step(self.model, self.optimizer, self._forward(self.full), self.full.y)
        from torch_geometric.loader import DataLoader

        loader = DataLoader(self.data_list, batch_size=batch_size, shuffle=True,
                            generator=torch.Generator().manual_seed(0))

        def epoch():
            for batch in loader:
                batch = batch.to(self.device)
                _train_step(self.model, self.optimizer, self._forward(batch), batch.y)

        return epoch


class PyNeuraLogicAdapter(Runner):
    batch_sizes = (1,)

    def __init__(self, kind: str, in_features: int, device: str):
        super().__init__(kind, in_features, device)
        from benchmarks.pyneuralogic import PyNeuraLogicRunner

        self.runner = PyNeuraLogicRunner(kind, in_features)

    def build(self, graphs: Graphs) -> None:
        self.phases = self.runner.build(graphs)

    def epoch_fn(self, batch_size):
        return self.runner.epoch


def make_runner(system: str, kind: str, in_features: int, device: str, data=None) -> Runner:
    if system == "lrnn":
        return LrnnRunner(kind, in_features, device)
    if system == "lrnn-text":
        runner = LrnnTextRunner(kind, in_features, device)
        runner.data = data
        return runner
    if system == "pyg":
        return PygRunner(kind, in_features, device)
    if system in ("torch-sparse", "torch-dense"):
        return TorchRunner(kind, in_features, device, system.split("-")[1])
    if system == "pyneuralogic":
        return PyNeuraLogicAdapter(kind, in_features, "cpu")
    raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")


def missing_package(system: str) -> str | None:
    """None when the system's optional package is importable, else the reason to skip it."""
    if system == "pyg":
        try:
            import torch_geometric  # noqa: F401
        except ImportError as error:
            return f"torch_geometric is not installed ({error}); pip install torch-geometric"
    if system == "pyneuralogic":
        from benchmarks.pyneuralogic import available

        return available()
    return None


# -- timing --
def time_interleaved(functions: dict[str, Callable[[], None]], repeats: int, warmup: int, device) -> dict:
    """Median, min and max seconds of each function; repeats alternate between the functions."""
    for _ in range(warmup):
        for fn in functions.values():
            fn()
    synchronize(device)
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            synchronize(device)
            samples[name].append(time.perf_counter() - start)
    return {name: {"median": statistics.median(t), "min": min(t), "max": max(t), "runs": len(t)}
            for name, t in samples.items()}


def time_builds(build: Callable[[], None], repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times)}


def check_outputs(runner: Runner, expected: torch.Tensor, system: str) -> float:
    """Largest absolute difference to the reference outputs; raises when it exceeds 1e-4."""
    with torch.no_grad():
        got = runner.outputs().detach().float().cpu()
    difference = float((got - expected).abs().max())
    if difference > 1e-4:
        raise AssertionError(f"{system} computes a different function than plain torch with the same weights: "
                             f"max |difference| {difference:.3g}")
    return difference


def run_config(config: dict) -> list[dict]:
    """Build, check and time one configuration; return one row per batch size (or one build-only row).

    Config keys: `workload` ("mutagenesis" or "scaling"), `system`, `model` ("gcn", "sage",
    "gin"), optional `num_graphs`, `batch_sizes` (default: all the system supports),
    `repeats` (epochs timed per batch size, a dict keyed by batch size), `build_repeats`,
    `warmup`, `baseline` (time plain torch sparse in the same process), `device`, `threads`,
    `data` (Mutagenesis folder).
    """
    torch.set_num_threads(config.get("threads", 2))
    torch.manual_seed(0)
    system, kind, device = config["system"], config["model"], config.get("device", "cpu")
    rss_start = peak_rss_mib()
    graphs = load_graphs(config)
    requested = config.get("batch_sizes")
    runner = make_runner(system, kind, graphs.num_features, device, config.get("data"))
    sizes = [b for b in (requested or runner.batch_sizes) if b in runner.batch_sizes]

    build = time_builds(lambda: runner.build(graphs), config.get("build_repeats", 1))
    common = {"workload": config["workload"], "model": kind, "system": system, "graphs": graphs.num_graphs,
              "device": device if system != "pyneuralogic" else "cpu", "build_s": build["median"],
              "build_min_s": build["min"], "build_runs": build["runs"]}
    if system == "pyneuralogic":
        common["build_phases"] = runner.phases

    reference = TorchGNN(kind, graphs.num_features, HIDDEN).to(device)
    baseline = None
    if system != "pyneuralogic":
        runner.load(reference)
        expected = reference(sparse_inputs(graphs, kind).to(device)).detach().float().cpu()
        common["max_difference"] = check_outputs(runner, expected, system)
    if isinstance(runner, TorchRunner):
        runner.build_minibatches(graphs, sizes)
    if config.get("baseline") and system != "torch-sparse":
        baseline = TorchRunner(kind, graphs.num_features, device, "sparse")
        baseline.build(graphs)
        baseline.build_minibatches(graphs, sizes)
        baseline.load(reference)

    rows = []
    repeats = config.get("repeats", {})
    for size in sizes:
        functions = {"system": runner.epoch_fn(size)}
        if baseline is not None:
            functions["baseline"] = baseline.epoch_fn(size)
        timing = time_interleaved(functions, int(repeats.get(str(size), 5)), config.get("warmup", 1), device)
        row = dict(common, batch=size, epoch_ms=1e3 * timing["system"]["median"],
                   epoch_min_ms=1e3 * timing["system"]["min"], epoch_max_ms=1e3 * timing["system"]["max"],
                   epoch_runs=timing["system"]["runs"])
        if baseline is not None:
            row["baseline_ms"] = 1e3 * timing["baseline"]["median"]
            row["ratio"] = timing["system"]["median"] / timing["baseline"]["median"]
        rows.append(row)
    if not rows:
        rows.append(dict(common, batch="-"))
    for row in rows:
        row["peak_rss_mib"] = peak_rss_mib()
        row["rss_before_mib"] = rss_start
    return rows


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m benchmarks.e2e '<configuration as JSON>'")
    print("RESULT " + json.dumps(run_config(json.loads(sys.argv[1]))), flush=True)
