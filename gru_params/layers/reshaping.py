"""keras/src/layers/reshaping/: Flatten, Reshape, Permute, RepeatVector, and Cropping,
UpSampling and ZeroPadding in 1, 2 and 3 spatial dimensions. None has weights."""

from __future__ import annotations

import math

from ..errors import ArgumentError, fmt, positive_int, shown
from . import costs
from .base import DATA_FORMAT, REQUIRED, Built, Kind, layer_args, no_products
from .checks import int_list, ints, one_of
from .shapes import image, ndim, with_channels


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


def _pair(key, value) -> tuple:
    """argument_validation.standardize_tuple(value, 2, allow_zero=True): n -> (n, n)."""
    return ints(2, 0)(key, value)


def _pairs(rank: int):
    """cropping2d.py / zero_padding2d.py: an int for every side of every axis, a list of one
    int per axis (both sides), or a list of a pair per axis."""

    def check(key, value):
        if isinstance(value, list):
            if len(value) != rank:
                raise ArgumentError(f"expected an integer or a list of {rank} integers or pairs for `{key}`, "
                                    f"got {shown(value)}")
            return tuple(_pair(key, v) for v in value)
        return (_pair(key, value),) * rank

    return check


def _per_axis(rank: int, key: str, resize):
    """Cropping, ZeroPadding, UpSampling: each spatial axis resized by `resize(size, the
    axis's value of key)`; an unknown size stays unknown."""

    def build(cfg, shape, nested):
        values = cfg[key] if rank > 1 else (cfg[key],)
        channels, spatial = image(cfg, shape, rank, channels_known=False)
        out = tuple(None if size is None else resize(size, value, shape, values) for size, value in zip(spatial, values))
        return Built(with_channels(cfg, shape, out, channels))

    return build


def _cropped(size: int, crop: tuple, shape, crops) -> int:
    """Both sides' crops must leave something (Cropping1D: a length above 0; 2D, 3D: crops
    smaller than the axis, which is the same)."""
    if sum(crop) >= size:
        raise ArgumentError(f"`cropping` {[list(c) for c in crops]} leaves nothing of {fmt(shape)}")
    return size - sum(crop)


def _cropping(rank: int):
    return _per_axis(rank, "cropping", _cropped)


def _zero_padding(rank: int):
    return _per_axis(rank, "padding", lambda size, pad, shape, pads: size + sum(pad))


def _up_sampling(rank: int):
    return _per_axis(rank, "size", lambda size, k, shape, sizes: size * k)


_NAMES = {1: "1D", 2: "2D", 3: "3D"}

KINDS = no_products(
    Kind("Cropping1D", layer_args(cropping=(_pair, (1, 1))), _cropping(1)),
    Kind("Cropping2D", layer_args(cropping=(_pairs(2), ((0, 0), (0, 0))), data_format=DATA_FORMAT), _cropping(2)),
    Kind("Cropping3D", layer_args(cropping=(_pairs(3), ((1, 1),) * 3), data_format=DATA_FORMAT), _cropping(3)),
    Kind("ZeroPadding1D", layer_args(padding=(_pair, (1, 1)), data_format=DATA_FORMAT), _zero_padding(1)),
    Kind("ZeroPadding2D", layer_args(padding=(_pairs(2), ((1, 1),) * 2), data_format=DATA_FORMAT), _zero_padding(2)),
    Kind("ZeroPadding3D", layer_args(padding=(_pairs(3), ((1, 1),) * 3), data_format=DATA_FORMAT), _zero_padding(3)),
    Kind("UpSampling1D", layer_args(size=(positive_int, 2)), _up_sampling(1)),
    Kind("UpSampling2D", layer_args(size=(ints(2), (2, 2)), data_format=DATA_FORMAT,
                                    interpolation=(one_of("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5",
                                                          "area"), "nearest")), _up_sampling(2)),
    Kind("UpSampling3D", layer_args(size=(ints(3), (2, 2, 2)), data_format=DATA_FORMAT), _up_sampling(3)),
    Kind("Flatten", layer_args(data_format=DATA_FORMAT), _flatten_build),
    Kind("Reshape", layer_args(target_shape=(int_list, REQUIRED)), _reshape_build),
    Kind("Permute", layer_args(dims=(int_list, REQUIRED)), _permute_build),
    Kind("RepeatVector", layer_args(n=(positive_int, REQUIRED)), _repeat_vector_build),
    kept=costs.keeps_nothing,
)
