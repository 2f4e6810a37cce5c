"""The NeuraLogic text format: parse templates, examples and queries into DSL objects.

Templates: `parse_template(text)` and `load_template(path)`. Data: `parse_dataset(examples,
queries)` and `load_dataset(examples_path, queries_path)`. Both raise :class:`ParseError`
(or a more precise :class:`LrnnError`) whose message starts with `file:line:column`.
"""
from .dataset import load_dataset, parse_dataset, parse_facts
from .files import load_template, parse_template

__all__ = ["load_dataset", "load_template", "parse_dataset", "parse_facts", "parse_template"]
