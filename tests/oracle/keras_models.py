"""Random Sequential models: a spec (the YAML structure) and the same model built in tf.keras.

Shared by `make_golden.py` (tests/golden/keras_models.json) and the live tests. Layers
are drawn by the rank of the current output only; a draw that Keras itself rejects is
drawn again, so this file holds no shape rules of its own.
"""

from __future__ import annotations

import os
import random
import re
import warnings

COLUMNS = 120  # the terminal width the summaries are printed for


def _units(rng):
    return rng.choice([1, 2, 3, 4, 5, 8, 10, 16, 32, 64, 75, 100, 128])


def _rnn(rng, kind=None, last=False, sequences=None):
    kind = kind or rng.choice(["SimpleRNN", "LSTM", "GRU"])
    args = {"units": _units(rng)}
    if sequences is None:
        sequences = rng.random() < 0.5
    if sequences:
        args["return_sequences"] = True
    if rng.random() < 0.2:
        args["use_bias"] = False
    if kind == "GRU" and rng.random() < 0.4:
        args["reset_after"] = False
    if rng.random() < 0.15:
        args.update(dropout=0.2, recurrent_dropout=0.1)
    if rng.random() < 0.1:
        args["kernel_constraint"] = {"class_name": "MaxNorm", "config": {"max_value": 3}}
    if last and rng.random() < 0.25:
        args["return_state"] = True
    return {kind: args}


def _cell(rng):
    kind = rng.choice(["SimpleRNNCell", "LSTMCell", "GRUCell"])
    args = {"units": _units(rng)}
    if kind == "GRUCell" and rng.random() < 0.4:
        args["reset_after"] = False
    return {kind: args}


def _layer_for(rng, rank: int, last: bool):
    """A random layer that takes an input of `rank` (batch axis not counted)."""
    r = rng.random
    if rank == 2:  # (time, features)
        choice = rng.choice(["rnn", "rnn", "rnn", "bidi", "bidi", "cells", "td", "conv", "pool", "gpool", "dense",
                             "noise", "norm", "permute", "flatten", "reshape"])
        if choice == "rnn":
            return _rnn(rng, last=last)
        if choice == "bidi":
            inner = _rnn(rng, sequences=r() < 0.5, last=last)
            args = {"layer": inner}
            if r() < 0.8:
                args["merge_mode"] = rng.choice(["concat", "sum", "mul", "ave", None])
            if r() < 0.2:
                (kind, inner_args), = inner.items()
                backward = dict(inner_args, units=inner_args["units"], go_backwards=True)
                args["backward_layer"] = {kind: backward}
            return {"Bidirectional": args}
        if choice == "cells":
            cell = [_cell(rng) for _ in range(rng.choice([1, 2, 3]))] if r() < 0.5 else _cell(rng)
            if r() < 0.2 and isinstance(cell, list):
                cell = {"StackedRNNCells": {"cells": cell}}
            args = {"cell": cell}
            if r() < 0.5:
                args["return_sequences"] = True
            return {"RNN": args}
        if choice == "td":
            return {"TimeDistributed": {"layer": {"Dense": {"units": _units(rng)}}}}
        if choice == "conv":
            args = {"filters": _units(rng), "kernel_size": rng.choice([1, 2, 3, 5])}
            if r() < 0.5:
                args["padding"] = rng.choice(["same", "causal", "valid"])
            if r() < 0.3:
                args["strides"] = 2
            elif r() < 0.3:
                args["dilation_rate"] = 2
            return {"Conv1D": args}
        if choice == "pool":
            kind = rng.choice(["MaxPooling1D", "AveragePooling1D"])
            args = {"pool_size": rng.choice([2, 3])}
            if r() < 0.5:
                args["padding"] = "same"
            return {kind: args}
        if choice == "gpool":
            kind = rng.choice(["GlobalAveragePooling1D", "GlobalMaxPooling1D"])
            return {kind: {"keepdims": True}} if r() < 0.2 else kind
        if choice == "permute":
            return {"Permute": {"dims": [2, 1]}}
        if choice == "flatten":
            return "Flatten"
        if choice == "reshape":
            return {"Reshape": {"target_shape": [-1, 1]}}
        if choice == "noise":
            return rng.choice([{"Dropout": {"rate": 0.3}}, {"SpatialDropout1D": {"rate": 0.2}},
                               {"GaussianNoise": {"stddev": 0.1}}, {"Masking": {"mask_value": 0.0}},
                               {"Activation": {"activation": "relu"}}])
    if rank == 1:  # (features,)
        choice = rng.choice(["dense", "dense", "repeat", "reshape", "noise", "norm"])
        if choice == "repeat":
            return {"RepeatVector": {"n": rng.choice([2, 5, 10])}}
        if choice == "reshape":
            return {"Reshape": {"target_shape": [-1, 1]}}
        if choice == "noise":
            return rng.choice([{"Dropout": {"rate": 0.5}}, {"Activation": {"activation": "tanh"}}])
    if rank in (3, 4, 5):  # ConvLSTM1D/2D/3D inputs: (time, *spatial, channels)
        spatial = rank - 2
        args = {"filters": _units(rng) % 16 + 1, "kernel_size": rng.choice([1, 2, 3])}
        if r() < 0.5:
            args["padding"] = "same"
        if r() < 0.5:
            args["return_sequences"] = True
        if r() < 0.2:
            args["strides"] = 2
        return {f"ConvLSTM{spatial}D": args} if r() < 0.8 or spatial == 3 else "Flatten"
    if choice == "dense":
        args = {"units": _units(rng)}
        if r() < 0.3:
            args["activation"] = rng.choice(["relu", "softmax", "sigmoid", "tanh"])
        if r() < 0.15:
            args["use_bias"] = False
        return {"Dense": args}
    # choice == "norm"
    if r() < 0.5:
        return {"BatchNormalization": {"center": False}} if r() < 0.2 else "BatchNormalization"
    return {"LayerNormalization": {"rms_scaling": True}} if r() < 0.2 else "LayerNormalization"


