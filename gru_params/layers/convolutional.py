"""keras/src/layers/convolutional/: Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D and
SeparableConv1D/2D, each a declaration over the shared builds of base_conv.py,
base_conv_transpose.py, base_depthwise_conv.py and base_separable_conv.py."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, positive_int
from . import costs
from .base import DATA_FORMAT, INIT, REQUIRED, Built, Kind, W, layer_args
from .checks import activation, ints, one_of, optional_ints, setting
from .shapes import channels_first, conv_length, image, with_channels


def _checked(cfg, rank: int) -> None:
    """What base_conv.py's __init__ refuses besides bad values."""
    if max(cfg["strides"]) > 1 and max(cfg["dilation_rate"]) > 1:
        raise ArgumentError(f"`strides` > 1 together with `dilation_rate` > 1 is not supported, got strides "
                            f"{list(cfg['strides'])} and dilation_rate {list(cfg['dilation_rate'])}")


def _spatial_out(cfg, spatial) -> tuple:
    """keras/src/ops/operation_utils.py compute_conv_output_shape, every spatial axis."""
    return tuple(conv_length(size, k, s, d, cfg["padding"])
                 for size, k, s, d in zip(spatial, cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"]))


def _conv(rank: int):
    """base_conv.py: kernel (*kernel_size, channels // groups, filters), bias (filters,)."""

    def build(cfg, shape, nested):
        _checked(cfg, rank)
        channels, spatial = image(cfg, shape, rank)
        groups, filters = cfg["groups"], cfg["filters"]
        if channels % groups or filters % groups:
            raise ArgumentError(f"`groups` ({groups}) must divide the channels ({channels}) and `filters` ({filters})")
        weights = [W("kernel", (*cfg["kernel_size"], channels // groups, filters))]
        weights += [W("bias", (filters,))] if cfg["use_bias"] else []
        return Built(with_channels(cfg, shape, _spatial_out(cfg, spatial), filters), tuple(weights))

    return build


def _transpose_length(size, kernel, stride, padding, output_padding, dilation):
    """keras/src/backend/common/backend_utils.py _get_output_shape_given_tf_padding."""
    if size is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return (size - 1) * stride + kernel + extra
    return size * stride if output_padding is None else (size - 1) * stride + kernel % 2 + output_padding


def _conv_transpose(rank: int):
    """base_conv_transpose.py: kernel (*kernel_size, filters, channels), bias (filters,)."""

    def build(cfg, shape, nested):
        channels, spatial = image(cfg, shape, rank)
        paddings = cfg["output_padding"] or (None,) * rank
        for p, s in zip(paddings, cfg["strides"]):
            if p is not None and p >= s:
                raise ArgumentError(f"`output_padding` {list(cfg['output_padding'])} must be smaller than "
                                    f"`strides` {list(cfg['strides'])} on every axis")
        out = tuple(_transpose_length(size, k, s, cfg["padding"], p, d) for size, k, s, p, d in
                    zip(spatial, cfg["kernel_size"], cfg["strides"], paddings, cfg["dilation_rate"]))
        filters = cfg["filters"]
        weights = [W("kernel", (*cfg["kernel_size"], filters, channels))]
        weights += [W("bias", (filters,))] if cfg["use_bias"] else []
        return Built(with_channels(cfg, shape, out, filters), tuple(weights))

    return build


def _depthwise(rank: int):
    """base_depthwise_conv.py: kernel (*kernel_size, channels, depth_multiplier), bias
    (channels * depth_multiplier,); the output has that many channels."""

    def build(cfg, shape, nested):
        _checked(cfg, rank)
        channels, spatial = image(cfg, shape, rank)
        m = cfg["depth_multiplier"]
        weights = [W("kernel", (*cfg["kernel_size"], channels, m))]
        weights += [W("bias", (channels * m,))] if cfg["use_bias"] else []
        return Built(with_channels(cfg, shape, _spatial_out(cfg, spatial), channels * m), tuple(weights))

    return build


def _separable(rank: int):
    """base_separable_conv.py: a depthwise kernel (*kernel_size, channels, depth_multiplier),
    a pointwise kernel (1, ..., channels * depth_multiplier, filters), bias (filters,)."""

    def build(cfg, shape, nested):
        _checked(cfg, rank)
        channels, spatial = image(cfg, shape, rank)
        m, filters = cfg["depth_multiplier"], cfg["filters"]
        weights = [W("depthwise_kernel", (*cfg["kernel_size"], channels, m)),
                   W("pointwise_kernel", ((1,) * rank + (channels * m, filters)))]
        weights += [W("bias", (filters,))] if cfg["use_bias"] else []
        return Built(with_channels(cfg, shape, _spatial_out(cfg, spatial), filters), tuple(weights))

    return build


def _padding(rank: int, causal: bool):
    return (one_of("valid", "same", "causal") if causal else one_of("valid", "same"), "valid")


def _window(rank: int, causal: bool) -> dict:
    """kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias."""
    return dict(kernel_size=(ints(rank), REQUIRED), strides=(ints(rank), (1,) * rank), padding=_padding(rank, causal),
                data_format=DATA_FORMAT, dilation_rate=(ints(rank), (1,) * rank), activation=(activation, None),
                use_bias=(boolean, True))


_DEPTHWISE_SETTINGS = dict(depthwise_initializer=(setting, "glorot_uniform"), bias_initializer=(setting, "zeros"),
                           depthwise_regularizer=(setting, None), bias_regularizer=(setting, None),
                           depthwise_constraint=(setting, None), bias_constraint=(setting, None))
_POINTWISE_SETTINGS = dict(pointwise_initializer=(setting, "glorot_uniform"), pointwise_regularizer=(setting, None),
                           pointwise_constraint=(setting, None))


def _conv_kind(rank: int) -> Kind:
    return Kind(f"Conv{rank}D", layer_args(filters=(positive_int, REQUIRED), **_window(rank, rank == 1),
                                           groups=(positive_int, 1), **INIT), _conv(rank),
                macs=costs.convolution(channels_first), kept=costs.keeps_input)


def _transpose_kind(rank: int) -> Kind:
    return Kind(f"Conv{rank}DTranspose", layer_args(filters=(positive_int, REQUIRED), **_window(rank, False),
                                                    output_padding=(optional_ints(rank, 0), None), **INIT),
                _conv_transpose(rank), macs=costs.convolution(channels_first, transposed=True),
                kept=costs.keeps_input)


def _depthwise_kind(rank: int) -> Kind:
    return Kind(f"DepthwiseConv{rank}D", layer_args(**_window(rank, False), depth_multiplier=(positive_int, 1),
                                                    **_DEPTHWISE_SETTINGS), _depthwise(rank),
                macs=costs.convolution(channels_first), kept=costs.keeps_input)


def _separable_kind(rank: int) -> Kind:
    return Kind(f"SeparableConv{rank}D", layer_args(filters=(positive_int, REQUIRED), **_window(rank, False),
                                                    depth_multiplier=(positive_int, 1), **_DEPTHWISE_SETTINGS,
                                                    **_POINTWISE_SETTINGS), _separable(rank),
                macs=costs.convolution(channels_first), kept=costs.keeps_input)


KINDS = (
    *(_conv_kind(rank) for rank in (1, 2, 3)),
    *(_transpose_kind(rank) for rank in (1, 2, 3)),
    *(_depthwise_kind(rank) for rank in (1, 2)),
    *(_separable_kind(rank) for rank in (1, 2)),
)

# keras/src/layers/__init__.py: the other names Keras exports for the same classes
ALIASES = {
    **{f"Convolution{rank}D": f"Conv{rank}D" for rank in (1, 2, 3)},
    **{f"Convolution{rank}DTranspose": f"Conv{rank}DTranspose" for rank in (1, 2, 3)},
    **{f"SeparableConvolution{rank}D": f"SeparableConv{rank}D" for rank in (1, 2)},
}
