"""Fresh random layers built in real tf.keras at test time; CI fails here without TensorFlow.

The seed is printed on failure; set GRU_PARAMS_SEED to replay it.
"""

import pytest

from tests.keras_compare import assert_same_as_keras
from tests.live import each_live_case
from tests.oracle.keras_layers import describe, random_case

N_LAYERS = 24


def test_live_random_layers(tensorflow):
    each_live_case(N_LAYERS, random_case, describe, assert_same_as_keras, "tf.keras")


@pytest.mark.parametrize(
    "case, params",
    [
        ({"kind": "gru", "units": 75, "input_dim": 28, "reset_after": True}, 23625),
        ({"kind": "gru", "units": 75, "input_dim": 28, "reset_after": False}, 23400),
        ({"kind": "lstm", "units": 75, "input_dim": 28, "reset_after": None}, 31200),
        ({"kind": "simplernn", "units": 32, "input_dim": 32, "reset_after": None}, 2080),
    ],
)
def test_live_reference_layers(tensorflow, case, params):
    built = describe({"use_bias": True, "bidirectional": False, "merge_mode": "concat", **case})
    assert built["params"] == params
    assert_same_as_keras(built)


def test_live_defaults_follow_tf_keras(tensorflow):
    """The engine's defaults must be tf.keras's own, not remembered ones."""
    from gru_params import count_layer

    assert count_layer("gru", 3, 2).reset_after is tensorflow.keras.layers.GRU(3).cell.reset_after
    assert count_layer("lstm", 3, 2).use_bias is tensorflow.keras.layers.LSTM(3).cell.use_bias
    bidirectional = tensorflow.keras.layers.Bidirectional(tensorflow.keras.layers.LSTM(3))
    assert count_layer("lstm", 3, 2, bidirectional=True).merge_mode == bidirectional.merge_mode
