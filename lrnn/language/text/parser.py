"""The full parser of the text format: the lark LALR grammar and its error messages."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import LexError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ...errors import ParseError
from .convert import Clause, Converter, location

_GRAMMAR = Path(__file__).with_name("grammar.lark")


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """Build the LALR parser once per process."""
    return Lark(_GRAMMAR.read_text(), parser="lalr", propagate_positions=True, maybe_placeholders=True)


def parse_clauses(text: str, source: str = "<string>", examples: bool = False,
                  line: int = 1, column: int = 1) -> list[Clause]:
    """Parse text in the NeuraLogic format into clauses.

    Args:
        text: the clauses.
        source: file name for error messages.
        examples: read `<...>` as plain values (example and query files) instead of fixed weights.
        line, column: position of `text` in its file, so that messages point into the file.

    Raises:
        ParseError: with `source:line:column` of the problem.
    """
    padded = "\n" * (line - 1) + " " * (column - 1) + text
    try:
        tree = lark_parser().parse(padded)
    except UnexpectedInput as error:
        raise ParseError(_describe(error, padded, source)) from None
    except LexError as error:  # pragma: no cover - every lexer failure above is an UnexpectedInput
        raise ParseError(f"{source}: {error}") from None
    return Converter(source, examples).clauses(tree)


# -- error messages --
def _describe(error: UnexpectedInput, text: str, source: str) -> str:
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        return f"{location(source, error.line, error.column)}: invalid character {char!r}"
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        start = _clause_start(text, len(text))
        if start is None:
            return f"{source}: unexpected end of input"
        return (f"{location(source, start.line, start.column)}: the clause starting here is not "
                f"terminated; a '.' is missing at its end (near {str(start)!r})")
    assert isinstance(error, UnexpectedToken)
    token = error.token
    if text.startswith("/*", token.start_pos):
        return f"{location(source, token.line, token.column)}: the comment starting here is not closed by '*/'"
    expected = _expected_text(error.expected)
    message = f"{location(source, token.line, token.column)}: unexpected {_token_text(token)}"
    if expected:
        message += f", expected {expected}"
    start = _clause_start(text, token.start_pos)
    if "DOT" in error.expected and start is not None and start.line < token.line:
        message += f"; the clause starting at line {start.line} may be missing its '.'"
    return f"{message} (near {str(token)!r})"


def _token_text(token: Token) -> str:
    names = {"NAME": "name", "VARIABLE": "variable", "NUMBER": "number", "STRING": "string",
             "WEIGHT_NAME": "weight name"}
    if token.type in names:
        return f"{names[token.type]} {str(token)!r}"
    return repr(str(token))


def _expected_text(expected) -> str:
    parser = lark_parser()
    shown = []
    for name in sorted(expected):
        if name == "$END":
            shown.append("end of input")
            continue
        if name == "IMPLIES":
            shown.append("':-'")
            continue
        try:
            pattern = parser.get_terminal(name).pattern
        except KeyError:
            shown.append(name)
            continue
        if pattern.type == "str":
            shown.append(repr(pattern.value))
        else:
            shown.append(name.lower().replace("_", " "))
    shown = sorted(set(shown))
    if len(shown) > 6:
        shown = shown[:6] + ["..."]
    return " or ".join(shown)


def _clause_start(text: str, position: int) -> Token | None:
    """Return the first token of the clause that contains `position` (a best effort)."""
    start = None
    metadata_depth = 0
    previous: tuple[str, str] = ("DOT", "")
    try:
        for token in lark_parser().lex(text):
            if token.start_pos >= position:
                break
            kind = token.type
            if metadata_depth:
                metadata_depth += {"LSQB": 1, "META_OPEN": 1, "RSQB": -1}.get(kind, 0)
            elif start is None and kind == "META_OPEN" and previous[0] == "DOT":
                metadata_depth = 1  # the metadata of the clause that just ended
            elif kind == "DOT" and previous != ("NAME", "HASH"):  # not `#combination.softmax`
                start = None
            elif start is None:
                start = token
            previous = (kind, previous[0])
    except UnexpectedInput:
        pass
    return start
