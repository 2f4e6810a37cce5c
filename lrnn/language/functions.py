"""Transformations, combinations and aggregations: the function catalogue of the language.

`Transformation`, `Combination` and `Aggregation` hold one :class:`Function` per member.
A member can be parametrised (`Transformation.LEAKY_RELU(0.2)`, `Combination.CONCAT(axis=0)`)
and, for transformations and combinations, applied to body literals and expressions
(`Transformation.SIGMOID(R.b)`, `Combination.CONCAT(R.a, R.b)`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import TemplateError, UnknownFunctionError

TRANSFORMATIONS = (
    "sigmoid", "tanh", "signum", "relu", "leaky_relu", "lukasiewicz", "exp", "sqrt", "inverse",
    "reverse", "log", "identity", "transp", "softmax", "sparsemax", "norm", "slice", "reshape",
)
COMBINATIONS = (
    "sum", "avg", "max", "min", "count", "product", "elproduct", "softmax", "sparsemax",
    "crosssum", "concat", "cossim",
)
AGGREGATIONS = ("avg", "sum", "max", "min", "count", "concat", "softmax")
KINDS = {"transformation": TRANSFORMATIONS, "combination": COMBINATIONS, "aggregation": AGGREGATIONS}

# Names accepted for each parameter, and positional order where a positional form exists.
PARAMETERS = {
    ("transformation", "leaky_relu"): ("alpha",),
    ("transformation", "slice"): ("rows", "cols"),
    ("transformation", "reshape"): ("shape",),
    ("combination", "concat"): ("axis",),
    ("aggregation", "concat"): ("axis",),
    ("aggregation", "softmax"): ("agg_terms",),
}
# Text-format and PyNeuraLogic spellings that mean the same member.
ALIASES = {"average": "avg", "mean": "avg", "elementproduct": "elproduct", "cross_sum": "crosssum",
           "leakyrelu": "leaky_relu", "signum": "signum", "sign": "signum", "transpose": "transp"}


def _freeze(value):
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Function:
    """One member of the catalogue with its parameters, e.g. `leaky_relu(alpha=0.2)`."""

    kind: str
    name: str
    params: tuple = field(default=())

    def param(self, key, default=None):
        return dict(self.params).get(key, default)

    def __call__(self, *args, **kwargs):
        from .dsl import apply_function  # the DSL builds literals and expressions

        if args and all(_is_body_item(a) for a in args) and not kwargs:
            return apply_function(self, args)
        return self.with_params(*args, **kwargs)

    def with_params(self, *args, **kwargs) -> Function:
        """Return this member with parameters, given by position or by name."""
        allowed = PARAMETERS.get((self.kind, self.name))
        if allowed is None:
            raise TemplateError(f"{self} takes no parameters, got {args or kwargs}")
        if len(args) > len(allowed):
            raise TemplateError(f"{self} takes at most {len(allowed)} positional parameters "
                                f"({', '.join(allowed)}), got {len(args)}")
        values = dict(zip(allowed, args))
        for key, value in kwargs.items():
            if key not in allowed:
                raise TemplateError(f"{self} has no parameter {key!r}; valid: {', '.join(allowed)}")
            values[key] = value
        if self.name == "reshape" and values.get("shape") is None:
            raise TemplateError("RESHAPE needs shape=(rows, cols) or shape=n")
        if self.name == "leaky_relu" and not isinstance(values.get("alpha", 0.01), (int, float)):
            raise TemplateError(f"LEAKY_RELU slope must be a number, got {values['alpha']!r}")
        if isinstance(values.get("agg_terms"), (list, tuple)):  # V.Y and "Y" both name the variable Y
            values["agg_terms"] = [getattr(term, "name", term) for term in values["agg_terms"]]
        merged = dict(self.params)
        merged.update({k: _freeze(v) for k, v in values.items()})
        return Function(self.kind, self.name, tuple(sorted(merged.items())))

    def text(self) -> str:
        """Render as in the text format's metadata: `leaky_relu(alpha=0.2)`."""
        if not self.params:
            return self.name
        parts = []
        for key, value in self.params:
            if isinstance(value, tuple) and key == "agg_terms":
                value = "[" + ", ".join(map(str, value)) + "]"
            elif isinstance(value, tuple):
                value = "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
            parts.append(f"{key}={value}")
        return f"{self.name}({', '.join(parts)})"

    def __str__(self) -> str:
        return f"{self.kind.capitalize()}.{self.name.upper()}" + (
            "(" + ", ".join(f"{k}={v}" for k, v in self.params) + ")" if self.params else "")

    __repr__ = __str__


def _is_body_item(value) -> bool:
    from .dsl import Atom, Expression

    return isinstance(value, (Atom, Expression))


def lookup(kind: str, name: str) -> Function:
    """Find a catalogue member by its (case-insensitive) name, raising UnknownFunctionError."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in KINDS[kind]:
        raise UnknownFunctionError(
            f"unknown {kind} {name!r}; valid names: {', '.join(KINDS[kind])}")
    return Function(kind, key)


class _Catalogue:
    def __init__(self, kind: str):
        self._kind = kind
        for name in KINDS[kind]:
            setattr(self, name.upper(), Function(kind, name))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnknownFunctionError(f"unknown {self._kind} {name!r}; valid names: "
                                   f"{', '.join(n.upper() for n in KINDS[self._kind])}")

    def __iter__(self):
        return iter(Function(self._kind, n) for n in KINDS[self._kind])

    def __len__(self) -> int:
        return len(KINDS[self._kind])


Transformation = _Catalogue("transformation")
Combination = _Catalogue("combination")
Aggregation = _Catalogue("aggregation")


class _FlatFunctions:
    """`F.sigmoid`, `F.concat`, ...: lower-case aliases; transformations win on shared names."""

    def __getattr__(self, name: str) -> Function:
        if name.startswith("_"):
            raise AttributeError(name)
        key = ALIASES.get(name.lower(), name.lower())
        if key in TRANSFORMATIONS:
            return Function("transformation", key)
        if key in COMBINATIONS:
            return Function("combination", key)
        raise UnknownFunctionError(f"unknown function F.{name}; valid names: "
                                   f"{', '.join(sorted(set(TRANSFORMATIONS) | set(COMBINATIONS)))}")


F = _FlatFunctions()
