"""Fresh random Sequential models built in real tf.keras at test time, and the cases of
`trainable` that Keras handles unevenly. Set GRU_PARAMS_SEED to replay a failure."""

import itertools
import os
from pathlib import Path

import pytest

from tests.live import each_live_case, read_spec
from tests.models_compare import assert_same_as_keras
from tests.oracle import keras_functional, keras_models

N_MODELS = 6


def test_live_random_models(tensorflow):
    names = itertools.count()
    each_live_case(N_MODELS, lambda rng: keras_models.random_model(rng, f"live_{next(names)}"),
                   keras_models.describe, assert_same_as_keras, "tf.keras")


# Keras freezes a weight when the layer that creates it is frozen, and a row shows 0
# trainable when its own layer is frozen: the two disagree inside wrappers.
FROZEN = {
    "lstm": [{"LSTM": {"units": 3, "trainable": False}}],
    "conv_lstm": [{"ConvLSTM1D": {"filters": 2, "kernel_size": 1, "trainable": False}}],
    "conv_lstm3d": [{"ConvLSTM3D": {"filters": 2, "kernel_size": 2, "padding": "same", "return_sequences": True}},
                    {"ConvLSTM3D": {"filters": 3, "kernel_size": [1, 2, 1], "strides": 2, "trainable": False}}],
    "bidirectional": [{"Bidirectional": {"layer": {"LSTM": {"units": 3}}, "trainable": False}}],
    "bidirectional_inner": [{"Bidirectional": {"layer": {"LSTM": {"units": 3, "trainable": False}}}}],
    "time_distributed": [{"TimeDistributed": {"layer": {"Dense": {"units": 3}}, "trainable": False}}],
    "rnn": [{"RNN": {"cell": {"LSTMCell": {"units": 3}}, "trainable": False}}],
    "rnn_cell": [{"RNN": {"cell": {"LSTMCell": {"units": 3, "trainable": False}}}}],
    "rnn_stacked": [{"RNN": {"cell": [{"LSTMCell": {"units": 3, "trainable": False}}, {"GRUCell": {"units": 2}}]}}],
    "rnn_stacked_cells": [{"RNN": {"cell": {"StackedRNNCells": {"cells": [{"LSTMCell": {"units": 3}}], "trainable": False}}}}],
    "batch_norm": [{"BatchNormalization": {"trainable": False}}, {"BatchNormalization": {"renorm": True}}],
}


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_live_trainable(tensorflow, name):
    layers = FROZEN[name]
    first = next(iter(layers[0]))
    shape = {"ConvLSTM1D": [4, 5, 2], "ConvLSTM3D": [3, 4, 4, 4, 2]}.get(first, [4, 2])
    spec = {"name": name, "input": shape, "layers": layers}
    assert_same_as_keras(keras_models.describe(spec))


# the specs that list layers (not those that stand for a saved file with `source:`)
SPECS = sorted(p for p in (Path(__file__).parents[1] / "specs").glob("*.yaml") if "source" not in read_spec(p))


def _keras_layers(model):
    for layer in model.layers:
        yield layer
        for attr in ("forward_layer", "backward_layer", "layer"):
            if hasattr(layer, attr):
                yield getattr(layer, attr)


KERAS_SPECS = [p for p in SPECS if "framework: pytorch" not in p.read_text()]
TORCH_SPECS = [p for p in SPECS if p not in KERAS_SPECS]


@pytest.mark.parametrize("path", TORCH_SPECS, ids=[p.stem for p in TORCH_SPECS])
def test_live_pytorch_spec_expectations_are_what_torch_says(torch, path):
    from tests.oracle import torch_models

    spec = read_spec(path)
    model = torch_models.build(spec)
    expect = dict(spec["expect"])
    children = {name: sum(p.numel() for p in child.parameters()) for name, child in model.named_children()}
    assert expect.pop("layers") == {name: children[name] for name in spec["expect"]["layers"]}
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    assert expect == {"total_params": total, "trainable_params": trainable, "non_trainable_params": total - trainable}


@pytest.mark.parametrize("path", KERAS_SPECS, ids=[p.stem for p in KERAS_SPECS])
def test_live_spec_expectations_are_what_keras_says(tensorflow, path):
    """The numbers in specs/*.yaml `expect` blocks came from tf.keras, and still do."""
    from keras.src.utils.summary_utils import count_params

    spec = read_spec(path)
    model = (keras_functional.build if "inputs" in spec else keras_models.build)(spec)
    expect = dict(spec["expect"])
    by_name = {layer.name: int(layer.count_params()) for layer in _keras_layers(model)}
    assert expect.pop("layers") == {name: by_name[name] for name in spec["expect"]["layers"]}
    assert expect == {
        "total_params": int(model.count_params()),
        "trainable_params": count_params(model.trainable_weights),
        "non_trainable_params": count_params(model.non_trainable_weights),
    }


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
def test_live_input_shape_on_the_first_layer(tensorflow):
    """Keras 2 style: no `input`, the first layer's input_shape (Keras 3 still takes it)."""
    from gru_params import render
    from gru_params.infer import summarize
    from gru_params.spec import from_text

    keras = tensorflow.keras
    keras.backend.clear_session()
    model = keras.Sequential([keras.layers.LSTM(4, input_shape=(10, 3)), keras.layers.Dense(2)], name="keras2")
    captured = []
    os.environ["COLUMNS"] = str(keras_models.COLUMNS)
    model.summary(print_fn=lambda text, **_: captured.append(text))
    spec = "name: keras2\nlayers:\n  - LSTM: {units: 4, input_shape: [10, 3]}\n  - Dense: {units: 2}\n"
    ours = render.summary_text(summarize(from_text(spec)), columns=keras_models.COLUMNS)
    assert ours == "".join(captured)
