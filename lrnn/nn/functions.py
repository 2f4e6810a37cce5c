"""Transformations and combinations on values of shape `[..., rows, cols]`, with shape rules.

Every value is a matrix in its last two dimensions: a scalar is 1x1, a column vector n x 1
and a row vector 1 x n. Leading dimensions are atoms or instances, optionally after a batch.
Each function has a shape rule (`*_shape`) that the compiler checks once, so the kernels
never check.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from ..errors import ShapeError

SCALAR = (1, 1)


def kind(shape) -> str:
    r, c = shape
    if r == c == 1:
        return "scalar"
    if c == 1:
        return "column"
    if r == 1:
        return "row"
    return "matrix"


# -- products (the language's W x) --
def product_shape(left, right) -> tuple[int, int]:
    if left == SCALAR:
        return right
    if right == SCALAR:
        return left
    if left[1] != right[0]:
        raise ShapeError(f"cannot multiply a {kind(left)} {left[0]}x{left[1]} by a {kind(right)} "
                         f"{right[0]}x{right[1]}: inner sizes {left[1]} and {right[0]} differ (vector "
                         "weights are never element-wise: use a row vector [[...]] for a dot product, "
                         "a matrix for a linear map, or ELPRODUCT)")
    return (left[0], right[1])


def product(left: Tensor, right: Tensor, left_shape, right_shape) -> Tensor:
    if left_shape == SCALAR or right_shape == SCALAR:
        return left * right
    if right_shape[1] == 1 and left.dim() == 2:  # weight matrix on column vectors: one GEMM
        return (right.squeeze(-1) @ left.transpose(0, 1)).unsqueeze(-1)
    return torch.matmul(left, right)


def broadcast_shape(shapes, what: str) -> tuple[int, int]:
    result = SCALAR
    for shape in shapes:
        if shape == SCALAR:
            continue
        if result not in (SCALAR, shape):
            raise ShapeError(f"{what}: values of shapes {result[0]}x{result[1]} and {shape[0]}x{shape[1]} "
                             "cannot be added; only a scalar broadcasts to other shapes")
        result = shape
    return result


# -- transformations --
def transformation_shape(function, shape) -> tuple[int, int]:
    name = function.name
    if name == "transp":
        return (shape[1], shape[0])
    if name in ("softmax", "sparsemax") and shape == SCALAR:
        raise ShapeError(f"{name.upper()} transformation needs a vector, got a scalar")
    if name == "slice":
        rows, cols = function.param("rows"), function.param("cols")
        r, c = shape
        if c == 1 and cols is None or r == 1 and rows is None and c > 1:
            span = rows if c == 1 else cols
            span = span if span is not None else (0, max(r, c))
            length = max(r, c)
            if not 0 <= span[0] < span[1] <= length:
                raise ShapeError(f"SLICE {span} is outside a vector of length {length}")
            return (span[1] - span[0], 1) if c == 1 else (1, span[1] - span[0])
        rows = rows if rows is not None else (0, r)
        cols = cols if cols is not None else (0, c)
        if not (0 <= rows[0] < rows[1] <= r and 0 <= cols[0] < cols[1] <= c):
            raise ShapeError(f"SLICE rows={rows} cols={cols} is outside a {r}x{c} value")
        return (rows[1] - rows[0], cols[1] - cols[0])
    if name == "reshape":
        target = function.param("shape")
        target = (target, 1) if isinstance(target, int) else tuple(target)
        if len(target) == 1:
            target = (target[0], 1)
        if target[0] * target[1] != shape[0] * shape[1]:
            raise ShapeError(f"RESHAPE to {target} needs {target[0] * target[1]} elements, "
                             f"got {shape[0] * shape[1]}")
        return target
    return shape


def transform(function, x: Tensor, shape) -> Tensor:
    name = function.name
    if name == "identity":
        return x
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "relu":
        return torch.relu(x)
    if name == "leaky_relu":
        return torch.nn.functional.leaky_relu(x, function.param("alpha", 0.01))
    if name == "signum":
        return (x > 0).to(x.dtype)
    if name == "lukasiewicz":
        return torch.sigmoid(6 * x + 0.5)
    if name == "exp":
        return torch.exp(x)
    if name == "sqrt":
        return torch.sqrt(x)
    if name == "log":
        return torch.log(x)
    if name == "inverse":
        return 1.0 / x
    if name == "reverse":
        return 1.0 - x
    if name == "transp":
        return x.transpose(-1, -2)
    if name in ("softmax", "sparsemax", "norm"):
        flat = x.flatten(-2)
        if name == "softmax":
            out = torch.softmax(flat, dim=-1)
        elif name == "sparsemax":
            out = sparsemax(flat)
        else:
            mean = flat.mean(dim=-1, keepdim=True)
            var = ((flat - mean) ** 2).mean(dim=-1, keepdim=True)
            out = (flat - mean) / torch.sqrt(var + 1e-10)
        return out.view(x.shape)
    if name == "slice":
        out_shape = transformation_shape(function, shape)
        r, c = shape
        if c == 1 and function.param("cols") is None:
            start = (function.param("rows") or (0, r))[0]
            return x[..., start:start + out_shape[0], :]
        if r == 1 and function.param("rows") is None and c > 1:
            start = (function.param("cols") or (0, c))[0]
            return x[..., :, start:start + out_shape[1]]
        rows = function.param("rows") or (0, r)
        cols = function.param("cols") or (0, c)
        return x[..., rows[0]:rows[1], cols[0]:cols[1]]
    if name == "reshape":
        out_shape = transformation_shape(function, shape)
        return x.reshape(*x.shape[:-2], *out_shape)
    raise ShapeError(f"unknown transformation {name}")


def sparsemax(z: Tensor) -> Tensor:
    """Euclidean projection of each row of `z` onto the probability simplex (last dimension)."""
    sorted_z, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, device=z.device, dtype=z.dtype)
    cumulative = sorted_z.cumsum(dim=-1)
    support = (1 + k * sorted_z) > cumulative
    k_z = support.sum(dim=-1, keepdim=True)
    tau = (cumulative.gather(-1, k_z - 1) - 1) / k_z.to(z.dtype)
    return torch.clamp(z - tau, min=0)


# -- combinations over a list of inputs --
def combination_shape(function, shapes, what: str) -> tuple[int, int]:
    name, n = function.name, len(shapes)
    if n == 1 and name not in ("count", "softmax", "sparsemax", "cossim", "crosssum"):
        return shapes[0]
    if name in ("sum", "avg", "max", "min", "elproduct"):
        return broadcast_shape(shapes, what)
    if name == "count":
        return SCALAR
    if name in ("softmax", "sparsemax"):
        if any(s != SCALAR for s in shapes):
            raise ShapeError(f"{what}: {name.upper()} combines scalar inputs only, got shapes {shapes}")
        return SCALAR if n == 1 else (n, 1)
    if name == "product":
        result = shapes[0]
        for shape in shapes[1:]:
            result = product_shape(result, shape)
        return result
    if name == "crosssum":
        size = 1
        for shape in shapes:
            size *= shape[0] * shape[1]
        return (size, 1) if size > 1 else SCALAR
    if name == "concat":
        axis = function.param("axis")
        if axis is None:
            return (sum(s[0] * s[1] for s in shapes), 1)
        if axis == 0:
            if all(s[1] == 1 for s in shapes):
                return (sum(s[0] for s in shapes), 1)
            if len({s[1] for s in shapes}) != 1:
                raise ShapeError(f"{what}: CONCAT(axis=0) needs equal column counts, got {shapes}")
            return (sum(s[0] for s in shapes), shapes[0][1])
        if axis == 1:
            if len({s[0] for s in shapes}) != 1:
                raise ShapeError(f"{what}: CONCAT(axis=1) needs equal row counts, got {shapes}")
            return (shapes[0][0], sum(s[1] for s in shapes))
        raise ShapeError(f"{what}: CONCAT axis must be 0 or 1, got {axis}")
    if name == "cossim":
        if n != 2 or shapes[0] != shapes[1] or shapes[0] == SCALAR:
            raise ShapeError(f"{what}: COSSIM needs exactly two vectors of equal shape, got {shapes}")
        return SCALAR
    raise ShapeError(f"{what}: unknown combination {name}")


def combine(function, xs: list[Tensor], shapes) -> Tensor:
    name, n = function.name, len(xs)
    if n == 1 and name not in ("count", "softmax", "sparsemax", "cossim", "crosssum"):
        return xs[0]
    if name in ("sum", "avg"):
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total / n if name == "avg" else total
    if name == "elproduct":
        total = xs[0]
        for x in xs[1:]:
            total = total * x
        return total
    if name == "count":
        lead = torch.broadcast_shapes(*(x.shape[:-2] for x in xs))
        return torch.full((*lead, 1, 1), float(n), dtype=xs[0].dtype, device=xs[0].device)
    if name in ("max", "min"):
        out_shape = broadcast_shape(shapes, "combination")
        lead = torch.broadcast_shapes(*(x.shape[:-2] for x in xs))
        stacked = torch.stack([x.expand(*lead, *out_shape) for x in xs], dim=-3)  # [..., n, r, c]
        score = stacked.sum(dim=(-1, -2))
        pick = score.argmax(dim=-1) if name == "max" else score.argmin(dim=-1)
        index = pick[..., None, None, None].expand(*lead, 1, *out_shape)
        return stacked.gather(-3, index).squeeze(-3)
    if name in ("softmax", "sparsemax"):
        lead = torch.broadcast_shapes(*(x.shape[:-2] for x in xs))
        if n == 1:
            return torch.ones((*lead, 1, 1), dtype=xs[0].dtype, device=xs[0].device)
        flat = torch.cat([x.expand(*lead, 1, 1).reshape(*lead, 1) for x in xs], dim=-1)
        out = torch.softmax(flat, dim=-1) if name == "softmax" else sparsemax(flat)
        return out.unsqueeze(-1)
    if name == "product":
        total, shape = xs[0], shapes[0]
        for x, s in zip(xs[1:], shapes[1:]):
            total, shape = product(total, x, shape, s), product_shape(shape, s)
        return total
    if name == "crosssum":
        lead = torch.broadcast_shapes(*(x.shape[:-2] for x in xs))
        total = xs[0].expand(*lead, *shapes[0]).reshape(*lead, -1)
        for x, s in zip(xs[1:], shapes[1:]):
            flat = x.expand(*lead, *s).reshape(*lead, -1)
            total = (total.unsqueeze(-1) + flat.unsqueeze(-2)).reshape(*lead, -1)
        return total.unsqueeze(-1) if total.shape[-1] > 1 else total.unsqueeze(-1)
    if name == "concat":
        lead = torch.broadcast_shapes(*(x.shape[:-2] for x in xs))
        xs = [x.expand(*lead, *s) for x, s in zip(xs, shapes)]
        axis = function.param("axis")
        if axis is None or axis == 0 and all(s[1] == 1 for s in shapes):
            return torch.cat([x.reshape(*lead, -1) for x in xs], dim=-1).unsqueeze(-1)
        return torch.cat(xs, dim=-2 if axis == 0 else -1)
    if name == "cossim":
        a, b = xs[0].flatten(-2), xs[1].flatten(-2)
        cos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))
        return cos[..., None, None]
    raise ShapeError(f"unknown combination {name}")


def glorot_bound(shape, gain: float) -> float:
    r, c = shape
    if r == c == 1:
        return gain * math.sqrt(3.0)
    if r == 1 or c == 1:
        return gain * math.sqrt(6.0 / (max(r, c) + 1))
    return gain * math.sqrt(6.0 / (r + c))