def random_spec(rng: random.Random, name: str) -> dict:
    start = rng.choice(["sequence", "sequence", "sequence", "tokens", "free_time", "convlstm1d", "convlstm2d"])
    layers = []
    if start == "tokens":
        steps = rng.choice([10, 50, 500])
        spec_input = [steps]
        layers.append({"Embedding": {"input_dim": rng.choice([100, 1000, 10000]), "output_dim": _units(rng)}})
    elif start == "convlstm1d":
        spec_input = [rng.choice([3, 5]), rng.choice([8, 16]), rng.choice([1, 3])]
    elif start == "convlstm2d":
        spec_input = [rng.choice([3, 5]), 8, 8, rng.choice([1, 3])]
    elif start == "free_time":
        spec_input = [None, rng.choice([1, 8, 28])]
    else:
        spec_input = [rng.choice([5, 10, 28, 100]), rng.choice([1, 3, 28, 32])]
    return {"name": name, "input": spec_input, "layers": layers}


def grow(rng: random.Random, spec: dict, rank: int, n_layers: int, max_tries: int = 60, adjust=None,
         build_model=None) -> None:
    """Append `n_layers` random layers, keeping only the ones Keras accepts (`build_model`, by
    default this module's `build`). Each drawn layer goes through `adjust(layer)` if given, else
    is sometimes frozen or named."""
    tries = 0
    while len(spec["layers"]) < n_layers and tries < max_tries:
        tries += 1
        last = len(spec["layers"]) == n_layers - 1
        layer = _layer_for(rng, rank, last)
        if adjust is not None:
            layer = adjust(layer)
        else:
            if rng.random() < 0.1 and isinstance(layer, dict):
                (kind, args), = layer.items()
                layer = {kind: dict(args or {}, trainable=False)}
            if rng.random() < 0.08 and isinstance(layer, dict):
                (kind, args), = layer.items()
                layer = {kind: dict(args or {}, name=f"my_{kind.lower()}_{len(spec['layers'])}")}
        candidate = dict(spec, layers=spec["layers"] + [layer])
        try:
            model = (build_model or build)(candidate)
        except Exception:
            continue
        output = model.layers[-1].output
        if isinstance(output, (list, tuple)) and not last:
            continue
        spec["layers"].append(layer)
        if isinstance(output, (list, tuple)):
            return
        rank = len(output.shape) - 1


