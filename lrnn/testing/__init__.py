"""Correctness oracles: a naive reference grounder and a per-atom reference evaluator.

Both follow the language semantics directly, one substitution and one atom at a time, so
tests can compare them with the vectorized grounder and the compiled executor.
"""
from .reference_eval import reference_eval, reference_values
from .reference_grounder import ReferenceGrounding, ground_graph_cycle, reference_ground, vectorized_ground

__all__ = ["ReferenceGrounding", "ground_graph_cycle", "reference_eval", "reference_ground",
           "reference_values", "vectorized_ground"]
