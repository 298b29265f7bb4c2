"""Random functional models: a spec (the YAML structure) and the same graph built in tf.keras.

Shared by `make_golden.py` (tests/golden/keras_functional.json) and the live tests. Each
model is drawn from one of the shapes recurrent models take in practice (seq2seq with
initial states, two inputs and two heads, attention of both kinds, multi-head attention,
residual merges, Dot similarity, a plain chain); sizes, kinds, names and options are
random. `describe` builds the model, saves it as a .keras archive and as JSON, and records
what Keras made of it.
"""

from __future__ import annotations

import os
import random
import re
import warnings

from tests.oracle.keras_models import input_dtype, keras_layer, keras_says

COLUMNS = 160  # the terminal width the summaries are printed for (Keras caps the line at 108)
RNN = ["SimpleRNN", "LSTM", "GRU"]
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def _units(rng):
    return rng.choice([2, 3, 4, 8, 16, 32, 50, 64])


def _rnn(rng, kind, units, **args):
    if kind == "GRU" and rng.random() < 0.3:
        args["reset_after"] = False
    if rng.random() < 0.15:
        args["use_bias"] = False
    return {kind: {"units": units, **args}}


def _named(rng, entry, name):
    """Give the layer an explicit name half of the time, else let Keras number it."""
    if rng.random() < 0.5:
        (kind, args), = entry.items()
        return {kind: {**args, "name": name}}
    return entry


def _name_of(entry, auto):
    (kind, args), = entry.items()
    return args.get("name", auto)


class _Graph:
    """Layers appended in order; each entry knows its auto-name so later layers can refer to it."""

    def __init__(self, rng):
        self.rng, self.layers, self.counts = rng, [], {}

    def add(self, entry, name=None, **call) -> str:
        entry = _named(self.rng, entry, name) if name else entry
        self.layers.append({**entry, **call})
        return self._final_name(entry)

    def _final_name(self, entry) -> str:
        from gru_params.conventions import keras_name

        (kind, args), = entry.items()
        nested = [v for k, v in args.items() if k in ("layer", "backward_layer") and v] + args.get("layers", [])
        for inner in nested:  # wrapped layers are named first
            self._final_name(inner)
        prefix = keras_name(kind)
        n = self.counts.get(prefix, 0)
        if "name" in args:
            return args["name"]
        self.counts[prefix] = n + 1
        return prefix if n == 0 else f"{prefix}_{n}"


def _seq2seq(rng, g, variant):
    kind = RNN[variant % len(RNN)]
    units, enc_in, dec_in = _units(rng), rng.choice([None, 10]), rng.choice([None, 12])
    inputs = {"encoder_inputs": [enc_in, rng.choice([5, 71])], "decoder_inputs": [dec_in, rng.choice([7, 93])]}
    enc_src, dec_src = "encoder_inputs", "decoder_inputs"
    if rng.random() < 0.3:  # token inputs through embeddings
        inputs = {"encoder_inputs": [enc_in], "decoder_inputs": [dec_in]}
        enc_src = g.add({"Embedding": {"input_dim": 100, "output_dim": _units(rng)}}, inputs="encoder_inputs")
        dec_src = g.add({"Embedding": {"input_dim": 120, "output_dim": _units(rng)}}, inputs="decoder_inputs")
    encoder = g.add(_rnn(rng, kind, units, return_state=True), "encoder", inputs=enc_src)
    states = [f"{encoder}[{i + 1}]" for i in range(STATES[kind])]
    decoder = g.add(_rnn(rng, kind, units, return_sequences=True, return_state=rng.random() < 0.5), "decoder",
                    inputs=dec_src, initial_state=states)
    out = decoder if not g.layers[-1][kind].get("return_state") else f"{decoder}[0]"
    head = g.add({"Dense": {"units": rng.choice([5, 93]), "activation": "softmax"}}, "head", inputs=out)
    return inputs, [head]


