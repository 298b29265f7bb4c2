"""Keras 2 (tf_keras, `framework: keras2` and the files it saved): today's layers, with
Keras 2's rules where they differ."""

from __future__ import annotations

import functools

from .base import registry
from .recurrent import KINDS as RECURRENT, bidirectional_build

_BIDIRECTIONAL = next(k for k in RECURRENT if k.class_name == "Bidirectional")

KINDS = (
    # Keras 2 runs the backward copy of a layer with go_backwards flipped (tf_keras
    # layers/rnn/bidirectional.py), where Keras 3 sets it True and refuses a backward forward layer
    _BIDIRECTIONAL._replace(build=functools.partial(bidirectional_build, keras2=True)),
)


def kinds(keras3: dict) -> dict:
    """Keras 2's registry: Keras 3's, with Keras 2's declarations in place of its own."""
    return {**keras3, **registry(*KINDS)}
