"""keras/src/layers/regularization/: Dropout and its relatives, GaussianNoise."""

from __future__ import annotations

from .base import Built, Kind, REQUIRED, identity, layer_args
from .checks import anything, fraction, number, optional_int, text
from .shapes import ndim


def _spatial_dropout_build(cfg, shape, nested):
    ndim(shape, 3, "(batch, time, channels)")
    return Built(shape)


KINDS = (
    Kind("Dropout", layer_args(rate=(fraction, REQUIRED), noise_shape=(anything, None), seed=(optional_int, None)), identity),
    # SpatialDropout1D takes no **kwargs: only these four
    Kind("SpatialDropout1D", dict(rate=(fraction, REQUIRED), seed=(optional_int, None), name=(text, None),
                                  dtype=(anything, None)), _spatial_dropout_build),
    Kind("GaussianNoise", layer_args(stddev=(number, REQUIRED), seed=(optional_int, None)), identity),
)
