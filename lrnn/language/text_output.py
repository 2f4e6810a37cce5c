"""Render templates in the NeuraLogic text format (lrnn's dialect, which `parse_template` reads back)."""
from __future__ import annotations

from .dsl import Atom, RelationSettings, Rule, atom_text


def rule_text(rule: Rule) -> str:
    head = atom_text(rule.head)
    items = [str(item) for item in rule.body]
    if rule.offset is not None:
        items.append(rule.offset.text())
    text = f"{head} :- {', '.join(items)}."
    entries = rule.metadata.text_entries()
    if entries:
        text += f" [{', '.join(entries)}]"
    return text


def relation_text(settings: RelationSettings) -> str:
    text = f"{settings.name}/{settings.arity}"
    if settings.offset is not None:
        text += f" {settings.offset.text()}"
    entries = settings.metadata.text_entries()
    if entries:
        text += f" [{', '.join(entries)}]"
    elif settings.offset is None:
        text += "."  # without it, a value at the start of the next clause would read as the offset
    return text


def fact_text(fact: Atom) -> str:
    return atom_text(fact) + "."


def entry_text(entry) -> str:
    if isinstance(entry, Rule):
        return rule_text(entry)
    if isinstance(entry, RelationSettings):
        return relation_text(entry)
    return fact_text(entry)
