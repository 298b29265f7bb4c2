"""Build recurrent layers in real tf.keras and describe what Keras made of them.

Shared by `make_golden.py` (writes tests/golden/keras_layers.json) and the live tests.
Only this file and the generator import TensorFlow.
"""

from __future__ import annotations

import random

KINDS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
MERGE_MODES = ["concat", "sum", "mul", "ave", None]


def _size(rng: random.Random) -> int:
    """1 to 1,000, log-uniform, with the ends themselves drawn often."""
    roll = rng.random()
    if roll < 0.08:
        return 1
    if roll < 0.14:
        return 1000
    return min(1000, max(1, round(10 ** rng.uniform(0, 3))))


def random_case(rng: random.Random) -> dict:
    kind = rng.choice(list(KINDS))
    bidirectional = rng.random() < 0.35
    return {
        "kind": kind,
        "units": _size(rng),
        "input_dim": _size(rng),
        "use_bias": rng.random() < 0.75,
        "reset_after": rng.random() < 0.6 if kind == "gru" else None,
        "bidirectional": bidirectional,
        "merge_mode": rng.choice(MERGE_MODES) if bidirectional else "concat",
    }


def describe(case: dict) -> dict:
    """Build `case` in tf.keras on input (None, None, input_dim): count, weights, output shapes."""
    import tensorflow as tf

    keras = tf.keras
    keras.backend.clear_session()  # fresh layer names: gru, forward_gru, ...
    options = {"use_bias": case["use_bias"]}
    if case["reset_after"] is not None:
        options["reset_after"] = case["reset_after"]
    # Zeros skip the orthogonal initializer's QR decomposition; the count is the same.
    options.update(kernel_initializer="zeros", recurrent_initializer="zeros")
    layer = getattr(keras.layers, KINDS[case["kind"]])(case["units"], **options)
    if case["bidirectional"]:
        layer = keras.layers.Bidirectional(layer, merge_mode=case["merge_mode"])
    outputs = layer(keras.Input(shape=(None, case["input_dim"])))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {
        **case,
        "params": int(layer.count_params()),
        "weights": [{"path": w.path, "shape": [int(d) for d in w.shape]} for w in layer.weights],
        "output_shapes": [list(o.shape) for o in outputs],
    }


def versions() -> dict:
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": tf.keras.__version__}
