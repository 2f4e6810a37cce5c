"""Mutagenesis molecules as numpy graphs: atoms are nodes with one-hot atom types, bonds are edges.

The NeuraLogic files list each molecule as facts such as `c(d1_1)` (atom `d1_1` is a carbon),
`bond(d1_1, d1_2, 7)` (a directed bond with bond id 7) and `b_7(7)` (the bond type), and
`queries.txt` has one `<label> predict.` line per molecule. `load_mutagenesis` parses both
with `lrnn.load_dataset` and returns the 188 molecules (4,893 atoms, 10,486 directed bonds)
as :class:`Graphs` in the PyTorch Geometric layout. Bond types are not used.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import lrnn

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED_DATA = REPOSITORY.parent / "shared" / "data" / "neuralogic" / "molecules" / "mutagenesis"


@dataclass
class Graphs:
    """Graphs in the PyTorch Geometric layout, concatenated.

    Shapes:
        x: [N, F] float32 node features, edge_index: [2, E] int64 (global node indices,
        source row 0, target row 1), batch: [N] int64 graph of every node (sorted),
        y: [G] float32 graph labels.
    """

    x: np.ndarray
    edge_index: np.ndarray
    batch: np.ndarray
    y: np.ndarray

    @property
    def num_graphs(self) -> int:
        return len(self.y)

    @property
    def num_features(self) -> int:
        return self.x.shape[1]

    @property
    def node_ptr(self) -> np.ndarray:
        """First node of every graph and the node count at the end: [G + 1]."""
        counts = np.bincount(self.batch, minlength=self.num_graphs)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def edge_ptr(self) -> np.ndarray:
        """First edge of every graph and the edge count at the end: [G + 1]; edges must be sorted by graph."""
        counts = np.bincount(self.batch[self.edge_index[0]], minlength=self.num_graphs)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def graph(self, g: int, node_ptr=None, edge_ptr=None) -> tuple[np.ndarray, np.ndarray]:
        """Node features and local edge_index of graph `g`."""
        node_ptr = self.node_ptr if node_ptr is None else node_ptr
        edge_ptr = self.edge_ptr() if edge_ptr is None else edge_ptr
        first, last = node_ptr[g], node_ptr[g + 1]
        return self.x[first:last], self.edge_index[:, edge_ptr[g]:edge_ptr[g + 1]] - first

    def subset(self, graphs) -> Graphs:
        """Return the listed graphs (in that order), renumbered from 0."""
        graphs = np.asarray(graphs, dtype=np.int64)
        node_ptr, edge_ptr = self.node_ptr, self.edge_ptr()
        parts = [self.graph(int(g), node_ptr, edge_ptr) for g in graphs]
        sizes = [len(x) for x, _ in parts]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        edge_index = np.concatenate([e + offsets[i] for i, (_, e) in enumerate(parts)], axis=1)
        return Graphs(np.concatenate([x for x, _ in parts]), edge_index,
                      np.repeat(np.arange(len(graphs), dtype=np.int64), sizes), self.y[graphs])

    def describe(self) -> str:
        return (f"{self.num_graphs} graphs, {len(self.x)} nodes, {self.edge_index.shape[1]} directed edges, "
                f"{self.num_features} node features")


def find_data(path=None) -> Path:
    """Find the folder with Mutagenesis `examples.txt` and `queries.txt`.

    Looks at `path`, then at the shared data folder next to this repository, then inside
    the installed `neuralogic` package.

    Raises:
        FileNotFoundError: no candidate folder has both files.
    """
    candidates = [Path(path)] if path is not None else [SHARED_DATA]
    if path is None:
        try:
            import neuralogic
        except ImportError:
            pass
        else:
            package = Path(neuralogic.__file__).parent
            candidates.append(package / "utils" / "data" / "datasets" / "molecules" / "mutagenesis")
    for folder in candidates:
        if (folder / "examples.txt").is_file() and (folder / "queries.txt").is_file():
            return folder
    raise FileNotFoundError(f"Mutagenesis examples.txt and queries.txt not found in {[str(c) for c in candidates]}; "
                            "pass the folder that holds them")


def load_samples(path=None) -> lrnn.Dataset:
    """Parse Mutagenesis from its NeuraLogic text files."""
    folder = find_data(path)
    return lrnn.load_dataset(folder / "examples.txt", folder / "queries.txt")


def samples_to_graphs(samples) -> Graphs:
    """Convert parsed molecules into :class:`Graphs`.

    Every unary fact whose predicate is not a bond type (`b_<k>`) names an atom type; atom
    types are sorted by name and one-hot encoded. Edges are the `bond(a, b, id)` facts in
    file order; the files list both directions of every bond.
    """
    molecules = []
    atom_types: set[str] = set()
    for sample in samples:
        atoms: list[tuple[str, str]] = []
        bonds: list[tuple[str, str]] = []
        for fact in sample.facts:
            if fact.name == "bond" and len(fact.terms) == 3:
                bonds.append((str(fact.terms[0]), str(fact.terms[1])))
            elif len(fact.terms) == 1 and not fact.name.startswith("b_"):
                atoms.append((str(fact.terms[0]), fact.name))
                atom_types.add(fact.name)
        label = float(np.asarray(sample.query.value.initial).reshape(-1)[0])
        molecules.append((atoms, bonds, label))

    type_index = {name: k for k, name in enumerate(sorted(atom_types))}
    xs, edges, labels = [], [], []
    offset = 0
    for atoms, bonds, label in molecules:
        position = {atom: i for i, (atom, _) in enumerate(atoms)}
        x = np.zeros((len(atoms), len(type_index)), dtype=np.float32)
        x[np.arange(len(atoms)), [type_index[t] for _, t in atoms]] = 1.0
        local = np.array([[position[a] for a, _ in bonds], [position[b] for _, b in bonds]], dtype=np.int64)
        xs.append(x)
        edges.append(local.reshape(2, -1) + offset)
        labels.append(label)
        offset += len(atoms)
    sizes = [len(x) for x in xs]
    return Graphs(np.concatenate(xs), np.concatenate(edges, axis=1),
                  np.repeat(np.arange(len(xs), dtype=np.int64), sizes), np.array(labels, dtype=np.float32))


def load_mutagenesis(path=None) -> Graphs:
    """Mutagenesis as :class:`Graphs` (parsed from the NeuraLogic text files)."""
    return samples_to_graphs(load_samples(path))


if __name__ == "__main__":
    print(load_mutagenesis().describe())