def _bidirectional_seq2seq(rng, g, variant):
    """A Bidirectional encoder whose forward and backward states, concatenated, start the decoder."""
    kind, units = RNN[variant % len(RNN)], _units(rng)
    inputs = {"source": [None, rng.choice([8, 16])], "target": [None, rng.choice([8, 16])]}
    enc = g.add({"Bidirectional": {"layer": {kind: {"units": units, "return_state": True}}}}, "encoder", inputs="source")
    n = STATES[kind]  # the encoder returns its output, then n forward and n backward states
    states = [g.add({"Concatenate": {}}, inputs=[f"{enc}[{1 + i}]", f"{enc}[{1 + n + i}]"]) for i in range(n)]
    dec = g.add(_rnn(rng, kind, 2 * units, return_sequences=True), "decoder", inputs="target", initial_state=states)
    head = g.add({"TimeDistributed": {"layer": {"Dense": {"units": 8}}}}, inputs=dec)
    return inputs, [head]


def _two_heads(rng, g, variant):
    inputs = {"sequence": [rng.choice([None, 20]), rng.choice([3, 8])], "features": [rng.choice([4, 10])]}
    x = g.add(_rnn(rng, rng.choice(RNN), _units(rng)), "sequence_rnn", inputs="sequence")
    y = g.add({"Dense": {"units": _units(rng), "activation": "relu"}}, "feature_dense", inputs="features")
    merged = g.add({"Concatenate": {}}, inputs=[x, y] if rng.random() < 0.7 else [y, x])
    if rng.random() < 0.5:
        merged = g.add({"Dropout": {"rate": 0.2}}, inputs=merged)
    a = g.add({"Dense": {"units": 1, "activation": "sigmoid"}}, "score", inputs=merged)
    b = g.add({"Dense": {"units": rng.choice([3, 5]), "activation": "softmax"}}, "label", inputs=merged)
    return inputs, [a, b] if rng.random() < 0.7 else [b, a]


def _attention(rng, g, variant, kind="Attention"):
    units = _units(rng)
    inputs = {"query_seq": [rng.choice([None, 6]), rng.choice([4, 8])], "value_seq": [rng.choice([None, 9]), 5]}
    q = g.add(_rnn(rng, rng.choice(RNN), units, return_sequences=True), "query_rnn", inputs="query_seq")
    v = g.add(_rnn(rng, rng.choice(RNN), units, return_sequences=True), "value_rnn", inputs="value_seq")
    args = {}
    if rng.random() < 0.5:
        args["use_scale"] = kind == "Attention"
    if rng.random() < 0.4:
        args["score_mode"] = "concat"
    refs = [q, v] if rng.random() < 0.7 else [q, v, v]
    scores = rng.random() < 0.3
    call = {"return_attention_scores": True} if scores else {}
    att = g.add({kind: args}, "attention", inputs=refs, **call)
    context = f"{att}[0]" if scores else att
    merged = g.add({"Concatenate": {}}, inputs=[q, context])
    pooled = g.add({rng.choice(["GlobalAveragePooling1D", "GlobalMaxPooling1D"]): {}}, inputs=merged)
    out = g.add({"Dense": {"units": 2}}, "out", inputs=pooled)
    return inputs, [out, f"{att}[1]"] if scores else [out]


def _multi_head(rng, g, variant):
    d = rng.choice([8, 16])
    inputs = {"tokens": [rng.choice([None, 12])]}
    x = g.add({"Embedding": {"input_dim": 50, "output_dim": d}}, inputs="tokens")
    x = g.add(_rnn(rng, rng.choice(RNN), d, return_sequences=True), "encoder", inputs=x)
    args = {"num_heads": rng.choice([1, 2, 4]), "key_dim": rng.choice([4, 8])}
    if rng.random() < 0.3:
        args["value_dim"] = rng.choice([3, 6])
    if rng.random() < 0.2:
        args["use_bias"] = False
    if rng.random() < 0.2:
        args["output_shape"] = rng.choice([4, 8])
    if args.get("output_shape", d) == d and variant % 3:
        if variant % 3 == 1:
            att = g.add({"MultiHeadAttention": args}, "self_attention", inputs=x, value=x)
        else:
            att = g.add({"MultiHeadAttention": args}, "self_attention", inputs=[x, x])
        x = g.add({"Add": {}}, inputs=[x, att])
        x = g.add({"LayerNormalization": {}}, inputs=x)
    else:
        x = g.add({"MultiHeadAttention": args}, "self_attention", inputs=[x, x, x])
    x = g.add({"GlobalAveragePooling1D": {}}, inputs=x)
    return inputs, [g.add({"Dense": {"units": 3}}, "out", inputs=x)]


