"""Synthetic molecule-like graphs for the scaling benchmark: 30 atoms, 32 bonds and 3 rings each.

Each graph is a chain of 30 atoms (29 bonds) plus 3 bonds that close rings of six atoms
starting at random chain positions 0, 8 and 16 or later, so the rings never share a bond.
Every bond is listed in both directions (64 directed edges). Atom types are drawn from 8
types with frequencies close to Mutagenesis (mostly carbon and hydrogen). Labels are
random 0/1. Only the time and memory of training are measured, so labels need no meaning.
"""
from __future__ import annotations

import numpy as np

from benchmarks.mutagenesis import Graphs

ATOMS = 30
RING_STARTS = (0, 8, 16)    # a ring closes chain positions a and a + 5, with a drawn in [start, start + 3)
TYPE_FREQUENCIES = np.array([0.001, 0.49, 0.005, 0.003, 0.31, 0.001, 0.07, 0.12])


def synthetic_molecules(num_graphs: int, seed: int = 0, num_types: int = 8) -> Graphs:
    """`num_graphs` molecule-like graphs as :class:`Graphs` (numpy, no Python loop over graphs)."""
    rng = np.random.default_rng(seed)
    chain = np.stack([np.arange(ATOMS - 1), np.arange(1, ATOMS)])                  # [2, 29]
    starts = np.array(RING_STARTS)[None, :] + rng.integers(0, 3, size=(num_graphs, len(RING_STARTS)))
    rings = np.stack([starts, starts + 5], axis=1)                                  # [G, 2, 3]
    bonds = np.concatenate([np.broadcast_to(chain, (num_graphs, 2, ATOMS - 1)), rings], axis=2)  # [G, 2, 32]
    directed = np.concatenate([bonds, bonds[:, ::-1]], axis=2)                     # [G, 2, 64]
    offsets = (np.arange(num_graphs) * ATOMS)[:, None, None]
    edge_index = (directed + offsets).transpose(1, 0, 2).reshape(2, -1).astype(np.int64)

    frequencies = TYPE_FREQUENCIES[:num_types] / TYPE_FREQUENCIES[:num_types].sum()
    types = rng.choice(num_types, size=num_graphs * ATOMS, p=frequencies)
    x = np.zeros((num_graphs * ATOMS, num_types), dtype=np.float32)
    x[np.arange(len(types)), types] = 1.0
    batch = np.repeat(np.arange(num_graphs, dtype=np.int64), ATOMS)
    y = rng.integers(0, 2, size=num_graphs).astype(np.float32)
    return Graphs(x, edge_index, batch, y)
