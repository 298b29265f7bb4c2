"""Keras 2's own layers: each class that only Keras 2 (tf_keras) has, and Bidirectional under
Keras 2's output rule, built in real tf_keras with random valid arguments, plain and frozen,
after an Input. Shared by make_golden.py (tests/golden/keras2_catalogue.json) and the live
test. A draw that tf_keras rejects is drawn again, and a few of them are kept as refused
cases, which the engine must refuse too: this file holds argument ranges, not shape rules.

CuDNNLSTM, CuDNNGRU, SyncBatchNormalization and RandomFourierFeatures are not in
tf_keras.layers (the first two are exported to tf.compat.v1 only, the others to
tf_keras.layers.experimental): they are taken from tf_keras.src.layers, where tf_keras
defines them. tf_keras builds the CuDNN layers on a CPU; only running them needs a GPU."""

from __future__ import annotations

import random
import warnings


def _sometimes(rng, args: dict, p: float, **values) -> None:
    if rng.random() < p:
        args.update(values)


def _cudnn(kind: str):
    def draw(rng):
        args = {"units": rng.choice([1, 2, 4, 8, 16])}
        _sometimes(rng, args, 0.4, return_sequences=True)
        _sometimes(rng, args, 0.3, return_state=True)
        _sometimes(rng, args, 0.2, go_backwards=True)
        _sometimes(rng, args, 0.2, time_major=True)
        if kind == "LSTM":
            _sometimes(rng, args, 0.3, unit_forget_bias=False)
        _sometimes(rng, args, 0.1, kernel_constraint={"class_name": "MaxNorm", "config": {"max_value": 2}})
        return [rng.choice([None, 3, 7]), rng.choice([1, 3, 5])], args

    return draw


def _locally_connected(rank: int):
    def draw(rng):
        channels = rng.choice([1, 2, 3])
        spatial = [rng.randint(2, 9) for _ in range(rank)]
        args = {"filters": rng.choice([1, 2, 4]), "implementation": rng.choice([1, 2, 3])}
        args["kernel_size"] = rng.randint(1, 4) if rng.random() < 0.5 else [rng.randint(1, 4) for _ in range(rank)]
        _sometimes(rng, args, 0.4, strides=rng.randint(1, 3) if rng.random() < 0.5 else
                   [rng.randint(1, 3) for _ in range(rank)])
        _sometimes(rng, args, 0.5, padding=rng.choice(["valid", "same"]))
        _sometimes(rng, args, 0.2, use_bias=False)
        _sometimes(rng, args, 0.2, activation="relu")
        if rng.random() < 0.3:
            args["data_format"] = "channels_first"
            return [channels, *spatial], args
        return [*spatial, channels], args

    return draw


def _sync_batch_norm(rng):
    shape = [rng.choice([2, 3, 4]) for _ in range(rng.randint(1, 3))]
    args = {}
    rank = len(shape) + 1
    if rng.random() < 0.6:
        axes = rng.sample(range(1, rank), rng.randint(1, rank - 1))
        args["axis"] = axes if len(axes) > 1 or rng.random() < 0.5 else rng.choice([axes[0], axes[0] - rank])
    _sometimes(rng, args, 0.2, center=False)
    _sometimes(rng, args, 0.2, scale=False)
    _sometimes(rng, args, 0.25, renorm=True)
    _sometimes(rng, args, 0.25, virtual_batch_size=rng.choice([2, 4]))
    _sometimes(rng, args, 0.1, momentum=0.9)
    _sometimes(rng, args, 0.1, fused=rng.choice([True, False]))
    return shape, args


def _random_fourier_features(rng):
    args = {"output_dim": rng.choice([1, 3, 8, 16])}
    _sometimes(rng, args, 0.4, kernel_initializer=rng.choice(["gaussian", "laplacian"]))
    _sometimes(rng, args, 0.3, scale=rng.choice([0.5, 2.0]))
    _sometimes(rng, args, 0.5, trainable=True)
    return [rng.choice([1, 4, 10])] + [3] * (rng.random() < 0.1), args


def _thresholded_relu(rng):
    args = {"theta": rng.choice([0.0, 0.5, 1.0, 2.0, -0.5])} if rng.random() < 0.7 else {}
    return [rng.choice([2, 5]) for _ in range(rng.randint(1, 3))], args


def _random_resize(rng):
    factor = rng.choice([0.2, 0.5, [-0.3, 0.2], [0.0, 0.5], [0.1, 0.1], [0.3, 0.1], -1.5])
    args = {"factor": factor}
    _sometimes(rng, args, 0.3, interpolation=rng.choice(["nearest", "bicubic", "area"]))
    _sometimes(rng, args, 0.2, seed=rng.randint(0, 99))
    shape = [rng.choice([None, 8, 12]), rng.choice([None, 6, 10])]
    return shape + [rng.choice([1, 3])] * rng.choice([0, 1, 1, 1, 2]), args


RNN_KINDS = ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU")


def _bidirectional(rng):
    """Keras 2's Bidirectional over any recurrent layer, with a backward_layer of other
    units (or class) half the time: where the two directions differ, Keras 2's shapes do."""
    common = {}
    _sometimes(rng, common, 0.5, return_sequences=True)
    _sometimes(rng, common, 0.35, return_state=True)
    kind = rng.choice(RNN_KINDS)
    forward = {"units": rng.choice([1, 2, 3, 8]), **common}
    args = {"layer": {kind: forward}, "merge_mode": rng.choice(["concat", "concat", "sum", "mul", "ave", None])}
    if rng.random() < 0.5:
        back_kind = kind if rng.random() < 0.7 else rng.choice(RNN_KINDS)
        backward = {"units": rng.choice([1, 2, 6, 8]), **common}
        if rng.random() < 0.2:  # Keras 2 lets the forward layer be the one that goes backwards
            forward["go_backwards"] = True
        else:
            backward["go_backwards"] = True
        args["backward_layer"] = {back_kind: backward}
    else:
        _sometimes(rng, forward, 0.2, go_backwards=True)
    return [rng.choice([None, 4, 6]), rng.choice([2, 3])], args