def _residual(rng, g, variant):
    steps, d = rng.choice([None, 10]), rng.choice([4, 8, 16])
    inputs = {"x": [steps, d]}
    y = g.add(_rnn(rng, rng.choice(RNN), d, return_sequences=True), "rnn", inputs="x")
    merge = MERGES[variant % len(MERGES)]
    z = g.add({merge: {}}, inputs=["x", y])
    if rng.random() < 0.5:
        w = g.add({"Dense": {"units": d}}, inputs=z)
        z = g.add({rng.choice(MERGES[:1] + MERGES[2:]): {}}, inputs=[z, w, "x"])
    z = g.add(_rnn(rng, rng.choice(RNN), _units(rng)), inputs=z)
    return inputs, [g.add({"Dense": {"units": 1}}, inputs=z)]


def _dot(rng, g, variant):
    d = rng.choice([4, 8])
    inputs = {"left": [rng.choice([5, None]), 3], "right": [rng.choice([5, None]), 3]}
    a = g.add(_rnn(rng, rng.choice(RNN), d), "left_rnn", inputs="left")
    b = g.add(_rnn(rng, rng.choice(RNN), d), "right_rnn", inputs="right")
    args = {"axes": rng.choice([1, -1, [1, 1]])}
    if rng.random() < 0.5:
        args["normalize"] = True
    sim = g.add({"Dot": args}, "similarity", inputs=[a, b])
    return inputs, [g.add({"Dense": {"units": 1, "activation": "sigmoid"}}, inputs=sim)]


def _chain(rng, g, variant):
    """A functional model that is a straight line: Keras prints it without `Connected to`."""
    inputs = {"series": [rng.choice([None, 28]), rng.choice([1, 28])]}
    x = g.add(_rnn(rng, rng.choice(RNN), _units(rng), return_sequences=True), inputs="series")
    x = g.add(_rnn(rng, rng.choice(RNN), _units(rng)), inputs=x)
    return inputs, [g.add({"Dense": {"units": 10}}, inputs=x)]


def _nested_models(rng, g, variant):
    """A Sequential encoder and a functional head, each used as a layer of the model."""
    d = rng.choice([4, 8])
    inputs = {"series": [rng.choice([None, 10]), rng.choice([3, 6])]}
    inner = [_rnn(rng, rng.choice(RNN), d, return_sequences=True), _rnn(rng, rng.choice(RNN), d)]
    encoder = {"layers": inner}
    if variant % 2:
        encoder["name"] = "encoder"
    if rng.random() < 0.2:
        encoder["trainable"] = False
    x = g.add({"Sequential": encoder}, inputs="series")
    head = {"inputs": {"features": [d]}, "layers": [{"Dense": {"units": 3}, "inputs": "features"}]}
    for entry in head["layers"]:  # the head's layers take the session's names before the head does
        (kind, args), = ((k, v) for k, v in entry.items() if k[0].isupper())
        head["outputs"] = [g._final_name({kind: args})]
    y = g.add({"Functional": {"model": head, "name": "head"}}, inputs=x)
    return inputs, [g.add({"Dense": {"units": 1}}, inputs=y)]


def _additive_attention(rng, g, variant):
    return _attention(rng, g, variant, "AdditiveAttention")


TEMPLATES = [_seq2seq, _bidirectional_seq2seq, _two_heads, _attention, _additive_attention, _multi_head, _residual,
             _dot, _chain, _nested_models]


