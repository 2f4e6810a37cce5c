"""Logic-only inference: least models and query results without building a network.

Example:
    >>> from lrnn import R, V, C, Template
    >>> from lrnn.grounding.inference import InferenceEngine
    >>> template = Template()
    >>> template += R.path(V.X, V.Y) <= R.edge(V.X, V.Y)
    >>> template += R.path(V.X, V.Y) <= (R.path(V.X, V.Z), R.edge(V.Z, V.Y))
    >>> engine = InferenceEngine(template)
    >>> engine.query(R.path(C.a, V.Y), [R.edge(C.a, C.b), R.edge(C.b, C.c)])
    [{'Y': 'b'}, {'Y': 'c'}]
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import TemplateError
from ..language.dsl import Atom
from ..language.terms import Constant, Variable
from .engine import Grounder
from .facts import encode_samples


@dataclass
class _Example:
    """Facts of one example without queries, the input `encode_samples` expects."""

    facts: list
    queries: list = field(default_factory=list)
    name: str | None = None


class InferenceEngine:
    """Evaluate logic queries on a template with lrnn's vectorized grounder, ignoring weights.

    Args:
        template: a :class:`lrnn.Template`; it may have no weights at all.
        settings: :class:`lrnn.Settings` (only `max_groundings` matters); defaults to `Settings()`.
    """

    def __init__(self, template, settings=None):
        from ..program import Program
        from ..settings import Settings

        self.template = template
        self.program = Program(template, settings or Settings())

    def _tables(self, facts) -> dict[int, np.ndarray]:
        encoded, _ = encode_samples(self.program, [_Example(list(facts))])
        tables, _ = Grounder(self.program).least_model(encoded)
        return tables

    def model(self, facts) -> set[str]:
        """Texts of every atom true in the least model of the template and `facts`.

        Atoms read `name(c1, c2)`, or `name` for arity 0. Facts are included; the values of
        `*_eval` builtins are not atoms and are left out.
        """
        vocab = self.program.vocab
        result = set()
        for pred, rows in self._tables(facts).items():
            if vocab.predicates[pred][0].startswith("@"):
                continue
            result.update(vocab.atom_text(pred, row[1:]) for row in rows)
        return result

    def query(self, atom: Atom, facts) -> list[dict[str, str]]:
        """Return the substitutions of the variables of `atom` that make it true, one dict each.

        The substitutions are distinct and sorted by the constants' texts in variable order. A ground
        atom gives `[{}]` when it is true and `[]` when it is not.

        Raises:
            TemplateError: `atom` is not a plain atom (negated, a builtin or with a function).
        """
        if not isinstance(atom, Atom) or atom.negated or atom.special or atom.function is not None:
            raise TemplateError(f"invalid query {atom!r}: write a plain atom such as R.path(V.X, C.b)")
        tables = self._tables(facts)
        vocab = self.program.vocab
        pred = vocab.predicate_ids.get((atom.name, atom.arity))
        rows = tables.get(pred) if pred is not None else None
        if rows is None or len(rows) == 0:
            return []
        mask = np.ones(len(rows), dtype=bool)
        first: dict[str, int] = {}
        for position, term in enumerate(atom.terms):
            column = rows[:, 1 + position]
            if isinstance(term, Constant):
                constant = vocab.constant_ids.get(term.name)
                mask &= column == (constant if constant is not None else -1)
            elif isinstance(term, Variable) and term.name in first:
                mask &= column == rows[:, 1 + first[term.name]]  # a repeated variable
            else:
                first[term.name] = position
        names = [name for name in first if not name.startswith("_")]
        found = {tuple(vocab.constants[int(row[1 + first[n]])] for n in names) for row in rows[mask]}
        return [dict(zip(names, values)) for values in sorted(found)]

    def holds(self, atom: Atom, facts) -> bool:
        """Return whether some instance of `atom` is true in the least model."""
        return bool(self.query(atom, facts))
