"""PyTorch integration: an LRNN template as a layer inside any torch model."""
from .module import NeuraLogic

__all__ = ["NeuraLogic"]