def random_functional(rng: random.Random, name: str, template=None, variant=None) -> dict:
    """A random model of `template` (else a random one); `variant` picks among the template's
    forms in turn (the merge layer, how attention is called), else at random."""
    g = _Graph(rng)
    variant = rng.randrange(1_000) if variant is None else variant
    inputs, outputs = (template or rng.choice(TEMPLATES))(rng, g, variant)
    if rng.random() < 0.15:  # a frozen layer
        entry = rng.choice(g.layers)
        kind = next(k for k in entry if k[0].isupper())
        entry[kind] = {**entry[kind], "trainable": False}
    spec = {"name": name, "inputs": inputs, "layers": g.layers}
    if rng.random() < 0.8 or len(outputs) > 1:
        spec["outputs"] = outputs
    return spec


def _tensor(outputs: dict, ref: str):
    m = re.fullmatch(r"(.+)\[(\d+)\]", ref)
    return outputs[m[1]][int(m[2])] if m else outputs[ref]


def build(spec: dict, keras=None):
    """The model in `keras` (tf.keras unless given: tf_keras for Keras 2), in a fresh session."""
    if keras is None:
        import tensorflow as tf

        keras = tf.keras
    warnings.filterwarnings("ignore")
    keras.backend.clear_session()  # fresh layer names
    return graph(spec, keras)


def graph(spec: dict, keras):
    """The functional model `spec` describes, its layers named on from the session's counters."""
    dtype = input_dtype(spec)
    outputs = {name: keras.Input(shape=tuple(shape), name=name, dtype=dtype) for name, shape in spec["inputs"].items()}
    previous = None
    for entry in spec["layers"]:
        entry = {entry: {}} if isinstance(entry, str) else dict(entry)
        refs = entry.pop("inputs", previous)
        call = {k: entry.pop(k) for k in list(entry) if k[0].islower()}
        layer = keras_layer(entry, keras)
        kwargs = {k: [_tensor(outputs, r) for r in v] if isinstance(v, list) else _tensor(outputs, v)
                  if isinstance(v, str) else v for k, v in call.items()}
        if isinstance(refs, list):
            tensors = [_tensor(outputs, r) for r in refs]
            many = type(layer).__name__ not in ("MultiHeadAttention", "GroupedQueryAttention")
            result = layer(tensors, **kwargs) if many else layer(*tensors, **kwargs)
        else:
            result = layer(_tensor(outputs, refs), **kwargs)
        outputs[layer.name] = list(result) if isinstance(result, (list, tuple)) else result
        previous = layer.name
    final = [_tensor(outputs, r) for r in spec.get("outputs", [previous])]
    inputs = [outputs[n] for n in spec["inputs"]]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], final if len(final) > 1 else final[0],
                       name=spec.get("name"), trainable=spec.get("trainable", True))


def describe(spec: dict, save_dir=None) -> dict:
    """What tf.keras makes of `spec`: every summary row with its connections, the totals,
    the printed summaries, and the model as `model.to_json()` wrote it (and, given
    `save_dir`, as a .keras archive and a legacy .h5 file there)."""
    from keras.src.utils.summary_utils import count_params, format_layer_shape
    from rich.text import Text

    os.environ["COLUMNS"] = str(COLUMNS)
    model = build(spec)
    relevant = {id(node) for nodes in model._nodes_by_depth.values() for node in nodes}
    rows = []
    for layer in model.layers:
        shape = Text.from_markup(format_layer_shape(layer)).plain
        trainable = count_params(layer.trainable_weights)
        connected = [f"{t._keras_history.operation.name}[{t._keras_history.node_index}][{t._keras_history.tensor_index}]"
                     for node in layer._inbound_nodes if id(node) in relevant for t in node.input_tensors]
        rows.append([layer.name, type(layer).__name__, shape, int(layer.count_params()), int(trainable), connected])
    if save_dir is not None:
        for suffix in (".keras", ".h5"):
            model.save(os.path.join(save_dir, spec["name"] + suffix))
    return {"spec": spec, "rows": rows, **keras_says(model), "json": model.to_json()}
