"""keras/src/layers/normalization/: BatchNormalization, LayerNormalization,
GroupNormalization, RMSNormalization, UnitNormalization, and the SpectralNormalization wrapper."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, positive_int
from . import costs
from .base import REQUIRED, Built, Kind, W, identity, layer_args, no_products
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


def _group_norm_build(cfg, shape, nested):
    """group_normalization.py build: gamma and beta over the channels of `axis`, which the
    groups (-1: one a channel) must divide."""
    channels = known(shape, cfg["axis"], "normalized")
    groups = channels if cfg["groups"] == -1 else cfg["groups"]
    if groups > channels or channels % groups:
        raise ArgumentError(f"`groups` ({groups}) must divide the {channels} channels")
    names = [n for n, on in (("gamma", cfg["scale"]), ("beta", cfg["center"])) if on]
    return Built(shape, tuple(W(n, (channels,)) for n in names))


def _rms_norm_build(cfg, shape, nested):
    """rms_normalization.py build: one scale a position of the normalized axes (sorted)."""
    axes = sorted(cfg["axis"]) if isinstance(cfg["axis"], tuple) else [cfg["axis"]]
    return Built(shape, (W("scale", tuple(known(shape, a, "normalized") for a in axes)),))


def _spectral_norm_build(cfg, shape, nested):
    """spectral_normalization.py build: the wrapped layer (which must have a kernel or
    embeddings), then a non-trainable vector_u (1, the kernel's last axis)."""
    built, row = nested(cfg["layer"], shape)
    kernel = next((w for w in built.weights if w.name.rsplit("/", 1)[-1] in ("kernel", "embeddings")), None)
    if kernel is None:
        raise ArgumentError(f"wraps a layer with a kernel or embeddings, got {cfg['layer'].kind.class_name}")
    # In Keras's order: the wrapper takes the kernel as its own weight (`self.kernel =`), so
    # layer.weights lists it, then vector_u, then the wrapped layer's other weights
    rest = tuple(w for w in built.weights if w is not kernel)
    return Built(built.output, (kernel, W("vector_u", (1, kernel.shape[-1]), False), *rest), (row,))


def _groups(key, value):
    if integer(key, value) == 0 or value < -1:
        raise ArgumentError(f"expected a positive integer or -1 (one group a channel) for `{key}`, got {value}")
    return value


KINDS = no_products(
    Kind("GroupNormalization", layer_args(
        groups=(_groups, 32), axis=(integer, -1), epsilon=(number, 0.001), center=(boolean, True),
        scale=(boolean, True), beta_initializer=(setting, "zeros"), gamma_initializer=(setting, "ones"),
        beta_regularizer=(setting, None), gamma_regularizer=(setting, None), beta_constraint=(setting, None),
        gamma_constraint=(setting, None)), _group_norm_build),
    Kind("RMSNormalization", layer_args(axis=(axis_arg, -1), epsilon=(number, 1e-06)), _rms_norm_build),
    Kind("UnitNormalization", layer_args(axis=(axis_arg, -1)), identity),
    Kind("SpectralNormalization", layer_args(layer=(anything, REQUIRED), power_iterations=(positive_int, 1)),
         _spectral_norm_build, ("layer",), macs=costs.children,
         kept=costs.keeps_children),  # inference: the layer as it is
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
    kept=costs.keeps_input, LayerNormalization=costs.keeps_input_and_row_statistics,
    BatchNormalization=costs.keeps_input_and_statistics(lambda cfg: cfg["axis"]),
    GroupNormalization=costs.keeps_input_and_statistics(
        lambda cfg: cfg["axis"], lambda cfg, channels: channels if cfg["groups"] == -1 else cfg["groups"]),
    RMSNormalization=costs.keeps_rms,
)
