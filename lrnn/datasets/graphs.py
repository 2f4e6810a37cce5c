"""`GraphDataset`: graphs given as arrays (node features, edge list, labels) turned into facts in bulk.

Each graph is one sample. Its nodes are the constants `0 .. n-1` (the node's position inside its
graph), node features become facts `x(node)` whose value is the feature vector, edges become facts
`edge(src, dst)` whose value is the edge feature vector (1.0 without edge features). Graph labels
become the query `predict` with the label as target; node labels become queries `predict(node)`.
The predicate names are arguments.

The facts are written straight into integer tables (:meth:`GraphDataset.encode_facts`), with no
Python loop over nodes or edges. Measured on 2 CPU cores, `Model.build_dataset` takes about 2 s for
10,000 graphs of 20 nodes and 40 edges each.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DatasetError
from ..grounding.facts import FactSet

LEVELS = ("graph", "node")


class GraphDataset:
    """Graphs as arrays in the PyTorch Geometric layout, one sample per graph.

    Args:
        x: node features `[N, F]` (vector facts of size F) or `[N]` (scalar facts), or None for
            facts without a value (the default fact value).
        edge_index: `[2, E]` source and target node of every edge, as indices into the rows of `x`.
            An undirected graph lists both directions.
        y: graph labels `[G]` or `[G, k]`, or node labels `[N]` or `[N, k]`, or None (no targets).
        edge_attr: edge features `[E, D]` or `[E]`, the values of the edge facts, or None.
        batch: graph of every node `[N]`, sorted (0, 0, 1, 1, 1, 2, ...). None means one graph.
        node_mask: with node labels, a boolean `[N]` selecting the nodes that get a query.
        level: "graph" or "node": whether `y` labels graphs or nodes. None infers it from the
            length of `y` and raises when both fit.
        num_nodes: number of nodes when `x` is None (default: 1 + the largest index in `edge_index`).
        feature_name, edge_name, output_name: predicate names of node facts, edge facts and queries.

    Shapes:
        x: [N, F], edge_index: [2, E], edge_attr: [E, D], batch: [N], y: [G, k] or [N, k].

    Example:
        >>> import numpy as np
        >>> graphs = GraphDataset(x=np.eye(3), edge_index=np.array([[0, 1], [1, 2]]),
        ...                       y=np.array([1.0, 0.0]), batch=np.array([0, 0, 1]))
        >>> len(graphs), graphs.num_nodes, graphs.num_edges
        (2, 3, 2)
    """

    def __init__(self, x=None, edge_index=None, y=None, edge_attr=None, *, batch=None, node_mask=None,
                 level: str | None = None, num_nodes: int | None = None, feature_name: str = "x",
                 edge_name: str = "edge", output_name: str = "predict"):
        self.edge_index = _edge_index(edge_index)
        self.x = None if x is None else _float_rows(x, "x")
        if self.x is not None:
            self.num_nodes = len(self.x)
        elif num_nodes is not None:
            self.num_nodes = int(num_nodes)
        else:
            self.num_nodes = int(self.edge_index.max()) + 1 if self.edge_index.size else 0
        self.num_edges = self.edge_index.shape[1]
        self.edge_attr = None if edge_attr is None else _float_rows(edge_attr, "edge_attr")
        self.batch = self._batch(batch)
        self.num_graphs = int(self.batch[-1]) + 1 if self.num_nodes else 0
        self.feature_name, self.edge_name, self.output_name = feature_name, edge_name, output_name
        self._check_sizes()
        self.level = self._level(y, level)
        self.y = None if y is None else _float_rows(y, "y")
        self.node_mask = self._node_mask(node_mask)

    # -- other sources --
    @classmethod
    def from_graphs(cls, graphs: Sequence, level: str = "graph", **names) -> GraphDataset:
        """Build from a list of graphs, each a mapping with `x` (or `num_nodes`), `edge_index`
        (node indices local to the graph), and optionally `edge_attr`, `y` and `node_mask`.

        `names` are the predicate names (`feature_name`, `edge_name`, `output_name`).
        """
        return cls(**concatenate_graphs(graphs, level), **names)

    @classmethod
    def from_pyg(cls, data, level: str = "graph", node_mask: str | None = None, **names) -> GraphDataset:
        """Build from a PyTorch Geometric `Data` or `Batch`, or a dataset (a sequence of `Data`).

        Args:
            data: the graphs; `x`, `edge_index`, `edge_attr` and `y` are read from each.
            level: "graph" when `y` labels graphs, "node" when it labels nodes.
            node_mask: with node labels, the name of a boolean node attribute (e.g. "train_mask")
                that selects the nodes to query.
            names: predicate names (`feature_name`, `edge_name`, `output_name`).

        Raises:
            ImportError: when torch_geometric is not installed.
        """
        try:
            from torch_geometric.data import Batch, Data
        except ImportError as error:
            raise ImportError("GraphDataset.from_pyg needs PyTorch Geometric: pip install torch-geometric") \
                from error
        if isinstance(data, (Data, Batch)):
            graphs = [data]
            batch = getattr(data, "batch", None) if isinstance(data, Batch) else None
            if batch is not None:
                return cls(data.x, data.edge_index, data.y, getattr(data, "edge_attr", None), batch=batch,
                           level=level, num_nodes=data.num_nodes, node_mask=_pyg_mask(data, node_mask),
                           **names)
        else:
            graphs = list(data)
        dicts = [{"x": g.x, "num_nodes": g.num_nodes, "edge_index": g.edge_index, "y": g.y,
                  "edge_attr": getattr(g, "edge_attr", None), "node_mask": _pyg_mask(g, node_mask)}
                 for g in graphs]
        return cls.from_graphs(dicts, level, **names)

    @classmethod
    def from_networkx(cls, graphs, node_attr: str | None = "x", edge_attr: str | None = None,
                      label: str | None = "y", level: str = "graph", **names) -> GraphDataset:
        """Build from one networkx graph or a list of them.

        Nodes are numbered in the order of `graph.nodes`. An undirected graph gives both
        directions of every edge.

        Args:
            graphs: a `networkx.Graph` (or `DiGraph`), or a list of them.
            node_attr: node attribute with the node features; None or absent: facts without values.
            edge_attr: edge attribute with the edge features, or None.
            label: with level "graph", the key of the label in `graph.graph`; with level "node",
                the node attribute with the label. None: no targets.
            level: "graph" or "node".
            names: predicate names (`feature_name`, `edge_name`, `output_name`).

        Raises:
            ImportError: when networkx is not installed.
        """
        try:
            import networkx as nx
        except ImportError as error:
            raise ImportError("GraphDataset.from_networkx needs networkx: pip install networkx") from error
        if isinstance(graphs, nx.Graph):
            graphs = [graphs]
        return cls.from_graphs([_networkx_arrays(g, node_attr, edge_attr, label, level) for g in graphs],
                               level, **names)

    # -- validation --
    def _batch(self, batch) -> np.ndarray:
        if batch is None:
            return np.zeros(self.num_nodes, dtype=np.int64)
        batch = np.asarray(batch)
        if batch.shape != (self.num_nodes,) or not np.issubdtype(batch.dtype, np.integer):
            raise DatasetError(f"batch must be an integer array [{self.num_nodes}] (one graph id per node), "
                               f"got {batch.dtype} {list(batch.shape)}")
        batch = batch.astype(np.int64)
        if len(batch) and (batch[0] != 0 or np.any(np.diff(batch) < 0) or np.any(np.diff(batch) > 1)):
            raise DatasetError("batch must be sorted and count graphs from 0 without gaps "
                               "(0, 0, 1, 1, 1, 2, ...); order the nodes by graph first")
        return batch

    def _check_sizes(self) -> None:
        if self.num_nodes == 0:
            raise DatasetError("the graph dataset is empty: it has no nodes")
        if self.edge_index.size and (self.edge_index.min() < 0 or self.edge_index.max() >= self.num_nodes):
            raise DatasetError(f"edge_index refers to node {int(self.edge_index.max())} but there are only "
                               f"{self.num_nodes} nodes (rows of x)")
        if self.edge_attr is not None and len(self.edge_attr) != self.num_edges:
            raise DatasetError(f"edge_attr has {len(self.edge_attr)} rows but edge_index has {self.num_edges} "
                               "edges; give one row per edge")
        crossing = np.flatnonzero(self.batch[self.edge_index[0]] != self.batch[self.edge_index[1]])
        if len(crossing):
            e = int(crossing[0])
            src, dst = (int(v) for v in self.edge_index[:, e])
            raise DatasetError(f"edge {e} ({src} -> {dst}) connects graph {int(self.batch[src])} with graph "
                               f"{int(self.batch[dst])}; edges must stay inside one graph")

    def _level(self, y, level) -> str:
        if level is not None and level not in LEVELS:
            raise DatasetError(f"level must be 'graph' or 'node', got {level!r}")
        if y is None:
            return level or "graph"
        rows = len(np.asarray(y).reshape(len(y), -1)) if np.ndim(y) else 0
        fits = [name for name, count in (("graph", self.num_graphs), ("node", self.num_nodes)) if rows == count]
        if level is not None:
            if level not in fits:
                expected = self.num_graphs if level == "graph" else self.num_nodes
                raise DatasetError(f"y has {rows} rows but there are {expected} {level}s; give one label "
                                   f"per {level}")
            return level
        if not fits:
            raise DatasetError(f"y has {rows} rows, but there are {self.num_graphs} graphs and {self.num_nodes} "
                               "nodes; give one label per graph or one per node")
        if len(fits) == 2:
            raise DatasetError(f"y has {rows} rows, one per graph and one per node; pass level='graph' or "
                               "level='node'")
        return fits[0]

    def _node_mask(self, node_mask) -> np.ndarray | None:
        if node_mask is None:
            return None
        if self.level != "node":
            raise DatasetError("node_mask selects node queries, so it needs node labels (level='node')")
        mask = np.asarray(node_mask)
        if mask.shape != (self.num_nodes,) or mask.dtype != bool:
            raise DatasetError(f"node_mask must be a boolean array [{self.num_nodes}], got {mask.dtype} "
                               f"{list(mask.shape)}")
        return mask

    # -- sizes and names --
    def __len__(self) -> int:
        return self.num_graphs

    def __repr__(self) -> str:
        return (f"GraphDataset({self.num_graphs} graphs, {self.num_nodes} nodes, {self.num_edges} edges, "
                f"{self.level} labels)")

    @property
    def node_ptr(self) -> np.ndarray:
        """First node of every graph, and the node count at the end: `[G + 1]`."""
        counts = np.bincount(self.batch, minlength=self.num_graphs)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def sample_names(self) -> list[str]:
        return [f"graph {g}" for g in range(self.num_graphs)]

    # -- the bulk hook of Model.build_dataset --
    def encode_facts(self, program) -> tuple[FactSet, list, list[str]]:
        """Intern the graphs as facts of `program` (see :func:`lrnn.grounding.encode_samples`).

        Returns:
            the fact set, per graph its queries as `(pred, pattern, target, text)`, and the
            sample names `graph 0`, `graph 1`, ...

        Raises:
            DatasetError: when no rule of the template derives the output predicate.
        """
        vocab = program.vocab
        ptr = self.node_ptr
        local = np.arange(self.num_nodes, dtype=np.int64) - ptr[self.batch]
        max_nodes = int(np.max(np.diff(ptr)))
        node_const = np.array([vocab.constant(str(i)) for i in range(max_nodes)], dtype=np.int64)
        facts = FactSet(self.num_graphs)

        node_pred = vocab.predicate(self.feature_name, 1)
        rows = np.stack([self.batch, node_const[local]], axis=1)
        facts.add_table(node_pred, rows, _append_values(facts, self.x, self.num_nodes))

        if self.num_edges:
            src, dst = self.edge_index
            edge_pred = vocab.predicate(self.edge_name, 2)
            rows = np.stack([self.batch[src], node_const[local[src]], node_const[local[dst]]], axis=1)
            facts.add_table(edge_pred, rows, _append_values(facts, self.edge_attr, self.num_edges))

        _add_template_facts(program, facts)
        return facts, self._queries(program, node_const, local), self.sample_names()

    def _queries(self, program, node_const, local) -> list[list]:
        arity = 0 if self.level == "graph" else 1
        pred = program.vocab.predicate(self.output_name, arity)
        if pred not in program.head_predicates():
            raise DatasetError(f"no rule of the template derives {self.output_name}/{arity}, the output of this "
                               f"graph dataset; add such a rule or pass output_name=<a head predicate>")
        targets = [None] * (self.num_graphs if self.level == "graph" else self.num_nodes)
        if self.y is not None:
            targets = list(_as_values(self.y))
        if self.level == "graph":
            return [[(pred, [], targets[g], self.output_name)] for g in range(self.num_graphs)]
        queries: list[list] = [[] for _ in range(self.num_graphs)]
        nodes = np.arange(self.num_nodes) if self.node_mask is None else np.flatnonzero(self.node_mask)
        for node, graph, position in zip(nodes.tolist(), self.batch[nodes].tolist(), local[nodes].tolist()):
            queries[graph].append((pred, [int(node_const[position])], targets[node],
                                   f"{self.output_name}({position})"))
        empty = [g for g, q in enumerate(queries) if not q]
        if empty:
            raise DatasetError(f"graph {empty[0]} has no node in node_mask, so it has no query; "
                               "drop it or select one of its nodes")
        return queries


# -- conversion helpers --
def _edge_index(edge_index) -> np.ndarray:
    if edge_index is None:
        return np.zeros((2, 0), dtype=np.int64)
    array = np.asarray(_numpy(edge_index))
    if array.size == 0:
        return np.zeros((2, 0), dtype=np.int64)
    if array.ndim != 2 or array.shape[0] != 2 or not np.issubdtype(array.dtype, np.integer):
        raise DatasetError(f"edge_index must be an integer array [2, E], got {array.dtype} {list(array.shape)}")
    return array.astype(np.int64)


def _float_rows(values, name: str) -> np.ndarray:
    array = np.asarray(_numpy(values), dtype=np.float64)
    if array.ndim not in (1, 2):
        raise DatasetError(f"{name} must be an array [n] or [n, k], got shape {list(array.shape)}")
    return array


def _numpy(values):
    return values.detach().cpu().numpy() if hasattr(values, "detach") else values


def _as_values(rows: np.ndarray) -> np.ndarray:
    """Rows `[n]` or `[n, k]` as 2-D fact values `[n, 1, 1]` or column vectors `[n, k, 1]`."""
    return rows.reshape(len(rows), -1, 1)


def _append_values(facts: FactSet, rows: np.ndarray | None, count: int) -> np.ndarray:
    """Append one value per row to `facts.values`; return the value references (-1: no value)."""
    if rows is None:
        return np.full(count, -1, dtype=np.int64)
    start = len(facts.values)
    facts.values.extend(_as_values(rows))  # one block of [count, r, c]
    return np.arange(start, start + count, dtype=np.int64)


def _add_template_facts(program, facts: FactSet) -> None:
    """Copy every template fact into every sample, as `encode_samples` does."""
    samples = np.arange(facts.num_samples, dtype=np.int64)
    for t, fact in enumerate(program.template_facts):
        columns = [samples] + [np.full(len(samples), c, dtype=np.int64) for c in fact.const_ids]
        facts.add_table(fact.pred, np.stack(columns, axis=1), np.full(len(samples), -2 - t, dtype=np.int64))


def concatenate_graphs(graphs: Sequence, level: str = "graph") -> dict:
    """Join per-graph arrays (node indices local to each graph) into one batch in the PyG layout.

    Each graph is a mapping with `x` or `num_nodes`, and optionally `edge_index` (local indices),
    `edge_attr` and `y` (one label of any shape with level "graph", one row per node with level
    "node"). Returns keyword arguments of :class:`GraphDataset`.
    """
    if level not in LEVELS:
        raise DatasetError(f"level must be 'graph' or 'node', got {level!r}")
    if not graphs:
        raise DatasetError("the graph dataset is empty: no graphs given")
    sizes = []
    for i, graph in enumerate(graphs):
        if graph.get("x") is not None:
            sizes.append(len(graph["x"]))
        elif graph.get("num_nodes") is not None:
            sizes.append(int(graph["num_nodes"]))
        else:
            raise DatasetError(f"graph {i} has neither node features x nor num_nodes")
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    edges = [_edge_index(g.get("edge_index")) + offsets[i] for i, g in enumerate(graphs)]
    result = {"edge_index": np.concatenate(edges, axis=1),
              "batch": np.repeat(np.arange(len(graphs), dtype=np.int64), sizes),
              "num_nodes": int(offsets[-1]), "level": level}
    for key in ("x", "edge_attr", "y", "node_mask"):
        present = [g.get(key) is not None for g in graphs]
        if any(present) and not all(present):
            raise DatasetError(f"graph {present.index(False)} has no {key} but other graphs have one")
        if not all(present):
            continue
        parts = [np.asarray(_numpy(g[key])) for g in graphs]
        if key == "y" and level == "graph":  # one label per graph: a row of the label array
            parts = [p.reshape(1, -1) for p in parts]
        result[key] = np.concatenate(parts)
    if "y" in result and level == "graph" and result["y"].shape[1] == 1:
        result["y"] = result["y"][:, 0]
    return result


def _pyg_mask(data, name: str | None):
    if name is None:
        return None
    mask = getattr(data, name, None)
    if mask is None:
        raise DatasetError(f"the PyG graph has no node attribute {name!r} to use as node_mask")
    return mask


def _networkx_arrays(graph, node_attr, edge_attr, label, level) -> dict:
    """Convert one networkx graph into the per-graph mapping of :func:`concatenate_graphs`."""
    nodes = list(graph.nodes)
    position = {node: i for i, node in enumerate(nodes)}
    edges = list(graph.edges(data=True))
    if not graph.is_directed():
        edges += [(v, u, data) for u, v, data in edges if u != v]
    arrays: dict = {"num_nodes": len(nodes),
                    "edge_index": np.array([[position[u] for u, _, _ in edges],
                                            [position[v] for _, v, _ in edges]], dtype=np.int64).reshape(2, -1)}
    if node_attr is not None and nodes and all(node_attr in graph.nodes[n] for n in nodes):
        arrays["x"] = np.array([np.asarray(graph.nodes[n][node_attr], dtype=np.float64) for n in nodes])
    if edge_attr is not None and edges:
        missing = [(u, v) for u, v, data in edges if edge_attr not in data]
        if missing:
            raise DatasetError(f"edge {missing[0]} has no attribute {edge_attr!r}")
        arrays["edge_attr"] = np.array([np.asarray(data[edge_attr], dtype=np.float64) for _, _, data in edges])
    if label is not None and level == "graph" and label in graph.graph:
        arrays["y"] = np.asarray(graph.graph[label], dtype=np.float64)
    elif label is not None and level == "node" and all(label in graph.nodes[n] for n in nodes):
        arrays["y"] = np.array([np.asarray(graph.nodes[n][label], dtype=np.float64) for n in nodes])
    return arrays
