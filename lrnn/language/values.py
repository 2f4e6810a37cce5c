"""Values and weights written in brackets: `[0.5]`, `[[1, 0]]`, `[3, 3]`, `["w": 2, 2]`, `.fixed()`.

Every value is kept as a float64 matrix with an orientation that follows the language:
a scalar is 1x1, a column vector n x 1, a row vector 1 x n and a matrix r x c. The
product rules of the language then become ordinary matrix products with scalar scaling.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Real

import numpy as np

from ..errors import WeightError


@dataclass(frozen=True, eq=False)
class ValueSpec:
    """A weight or fact value: an initial value or only dimensions, an optional name, fixed or not.

    `shape` is always two-dimensional (see the module docstring). `initial` is None for a
    randomly initialised weight given only by its dimensions. `tensor` is the torch tensor
    a value was written with (`R.x[tensor]`), kept with its autograd graph for the torch
    integration module. A tensor with more than two dimensions carries leading batch
    dimensions, so `shape` is that of its last two dimensions and `initial` is None.
    """

    shape: tuple[int, int]
    initial: np.ndarray | None = None
    name: str | None = None
    fixed: bool = False
    tensor: object | None = None

    def with_fixed(self, fixed: bool = True) -> ValueSpec:
        return replace(self, fixed=fixed)

    @property
    def kind(self) -> str:
        rows, cols = self.shape
        if rows == cols == 1:
            return "scalar"
        if cols == 1:
            return "column"
        if rows == 1:
            return "row"
        return "matrix"

    def same_declaration(self, other: ValueSpec) -> bool:
        """True when both declare the same shape and the same initial value (or both none)."""
        if self.shape != other.shape or (self.initial is None) != (other.initial is None):
            return False
        return self.initial is None or bool(np.array_equal(self.initial, other.initial))

    def text(self) -> str:
        """Render in the text format: `0.5`, `[1, 2]`, `[[1, 2]]`, `{3, 3}`, `<0.5>`, `<{3, 3}>`, `$w=...`."""
        if self.initial is None:
            rows, cols = self.shape
            body = "{" + (f"{rows}" if cols == 1 else f"{rows}, {cols}") + "}"
        else:
            body = format_array(self.initial, self.kind)
        if self.fixed:
            body = f"<{body}>"
        if self.name is not None:
            body = f"${self.name}={body}"
        return body

    def __eq__(self, other) -> bool:
        if not isinstance(other, ValueSpec):
            return NotImplemented
        return (self.same_declaration(other) and self.name == other.name and self.fixed == other.fixed)

    def __hash__(self) -> int:
        return hash((self.shape, self.name, self.fixed))


def format_number(x: float) -> str:
    value = float(x)
    return str(int(value)) + ".0" if value.is_integer() and abs(value) < 1e15 else repr(value)


def format_array(value: np.ndarray, kind: str) -> str:
    if kind == "scalar":
        return format_number(value.reshape(-1)[0])
    if kind == "column":
        return "[" + ", ".join(format_number(v) for v in value.reshape(-1)) + "]"
    rows = ["[" + ", ".join(format_number(v) for v in row) + "]" for row in value]
    return "[" + ", ".join(rows) + "]"


def _is_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def dims_spec(dims, where: str) -> tuple[int, int]:
    """Shape of a random weight from its dimensions: `(n,)`, `(1, n)`, `(n, 1)` or `(r, c)`."""
    dims = tuple(dims)
    if not 1 <= len(dims) <= 2:
        raise WeightError(f"{where}: weight dimensions {dims} must have one or two entries")
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise WeightError(f"{where}: weight dimension {d!r} must be a positive integer "
                              "(write a value such as [0.5] for an initial value)")
    if len(dims) == 1:
        return (int(dims[0]), 1)
    return (int(dims[0]), int(dims[1]))


def array_spec(value, where: str) -> tuple[tuple[int, int], np.ndarray]:
    """Shape and float64 matrix of an explicit value: number, nested list, numpy array or tensor."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if _is_number(value):
        return (1, 1), np.array([[float(value)]])
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise WeightError(f"{where}: invalid value {value!r}: {error}") from None
    if array.size == 0:
        raise WeightError(f"{where}: empty value {value!r}")
    if array.ndim == 0:
        return (1, 1), array.reshape(1, 1)
    if array.ndim == 1:
        shape = (1, 1) if array.size == 1 else (array.size, 1)
        return shape, array.reshape(shape)
    if array.ndim == 2:
        return tuple(array.shape), array  # one inner list is a row vector
    raise WeightError(f"{where}: value {value!r} has {array.ndim} dimensions; at most 2 are supported")


def parse_bracket(item, where: str) -> ValueSpec:
    """Interpret what was written between brackets in the Python DSL."""
    name = None
    if isinstance(item, slice):  # ["w": ...]
        name, item = _named(item, where), item.stop
    elif isinstance(item, tuple) and item and isinstance(item[0], slice):  # ["w": 2, 2]
        name = _named(item[0], where)
        item = (item[0].stop,) + item[1:]
    if isinstance(item, tuple):
        if all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in item):
            return ValueSpec(dims_spec(item, where), None, name)
        raise WeightError(f"{where}: invalid weight dimensions {item!r}; dimensions are positive "
                          "integers such as [3, 3] or [2,]")
    if isinstance(item, str):
        raise WeightError(f"{where}: invalid value {item!r}; a weight name is written [\"{item}\": value]")
    if _is_tensor(item) and item.dim() > 2:
        return ValueSpec((int(item.shape[-2]), int(item.shape[-1])), None, name, tensor=item)
    # NOTE: a tensor of at most two dimensions is also copied to numpy here, which costs a
    # device synchronisation for a CUDA tensor even where only `tensor` is read.
    shape, initial = array_spec(item, where)
    if not np.all(np.isfinite(initial)):
        raise WeightError(f"{where}: value {item!r} is not finite")
    return ValueSpec(shape, initial, name, tensor=item if _is_tensor(item) else None)


def _is_tensor(value) -> bool:
    return hasattr(value, "detach") and hasattr(value, "dim")


def _named(item: slice, where: str) -> str:
    if not isinstance(item.start, str) or not item.start or item.step is not None:
        raise WeightError(f"{where}: a named weight is written [\"name\": value], got {item!r}")
    if item.stop is None:
        raise WeightError(f"{where}: named weight {item.start!r} has no value or dimensions")
    return item.start
