"""lrnn: Lifted Relational Neural Networks in pure PyTorch."""
from .datasets import Dataset, Sample
from .errors import (
                     CyclicGroundingError,
                     DatasetError,
                     GroundingError,
                     GroundingLimitError,
                     InputFactError,
                     LrnnError,
                     ParseError,
                     QueryError,
                     SettingsError,
                     ShapeError,
                     StratificationError,
                     TemplateError,
                     UnknownFunctionError,
                     UnsafeRuleError,
                     UnsupportedOptionError,
                     WeightError,
)
from .grounding.inference import InferenceEngine
from .language import Aggregation, C, Combination, F, Metadata, R, Template, Transformation, V
from .language.text import load_dataset, load_template, parse_dataset, parse_facts, parse_template
from .model import BuiltDataset, Model
from .settings import Initializer, Settings

__version__ = "0.1.0"

__all__ = [
    "Dataset", "Sample", "CyclicGroundingError", "DatasetError", "GroundingError", "GroundingLimitError",
    "InputFactError", "LrnnError", "ParseError", "QueryError", "SettingsError", "ShapeError",
    "StratificationError", "TemplateError", "UnknownFunctionError", "UnsafeRuleError", "UnsupportedOptionError",
    "WeightError", "Aggregation", "C", "Combination", "F", "Metadata", "R", "Template", "Transformation", "V",
    "Initializer", "Settings", "load_dataset", "load_template", "parse_dataset", "parse_facts",
    "parse_template", "BuiltDataset", "Model", "InferenceEngine",
]
