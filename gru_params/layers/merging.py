"""keras/src/layers/merging/: the layers called on a list of tensors (Add, Concatenate, Dot, ...)."""

from __future__ import annotations

import math

from ..errors import ArgumentError, boolean, fmt
from . import costs
from .base import Built, Kind, REQUIRED, Shape, layer_args, no_products
from .checks import integer
from .shapes import several


def _broadcast(a: Shape, b: Shape) -> Shape:
    """keras/src/layers/merging/base_merge.py _compute_elemwise_op_output_shape (no batch axis)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: -len(b)])
    for i, j in zip(a[-len(b):], b):
        if i is not None and j is not None and i != j and 1 not in (i, j):
            raise ArgumentError(f"cannot merge tensors of shapes {fmt(a)} and {fmt(b)} (without the batch axis)")
        out.append(None if i is None or j is None else j if i == 1 else i)
    return tuple(out)


def _elementwise(exactly: int | None = None):
    """Add, Subtract, Multiply, Average, Maximum, Minimum: shapes broadcast as numpy's."""

    def build(cfg, shape, nested):
        shapes = several(shape, exactly or 1, exactly)
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = _broadcast(out, s[1:])
        return Built((None, *out))

    return build


def _concatenate_build(cfg, shape, nested):
    """keras/src/layers/merging/concatenate.py: every axis but `axis` must agree where known;
    the output takes the first input's shape, with the sizes along `axis` added."""
    shapes = several(shape, 1)
    axis = cfg["axis"]
    if any(not -len(s) <= axis < len(s) for s in shapes):
        raise ArgumentError(f"axis {axis} is out of range for {fmt(shapes)}")
    rest = {tuple(d for i, d in enumerate(s) if i != axis % len(s)) for s in shapes}
    ranks = {len(s) for s in shapes}
    if len(ranks) > 1 or any(len({r[i] for r in rest} - {None}) > 1 for i in range(len(next(iter(rest))))):
        raise ArgumentError(f"needs inputs of the same shape except along axis {axis}, got {fmt(shapes)}")
    out = list(shapes[0])
    sizes = [s[axis] for s in shapes]
    out[axis] = None if None in sizes else sum(sizes)
    return Built(tuple(out))


def _dot_axes(key, value):
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    return integer(key, value)


def _dot_axes_of(cfg, a, b) -> tuple[int, int]:
    axes = cfg["axes"]
    if isinstance(axes, int):
        axes = (axes % len(a), axes % len(b)) if axes < 0 else (axes, axes)
    return axes


def _dot_macs(cfg, shape, built, **call) -> int:
    """Every output value of each sample is a dot product along the two axes (normalize's
    scaling is elementwise): the output's values times the axis's size."""
    a, b = shape
    ia, ib = _dot_axes_of(cfg, a, b)
    others = [d for i, d in enumerate(a) if i not in (0, ia)] + [d for i, d in enumerate(b) if i not in (0, ib)]
    return a[0] * math.prod(others) * a[ia]


def _dot_build(cfg, shape, nested):
    """keras/src/layers/merging/dot.py: the sizes along the two axes must be equal."""
    a, b = several(shape, 2, 2)
    axes = _dot_axes_of(cfg, a, b)
    if not (0 <= axes[0] < len(a) and 0 <= axes[1] < len(b)) or a[axes[0]] != b[axes[1]]:
        raise ArgumentError(f"cannot take the dot product of {fmt(a)} and {fmt(b)} along axes {list(axes)}")
    out = [d for i, d in enumerate(a) if i != axes[0]] + [d for i, d in enumerate(b) if i != axes[1]][1:]
    return Built(tuple(out + [1] if len(out) == 1 else out))


KINDS = no_products(
    Kind("Concatenate", layer_args(axis=(integer, -1)), _concatenate_build, many_inputs=True),
    Kind("Add", layer_args(), _elementwise(), many_inputs=True),
    Kind("Subtract", layer_args(), _elementwise(2), many_inputs=True),
    Kind("Multiply", layer_args(), _elementwise(), many_inputs=True),
    Kind("Average", layer_args(), _elementwise(), many_inputs=True),
    Kind("Maximum", layer_args(), _elementwise(), many_inputs=True),
    Kind("Minimum", layer_args(), _elementwise(), many_inputs=True),
    Kind("Dot", layer_args(axes=(_dot_axes, REQUIRED), normalize=(boolean, False)), _dot_build, many_inputs=True,
         macs=_dot_macs),
    kept=costs.keeps_nothing, Multiply=costs.keeps_input, Maximum=costs.keeps_input,
    Minimum=costs.keeps_input, Dot=costs.keeps_input,
)
