"""Shape inference over a rule's value expression, checked once at compile time."""
from __future__ import annotations

from ..errors import ShapeError
from ..nn.functions import combination_shape, product_shape, transformation_shape
from ..program.records import Leaf

SHAPE_PRESERVING_EXCLUDED = {"transp", "slice", "reshape"}


def leaf_shape(leaf: Leaf, in_shape, weight_shape, drop_function: bool):
    shape = in_shape
    if leaf.function is not None and not drop_function:
        shape = transformation_shape(leaf.function, shape)
    if weight_shape is not None:
        shape = product_shape(weight_shape, shape)
    return shape


def tree_shape(node, leaf_shapes: dict[int, tuple[int, int]], what: str):
    """Value shape of `node` given the output shape of each leaf slot."""
    if isinstance(node, Leaf):
        return leaf_shapes[node.slot]
    shapes = [tree_shape(child, leaf_shapes, what) for child in node.children]
    if node.function.kind == "transformation":
        return transformation_shape(node.function, shapes[0])
    if not shapes:
        return (1, 1)
    return combination_shape(node.function, shapes, what)


def preserves_shape(function) -> bool:
    return function is None or function.name not in SHAPE_PRESERVING_EXCLUDED


def with_rule(error: ShapeError, rule_text: str) -> ShapeError:
    return ShapeError(f"rule {rule_text}: {error}")
