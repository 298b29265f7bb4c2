"""keras/src/layers/pooling/: 1D pooling and global pooling."""

from __future__ import annotations

from ..errors import boolean
from .base import Built, DATA_FORMAT, Kind, REQUIRED, layer_args
from .checks import ints, one_of, optional_ints
from .shapes import channels_first, conv_length, ndim


_POOL_ARGS = dict(strides=(optional_ints(1), None), padding=(one_of("valid", "same"), "valid"), data_format=DATA_FORMAT)


_GLOBAL_POOL_ARGS = dict(data_format=DATA_FORMAT, keepdims=(boolean, False))


def _pooling1d_build(cfg, shape, nested):
    ndim(shape, 3, "(batch, steps, channels)")
    first = channels_first(cfg)
    (p,) = cfg["pool_size"]
    (s,) = cfg["strides"] or (p,)
    length = conv_length(shape[2 if first else 1], p, s, 1, cfg["padding"])
    return Built((shape[0], shape[1], length) if first else (shape[0], length, shape[2]))


def _global_pooling1d_build(cfg, shape, nested):
    ndim(shape, 3, "(batch, steps, channels)")
    first = channels_first(cfg)
    channels = shape[1] if first else shape[2]
    if cfg["keepdims"]:
        return Built((shape[0], channels, 1) if first else (shape[0], 1, channels))
    return Built((shape[0], channels))


KINDS = (
    Kind("MaxPooling1D", layer_args(pool_size=(ints(1), (2,)), **_POOL_ARGS), _pooling1d_build),
    Kind("AveragePooling1D", layer_args(pool_size=(ints(1), REQUIRED), **_POOL_ARGS), _pooling1d_build),
    Kind("GlobalAveragePooling1D", layer_args(**_GLOBAL_POOL_ARGS), _global_pooling1d_build),
    Kind("GlobalMaxPooling1D", layer_args(**_GLOBAL_POOL_ARGS), _global_pooling1d_build),
)
