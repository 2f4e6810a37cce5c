"""Built-in data that needs no download: generated motif graphs with a small GNN template.

The task: each graph has 6 to 12 nodes of three types (one-hot node features `x(N)`) and is
positive when some edge joins a node of type 0 with a node of type 1. Two message-passing
layers and a max read-out learn it in a few epochs.
"""
from __future__ import annotations

import numpy as np

from ..language.template import Template
from ..language.text import parse_template
from .graphs import GraphDataset

MOTIF_TEMPLATE = """\
% Two message-passing layers (max over neighbours) on x(N) node features and edge(N, M) facts.
{8,3} h1(X) :- x(X).
{8,3} h1(X) :- x(Y), edge(X, Y). [aggregation=max]
h1/1 [activation=relu]
{8,8} h2(X) :- h1(X).
{8,8} h2(X) :- h1(Y), edge(X, Y). [aggregation=max]
h2/1 [activation=relu]
{1,8} predict :- h2(X). [aggregation=max]
predict/0 [activation=sigmoid]
"""

NUM_TYPES = 3


def motif_template() -> Template:
    """Parse the GNN template of the motif task (:data:`MOTIF_TEMPLATE`)."""
    return parse_template(MOTIF_TEMPLATE, source="<builtin motif template>")


def motif_graphs(num_graphs: int = 400, seed: int = 0) -> GraphDataset:
    """Generate `num_graphs` connected graphs, half of them positive (a type-0 node next to a type-1 node).

    Every graph is a random tree plus one extra edge, with edges in both directions. The
    output depends only on `num_graphs` and `seed`.
    """
    rng = np.random.default_rng(seed)
    graphs = []
    remaining = {0: num_graphs - num_graphs // 2, 1: num_graphs // 2}
    while remaining[0] or remaining[1]:
        graph = _random_graph(rng)
        label = int(graph["y"])
        if remaining[label]:
            remaining[label] -= 1
            graphs.append(graph)
    order = rng.permutation(len(graphs))
    return GraphDataset.from_graphs([graphs[i] for i in order])


def _random_graph(rng: np.random.Generator) -> dict:
    n = int(rng.integers(6, 13))
    types = rng.choice(NUM_TYPES, size=n, p=[0.2, 0.2, 0.6])
    parents = np.array([rng.integers(0, i) for i in range(1, n)])
    src = np.concatenate([np.arange(1, n), rng.integers(0, n, 1)])
    dst = np.concatenate([parents, rng.integers(0, n, 1)])
    keep = src != dst
    src, dst = src[keep], dst[keep]
    edge_index = np.stack([np.concatenate([src, dst]), np.concatenate([dst, src])])
    joined = ((types[edge_index[0]] == 0) & (types[edge_index[1]] == 1)).any()
    return {"x": np.eye(NUM_TYPES)[types], "edge_index": edge_index, "y": float(joined)}


BUILTINS = {"motifs": (motif_template, motif_graphs)}


def load_builtin(name: str = "motifs", **options) -> tuple[Template, GraphDataset]:
    """Return (template, dataset) of a built-in task; `options` go to the data generator."""
    template_fn, data_fn = BUILTINS[name]
    return template_fn(), data_fn(**options)
