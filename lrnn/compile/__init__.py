"""Compilation of ground networks into layered index-tensor plans."""
from .compiler import Compiler
from .plan import AtomGroupPlan, ChunkPlan, LayerPlan, LeafPlan, NetworkPlan, RuleOpPlan

__all__ = ["Compiler", "AtomGroupPlan", "ChunkPlan", "LayerPlan", "LeafPlan", "NetworkPlan", "RuleOpPlan"]
