"""keras/src/layers/normalization/: BatchNormalization, LayerNormalization."""

from __future__ import annotations

from ..errors import boolean
from .base import Built, Kind, W, layer_args
from .checks import anything, axis_arg, integer, number, setting
from .shapes import feature_axis, known


def _batch_norm_build(cfg, shape, nested):
    c = known(shape, feature_axis(cfg["axis"], shape), "normalized")
    names = [n for n, on in (("gamma", cfg["scale"]), ("beta", cfg["center"])) if on]
    weights = [W(n, (c,)) for n in names] + [W(n, (c,), False) for n in ("moving_mean", "moving_variance")]
    if cfg["renorm"]:
        weights += [W(n, (c,), False) for n in ("moving_stddev", "renorm_mean", "renorm_stddev")]
    return Built(shape, tuple(weights))


def _layer_norm_build(cfg, shape, nested):
    axes = cfg["axis"] if isinstance(cfg["axis"], tuple) else (cfg["axis"],)
    size = tuple(known(shape, feature_axis(a, shape), "normalized") for a in sorted(feature_axis(a, shape) for a in axes))
    rms = cfg["rms_scaling"]
    names = [n for n, on in (("gamma", cfg["scale"] or rms), ("beta", cfg["center"] and not rms)) if on]
    return Built(shape, tuple(W(n, size) for n in names))


KINDS = (
    Kind("BatchNormalization", layer_args(
        axis=(integer, -1), momentum=(number, 0.99), epsilon=(number, 0.001), center=(boolean, True),
        scale=(boolean, True), beta_initializer=(setting, "zeros"), gamma_initializer=(setting, "ones"),
        moving_mean_initializer=(setting, "zeros"), moving_variance_initializer=(setting, "ones"),
        beta_regularizer=(setting, None), gamma_regularizer=(setting, None), beta_constraint=(setting, None),
        gamma_constraint=(setting, None), renorm=(boolean, False), renorm_clipping=(anything, None),
        renorm_momentum=(number, 0.99), synchronized=(boolean, False)), _batch_norm_build),
    Kind("LayerNormalization", layer_args(
        axis=(axis_arg, -1), epsilon=(number, 0.001), center=(boolean, True), scale=(boolean, True),
        beta_initializer=(setting, "zeros"), gamma_initializer=(setting, "ones"), beta_regularizer=(setting, None),
        gamma_regularizer=(setting, None), beta_constraint=(setting, None), gamma_constraint=(setting, None),
        rms_scaling=(boolean, False)), _layer_norm_build),
)
