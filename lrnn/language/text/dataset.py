"""Read example and query files of the text format into a :class:`~lrnn.datasets.Dataset`.

Examples: one clause per example, either `fact, fact, ... .`, `id :- facts.`, or a labelled
example `<1> xor :- <0> a, <1> b.` whose head is the query and its target. In these files
`<...>` around a number is a plain value, not a fixed weight.

Queries: `1.0 predict.` (target 1.0; no number, no target), several queries in one clause,
or `ex1 :- 0.7 q(a), 1.0 b.` for queries on the example with id `ex1`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...datasets.sample import Dataset, Sample
from ...errors import DatasetError, ParseError
from ..dsl import Atom, Rule, atom_text
from ..terms import Constant
from .convert import BareValue, Clause, location
from .scanner import scan_clauses
from .template_text import clause_rule


@dataclass
class _Example:
    facts: list
    line: int
    example_id: str | None = None
    query: Atom | None = None
    has_head: bool = False


@dataclass
class _QueryGroup:
    queries: list
    line: int
    example_id: str | None = None
    rules: list = field(default_factory=list)


def parse_facts(text: str, source: str | None = None) -> list[Atom]:
    """Parse clauses of facts (`a(b), 0.5 c. d.`) into atoms; `<0.5>` is a plain value here."""
    source = source or "<facts>"
    facts = []
    for clause in scan_clauses(text, source):
        where = location(source, clause.line, clause.column)
        if clause.relation is not None or clause.head is not None:
            raise ParseError(f"{where}: expected facts such as 'a(b), 0.5 c.', found a rule or relation line")
        facts.extend(_facts(clause, source))
    return facts


def parse_dataset(examples_text: str, queries_text: str | None = None, source: str | None = None,
                  queries_source: str | None = None) -> Dataset:
    """Build a dataset from the text of an examples file and, optionally, a queries file.

    Queries with ids go to the example of that id. Otherwise the i-th query clause goes with
    the i-th example, or every query clause with the only example. Without queries, every
    example must be labelled (`<1> q :- facts.`). Each query becomes one :class:`Sample`.

    Raises:
        ParseError: on malformed text, with file, line and column.
        DatasetError: when queries and examples cannot be matched.
    """
    source = source or "<examples>"
    queries_source = queries_source or "<queries>"
    has_queries = queries_text is not None and queries_text.strip() != ""
    examples = _examples(scan_clauses(examples_text, source), source, has_queries)
    if not has_queries:
        samples = []
        for example in examples:
            if not example.has_head:
                raise DatasetError(f"{location(source, example.line, 1)}: this example has no query; give a "
                                   "queries file or label the example as '<target> query :- facts.'")
            samples.append(Sample(example.query, example.facts, f"{source}:{example.line}"))
        return Dataset(samples)
    groups = _query_groups(scan_clauses(queries_text, queries_source), queries_source)
    pairs = _align(examples, groups, source, queries_source)
    samples = []
    for group, facts in pairs:
        name = group.example_id or f"{queries_source}:{group.line}"
        samples.extend(Sample(query, facts, name) for query in group.queries)
    return Dataset(samples)


def load_dataset(examples_path, queries_path=None) -> Dataset:
    """Read an examples file and an optional queries file (see :func:`parse_dataset`)."""
    examples_text = _read(examples_path, "examples")
    queries_text = _read(queries_path, "queries") if queries_path is not None else None
    return parse_dataset(examples_text, queries_text, str(examples_path),
                         str(queries_path) if queries_path is not None else None)


def _read(path, what: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise DatasetError(f"cannot read the {what} file {str(path)!r}: {error.strerror}") from None


# -- examples --
def _examples(clauses: list[Clause], source: str, has_queries: bool) -> list[_Example]:
    examples: list[_Example] = []
    pending_rules: list[Rule] = []
    for clause in clauses:
        where = location(source, clause.line, clause.column)
        if clause.relation is not None:
            raise ParseError(f"{where}: relation settings such as {clause.relation} belong in the template, "
                             "not in an examples file")
        if clause.head is not None and not _is_labelled_example(clause):
            # NOTE: a rule in an examples file belongs to the example before it (or to the
            # first example when it comes before all of them).
            rule = clause_rule(clause, source)
            if examples:
                examples[-1].facts.append(rule)
            else:
                pending_rules.append(rule)
            continue
        if clause.metadata is not None:
            raise ParseError(f"{where}: metadata in [...] follows rules only, but this example has no rule")
        example = _Example(_facts(clause, source), clause.line)
        if clause.head is not None:
            _read_head(example, clause.head[0], where, has_queries)
        if pending_rules:
            example.facts.extend(pending_rules)
            pending_rules = []
        examples.append(example)
    if pending_rules:
        raise ParseError(f"{source}: the examples file has rules but no examples to attach them to")
    return examples


def _is_labelled_example(clause: Clause) -> bool:
    """True for `id :- facts.` and `<target> query :- facts.`: a ground head and plain ground facts."""
    if clause.plain:
        return bool(clause.body)
    if clause.metadata is not None or len(clause.head) != 1 or not clause.body:
        return False
    head = clause.head[0]
    if not _is_plain(head) or not head.is_ground:
        return False
    return all(_is_plain(item) and item.is_ground for item in clause.body)


def _is_plain(item) -> bool:
    return isinstance(item, Atom) and not item.negated and item.function is None and not item.special \
        and item.terms != ("...",)


def _read_head(example: _Example, head: Atom, where: str, has_queries: bool) -> None:
    example.has_head = True
    if has_queries:
        if head.value is not None:
            raise DatasetError(f"{where}: the example {atom_text(head, False)} has a target "
                               f"({head.value.text()}) but a queries file is given; remove one of them")
        example.example_id = atom_text(head, with_value=False)
    else:
        example.query = head


def _facts(clause: Clause, source: str) -> list:
    if clause.plain:
        return list(clause.body)
    positions = clause.positions or [(clause.line, clause.column)] * len(clause.body)
    for item, (line, column) in zip(clause.body, positions):
        where = location(source, line, column)
        if isinstance(item, BareValue):
            raise ParseError(f"{where}: a value alone ({item.value.text()}) is not a fact; "
                             "write it before a fact name, as in '0.5 b(c)'")
        if not _is_plain(item):
            raise ParseError(f"{where}: {item} is not a fact; example facts are plain atoms with an "
                             "optional value, without negation, functions or builtins")
        for term in item.terms:
            if not isinstance(term, Constant):
                raise ParseError(f"{where}: the fact {item} has the variable {term}; facts are ground")
    return list(clause.body)


# -- queries --
def _query_groups(clauses: list[Clause], source: str) -> list[_QueryGroup]:
    groups = []
    for clause in clauses:
        where = location(source, clause.line, clause.column)
        if clause.relation is not None:
            raise ParseError(f"{where}: relation settings do not belong in a queries file")
        group = _QueryGroup([], clause.line)
        if clause.head is not None:
            head = clause.head[0]
            if len(clause.head) != 1 or not _is_plain(head) or head.value is not None or not head.is_ground:
                raise ParseError(f"{where}: the head of a query clause is the id of an example, "
                                 "such as 'ex1 :- 1.0 q(a).'")
            group.example_id = atom_text(head, with_value=False)
        for item in clause.body:
            if not _is_plain(item):
                raise ParseError(f"{where}: {item} is not a query; a query is an atom with an "
                                 "optional target value, such as '1.0 predict(a)'")
            group.queries.append(item)
        if not group.queries:
            raise ParseError(f"{where}: the query clause has no queries")
        groups.append(group)
    return groups


def _align(examples: list[_Example], groups: list[_QueryGroup], source: str,
           queries_source: str) -> list[tuple[_QueryGroup, list]]:
    with_id = [g for g in groups if g.example_id is not None]
    if with_id and len(with_id) != len(groups):
        raise DatasetError(f"{queries_source}: some query clauses name an example id and some do not; "
                           "use ids on all of them or on none")
    if with_id:
        by_id: dict[str, _Example] = {}
        for example in examples:
            if example.example_id is None:
                raise DatasetError(f"{source}:{example.line}: queries refer to examples by id, but this "
                                   "example has none; write it as 'id :- facts.'")
            if example.example_id in by_id:
                raise DatasetError(f"{source}:{example.line}: the example id {example.example_id} is used "
                                   "twice")
            by_id[example.example_id] = example
        pairs = []
        for group in groups:
            example = by_id.get(group.example_id)
            if example is None:
                raise DatasetError(f"{queries_source}:{group.line}: no example has the id "
                                   f"{group.example_id} (ids in {source}: {', '.join(list(by_id)[:5])})")
            pairs.append((group, example.facts))
        return pairs
    if len(groups) == len(examples):
        return [(group, example.facts) for group, example in zip(groups, examples)]
    if len(examples) == 1:
        return [(group, examples[0].facts) for group in groups]
    if not examples:
        return [(group, []) for group in groups]
    raise DatasetError(f"{queries_source} has {len(groups)} query clauses but {source} has "
                       f"{len(examples)} examples; give one query clause per example, one example "
                       "for all queries, or example ids")