def random_model(rng: random.Random, name: str) -> dict:
    spec = random_spec(rng, name)
    rank = {1: 2, 2: 2, 3: 3, 4: 4}[len(spec["input"])] if spec["layers"] == [] else 2
    grow(rng, spec, rank, rng.randint(2, 7))
    return spec


def keras_layer(entry, keras=None):
    """The layer a spec entry names, made by `keras` (tf.keras unless given: tf_keras for Keras 2)."""
    if keras is None:
        import tensorflow as tf

        keras = tf.keras
    if isinstance(entry, str):
        kind, args = entry, {}
    else:
        (kind, args), = entry.items()
        args = dict(args or {})
    if kind == "Sequential":  # a model used as a layer
        return keras.Sequential([keras_layer(x, keras) for x in args["layers"]], name=args.get("name"),
                                trainable=args.get("trainable", True))
    if kind == "Functional":
        from tests.oracle.keras_functional import graph

        return graph({"name": args.get("name"), "trainable": args.get("trainable", True), **args["model"]}, keras)
    for key in ("layer", "backward_layer", "cell", "cells", "layers"):  # layers: a Pipeline's
        if args.get(key) is not None:
            value = args[key]
            args[key] = [keras_layer(v, keras) for v in value] if isinstance(value, list) else keras_layer(value, keras)
    if kind == "Lambda":  # the function is code, which a spec does not hold: one that keeps the input
        args["function"] = lambda x: x
        args["output_shape"] = tuple(args["output_shape"])  # as a list, Keras 3.15 fails to add the batch axis
    for key in ("target_shape", "dims"):
        if key in args:
            args[key] = tuple(args[key])
    return getattr(keras.layers, kind)(**args)


def build(spec: dict, keras=None):
    if keras is None:
        import tensorflow as tf

        keras = tf.keras
    warnings.filterwarnings("ignore")
    keras.backend.clear_session()  # fresh layer names
    layers = [keras_layer(entry, keras) for entry in spec["layers"]]
    return keras.Sequential([keras.Input(shape=tuple(spec["input"]), dtype=input_dtype(spec))] + layers,
                            name=spec["name"])


# Layers that take strings or integers: the model's inputs are made of that type (a spec has no
# input types; they change no count)
INPUT_DTYPES = {"StringLookup": "string", "TextVectorization": "string", "IntegerLookup": "int64",
                "HashedCrossing": "int64"}


def input_dtype(spec: dict) -> str | None:
    first = spec["layers"][0]
    kind = next(iter(first)) if isinstance(first, dict) else first
    if kind == "TimeDistributed":
        kind = next(iter(first[kind]["layer"]))
    return INPUT_DTYPES.get(kind)


def describe(spec: dict) -> dict:
    """What tf.keras makes of `spec`: every summary row, the totals, the printed summaries."""
    from keras.src.utils.summary_utils import count_params, format_layer_shape
    from rich.text import Text

    os.environ["COLUMNS"] = str(COLUMNS)
    model = build(spec)
    rows = []
    for layer in model.layers:
        shape = Text.from_markup(format_layer_shape(layer)).plain
        trainable = count_params(layer.trainable_weights)
        rows.append([layer.name, type(layer).__name__, shape, int(layer.count_params()), int(trainable)])
    return {"spec": spec, "rows": rows, **keras_says(model)}


def keras_says(model) -> dict:
    """The totals Keras counts for `model`, and the summaries it prints (plain and with
    show_trainable), trailing spaces trimmed as the engine writes none."""
    from keras.src.utils.summary_utils import count_params

    printed = {}
    for show_trainable in (False, True):
        captured = []
        model.summary(print_fn=lambda text, **_: captured.append(text), show_trainable=show_trainable)
        printed["trainable" if show_trainable else "plain"] = re.sub(r"[ \t]+\n", "\n", "".join(captured))
    return {
        "total_params": int(model.count_params()),
        "trainable_params": int(count_params(model.trainable_weights)),
        "non_trainable_params": int(count_params(model.non_trainable_weights)),
        "summary": printed["plain"],
        "summary_trainable": printed["trainable"],
    }
