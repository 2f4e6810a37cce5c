"""Vectorized grounding: least models and ground networks as integer arrays."""
from .engine import Grounder
from .facts import FactSet, encode_samples
from .network import GroundNetwork, RuleInstances, build_network

__all__ = ["Grounder", "FactSet", "encode_samples", "GroundNetwork", "RuleInstances", "build_network"]
