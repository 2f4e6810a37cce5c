"""A fast path for example and query files: regular expressions for plain fact clauses.

Example files are mostly long lists of plain facts (`bond(d1, d2, 7), 0.5 c(d1), ...`), and the
lark lexer alone needs about 0.5 s for the 400 KB of mutagenesis. This scanner reads clauses made
only of `[value] name(constants)` items, optionally with a head (`<1> xor :- <0> a, <1> b.`), and
hands every other clause to the full grammar, so both paths return the same clauses.
"""
from __future__ import annotations

import gc
import re

from ..dsl import Atom
from ..terms import Constant
from .convert import Clause, parse_number
from .parser import parse_clauses

_NUMBER = r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_NAME = r"[a-z][A-Za-z0-9_]*"
_TERM = rf"(?:{_NAME}|{_NUMBER})"
_SPACE = r"[ \t\f\r\n]*"  # the whitespace the grammar ignores

# One item and the separator after it. `target` is the `<0.5>` form, a plain value in examples.
_ITEM = re.compile(
    rf"{_SPACE}(?:(?P<number>{_NUMBER})|<{_SPACE}(?P<target>{_NUMBER}){_SPACE}>)?{_SPACE}"
    rf"(?P<name>{_NAME})"
    rf"(?:{_SPACE}\((?P<terms>{_SPACE}{_TERM}(?:{_SPACE},{_SPACE}{_TERM})*{_SPACE})\))?"
    rf"{_SPACE}(?P<end>,|\.(?!\.)|:-|<=)")
_SKIP = re.compile(r"(?:[ \t\f\r\n]+|%[^\n]*|/\*[\s\S]*?\*/)*")
_METADATA = re.compile(r"\[(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)")
# Tokens that can hide a '.' (comments, strings, numbers, `...`), for finding where a clause ends.
_TOKEN = re.compile(r"""%[^\n]*|/\*[\s\S]*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|[A-Za-z_]\w*"""
                    rf"""|{_NUMBER}|\.\.\.|[\s\S]""")


class _Cache:
    """Constants and values met so far; facts share these immutable objects."""

    def __init__(self):
        self.constants: dict[str, Constant] = {}
        self.term_lists: dict[str, tuple] = {}
        self.values: dict = {}

    def terms(self, text: str) -> tuple:
        cached = self.term_lists.get(text)
        if cached is not None:
            return cached
        constants = self.constants
        result = []
        for part in text.split(","):
            part = part.strip()
            constant = constants.get(part)
            if constant is None:
                constant = constants[part] = Constant(part)
            result.append(constant)
        cached = self.term_lists[text] = tuple(result)
        return cached

    def value(self, text: str):
        spec = self.values.get(text)
        if spec is None:
            spec = parse_number(text)
            if not abs(float(text)) < float("inf"):
                return None  # the grammar path reports it
            self.values[text] = spec
        return spec


def scan_clauses(text: str, source: str = "<string>") -> list[Clause]:
    """Parse an example or query file, reading plain fact clauses with regular expressions.

    Any clause the scanner does not fully recognise goes to :func:`parse_clauses`, so the
    result equals ``parse_clauses(text, source, examples=True)`` up to item positions.
    """
    # The scan allocates one object per fact and nothing cyclic, so collection passes of the
    # cyclic garbage collector only cost time (about half of it on mutagenesis).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _scan(text, source)
    finally:
        if collecting:
            gc.enable()


def _scan(text: str, source: str) -> list[Clause]:
    cache = _Cache()
    clauses: list[Clause] = []
    position, line, line_start = 0, 1, 0
    length = len(text)
    while True:
        position = _SKIP.match(text, position).end()
        if position >= length:
            return clauses
        line += text.count("\n", line_start, position)
        line_start = text.rfind("\n", 0, position) + 1 if line > 1 else 0
        column = position - line_start + 1
        clause, end = _scan_clause(text, position, cache)
        if clause is None:
            end = _clause_end(text, position)
            clauses.extend(parse_clauses(text[position:end], source, examples=True, line=line, column=column))
        else:
            clause.line, clause.column = line, column
            clauses.append(clause)
        line += text.count("\n", position, end)
        line_start = text.rfind("\n", 0, end) + 1 if line > 1 else 0
        position = end


def _scan_clause(text: str, position: int, cache: _Cache) -> tuple[Clause | None, int]:
    head = None
    items: list[Atom] = []
    match_item = _ITEM.match
    while True:
        match = match_item(text, position)
        if match is None:
            return None, position
        number, target, name, terms, end = match.group("number", "target", "name", "terms", "end")
        value = None
        if number is not None or target is not None:
            value = cache.value(number if number is not None else target)
            if value is None:
                return None, position
        atom = Atom(name, cache.terms(terms) if terms is not None else (), False, False, False, value, None,
                    terms is not None)
        items.append(atom)
        position = match.end()
        if end == ",":
            continue
        if end != ".":  # `:-` or `<=`: only one head
            if head is not None or len(items) != 1:
                return None, position
            head, items = items, []
            continue
        after = _SKIP.match(text, position).end()
        if _METADATA.match(text, after):  # rule metadata follows: leave it to the grammar
            return None, position
        return Clause(head, items, 0, 0, plain=True), position


def _clause_end(text: str, position: int) -> int:
    """Return the index just past the clause starting at `position` (and its metadata, if any)."""
    tokens = _TOKEN.finditer(text, position)
    end = len(text)
    for token in tokens:
        if token.group() == ".":
            end = token.end()
            break
    after = _SKIP.match(text, end).end()
    if not _METADATA.match(text, after):
        return end
    depth = 0
    for token in _TOKEN.finditer(text, after):
        depth += {"[": 1, "]": -1}.get(token.group(), 0)
        if depth == 0:
            return token.end()
    return len(text)
