"""Keras 2's LocallyConnected1D and LocallyConnected2D (tf_keras layers/locally_connected/):
a convolution whose every output position has weights of its own. Its three
implementations store the same connections differently: 1 as one kernel a position, 2 as a
dense kernel from every input value to every output value (masked), 3 as the list of the
connections alone."""

from __future__ import annotations

import math

from ..errors import ArgumentError, boolean, fmt, positive_int
from . import costs
from .base import DATA_FORMAT, INIT, REQUIRED, Built, Kind, W, layer_args
from .checks import activation, ints, one_of
from .shapes import conv_length, image, with_channels


def _connections(size: int, kernel: int, stride: int, padding: str, out: int) -> int:
    """How many input positions the `out` output positions of one axis read, summed
    (tf_keras utils/conv_utils.py conv_connected_inputs: the window of output p is centred at
    p * stride, shifted by kernel // 2 for valid padding, and cut to the input)."""
    if padding == "valid":
        return out * kernel
    left = kernel // 2
    right = kernel - left
    cut_left = min(out, -(-left // stride))  # outputs whose window starts before the input
    past_left = cut_left * left - stride * cut_left * (cut_left - 1) // 2
    first = max(0, (size - right) // stride + 1)  # the first output whose window ends after it
    cut_right = max(0, out - first)
    past_right = cut_right * (right - size) + stride * (first + out - 1) * cut_right // 2
    return out * kernel - past_left - past_right


def _locally_connected(rank: int):
    """locally_connected1d.py and locally_connected2d.py build: the kernel by implementation
    (1: (positions, window * channels, filters); 2: (*input, channels, *output, filters),
    channels first for channels_first; 3: (connections * channels * filters,)), and a bias
    (*output, filters)."""

    def build(cfg, shape, nested):
        channels, spatial = image(cfg, shape, rank)
        if None in spatial:
            raise ArgumentError(f"needs a known size for every spatial axis, got {fmt(shape)}")
        padding, implementation = cfg["padding"], cfg["implementation"]
        if padding != "valid" and implementation == 1:
            raise ArgumentError(f"`padding: {padding}` needs implementation 2 or 3; implementation 1 is valid only")
        window, strides = cfg["kernel_size"], cfg["strides"]
        out = tuple(conv_length(size, k, s, 1, padding) for size, k, s in zip(spatial, window, strides))
        filters = cfg["filters"]
        if implementation == 1:
            kernel = (math.prod(out), math.prod(window) * channels, filters)
        elif implementation == 2:
            first = cfg["data_format"] == "channels_first"
            kernel = (channels, *spatial, filters, *out) if first else (*spatial, channels, *out, filters)
        else:
            reads = math.prod(map(_connections, spatial, window, strides, (padding,) * rank, out))
            kernel = (reads * channels * filters,)
        weights = (W("kernel", kernel),) + ((W("bias", (*out, filters)),) if cfg["use_bias"] else ())
        return Built(with_channels(cfg, shape, out, filters), weights)

    return Kind(f"LocallyConnected{rank}D", layer_args(
        filters=(positive_int, REQUIRED), kernel_size=(ints(rank), REQUIRED), strides=(ints(rank), (1,) * rank),
        padding=(one_of("valid", "same"), "valid"), data_format=DATA_FORMAT, activation=(activation, None),
        use_bias=(boolean, True), **INIT, implementation=(one_of(1, 2, 3), 1)), build,
        macs=costs.unknown, kept=costs.keeps_input)  # implementations 2 and 3 multiply a masked kernel: not one count


KINDS = (_locally_connected(1), _locally_connected(2))
