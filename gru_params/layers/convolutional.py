"""keras/src/layers/convolutional/: Conv1D."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, positive_int
from .base import Built, DATA_FORMAT, INIT, Kind, REQUIRED, W, layer_args
from .checks import activation, ints, one_of
from .shapes import channels_first, conv_length, known, ndim


def _conv1d_build(cfg, shape, nested):
    ndim(shape, 3, "(batch, steps, channels)")
    first = channels_first(cfg)
    channels = known(shape, 1 if first else 2, "channels")
    groups, filters = cfg["groups"], cfg["filters"]
    if channels % groups or filters % groups:
        raise ArgumentError(f"`groups` ({groups}) must divide the channels ({channels}) and `filters` ({filters})")
    if cfg["padding"] == "causal" and first:
        raise ArgumentError("padding causal needs data_format channels_last")
    (k,), (s,), (d,) = cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"]
    length = conv_length(shape[2 if first else 1], k, s, d, cfg["padding"])
    weights = [W("kernel", (k, channels // groups, filters))] + ([W("bias", (filters,))] if cfg["use_bias"] else [])
    return Built((shape[0], filters, length) if first else (shape[0], length, filters), tuple(weights))


KINDS = (
    Kind("Conv1D", layer_args(
        filters=(positive_int, REQUIRED), kernel_size=(ints(1), REQUIRED), strides=(ints(1), (1,)),
        padding=(one_of("valid", "same", "causal"), "valid"), data_format=DATA_FORMAT,
        dilation_rate=(ints(1), (1,)), groups=(positive_int, 1), activation=(activation, None),
        use_bias=(boolean, True), **INIT), _conv1d_build),
)
