"""keras/src/layers/pooling/: Max and Average pooling, global and adaptive pooling, in 1, 2
and 3 spatial dimensions. No pooling layer has weights."""

from __future__ import annotations

from ..errors import ArgumentError, boolean
from . import costs
from .base import DATA_FORMAT, REQUIRED, Built, Kind, layer_args, no_products
from .checks import ints, one_of, optional_ints
from .shapes import conv_length, image, with_channels

_NAMES = {1: "1D", 2: "2D", 3: "3D"}


def _pooling(rank: int):
    """base_pooling.py compute_output_shape (ops/operation_utils.py compute_pooling_output_shape):
    strides default to the pool size; a valid window must fit at least once."""

    def build(cfg, shape, nested):
        channels, spatial = image(cfg, shape, rank, channels_known=False)
        strides = cfg["strides"] or cfg["pool_size"]
        out = tuple(conv_length(size, p, s, 1, cfg["padding"]) for size, p, s in zip(spatial, cfg["pool_size"], strides))
        return Built(with_channels(cfg, shape, out, channels))

    return build


def _global(rank: int):
    """base_global_pooling.py: the spatial axes go, or stay as 1 with keepdims."""

    def build(cfg, shape, nested):
        channels, _ = image(cfg, shape, rank, channels_known=False)
        if cfg["keepdims"]:
            return Built(with_channels(cfg, shape, (1,) * rank, channels))
        return Built((shape[0], channels))

    return build


def _output_size(rank: int):
    """An int for every axis, or a list of `rank` of them (adaptive_*_pooling{rank}d.py)."""
    inner = ints(rank)

    def check(key, value):
        if isinstance(value, list) and len(value) != rank:
            raise ArgumentError(f"expected an integer or a list of {rank} for `{key}`, got {len(value)} values")
        return inner(key, value)

    return check


def _adaptive(rank: int):
    """base_adaptive_pooling.py: the spatial axes become `output_size`."""

    def build(cfg, shape, nested):
        channels, _ = image(cfg, shape, rank, channels_known=False)
        return Built(with_channels(cfg, shape, cfg["output_size"], channels))

    return build


def _pool_args(rank: int, default) -> dict:
    return dict(pool_size=(ints(rank), default), strides=(optional_ints(rank), None),
                padding=(one_of("valid", "same"), "valid"), data_format=DATA_FORMAT)


KINDS = no_products(
    *(Kind(f"MaxPooling{_NAMES[r]}", layer_args(**_pool_args(r, (2,) * r)), _pooling(r)) for r in (1, 2, 3)),
    *(Kind(f"AveragePooling{_NAMES[r]}", layer_args(**_pool_args(r, REQUIRED)), _pooling(r)) for r in (1, 2, 3)),
    *(Kind(f"Global{op}Pooling{_NAMES[r]}", layer_args(data_format=DATA_FORMAT, keepdims=(boolean, False)), _global(r))
      for op in ("Average", "Max") for r in (1, 2, 3)),
    *(Kind(f"Adaptive{op}Pooling{_NAMES[r]}", layer_args(output_size=(_output_size(r), REQUIRED), data_format=DATA_FORMAT),
           _adaptive(r)) for op in ("Average", "Max") for r in (1, 2, 3)),
    kept=costs.keeps_input, **{f"MaxPooling{_NAMES[r]}": costs.keeps_input_and_argmax for r in (1, 2, 3)},
    **{f"AdaptiveMaxPooling{_NAMES[r]}": costs.keeps_input_and_argmax for r in (1, 2, 3)},
    **{f"GlobalAveragePooling{_NAMES[r]}": costs.keeps_nothing for r in (1, 2, 3)},
)

# keras/src/layers/__init__.py: the other names Keras exports for the same classes
ALIASES = {
    **{f"MaxPool{_NAMES[r]}": f"MaxPooling{_NAMES[r]}" for r in (1, 2, 3)},
    **{f"AvgPool{_NAMES[r]}": f"AveragePooling{_NAMES[r]}" for r in (1, 2, 3)},
    **{f"GlobalAvgPool{_NAMES[r]}": f"GlobalAveragePooling{_NAMES[r]}" for r in (1, 2, 3)},
    **{f"GlobalMaxPool{_NAMES[r]}": f"GlobalMaxPooling{_NAMES[r]}" for r in (1, 2, 3)},
}
