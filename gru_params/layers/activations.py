"""keras/src/layers/activations/: Activation."""

from __future__ import annotations

from .base import Kind, REQUIRED, identity, layer_args
from .checks import activation


KINDS = (
    Kind("Activation", layer_args(activation=(activation, REQUIRED)), identity),
)
