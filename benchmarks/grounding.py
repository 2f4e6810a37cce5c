"""Grounding benchmark: transitive closure over random DAGs, lrnn's joins beside clingo.

    python benchmarks/grounding.py [--quick] [--sizes 500 2000 8000]

The graphs are disjoint random DAGs of 50 nodes with about 4 out-edges per node (edges
only point to later nodes), so the closure grows linearly with the number of nodes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import markdown_table, measure, save  # noqa: E402
from lrnn import R, Settings, Template, V  # noqa: E402
from lrnn.grounding import FactSet  # noqa: E402
from lrnn.grounding.engine import Grounder  # noqa: E402
from lrnn.program import Program  # noqa: E402

COMPONENT = 50


def random_dag(nodes: int, seed: int = 0) -> np.ndarray:
    """Edges [E, 2] of disjoint random DAGs of COMPONENT nodes, about 4 out-edges per node."""
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(nodes), 4)
    base = src - src % COMPONENT
    span = COMPONENT - src % COMPONENT - 1
    keep = span > 0
    src, base, span = src[keep], base[keep], span[keep]
    dst = src + 1 + (rng.random(len(src)) * span).astype(np.int64)
    edges = np.unique(np.stack([src, dst], axis=1), axis=0)
    return edges


def closure_template() -> Template:
    template = Template()
    template += R.path(V.X, V.Y) <= R.edge(V.X, V.Y)
    template += R.path(V.X, V.Y) <= (R.edge(V.X, V.Z), R.path(V.Z, V.Y))
    return template


def ground_lrnn(edges: np.ndarray) -> tuple[int, int]:
    program = Program(closure_template(), Settings())
    nodes = int(edges.max()) + 1
    ids = np.array([program.vocab.constant(str(i)) for i in range(nodes)], dtype=np.int64)
    facts = FactSet(1)
    rows = np.concatenate([np.zeros((len(edges), 1), dtype=np.int64), ids[edges]], axis=1)
    facts.add_table(program.vocab.predicate("edge", 2), rows, np.full(len(edges), -1, dtype=np.int64))
    tables, instances = Grounder(program).least_model(facts)
    path = tables[program.vocab.predicate("path", 2)]
    return len(path), sum(len(b) for b in instances.values())


def ground_clingo(edges: np.ndarray) -> int:
    import clingo

    control = clingo.Control(["--warn=none"])
    facts = "".join(f"edge({a},{b})." for a, b in edges.tolist())
    control.add("base", [], facts + "path(X,Y) :- edge(X,Y). path(X,Y) :- edge(X,Z), path(Z,Y).")
    control.ground([("base", [])])
    return sum(1 for atom in control.symbolic_atoms.by_signature("path", 2))


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="toy sizes, one repetition")
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 2000, 8000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes, repeat = ([200], 1) if args.quick else (args.sizes, args.repeat)
    try:
        import clingo  # noqa: F401
        have_clingo = True
    except ImportError:
        have_clingo = False
        print("clingo is not installed (pip install clingo): its column is skipped")
    rows = []
    for nodes in sizes:
        edges = random_dag(nodes)
        atoms, substitutions = ground_lrnn(edges)
        lrnn_time = measure(lambda edges=edges: ground_lrnn(edges), repeat=repeat)
        row = {"nodes": nodes, "edges": len(edges), "path atoms": atoms, "substitutions": substitutions,
               "lrnn s": lrnn_time["median"], "lrnn us/substitution": 1e6 * lrnn_time["median"] / substitutions}
        if have_clingo:
            clingo_atoms = ground_clingo(edges)
            if clingo_atoms != atoms:
                raise SystemExit(f"clingo derives {clingo_atoms} path atoms, lrnn {atoms}")
            clingo_time = measure(lambda edges=edges: ground_clingo(edges), repeat=repeat)
            row["clingo s"] = clingo_time["median"]
            row["lrnn / clingo"] = lrnn_time["median"] / clingo_time["median"]
        rows.append(row)
    columns = ["nodes", "edges", "path atoms", "substitutions", "lrnn s", "lrnn us/substitution", "clingo s",
               "lrnn / clingo"]
    print(markdown_table(rows, columns))
    if not args.quick:
        save("grounding", {"rows": rows, "time": time.time()})
    return rows


if __name__ == "__main__":
    main()