D = {1: "1D", 2: "2D"}
# class name -> draw(rng) -> (input shape without the batch axis, arguments)
DRAWS = {
    "CuDNNLSTM": _cudnn("LSTM"),
    "CuDNNGRU": _cudnn("GRU"),
    **{f"LocallyConnected{D[r]}": _locally_connected(r) for r in (1, 2)},
    "SyncBatchNormalization": _sync_batch_norm,
    "RandomFourierFeatures": _random_fourier_features,
    "ThresholdedReLU": _thresholded_relu,
    "RandomHeight": _random_resize,
    "RandomWidth": _random_resize,
    "Bidirectional": _bidirectional,
}
CASES_EACH = {**dict.fromkeys(DRAWS, 8), "Bidirectional": 40}  # Bidirectional: its merge modes and outputs
FROZEN_EVERY = 4  # every fourth case of a class is frozen
REFUSED_EACH = 2  # draws tf_keras refused, kept per class


def keras_class(tf_keras, class_name: str):
    for where in (tf_keras.layers, tf_keras.layers.experimental):
        if hasattr(where, class_name):
            return getattr(where, class_name)
    from tf_keras.src import layers

    return getattr(layers, class_name)


def keras_layer(entry: dict, tf_keras):
    (class_name, args), = entry.items()
    args = dict(args)
    for key in ("layer", "backward_layer"):
        if key in args:
            args[key] = keras_layer(args[key], tf_keras)
    return keras_class(tf_keras, class_name)(**args)


def _several_outputs(entry: dict) -> bool:
    (class_name, args), = entry.items()
    if class_name == "Bidirectional":
        return args["merge_mode"] is None or _several_outputs(args["layer"])
    return bool(args.get("return_state"))


def build(spec: dict, tf_keras):
    """The spec's one layer after an Input, in tf_keras: a Sequential model, or a functional
    one where the layer returns several tensors (a Keras 2 Sequential model refuses those)."""
    warnings.filterwarnings("ignore")
    tf_keras.backend.clear_session()  # fresh layer names
    entry = spec["layers"][0]
    inputs = tf_keras.Input(shape=tuple(spec["input"]))
    if _several_outputs(entry):
        return tf_keras.Model(inputs, keras_layer(entry, tf_keras)(inputs), name=spec["name"])
    return tf_keras.Sequential([inputs, keras_layer(entry, tf_keras)], name=spec["name"])


def _shape(shape):
    """A shape as JSON: a list with null for unknown axes; a list of them for several."""
    if isinstance(shape, list):
        return [_shape(s) for s in shape]
    return list(shape)


def _count(weights) -> int:
    return sum(int(w.shape.num_elements()) for w in weights)


def describe(spec: dict, tf_keras) -> dict:
    """What tf_keras makes of the spec: the layer's row (name, type, output shape, params,
    trainable params), the totals, each of its weights (name inside the layer, shape,
    whether the model trains it) and the model's to_json()."""
    model = build(spec, tf_keras)
    layer = model.layers[-1]
    rows = [[x.name, type(x).__name__, _shape(x.output_shape), int(x.count_params()), _count(x.trainable_weights)]
            for x in model.layers if type(x).__name__ != "InputLayer"]
    trained = {w.ref() for w in model.trainable_weights}
    weights = [[w.name.removeprefix(f"{layer.name}/").removesuffix(":0"), list(w.shape), w.ref() in trained]
               for w in layer.weights]
    total, trainable = int(model.count_params()), _count(model.trainable_weights)
    return {"spec": spec, "rows": rows, "total_params": total, "trainable_params": trainable,
            "non_trainable_params": total - trainable, "weights": weights, "json": model.to_json()}


def random_spec(rng: random.Random, class_name: str, frozen: bool, name: str, tf_keras,
                refused: list | None = None) -> dict:
    """A `framework: keras2` spec with one layer of `class_name` that tf_keras builds; each
    draw it refuses goes to `refused` (spec and tf_keras's reason) when given."""
    for _ in range(100):
        shape, args = DRAWS[class_name](rng)
        if frozen:
            args = {**args, "trainable": False}
        spec = {"name": name, "framework": "keras2", "input": shape, "layers": [{class_name: args}]}
        try:
            build(spec, tf_keras)
        except (ValueError, TypeError, NotImplementedError) as e:  # tf_keras refused the draw: draw again
            if refused is not None:
                refused.append({"spec": spec, "reason": f"{type(e).__name__}: {' '.join(str(e).split())[:300]}"})
            continue
        return spec
    raise RuntimeError(f"no valid {class_name} in 100 draws")


def cases(rng: random.Random, tf_keras) -> tuple[list, list]:
    """CASES_EACH specs of every class described by tf_keras, and REFUSED_EACH draws of each
    that tf_keras refused."""
    out, refused = [], []
    for class_name in sorted(DRAWS):
        rejected = []
        for i in range(CASES_EACH[class_name]):
            frozen = i % FROZEN_EVERY == FROZEN_EVERY - 1
            spec = random_spec(rng, class_name, frozen, f"{class_name.lower()}_{i}", tf_keras, rejected)
            out.append(describe(spec, tf_keras))
        refused += [dict(r, spec=dict(r["spec"], name=f"{class_name.lower()}_refused_{i}"))
                    for i, r in enumerate(rejected[:REFUSED_EACH])]
    return out, refused
