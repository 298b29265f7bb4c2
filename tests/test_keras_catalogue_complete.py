"""Every class of the installed keras.layers is counted by the engine, or excluded here with
the reason: a Keras release that adds a layer makes this fail until it is declared."""

import inspect

import pytest

from gru_params.layers import KINDS
from tests.oracle.keras_catalogue import STANDALONE

# Classes whose parameter count does not follow from a config, or that are not layers
EXCLUDED = {
    "InputLayer": "a model's input, written as `input:` or `inputs:`",
    "InputSpec": "not a layer: a constraint on a layer's input",
    "Layer": "the base class of every layer",
    "Wrapper": "the base class of wrappers",
    "TorchModuleWrapper": "wraps a PyTorch module: its weights are not in its config",
    "JaxLayer": "wraps a JAX function: its weights are not in its config",
    "FlaxLayer": "wraps a Flax module: its weights are not in its config",
    "TFSMLayer": "a TensorFlow SavedModel: its weights are not in its config",
}


def test_every_keras_layer_is_counted_or_excluded_with_a_reason(tensorflow):
    # Keras 3's own catalogue; tf.keras adds the legacy Keras 2 layers (RandomHeight, RandomWidth,
    # ThresholdedReLU), which belong to Keras 2's vocabulary
    import keras
    classes = {name for name in dir(keras.layers) if inspect.isclass(getattr(keras.layers, name))}
    unknown = classes - set(KINDS) - set(EXCLUDED)
    assert not unknown, f"keras.layers classes neither counted nor excluded: {sorted(unknown)}"
    assert set(EXCLUDED) <= classes  # no stale names


@pytest.mark.parametrize("class_name", sorted(STANDALONE))
def test_layer_keras_builds_on_its_own(tensorflow, class_name):
    import random

    import keras
    import yaml

    from gru_params import summarize
    from gru_params.layers import fmt
    from gru_params.spec import from_text

    rng = random.Random(20261124)
    for _ in range(20):
        shape, args = STANDALONE[class_name](rng)
        layer = getattr(keras.layers, class_name)(**args)
        layer.build((None, *shape))
        expected = (fmt(tuple(layer.compute_output_shape((None, *shape)))), int(layer.count_params()))
        row = summarize(from_text(yaml.safe_dump({"input": shape, "layers": [{class_name: args}]}), "s.yaml")).rows[-1]
        assert (fmt(row.output_shape), row.params) == expected, (shape, args)
