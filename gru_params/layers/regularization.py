"""keras/src/layers/regularization/: Dropout, SpatialDropout1D/2D/3D, GaussianDropout,
AlphaDropout, GaussianNoise, ActivityRegularization. None has weights."""

from __future__ import annotations

from . import costs
from .base import DATA_FORMAT, REQUIRED, Built, Kind, identity, layer_args, no_products
from .checks import anything, fraction, number, optional_int, text
from .shapes import ndim


def _spatial_dropout(rank: int):
    """spatial_dropout.py: InputSpec(ndim=rank + 2)."""

    def build(cfg, shape, nested):
        ndim(shape, rank + 2, "(batch, time, channels)" if rank == 1 else f"(batch, {rank} spatial axes, channels)")
        return Built(shape)

    return build


KINDS = no_products(
    Kind("Dropout", layer_args(rate=(fraction, REQUIRED), noise_shape=(anything, None), seed=(optional_int, None)), identity),
    # SpatialDropout1D takes no **kwargs: only these four; 2D and 3D add data_format
    Kind("SpatialDropout1D", dict(rate=(fraction, REQUIRED), seed=(optional_int, None), name=(text, None),
                                  dtype=(anything, None)), _spatial_dropout(1)),
    *(Kind(f"SpatialDropout{rank}D", dict(rate=(fraction, REQUIRED), data_format=DATA_FORMAT, seed=(optional_int, None),
                                          name=(text, None), dtype=(anything, None)), _spatial_dropout(rank))
      for rank in (2, 3)),
    Kind("GaussianDropout", layer_args(rate=(fraction, REQUIRED), seed=(optional_int, None)), identity),
    Kind("AlphaDropout", layer_args(rate=(fraction, REQUIRED), noise_shape=(anything, None), seed=(optional_int, None)),
         identity),
    Kind("GaussianNoise", layer_args(stddev=(number, REQUIRED), seed=(optional_int, None)), identity),
    Kind("ActivityRegularization", layer_args(l1=(number, 0.0), l2=(number, 0.0)), identity),
    kept=costs.keeps_input, GaussianNoise=costs.keeps_nothing, ActivityRegularization=costs.keeps_nothing,
    **{f"SpatialDropout{rank}D": costs.keeps_channel_mask(False) for rank in (1, 2, 3)},
)
