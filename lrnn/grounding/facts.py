"""Integer-coded fact tables for all samples of a dataset."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DatasetError
from ..language.dsl import Atom, Rule, atom_text
from ..language.terms import Constant


class FactValues:
    """Fact values as a sequence of 2-D arrays, stored in blocks `[n, r, c]` of one shape.

    Array-backed datasets add all values of one kind in one block (`extend` with a 3-D
    array), so a million node features cost one array, not a million.
    """

    def __init__(self, values=()):
        self._blocks: list[np.ndarray] = []
        self._ends: list[int] = []
        self.extend(values)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, index: int) -> np.ndarray:
        if not 0 <= index < len(self):
            raise IndexError(f"fact value {index} out of range [0, {len(self)})")
        block = int(np.searchsorted(self._ends, index, side="right"))
        start = self._ends[block - 1] if block else 0
        return self._blocks[block][index - start]

    def __iter__(self):
        for block in self._blocks:
            yield from block

    def append(self, value: np.ndarray) -> None:
        self._add_block(np.asarray(value, dtype=np.float64)[None])

    def extend(self, values) -> None:
        if isinstance(values, np.ndarray) and values.ndim == 3:
            if len(values):
                self._add_block(values)
            return
        for value in values:
            self.append(value)

    def copy(self) -> FactValues:
        result = FactValues()
        result._blocks, result._ends = list(self._blocks), list(self._ends)
        return result

    def _add_block(self, block: np.ndarray) -> None:
        self._blocks.append(block)
        self._ends.append(len(self) + len(block))

    def stack_by_shape(self) -> tuple[dict, np.ndarray, np.ndarray]:
        """Stack values by shape: `({(r, c): [n, r, c]}, shape of each value, row of each value)`."""
        shapes = np.zeros((len(self), 2), dtype=np.int64)
        rows = np.zeros(len(self), dtype=np.int64)
        parts: dict[tuple[int, int], list[np.ndarray]] = {}
        counts: dict[tuple[int, int], int] = {}
        start = 0
        for block in self._blocks:
            shape = (int(block.shape[1]), int(block.shape[2]))
            end = start + len(block)
            shapes[start:end] = shape
            rows[start:end] = counts.get(shape, 0) + np.arange(len(block))
            counts[shape] = counts.get(shape, 0) + len(block)
            parts.setdefault(shape, []).append(block)
            start = end
        return {shape: np.concatenate(blocks) for shape, blocks in parts.items()}, shapes, rows


@dataclass
class FactSet:
    """Facts of all samples, one table per predicate.

    `num_samples` counts examples: samples that share one facts list share one example, as
    when many queries are asked on one knowledge base, and are grounded once.
    `rows[pred]` is int64 `[n, 1 + arity]` with the example id in column 0 and constant ids
    after it, sorted and without duplicates. `value_ref[pred][i]` locates the value of row i:
    ``v >= 0`` is an index into `values` (a :class:`FactValues`), ``-1`` the default fact value, and ``-2 - t`` the
    template fact `t`.
    """

    num_samples: int
    rows: dict[int, np.ndarray] = field(default_factory=dict)
    # example (the sample column of `rows`) of each query sample; None when they coincide
    sample_example: np.ndarray | None = None
    value_ref: dict[int, np.ndarray] = field(default_factory=dict)
    values: FactValues = field(default_factory=FactValues)

    def __post_init__(self):
        if not isinstance(self.values, FactValues):
            self.values = FactValues(self.values)

    def add_table(self, pred: int, rows: np.ndarray, value_ref: np.ndarray) -> None:
        """Add rows of one predicate; on a duplicate (sample, terms) the first row wins."""
        if pred in self.rows:
            rows = np.concatenate([self.rows[pred], rows])
            value_ref = np.concatenate([self.value_ref[pred], value_ref])
        from .joins import joint_keys

        (keys,) = joint_keys([rows[:, j] for j in range(rows.shape[1])])
        _, first = np.unique(keys, return_index=True)  # unique keeps the first occurrence
        order = np.lexsort(rows[first].T[::-1])
        self.rows[pred] = rows[first][order]
        self.value_ref[pred] = value_ref[first][order]


def encode_samples(program, samples, template_facts: bool = True) -> tuple[FactSet, list]:
    """Intern the facts of `samples` and the template facts into a :class:`FactSet`.

    Returns the fact set and, per sample, its queries as (pred, pattern, target, text)
    where pattern entries >= 0 are constant ids and -1 marks a variable position.
    """
    vocab = program.vocab
    example_of: dict[int, int] = {}
    sample_example = np.zeros(len(samples), dtype=np.int64)
    grouped: dict[int, tuple[list, list]] = {}
    queries = []
    values: list[np.ndarray] = []
    for index, sample in enumerate(samples):
        queries.append([_encode_query(q, vocab, sample, index) for q in sample.queries])
        key = id(sample.facts)
        if sample.facts and key in example_of:  # the same facts list: ground the example once
            sample_example[index] = example_of[key]
            continue
        s = example_of[key] = len(example_of)
        sample_example[index] = s
        for fact in sample.facts:
            if isinstance(fact, Rule):
                raise DatasetError(f"sample {sample.name or s}: rules inside examples are not supported "
                                   f"({fact}); move the rule into the template")
            _check_fact(fact, sample, s)
            pred = vocab.predicate(fact.name, fact.arity)
            row = [s] + [vocab.constant(t.name) for t in fact.terms]
            ref = -1
            if fact.value is not None:
                if fact.value.initial is None:
                    raise DatasetError(f"sample {sample.name or s}: fact {fact} has dimensions but no "
                                       "value; example facts need values such as [0.5] or [1, 0]")
                ref = len(values)
                values.append(fact.value.initial)
            rows, refs = grouped.setdefault(pred, ([], []))
            rows.append(row)
            refs.append(ref)
    num_examples = len(example_of)
    facts = FactSet(num_examples, values=values)
    if num_examples != len(samples):
        facts.sample_example = sample_example
    if template_facts:
        for t, fact in enumerate(program.template_facts):
            rows, refs = grouped.setdefault(fact.pred, ([], []))
            for s in range(num_examples):
                rows.append([s, *fact.const_ids])
                refs.append(-2 - t)
    for pred, (rows, refs) in grouped.items():
        arity = vocab.predicates[pred][1]
        facts.add_table(pred, np.asarray(rows, dtype=np.int64).reshape(-1, 1 + arity),
                        np.asarray(refs, dtype=np.int64))
    return facts, queries


def _check_fact(fact, sample, s) -> None:
    if not isinstance(fact, Atom) or fact.negated or fact.special or fact.function is not None:
        raise DatasetError(f"sample {sample.name or s}: {fact!r} is not a fact")
    for term in fact.terms:
        if not isinstance(term, Constant):
            raise DatasetError(f"sample {sample.name or s}: fact {fact} contains the variable {term}; "
                               "facts must be ground")


def _encode_query(query: Atom, vocab, sample, s):
    if query.negated or query.special or query.function is not None:
        raise DatasetError(f"sample {sample.name or s}: invalid query {query}")
    pred = vocab.predicate(query.name, query.arity)
    pattern = [vocab.constant(t.name) if isinstance(t, Constant) else -1 for t in query.terms]
    target = None
    if query.value is not None:
        if query.value.initial is None:
            raise DatasetError(f"sample {sample.name or s}: target of query {query} has no value")
        target = query.value.initial
    return pred, pattern, target, atom_text(query, with_value=False)
