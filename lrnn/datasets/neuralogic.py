"""Load a dataset directory in the NeuraLogic layout: a template, `examples.txt` and `queries.txt`.

The layout of the PyNeuraLogic datasets (for example `molecules/mutagenesis/`)::

    examples.txt        one example per line (or `id :- facts.`)
    queries.txt         one labelled query per line (`1.0 predict.`), optional
    templates/          template files; `template.txt` by default
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from ..errors import DatasetError
from ..language.template import Template
from ..language.text import load_dataset, load_template
from .sample import Dataset

logger = logging.getLogger(__name__)

EXAMPLES_FILE = "examples.txt"
QUERIES_FILE = "queries.txt"


def load_neuralogic_dir(path, template: str | Path = "template.txt") -> tuple[Template, Dataset]:
    """Read the template and the dataset of a NeuraLogic dataset directory in one call.

    Args:
        path: the directory with `examples.txt`, an optional `queries.txt` and the template.
        template: the template file, relative to `path/templates/` or to `path` (tried in this
            order), or an absolute path.

    Returns:
        (template, dataset): the parsed template and one sample per query.

    Raises:
        DatasetError: the directory, the examples file or the template file does not exist.
        ParseError: a file has invalid syntax; the message starts with `file:line:column`.

    Example:
        >>> template, dataset = load_neuralogic_dir("data/molecules/mutagenesis")  # doctest: +SKIP
        >>> len(dataset)  # doctest: +SKIP
        188
    """
    start = time.perf_counter()
    directory = Path(path)
    if not directory.is_dir():
        raise DatasetError(f"dataset directory {str(directory)!r} not found")
    examples = directory / EXAMPLES_FILE
    if not examples.is_file():
        raise DatasetError(f"{str(directory)!r} has no {EXAMPLES_FILE}; a NeuraLogic dataset directory needs "
                           f"{EXAMPLES_FILE} and usually {QUERIES_FILE} and templates/")
    queries = directory / QUERIES_FILE
    template_path = find_template(directory, template)
    parsed_template = load_template(template_path)
    dataset = load_dataset(examples, queries if queries.is_file() else None)
    if len(dataset) == 0:
        raise DatasetError(f"{str(examples)!r} contains no examples")
    logger.info("read %s: %d samples, template %s (%.3f s)", directory, len(dataset), template_path.name,
                time.perf_counter() - start)
    return parsed_template, dataset


def find_template(directory: Path, template: str | Path) -> Path:
    """Locate `template` in `directory/templates/`, in `directory`, or as given."""
    template = Path(template)
    candidates = [template] if template.is_absolute() else [directory / "templates" / template,
                                                              directory / template, template]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(repr(str(c)) for c in candidates)
    available = sorted(p.name for p in (directory / "templates").glob("*.txt"))
    hint = f"; templates/ contains {', '.join(available)}" if available else ""
    raise DatasetError(f"template file {str(template)!r} not found (tried {tried}){hint}")
