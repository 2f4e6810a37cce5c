"""Samples, datasets and loaders."""
from .sample import Dataset, Sample

__all__ = ["Dataset", "Sample"]
