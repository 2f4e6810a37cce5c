"""Samples, datasets and loaders: Python samples, graph arrays, NeuraLogic directories, built-in data."""
from .sample import Dataset, Sample  # noqa: I001  (sample first: the text parser imports it)
from .graphs import GraphDataset
from .neuralogic import load_neuralogic_dir

__all__ = ["Dataset", "GraphDataset", "Sample", "load_neuralogic_dir"]
