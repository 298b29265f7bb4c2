"""Our argument lists against the real Keras constructors (inspect.signature)."""

import inspect

import pytest

from gru_params import layers

# Keyword arguments Keras takes without naming them in the signature: the base Layer's
# (keras/src/layers/layer.py) and the ones a class pops from **kwargs itself.
POPPED = {
    "LSTMCell": {"implementation"},
    "GRUCell": {"implementation"}, "Embedding": {"input_length"}, "LayerNormalization": {"rms_scaling"},
    "AdditiveAttention": {"score_mode", "seed"},  # passed on to Attention
    # passed on to keras.layers.RNN; saved configs hold them
    "SimpleRNN": {"zero_output_for_mask"},
    **{name: {"implementation", "zero_output_for_mask"} for name in ("LSTM", "GRU")},
    **{f"ConvLSTM{n}D": {"zero_output_for_mask", "unroll"} for n in (1, 2, 3)},
    "LeakyReLU": {"alpha"},  # Keras 2's name for negative_slope
    "ReversibleEmbedding": {"weights", "lora_rank", "lora_alpha", "quantization_config"},  # passed on to Embedding
    # passed on to BaseImagePreprocessingLayer; their configs hold it
    **{name: {"data_format"} for name in ("AutoContrast", "RandomBrightness", "RandomContrast", "Solarization")},
}
BASE_POPPED = {"input_dim", "input_shape"}


def keras_arguments(keras, class_name: str) -> set[str]:
    cls = getattr(keras.layers, class_name)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    if any(p.kind is p.VAR_KEYWORD for p in params):
        base = inspect.signature(keras.layers.Layer.__init__).parameters.values()
        names |= {p.name for p in base if p.kind is p.KEYWORD_ONLY} | BASE_POPPED
    return names | POPPED.get(class_name, set())


# Models used as layers take, as Keras saves them, `layers` or `model` rather than a constructor's arguments
MODELS = {"Sequential", "Functional"}
LAYERS = sorted(set(layers.KINDS) - MODELS)


@pytest.mark.parametrize("class_name", LAYERS)
def test_arguments_are_keras_arguments(tensorflow, class_name):
    assert set(layers.KINDS[class_name].args) == keras_arguments(tensorflow.keras, class_name)


def test_a_sequential_model_takes_what_its_config_holds(tensorflow):
    keras = tensorflow.keras
    config = keras.Sequential([keras.layers.Dense(2)], name="m", trainable=False).get_config()
    assert set(config) == set(layers.KINDS["Sequential"].args)


@pytest.mark.parametrize("class_name", LAYERS)
def test_defaults_are_keras_defaults(tensorflow, class_name):
    cls = getattr(tensorflow.keras.layers, class_name)
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if p.default is inspect.Parameter.empty or p.name not in layers.KINDS[class_name].args:
            continue
        check, ours = layers.KINDS[class_name].args[p.name]
        # Keras's default as our check keeps it (strides 1 -> (1,); padding (1, 1) -> ((1, 1), (1, 1)))
        expected = None if p.default is None else check(p.name, _as_written(p.default))
        assert _as_written(ours) == _as_written(expected), p.name  # a tuple and a list of the same values are alike


def _as_written(value):
    """A default as a spec or a saved config writes it: tuples are lists."""
    return [_as_written(v) for v in value] if isinstance(value, tuple) else value


def test_activation_names_are_keras_names(tensorflow):
    from keras.src.activations import ALL_OBJECTS_DICT

    assert layers.ACTIVATIONS == set(ALL_OBJECTS_DICT)
