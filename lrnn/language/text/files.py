"""Templates from text and files, with `import ./other.txt` lines resolved."""
from __future__ import annotations

import re
from pathlib import Path

from ...errors import ParseError, TemplateError
from ..template import Template
from .convert import location, relocate
from .parser import parse_clauses
from .template_text import clause_entry

# `import ./a.txt` or `import ./a.txt, ./b.txt` on a line of its own. A line that ends with '.'
# or contains ':-' is a clause about a relation named `import`, not an import.
_IMPORT = re.compile(r"^[ \t]*import[ \t]+(?![^\n]*(?::-|<=))(\S[^\n]*?[^\s.])[ \t]*$", re.MULTILINE)


def parse_template(text: str, source: str | None = None) -> Template:
    """Parse a template in the NeuraLogic text format.

    Import lines are resolved relative to the directory of `source` when it names a file,
    else relative to the current directory.

    Raises:
        ParseError: malformed text, a missing imported file or an import cycle.
        WeightError, UnknownFunctionError, TemplateError: invalid values, function names or entries.
        Every message starts with `file:line:column`.
    """
    stripped = text.strip()
    if "\n" not in stripped and stripped.endswith((".txt", ".pl", ".lrnn")) and Path(stripped).is_file():
        raise ParseError(f"parse_template got the file name {stripped!r}, not template text; "
                         "read a file with lrnn.load_template(path)")
    chain: tuple[Path, ...] = ()
    base = Path.cwd()
    if source is not None and Path(source).is_file():
        chain = (Path(source).resolve(),)
        base = chain[0].parent
    return _build(_entries(text, source or "<string>", base, chain))


def load_template(path) -> Template:
    """Read a template file; `import` lines name files relative to the importing file."""
    path = Path(path)
    text = _read(path, None)
    resolved = path.resolve()
    return _build(_entries(text, str(path), resolved.parent, (resolved,)))


def _read(path: Path, where: str | None) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        prefix = f"{where}: imported file" if where else "template file"
        raise ParseError(f"{prefix} {str(path)!r} not found") from None
    except OSError as error:
        prefix = f"{where}: " if where else ""
        raise ParseError(f"{prefix}cannot read {str(path)!r}: {error.strerror}") from None


def _entries(text: str, source: str, base: Path, chain: tuple) -> list[tuple[str, object]]:
    """Return (location, entry) pairs in file order, with imported entries at their import line."""
    imports: list[tuple[int, int, str]] = []

    def blank(match: re.Match) -> str:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start(1) - (text.rfind("\n", 0, match.start()) + 1) + 1
        imports.append((line, column, match.group(1)))
        return ""  # keeps the line, so later positions stay right

    own_text = _IMPORT.sub(blank, text)
    own = [(clause.line, location(source, clause.line, clause.column), clause_entry(clause, source))
           for clause in parse_clauses(own_text, source)]
    result: list[tuple[str, object]] = []
    for line, column, names in imports:
        while own and own[0][0] < line:
            result.append(own.pop(0)[1:])
        for name in names.split(","):
            result.extend(_imported(name.strip(), location(source, line, column), base, chain))
    result.extend(item[1:] for item in own)
    return result


def _imported(name: str, where: str, base: Path, chain: tuple) -> list[tuple[str, object]]:
    if not name:
        raise ParseError(f"{where}: empty file name in an import line")
    path = (base / name).resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in chain + (path,))
        raise ParseError(f"{where}: import cycle: {cycle}")
    text = _read(path, where)
    return _entries(text, str(base / name), path.parent, chain + (path,))


def _build(entries: list[tuple[str, object]]) -> Template:
    template = Template()
    for where, entry in entries:
        try:
            template.add(entry)
        except TemplateError as error:
            raise relocate(error, where) from None
    return template
