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
    **{name: {"data_format"} for name in ("AutoContrast", "RandomBrightness", "RandomContrast", "Solarization",
                                          "MaxNumBoundingBoxes")},
    # popped by TextVectorization itself; its config holds them
    "TextVectorization": {"vocabulary_size", "has_input_vocabulary"},
}
# Classes whose **kwargs reach no Layer.__init__: index_lookup.py takes oov_method, pops the
# others and refuses the rest
NARROW_KWARGS = {name: {"oov_method", "vocabulary_size", "has_input_vocabulary", "trainable", "dtype"}
                 for name in ("StringLookup", "IntegerLookup")}
BASE_POPPED = {"input_dim", "input_shape"}


def keras_arguments(keras, class_name: str) -> set[str]:
    cls = getattr(keras.layers, class_name)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    if class_name in NARROW_KWARGS:
        return names | NARROW_KWARGS[class_name]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        base = inspect.signature(keras.layers.Layer.__init__).parameters.values()
        names |= {p.name for p in base if p.kind is p.KEYWORD_ONLY} | BASE_POPPED
    return names | POPPED.get(class_name, set())


# Models used as layers take, as Keras saves them, `layers` or `model` rather than a constructor's arguments
MODELS = {"Sequential", "Functional"}
# keras.layers exports GroupedQueryAttention as GroupQueryAttention only: tested under that name
UNEXPORTED = {"GroupedQueryAttention"}
# CustomLayer is not Keras's: it holds what a user gives for a layer class of their own
NOT_KERAS = {name for name, kind in layers.KINDS.items() if kind.class_arg}
LAYERS = sorted(set(layers.KINDS) - MODELS - UNEXPORTED - NOT_KERAS)


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


# ---- Keras 2 (tf_keras): the declarations of layers/keras2.py against tf_keras's classes

KERAS2 = sorted(name for name, kind in layers.KERAS2_KINDS.items() if kind is not layers.KINDS.get(name))
# Keyword arguments a tf_keras class takes through **kwargs and passes on to its base class
KERAS2_POPPED = {
    **dict.fromkeys(("CuDNNLSTM", "CuDNNGRU"), {"time_major"}),  # to _CuDNNRNN (rnn/base_cudnn_rnn.py)
    # to BatchNormalizationBase (normalization/batch_normalization.py)
    "SyncBatchNormalization": {"renorm", "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                               "adjustment"},
    **dict.fromkeys(("RandomHeight", "RandomWidth"), {"rng_type"}),  # to BaseRandomLayer (engine/base_layer.py)
}


def _keras2_parameters(tf_keras, class_name: str) -> list:
    from tests.oracle.keras2_catalogue import keras_class

    return list(inspect.signature(keras_class(tf_keras, class_name).__init__).parameters.values())[1:]


def test_keras2_declarations_are_the_keras2_only_classes_and_bidirectional():
    assert KERAS2 == ["Bidirectional", "CuDNNGRU", "CuDNNLSTM", "LocallyConnected1D", "LocallyConnected2D",
                      "RandomFourierFeatures", "RandomHeight", "RandomWidth", "SyncBatchNormalization", "ThresholdedReLU"]


def test_keras2_base_arguments_are_tf_keras_base_arguments(tf_keras):
    # the base Layer arguments our declarations take (Keras 3's) are ones tf_keras's Layer takes
    tf_keras.layers.Layer(name="x", trainable=False, dtype="float32", autocast=False, activity_regularizer=None,
                          input_shape=(3,), input_dim=3)
    assert set(layers.BASE) == {"name", "trainable", "dtype", "autocast", "activity_regularizer", "input_shape",
                                "input_dim"}


@pytest.mark.parametrize("class_name", KERAS2)
def test_keras2_arguments_are_tf_keras_arguments(tf_keras, class_name):
    params = _keras2_parameters(tf_keras, class_name)
    names = {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    if any(p.kind is p.VAR_KEYWORD for p in params):
        names |= set(layers.BASE)
    assert set(layers.KERAS2_KINDS[class_name].args) == names | KERAS2_POPPED.get(class_name, set())


@pytest.mark.parametrize("class_name", KERAS2)
def test_keras2_defaults_are_tf_keras_defaults(tf_keras, class_name):
    kind = layers.KERAS2_KINDS[class_name]
    for p in _keras2_parameters(tf_keras, class_name):
        if p.default is inspect.Parameter.empty or p.name not in kind.args:
            continue
        check, ours = kind.args[p.name]
        expected = None if p.default is None else check(p.name, _as_written(p.default))
        assert _as_written(ours) == _as_written(expected), p.name
