"""Give clauses their template meaning: rules, template facts and relation settings."""
from __future__ import annotations

from ...errors import ParseError
from ..dsl import Atom, Expression, Metadata, Rule
from .convert import BareValue, Clause, location


def clause_entry(clause: Clause, source: str):
    """Return the template entry of one clause: a Rule, a fact (Atom) or RelationSettings."""
    if clause.relation is not None:
        return clause.relation
    if clause.head is not None:
        return clause_rule(clause, source)
    where = location(source, clause.line, clause.column)
    if clause.metadata is not None:
        raise ParseError(f"{where}: metadata in [...] follows rules only, but this clause has no ':-'")
    if len(clause.body) != 1:
        raise ParseError(f"{where}: a template clause without ':-' is one fact, but this one has "
                         f"{len(clause.body)} items separated by ','; end each fact with '.'")
    (item,) = clause.body
    if isinstance(item, BareValue):
        raise ParseError(f"{where}: a value alone ({item.value.text()}) is not a fact; write a name "
                         "after it, as in '0.7 bias.'")
    if isinstance(item, Expression):
        raise ParseError(f"{where}: the expression {item} cannot be a fact")
    return item


def clause_rule(clause: Clause, source: str) -> Rule:
    """Build the Rule of a clause `head :- body [, offset]. [metadata]`."""
    where = location(source, clause.line, clause.column)
    if len(clause.head) != 1:
        raise ParseError(f"{where}: a rule has one head literal, but this one has {len(clause.head)} "
                         "items before ':-'")
    (head,) = clause.head
    if not isinstance(head, Atom):
        raise ParseError(f"{where}: the head of a rule must be a literal such as h(X), got "
                         f"{head.value.text() if isinstance(head, BareValue) else head}")
    positions = clause.positions or [(clause.line, clause.column)] * len(clause.body)
    body = list(clause.body)
    offset = None
    if body and isinstance(body[-1], BareValue):
        offset = body.pop().value
    for item, (line, column) in zip(body, positions):
        if isinstance(item, BareValue):
            raise ParseError(f"{location(source, line, column)}: a value alone ({item.value.text()}) in a "
                             "rule body is the rule's offset and must be the last body item")
    if not body:
        raise ParseError(f"{where}: the rule for {head} has an empty body; write a fact "
                         f"('{head}.') or add body literals")
    return Rule(head, tuple(body), clause.metadata or Metadata(), offset)
