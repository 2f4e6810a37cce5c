"""The built-in motif task: deterministic, balanced, and valid for its template."""
from __future__ import annotations

import numpy as np

from lrnn.datasets.builtin import load_builtin, motif_graphs
from lrnn.model import Model


def test_motifs_balanced_and_seeded():
    first, again = motif_graphs(40, seed=3), motif_graphs(40, seed=3)
    assert len(first) == 40
    assert first.y.sum() == 20
    assert np.array_equal(first.edge_index, again.edge_index)
    assert not np.array_equal(first.edge_index.shape, motif_graphs(40, seed=4).edge_index.shape) or \
        not np.array_equal(first.y, motif_graphs(40, seed=4).y)


def test_motif_labels_match_rule():
    graphs = motif_graphs(30, seed=1)
    types = graphs.x.argmax(axis=1)
    src, dst = graphs.edge_index
    joined = (types[src] == 0) & (types[dst] == 1)
    positive = np.zeros(len(graphs), dtype=bool)
    positive[graphs.batch[src[joined]]] = True
    assert np.array_equal(positive.astype(float), graphs.y)


def test_builtin_builds():
    template, graphs = load_builtin(num_graphs=20)
    model = Model(template)
    built = model.build_dataset(graphs)
    assert model(built).shape == (20,)
