"""keras/src/layers/reshaping/: Flatten, Reshape, Permute, RepeatVector."""

from __future__ import annotations

import math

from ..errors import ArgumentError, fmt, positive_int
from .base import Built, DATA_FORMAT, Kind, REQUIRED, layer_args
from .checks import int_list
from .shapes import ndim


def _flatten_build(cfg, shape, nested):
    rest = shape[1:]
    size = None if None in rest else math.prod(rest)
    return Built((shape[0], size))


def _reshape_build(cfg, shape, nested):
    """keras/src/layers/reshaping/reshape.py: one -1 may stand for the rest."""
    target = cfg["target_shape"]
    if any(d == 0 or d < -1 for d in target) or target.count(-1) > 1:
        raise ArgumentError(f"expected positive sizes and at most one -1 in `target_shape`, got {list(target)}")
    rest = shape[1:]
    known = math.prod(d for d in target if d != -1)
    if None in rest:
        return Built((shape[0], *(None if d == -1 else d for d in target)))
    total = math.prod(rest)
    if -1 in target:
        if total % known:
            raise ArgumentError(f"cannot reshape {fmt(shape)} ({total:,} values) to {list(target)}")
        target = tuple(total // known if d == -1 else d for d in target)
    elif known != total:
        raise ArgumentError(f"cannot reshape {fmt(shape)} ({total:,} values) to {list(target)} ({known:,} values)")
    return Built((shape[0], *target))


def _permute_build(cfg, shape, nested):
    dims = cfg["dims"]
    if sorted(dims) != list(range(1, len(shape))):
        raise ArgumentError(f"`dims` must order the axes 1 to {len(shape) - 1} of {fmt(shape)}, got {list(dims)}")
    return Built((shape[0], *(shape[d] for d in dims)))


def _repeat_vector_build(cfg, shape, nested):
    ndim(shape, 2, "(batch, features)")
    return Built((shape[0], cfg["n"], shape[1]))


KINDS = (
    Kind("Flatten", layer_args(data_format=DATA_FORMAT), _flatten_build),
    Kind("Reshape", layer_args(target_shape=(int_list, REQUIRED)), _reshape_build),
    Kind("Permute", layer_args(dims=(int_list, REQUIRED)), _permute_build),
    Kind("RepeatVector", layer_args(n=(positive_int, REQUIRED)), _repeat_vector_build),
)
