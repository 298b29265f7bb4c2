"""Compare the engine with one layer as tf.keras built it (see oracle/keras_layers.py)."""

from gru_params import count_layer


def keras_weight_name(path: str) -> str:
    """'bidirectional/forward_gru/gru_cell/kernel' -> 'forward_gru/kernel', as the engine names it:
    relative to the layer, without the cell that Keras nests the weights in."""
    return "/".join(p for p in path.split("/")[1:] if not p.endswith("_cell"))


def engine_for(case: dict):
    return count_layer(
        case["kind"],
        case["units"],
        case["input_dim"],
        reset_after=case["reset_after"],
        use_bias=case["use_bias"],
        bidirectional=case["bidirectional"],
        merge_mode=case["merge_mode"],
    )


def assert_same_as_keras(keras_layer: dict) -> None:
    ours = engine_for(keras_layer)
    assert ours.params == keras_layer["params"], keras_layer
    theirs = [(keras_weight_name(w["path"]), w["shape"]) for w in keras_layer["weights"]]
    assert [(w.name, list(w.shape)) for w in ours.weights] == theirs, keras_layer
    assert [[None, d] for d in ours.output_dims] == keras_layer["output_shapes"], keras_layer
