"""`Sample` and `Dataset`: queries with their example facts, the input of `Model.build_dataset`."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import DatasetError
from ..language.dsl import Atom, Rule


@dataclass
class Sample:
    """One example (its facts, and in the text format possibly rules) with one or more queries.

    A query's value (`R.predict[1.0]`) is its training target. A query with variables
    (`R.h(V.X)`) stands for every derivable instance, and each instance gets that target.
    The instances are ordered by the ids of their constants in `model.program.vocab`, that
    is by when the model first saw each constant: template constants first, then the facts
    and queries of the samples in dataset order.
    """

    query: Atom | Sequence[Atom]
    facts: Sequence[Atom | Rule] = field(default_factory=list)
    name: str | None = None

    def __post_init__(self):
        queries = [self.query] if isinstance(self.query, Atom) else list(self.query)
        if not queries:
            raise DatasetError(f"sample {self.name or ''}: no query given".replace("  ", " "))
        for query in queries:
            if not isinstance(query, Atom):
                raise DatasetError(f"sample {self.name or ''}: query {query!r} is not an atom such as R.h(C.a)")
        if not isinstance(self.facts, list):  # a shared list is kept as is; facts are checked when encoded
            self.facts = list(self.facts)

    @property
    def queries(self) -> list[Atom]:
        return [self.query] if isinstance(self.query, Atom) else list(self.query)


class Dataset(Sequence):
    """An ordered list of samples."""

    def __init__(self, samples: Iterable[Sample] = ()):
        self.samples: list[Sample] = []
        for sample in samples:
            self.add(sample)

    def add(self, sample, facts=None) -> Dataset:
        """Add a `Sample`, or a query (or list of queries) with its facts."""
        if not isinstance(sample, Sample):
            sample = Sample(sample, facts or [])
        self.samples.append(sample)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Dataset(self.samples[index])
        return self.samples[index]

    def __len__(self) -> int:
        return len(self.samples)

    def __repr__(self) -> str:
        return f"Dataset({len(self.samples)} samples)"
