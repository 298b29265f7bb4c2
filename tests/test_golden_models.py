"""The engine against 160 random Sequential models that real tf.keras built and printed
(tests/golden/keras_models.json): every row, the totals, and the printed summary."""

import json
from collections import Counter
from pathlib import Path

import pytest

from gru_params.layers import KINDS
from tests.models_compare import assert_same_as_keras
from tests.oracle.keras_catalogue import DRAWS, STANDALONE

GOLDEN = json.loads((Path(__file__).parent / "golden" / "keras_models.json").read_text())
MODELS = GOLDEN["models"]


def _kinds(entry, found: Counter) -> None:
    if isinstance(entry, str):
        found[entry] += 1
        return
    (kind, args), = entry.items()
    found[kind] += 1
    for key in ("layer", "backward_layer", "cell", "cells"):
        value = (args or {}).get(key)
        for inner in value if isinstance(value, list) else [value] if value else []:
            _kinds(inner, found)


def test_golden_models_cover_every_layer_but_conv_lstm3d():
    assert len(MODELS) >= 150
    assert GOLDEN["keras"].startswith("3.")
    found = Counter()
    for model in MODELS:
        for entry in model["spec"]["layers"]:
            _kinds(entry, found)
    # ConvLSTM3D is checked in the live tests; its 6D inputs make slow random models.
    # Layers called on several tensors, and models used as layers, are in the functional
    # models (test_golden_functional.py).
    several = {name for name, kind in KINDS.items() if kind.many_inputs or kind.positional}
    # The rest of keras.layers is in the catalogue (test_golden_catalogue.py), or proven on its
    # own where Keras cannot call it in a model (test_keras_catalogue_complete.py); aliases are
    # the same classes under other names
    aliases = {name for name, kind in KINDS.items() if kind.class_name != name}
    custom = {name for name, kind in KINDS.items() if kind.class_arg}  # not Keras's: tests/test_legacy.py
    assert set(KINDS) - set(found) - set(DRAWS) - aliases - set(STANDALONE) - custom == {"ConvLSTM3D", "Sequential"} | (
        several - set(DRAWS) - custom)
    assert sum("trainable" in json.dumps(m["spec"]) for m in MODELS) >= 20  # frozen layers
    assert sum(row[2].startswith("[") for m in MODELS for row in m["rows"]) >= 3  # several outputs


@pytest.mark.parametrize("model", MODELS, ids=[m["spec"]["name"] for m in MODELS])
def test_model(model):
    assert_same_as_keras(model)
