"""Terms of the template language: variables and constants, and the `V` and `C` factories."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..errors import TemplateError

_fresh_ids = itertools.count()


@dataclass(frozen=True)
class Variable:
    """A logic variable; names start with an upper-case letter or an underscore."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Constant:
    """A ground term. Numbers keep their decimal text, so `1` and `1.0` are different constants."""

    name: str

    @property
    def is_number(self) -> bool:
        try:
            float(self.name)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        return self.name


Term = Variable | Constant


def fresh_variable() -> Variable:
    """Return a variable that occurs nowhere else (each anonymous `_` is one)."""
    return Variable(f"_{next(_fresh_ids)}")


def to_term(value) -> Term:
    """Convert a Python value to a term: capitalised strings are variables, others constants."""
    if isinstance(value, (Variable, Constant)):
        return value
    if isinstance(value, bool):
        raise TemplateError(f"invalid term {value!r}: booleans are not terms; use C.true or a number")
    if isinstance(value, (int, float)):
        return Constant(repr(value) if isinstance(value, float) else str(value))
    if isinstance(value, str):
        if not value:
            raise TemplateError("invalid term '': a term needs a name")
        if value == "_":
            return fresh_variable()
        if value[0].isupper() or value[0] == "_":
            return Variable(value)
        return Constant(value)
    raise TemplateError(f"invalid term {value!r} of type {type(value).__name__}; "
                        "use V.X for variables and C.a or numbers for constants")


class _VariableFactory:
    """`V.X` creates the variable X; `V.x` is capitalised to X."""

    def __getattr__(self, name: str) -> Variable:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "_":
            return fresh_variable()
        return Variable(name[0].upper() + name[1:])

    def get(self, name: str) -> Variable:
        return self.__getattr__(name)


class _ConstantFactory:
    """`C.a` creates the constant a; `C.Abc` is lower-cased to abc."""

    def __getattr__(self, name: str) -> Constant:
        if name.startswith("__"):
            raise AttributeError(name)
        return Constant(name[0].lower() + name[1:])

    def get(self, name: str) -> Constant:
        return self.__getattr__(name)


V = _VariableFactory()
C = _ConstantFactory()
