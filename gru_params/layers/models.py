"""Models used as layers: a Sequential model, and a functional model (infer builds its graph)."""

from __future__ import annotations

from ..errors import ArgumentError, boolean
from . import costs
from .base import Built, Kind, REQUIRED
from .checks import anything, text


def sequential_build(cfg, shape, nested):
    """A Sequential model called as a layer (or a Pipeline): its layers one after another."""
    children, weights = [], []
    for layer in cfg["layers"]:
        if isinstance(shape, list):
            raise ArgumentError(f"`{children[-1].name}` returns {len(shape)} tensors inside a Sequential model, "
                                "where only the last layer may")
        built, row = nested(layer, shape)
        children.append(row)
        weights += built.weights
        shape = built.output
    return Built(shape, tuple(weights), tuple(children))


def _functional_model_build(cfg, shape, nested):
    """A functional model called as a layer, on one tensor per input (infer builds its graph)."""
    built, _ = nested(cfg["model"], shape if isinstance(shape, list) else [shape])
    return built


KINDS = (
    Kind("Sequential", dict(layers=(anything, REQUIRED), name=(text, None), trainable=(boolean, True),
                            dtype=(anything, None)), sequential_build, ("layers",),
         macs=costs.children, kept=costs.keeps_children),
    # `model` is the inner spec (inputs, layers, outputs) as the spec parser reads it
    Kind("Functional", dict(model=(anything, REQUIRED), name=(text, None), trainable=(boolean, True)),
         _functional_model_build, ("model",), many_inputs=True, macs=costs.children, kept=costs.keeps_children),
)
