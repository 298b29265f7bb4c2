"""keras/src/layers/activations/: Activation, ReLU, LeakyReLU, ELU, Softmax, and PReLU, the
one with weights."""

from __future__ import annotations

from ..errors import ArgumentError
from . import costs
from .base import REQUIRED, Built, Kind, W, identity, layer_args, no_products
from .checks import activation, axis_arg, number, setting
from .shapes import known


def _at_least_zero(key, value):
    if number(key, value) < 0:
        raise ArgumentError(f"expected a number >= 0 for `{key}`, got {value}")
    return value


def _optional_at_least_zero(key, value):
    return None if value is None else _at_least_zero(key, value)


def _shared_axes(key, value):
    """prelu.py: None, an axis, or a list of them (axes of the input, 1 and up)."""
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
        raise ArgumentError(f"expected an axis (1 and up) or a list of them for `{key}`, got {value}")
    return tuple(values)


def _prelu_build(cfg, shape, nested):
    """prelu.py build: one alpha per input value, shared (size 1) along `shared_axes`."""
    shared = cfg["shared_axes"] or ()
    if any(axis >= len(shape) for axis in shared):
        raise ArgumentError(f"`shared_axes` {list(shared)} names an axis {shape} does not have")
    alpha = tuple(1 if axis in shared else known(shape, axis, f"axis {axis}") for axis in range(1, len(shape)))
    return Built(shape, (W("alpha", alpha),))


KINDS = no_products(
    Kind("Activation", layer_args(activation=(activation, REQUIRED)), identity),
    Kind("ReLU", layer_args(max_value=(_optional_at_least_zero, None), negative_slope=(_at_least_zero, 0.0),
                            threshold=(_at_least_zero, 0.0)), identity),
    # Keras 2 called negative_slope `alpha`, and Keras 3 still takes it (leaky_relu.py)
    Kind("LeakyReLU", layer_args(negative_slope=(_at_least_zero, 0.3), alpha=(_optional_at_least_zero, None)),
         identity),
    Kind("ELU", layer_args(alpha=(number, 1.0)), identity),
    Kind("Softmax", layer_args(axis=(axis_arg, -1)), identity),
    Kind("PReLU", layer_args(alpha_initializer=(setting, "Zeros"), alpha_regularizer=(setting, None),
                             alpha_constraint=(setting, None), shared_axes=(_shared_axes, None)), _prelu_build),
    kept=costs.keeps_input,
)
