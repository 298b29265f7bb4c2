"""A missing argument takes the default of the Keras that wrote the file: random models saved
by tf_keras (Keras 2), each with one optional argument taken out of one layer's saved config,
must count as tf_keras counts the same edited config. GRU_PARAMS_SEED replays a failure."""

import copy
import itertools
import json
import os
import random

import pytest

from gru_params import load_spec, summarize
from gru_params.errors import GruParamsError
from tests.test_live_keras2 import _build, _draw

N_MODELS = 4
N_EDITS = 12  # arguments taken out, each in its own copy of the config
# Not arguments, or what a config cannot go without (the layer's wiring, its name)
KEPT = {"name", "layer", "backward_layer", "cell", "cells", "layers", "batch_input_shape", "batch_shape", "dtype"}


def _optional(config: dict):
    """(layer index, argument) of every argument a layer's saved config holds."""
    for i, layer in enumerate(config["config"]["layers"]):
        for key in layer.get("config", {}):
            if key not in KEPT:
                yield i, key


def test_a_missing_argument_counts_as_keras2_counts_it(tmp_path, tf_keras):
    seed = int(os.environ.get("GRU_PARAMS_SEED", random.randrange(2**32)))
    rng, names, edits = random.Random(seed), itertools.count(), 0
    for _ in range(N_MODELS):
        spec = _draw(rng, names, tf_keras)
        saved = json.loads(_build(spec, tf_keras).to_json())
        for i, key in rng.sample(list(_optional(saved)), min(N_EDITS, len(list(_optional(saved))))):
            edited = copy.deepcopy(saved)
            del edited["config"]["layers"][i]["config"][key]
            try:
                expected = tf_keras.models.model_from_json(json.dumps(edited)).count_params()
            except Exception:  # noqa: BLE001 - tf_keras cannot go without it: nothing to compare
                continue
            path = tmp_path / f"edited_{edits}.json"
            path.write_text(json.dumps(edited))
            edits += 1
            layer = edited["config"]["layers"][i]["class_name"]
            try:
                ours = summarize(load_spec(path)).total_params
            except GruParamsError as e:
                pytest.fail(f"{layer} without `{key}` (GRU_PARAMS_SEED={seed}): tf_keras counts {expected:,}, "
                            f"the engine refused it: {e}")
            assert ours == expected, f"{layer} without `{key}` (GRU_PARAMS_SEED={seed})"
    assert edits >= N_MODELS  # the property was tried
