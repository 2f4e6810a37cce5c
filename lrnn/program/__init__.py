"""Normalised programs: the template with interned symbols, resolved functions and weights."""
from .normalize import Program
from .records import Leaf, LiteralRec, Node, RelationRec, RuleRec, TemplateFact, Vocabulary, WeightDecl

__all__ = ["Program", "Leaf", "LiteralRec", "Node", "RelationRec", "RuleRec", "TemplateFact",
           "Vocabulary", "WeightDecl"]
