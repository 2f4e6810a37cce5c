"""The template language: the Python DSL and the NeuraLogic text format."""
from .dsl import Atom, Expression, Metadata, R, RelationSettings, Rule
from .functions import Aggregation, Combination, F, Function, Transformation
from .template import Template
from .terms import C, Constant, V, Variable
from .values import ValueSpec

__all__ = ["Atom", "Expression", "Metadata", "R", "RelationSettings", "Rule", "F", "Aggregation",
           "Combination", "Function", "Transformation", "Template", "C", "Constant", "V", "Variable",
           "ValueSpec"]
