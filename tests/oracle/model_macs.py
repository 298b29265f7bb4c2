"""Regenerate tests/golden/model_macs.json: the multiply-accumulates of whole models, as the
real frameworks run them.

    .venv/bin/python -m tests.oracle.model_macs

MACs are the multiply-accumulates of every matrix product (mm, addmm, bmm, baddbmm, einsum,
convolution) of ONE forward pass over a batch of B samples, and nothing else: biases,
elementwise ops, normalization, pooling and embedding lookups count 0. Every number in the
file is torch.utils.flop_counter.FlopCounterMode's total over the real forward pass, halved
(FlopCounterMode counts a multiply-accumulate as 2 flops; every total is checked even). No
number is computed from a formula.

Keras (framework keras, the default): each spec is built in real Keras 3 on its torch
backend (KERAS_BACKEND=torch, set before keras is imported; tensorflow is never imported
here), as keras.Sequential or keras.Model (tests/oracle/keras_models.py and
keras_functional.py build them). Every top-level layer has an explicit `name:` (l0, l1, ...).
Then each top-level layer is called eagerly on its real input tensor, in inference
(`training=False`) and under torch.no_grad(), inside its own FlopCounterMode: `rows` maps the
layer's name to its MACs for the whole batch. The whole model is also run once under one
counter, and its total must equal the rows' sum. Keras's torch backend runs LSTM and GRU
(reset_after=True, no mask) on CPU as a Python loop of torch.matmul (one input product over
all steps, one recurrent product per step), so their products are seen. Every other recurrent
layer (SimpleRNN, GRU reset_after=False, RNN over cells, ConvLSTM, a masked LSTM or GRU) runs
keras.src.backend.torch.rnn.rnn, which, unless unrolled, first runs the cell once on the first
time step only to learn the output's shape and throws the result away, then runs the T real
steps: T + 1 steps under FlopCounterMode. Over a StackedRNNCells, keras.layers.RNN also runs
each cell once more, on the first time step, to learn the next cell's input shape for its
dropout masks (RNN._maybe_config_dropout_masks), whatever the dropout. Those shape probes are
no part of the model's forward pass: they are counted apart (in their own FlopCounterMode, the
model's counter suspended) and kept in `shape_probe_macs` (layer name -> MACs of the probes);
`rows` and `total_macs` leave them out. The raw FlopCounterMode total of such a layer is its
row plus its probes.

PyTorch (framework pytorch): the spec's model is built by tests/oracle/torch_models.py and
run on a (B, *input) tensor (integers for Embedding / EmbeddingBag); a module that takes
several tensors gets them as torch_models._run gives them (MultiheadAttention: key and value
of the query's length, kdim and vdim features; TransformerDecoderLayer: a memory like its
target). `rows`: every top-level module ("0", "1", ...) and every nested module path
FlopCounterMode reports flops for ("1.self_attn", "2.layers.0.linear1"), as
get_flop_counts() keys them without the root's name.

Settings that make the products visible, kept for the whole run:
- torch.backends.mkldnn.flags(enabled=False): nn.LSTM's fused oneDNN kernel
  (aten.mkldnn_rnn_layer) hides its products (it counts 0).
- torch.nn.attention.sdpa_kernel(SDPBackend.MATH): on CPU, scaled_dot_product_attention
  otherwise runs aten._scaled_dot_product_flash_attention_for_cpu, which FlopCounterMode does
  not count: Keras's MultiHeadAttention and GroupQueryAttention (ops.dot_product_attention
  when dropout is 0) and torch's Transformer layers (need_weights=False) would lose their
  QK^T and AV products. The math backend runs them as bmm.
- torch attention modules (MultiheadAttention, TransformerEncoderLayer, TransformerEncoder,
  TransformerDecoderLayer) run in train mode (dropout active changes no product), every other
  module in eval mode: in eval mode torch takes its fast paths (aten._native_multi_head_attention
  when query, key and value are one tensor, aten._transformer_encoder_layer_fwd), which count 0.
  For those cases `eval_macs` also holds the totals of the whole model in eval mode, with the
  math backend and with torch's default backend choice, to show what the fast paths hide.

What the real runs mean for a spec (the numbers are torch's; these notes only read them):
- Keras LoRA (Dense, EinsumDense with lora_rank r): Keras merges the factors into the kernel on
  every call (lora_a @ lora_b, in*r*out MACs once, whatever B), then one product with the
  merged kernel.
- torch modules with batch_first=False (RNN, LSTM, GRU, MultiheadAttention, Transformer
  layers) read the (B, T, F) input as (L=B, N=T, F): the batch axis is their sequence. The
  recurrent totals do not change (each of the B*T vectors is projected once), but attention
  attends over the B axis (products grow with B*B*T, not T*T*B). A 2-D (B, F) input to a
  Transformer layer or MultiheadAttention is an unbatched sequence of length B.
- FlopCounterMode counts a transposed convolution over its input positions: B x input
  positions x kernel elements x in_channels x out_channels/groups, whatever the padding
  crops from the output.

A case: {"name", "spec" (as a YAML spec file holds it), "batch": B, "seq_len": T for a spec
with a free time axis (None in the spec, T in the real run; else null), "rows": {row name:
MACs of the whole batch}, "total_macs", "ops": {aten op: flops}}, and where it applies
"shape_probe_macs" (Keras) or "eval_macs" (torch attention modules), as said above.

Left out: nn.Bilinear (aten._trilinear counts 0 though it multiplies), so the random specs of
torch_models' "bilinear" family are drawn and dropped.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
import types
import warnings
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"
# Keras probes for tensorflow lazily (keras.src.utils.module_utils: Bidirectional's config,
# set_random_seed) and imports it when it is installed: blocked, so this process runs Keras on
# torch alone, as where tensorflow is not installed.
sys.modules["tensorflow"] = None
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keras  # noqa: E402
import torch  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from keras.src import backend as keras_backend  # noqa: E402
from torch.utils._python_dispatch import _disable_current_modes  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from tests.oracle import frameworks, keras_catalogue, keras_functional, keras_models, torch_models  # noqa: E402

SEED = 20261124
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
OUT = GOLDEN / "model_macs.json"
N_TORCH_RANDOM = 66
ALL_SDPA = [SDPBackend.MATH, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION]
ATTENTION_MODULES = ("MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer")


# ---- counting ------------------------------------------------------------------------------

def _count(fn):
    """fn() under FlopCounterMode: (its result, MACs, {aten op: flops}, the counter)."""
    with FlopCounterMode(display=False) as counter:
        out = fn()
    flops = int(counter.get_total_flops())
    if flops % 2:
        raise AssertionError(f"odd flop count {flops}")
    ops = dict(sorted((str(op), int(n)) for op, n in counter.get_flop_counts().get("Global", {}).items()))
    return out, flops // 2, ops, counter


def _add_ops(total: dict, ops: dict) -> None:
    for op, n in ops.items():
        total[op] = total.get(op, 0) + n


# ---- Keras ---------------------------------------------------------------------------------

KERAS_RNN = keras_backend.rnn
PROBES: list = []  # MACs of the shape probes of the layer call under way


def _rnn_without_shape_probe(step_function, inputs, initial_states, *args, **kwargs):
    """keras.src.backend.torch.rnn.rnn, with its shape probe counted apart: unless unrolled, it
    first runs the cell once on the first time step only to learn the output's shape
    (`output_time_zero`, then thrown away), and then the T real steps."""
    if kwargs.get("unroll", args[3] if len(args) > 3 else False):
        return KERAS_RNN(step_function, inputs, initial_states, *args, **kwargs)
    calls = []

    def step(*a, **k):
        calls.append(1)
        if len(calls) > 1:
            return step_function(*a, **k)
        with _disable_current_modes(), FlopCounterMode(display=False) as probe:  # outside the model's count
            out = step_function(*a, **k)
        PROBES.append(int(probe.get_total_flops()) // 2)
        return out

    return KERAS_RNN(step, inputs, initial_states, *args, **kwargs)


keras_backend.rnn = _rnn_without_shape_probe  # keras.src.layers.rnn.RNN calls `backend.rnn(...)`

_CONFIG_MASKS = keras.layers.RNN._maybe_config_dropout_masks


def _masks_without_shape_probe(self, cell, input_sequence, input_state):
    """RNN._maybe_config_dropout_masks, its cell calls (StackedRNNCells: each cell once, for the
    next one's input shape) counted apart as a shape probe."""
    with _disable_current_modes(), FlopCounterMode(display=False) as probe:
        out = _CONFIG_MASKS(self, cell, input_sequence, input_state)
    PROBES.append(int(probe.get_total_flops()) // 2)
    return out


keras.layers.RNN._maybe_config_dropout_masks = _masks_without_shape_probe

def _named(layers: list) -> list:
    """Every top-level entry with an explicit name l0, l1, ... (its call keys kept)."""
    out = []
    for i, entry in enumerate(layers):
        if isinstance(entry, str):
            entry = {entry: {}}
        entry = dict(entry)
        kind = next(k for k in entry if k[0].isupper())
        entry[kind] = {**(entry[kind] or {}), "name": f"l{i}"}
        out.append(entry)
    return out


def _kind(entry) -> str:
    return entry if isinstance(entry, str) else next(k for k in entry if k[0].isupper())


def _real(shape: list, batch: int, seq_len, integer: bool):
    dims = [seq_len if d is None else d for d in shape]
    if integer:
        return torch.zeros(batch, *dims, dtype=torch.long)
    return torch.randn(batch, *dims)


def _keras_model(spec: dict):
    return (keras_functional if "inputs" in spec else keras_models).build(spec, keras)


def keras_case(spec: dict, batch: int, seq_len) -> dict:
    """Build the spec in Keras (torch backend), then count each top-level layer on its real input."""
    model = _keras_model(spec)
    rows, ops, probes = {}, {}, {}

    def run(layer, fn):
        PROBES.clear()
        out, macs, layer_ops, _ = _count(fn)
        if layer.name in rows:
            raise AssertionError(f"layer {layer.name} called twice")
        rows[layer.name] = macs
        if sum(PROBES):
            probes[layer.name] = sum(PROBES)
        _add_ops(ops, layer_ops)
        return out

    if "inputs" in spec:
        integer = {name for name in spec["inputs"]
                   if any(_kind(e) == "Embedding" and e.get("inputs") == name for e in spec["layers"])}
        tensors = {name: _real(shape, batch, seq_len, name in integer) for name, shape in spec["inputs"].items()}
        inputs = [tensors[name] for name in spec["inputs"]]
        outputs, previous = dict(tensors), None
        for entry in spec["layers"]:
            entry = dict(entry)
            refs = entry.pop("inputs", previous)
            call = {k: entry.pop(k) for k in list(entry) if k[0].islower()}
            (kind, args), = entry.items()
            layer = model.get_layer(args["name"])
            kwargs = {k: [keras_functional._tensor(outputs, r) for r in v] if isinstance(v, list)
                      else keras_functional._tensor(outputs, v) if isinstance(v, str) else v for k, v in call.items()}
            if isinstance(refs, list):
                xs = [keras_functional._tensor(outputs, r) for r in refs]
                if kind in ("MultiHeadAttention", "GroupQueryAttention"):
                    result = run(layer, lambda: layer(*xs, training=False, **kwargs))
                else:
                    result = run(layer, lambda: layer(xs, training=False, **kwargs))
            else:
                x = keras_functional._tensor(outputs, refs)
                result = run(layer, lambda: layer(x, training=False, **kwargs))
            outputs[layer.name] = list(result) if isinstance(result, (list, tuple)) else result
            previous = layer.name
        whole_input = inputs if len(inputs) > 1 else inputs[0]
    else:
        integer = _kind(spec["layers"][0]) == "Embedding"
        x = whole_input = _real(spec["input"], batch, seq_len, integer)
        for layer in model.layers:
            x = run(layer, lambda: layer(x, training=False))
    _, whole, _, _ = _count(lambda: model(whole_input, training=False))
    if whole != sum(rows.values()):
        raise AssertionError(f"{spec['name']}: the model counts {whole}, its layers {sum(rows.values())}")
    case = {"name": spec["name"], "spec": spec, "batch": batch, "seq_len": seq_len, "rows": rows,
            "total_macs": sum(rows.values()), "ops": dict(sorted(ops.items()))}
    if probes:
        case["shape_probe_macs"] = probes
    return case


def _concrete(shape: list, fill: int = 8) -> list:
    return [fill if d is None else d for d in shape]


# Each draw returns (spec without name, free): `free` when the spec's time axis is None.

def _time(rng, free: bool, lo: int = 3, hi: int = 12):
    return None if free else rng.randint(lo, hi)


def _dense2d(rng, free):
    first = {"units": rng.choice([3, 8, 16, 32])}
    if rng.random() < 0.5:
        first["lora_rank"] = rng.choice([1, 2, 4])
    layers = [{"Dense": first}, rng.choice(["Dropout", {"Activation": {"activation": "relu"}}, "BatchNormalization"]),
              {"Dense": {"units": rng.choice([1, 5]), "use_bias": rng.random() < 0.7}}]
    return {"input": [rng.choice([4, 10, 20])], "layers": layers}


def _dense3d(rng, free):
    first = {"units": rng.choice([4, 8, 16])}
    second = {"units": rng.choice([2, 6])}
    (first if rng.random() < 0.5 else second)["lora_rank"] = rng.choice([1, 2])
    layers = [{"Dense": first}, "LayerNormalization", {"Dense": second}]
    if rng.random() < 0.4:
        layers.append("GlobalAveragePooling1D")
    return {"input": [_time(rng, free), rng.choice([3, 7, 12])], "layers": layers}


EINSUM_FORMS = [
    ("...b,bc->...c", lambda rng: rng.choice([[5], [4, 5], [2, 3, 5]]), lambda rng, s: [rng.choice([3, 6])], ["c"]),
    ("abc,cd->abd", lambda rng: [rng.choice([3, 5]), 4], lambda rng, s: [s[0], rng.choice([2, 6])], ["d", "bd"]),
    ("ab,bc->ac", lambda rng: [rng.choice([3, 7])], lambda rng, s: [rng.choice([2, 5])], ["c"]),
    ("abc,cde->abde", lambda rng: [rng.choice([3, 5]), 4], lambda rng, s: [s[0], 2, rng.choice([3, 4])], ["de", "e"]),
    ("ab...,bc->ac...", lambda rng: [4, rng.choice([3, 5])], lambda rng, s: [rng.choice([2, 6])], ["c"]),
    ("abcd,cde->abe", lambda rng: [3, 4, 2], lambda rng, s: [s[0], rng.choice([2, 5])], ["e"]),
    ("abc,dc->abd", lambda rng: [rng.choice([3, 6]), 5], lambda rng, s: [s[0], rng.choice([2, 4])], ["d"]),
]


def _einsum(rng, free, form=None):
    equation, shape_of, output_of, biases = EINSUM_FORMS[form] if form is not None else rng.choice(EINSUM_FORMS)
    shape = shape_of(rng)
    args = {"equation": equation, "output_shape": output_of(rng, shape)}
    if rng.random() < 0.6:
        args["bias_axes"] = rng.choice(biases)
    if rng.random() < 0.25:
        args["lora_rank"] = rng.choice([1, 2])
    return {"input": shape, "layers": [{"EinsumDense": args}, "Flatten", {"Dense": {"units": 3}}]}


def _embedding(rng, free):
    t = _time(rng, free, 4, 20)
    emb = {"Embedding": {"input_dim": rng.choice([50, 1000]), "output_dim": rng.choice([4, 8, 16])}}
    tail = rng.choice([["GlobalAveragePooling1D", {"Dense": {"units": 2}}],
                       [{"GRU": {"units": rng.choice([4, 8])}}, {"Dense": {"units": 1}}],
                       [{"Conv1D": {"filters": 4, "kernel_size": 3}}, "GlobalMaxPooling1D"]])
    return {"input": [t], "layers": [emb, *tail]}


def _catalogue(kind: str):
    """One layer of keras_catalogue's draws (None axes made concrete), then maybe a zero-MAC
    layer and a head."""
    def draw(rng, free):
        shape, args = keras_catalogue.DRAWS[kind](rng)
        rank = int(re.search(r"(\d)D", kind)[1])
        layers = [{kind: args}]
        if rng.random() < 0.6:
            layers.append(rng.choice(["BatchNormalization", "Dropout", {"Activation": {"activation": "relu"}},
                                      {f"MaxPooling{rank}D": {"pool_size": 1}}]))
        if rng.random() < 0.7:
            layers += [rng.choice(["Flatten", f"GlobalAveragePooling{rank}D"]),
                       {"Dense": {"units": rng.choice([2, 5])}}]
        return {"input": _concrete(shape), "layers": layers}
    return draw


def _conv1d_seq(rng, free):
    """Conv1D over a (time, features) input: strides, dilation, padding, groups."""
    f = rng.choice([4, 6, 8])
    args = {"filters": rng.choice([2, 4, 6]) * 2, "kernel_size": rng.choice([1, 2, 3, 5])}
    if rng.random() < 0.4:
        args["strides"] = 2
    elif rng.random() < 0.4:
        args["dilation_rate"] = 2
    if rng.random() < 0.6:
        args["padding"] = rng.choice(["same", "causal", "valid"])
    if rng.random() < 0.4:
        args["groups"] = 2
    return {"input": [_time(rng, free, 6, 16), f],
            "layers": [{"Conv1D": args}, rng.choice(["MaxPooling1D", "Dropout"]), "GlobalAveragePooling1D",
                       {"Dense": {"units": 3}}]}


def _conv2d_groups(rng, free):
    """Conv2D with groups, and strides or dilation."""
    channels = rng.choice([4, 6, 8])
    groups = rng.choice([g for g in (2, 3, 4) if channels % g == 0])
    args = {"filters": groups * rng.choice([1, 2, 3]), "kernel_size": rng.choice([2, 3, [2, 3]]), "groups": groups}
    if rng.random() < 0.5:
        args["strides"] = rng.choice([2, [1, 2]])
    else:
        args["dilation_rate"] = 2
    if rng.random() < 0.5:
        args["padding"] = "same"
    return {"input": [rng.choice([7, 9, 12]), rng.choice([8, 10]), channels],
            "layers": [{"Conv2D": args}, "BatchNormalization", {"MaxPooling2D": {"pool_size": 2}}, "Flatten",
                       {"Dense": {"units": 3}}]}


def _transpose_strided(rank: int):
    """Conv1DTranspose / Conv2DTranspose with strides, output_padding and padding (or dilation)."""
    def draw(rng, free):
        args = {"filters": rng.choice([2, 3, 4]), "kernel_size": rng.choice([2, 3, 4])}
        if rng.random() < 0.3:
            args["dilation_rate"] = 2
        else:
            args["strides"] = rng.choice([2, 3])
            if rng.random() < 0.6:
                args["output_padding"] = rng.randint(1, args["strides"] - 1)
        if rng.random() < 0.5:
            args["padding"] = "same"
        shape = [rng.choice([4, 5, 8]) for _ in range(rank)] + [rng.choice([1, 3, 6])]
        return {"input": shape, "layers": [{f"Conv{rank}DTranspose": args}, f"GlobalAveragePooling{rank}D",
                                           {"Dense": {"units": 2}}]}
    return draw


def _rnn_layer(rng, kind=None, sequences=None):
    kind = kind or rng.choice(["SimpleRNN", "LSTM", "GRU"])
    args = {"units": rng.choice([2, 4, 8, 16, 32])}
    if sequences is None:
        sequences = rng.random() < 0.5
    if sequences:
        args["return_sequences"] = True
    if kind == "GRU" and rng.random() < 0.5:
        args["reset_after"] = False
    if rng.random() < 0.3:
        args["go_backwards"] = True
    if rng.random() < 0.2:
        args["use_bias"] = False
    return {kind: args}


def _recurrent(kind: str):
    def draw(rng, free):
        first = _rnn_layer(rng, kind, sequences=True if rng.random() < 0.6 else False)
        layers = [first]
        if first[kind].get("return_sequences"):
            layers.append(rng.choice(["LayerNormalization", "Dropout", None]))
            layers.append(_rnn_layer(rng, rng.choice([kind, "SimpleRNN", "LSTM", "GRU"])))
        layers = [x for x in layers if x is not None]
        layers.append({"Dense": {"units": rng.choice([1, 3])}})
        return {"input": [_time(rng, free, 2, 10), rng.choice([1, 3, 8, 28])], "layers": layers}
    return draw


MERGE_MODES = ["concat", "sum", "mul", "ave", None]


def _bidirectional(rng, free, mode_index=None):
    mode = MERGE_MODES[mode_index % len(MERGE_MODES)] if mode_index is not None else rng.choice(MERGE_MODES)
    inner = _rnn_layer(rng, sequences=rng.random() < 0.5)
    (kind, args), = inner.items()
    args.pop("go_backwards", None)  # Keras 3 refuses a Bidirectional over go_backwards
    layers = [{"Bidirectional": {"layer": inner, "merge_mode": mode}}]
    if rng.random() < 0.25:
        layers[0]["Bidirectional"]["backward_layer"] = {kind: {**args, "go_backwards": True}}
    if mode is not None:
        if args.get("return_sequences"):
            layers.append("GlobalAveragePooling1D")
        layers.append({"Dense": {"units": 2}})
    return {"input": [_time(rng, free, 2, 9), rng.choice([3, 5, 16])], "layers": layers}


def _time_distributed_dense(rng, free):
    return {"input": [_time(rng, free, 2, 8), rng.choice([3, 6, 10])],
            "layers": [{"TimeDistributed": {"layer": {"Dense": {"units": rng.choice([4, 8])}}}},
                       _rnn_layer(rng), {"Dense": {"units": 2}}] if rng.random() < 0.5 else
                      [{"TimeDistributed": {"layer": {"Dense": {"units": rng.choice([4, 8]), "lora_rank": 2}}}},
                       "Flatten" if not free else "GlobalAveragePooling1D", {"Dense": {"units": 2}}]}


def _time_distributed_conv(rng, free):
    conv = {"filters": rng.choice([2, 4]), "kernel_size": rng.choice([2, 3])}
    if rng.random() < 0.5:
        conv["strides"] = 2
    if rng.random() < 0.4:
        conv["padding"] = "same"
    return {"input": [_time(rng, free, 2, 5), rng.choice([6, 8]), rng.choice([6, 9]), rng.choice([1, 3])],
            "layers": [{"TimeDistributed": {"layer": {"Conv2D": conv}}},
                       {"TimeDistributed": {"layer": {"MaxPooling2D": {"pool_size": 2}}}},
                       {"TimeDistributed": {"layer": "Flatten"}},
                       _rnn_layer(rng, sequences=False), {"Dense": {"units": 3}}]}


def _cell(rng):
    kind = rng.choice(["SimpleRNNCell", "LSTMCell", "GRUCell"])
    args = {"units": rng.choice([2, 4, 8, 12])}
    if kind == "GRUCell" and rng.random() < 0.5:
        args["reset_after"] = False
    if rng.random() < 0.2:
        args["use_bias"] = False
    return {kind: args}


def _rnn_cells(rng, free):
    pick = rng.random()
    if pick < 0.35:
        cell = _cell(rng)
    elif pick < 0.7:
        cell = [_cell(rng) for _ in range(rng.choice([2, 3]))]
    else:
        cell = {"StackedRNNCells": {"cells": [_cell(rng) for _ in range(rng.choice([2, 3]))]}}
    args = {"cell": cell}
    if rng.random() < 0.5:
        args["return_sequences"] = True
    if rng.random() < 0.3:
        args["go_backwards"] = True
    layers = [{"RNN": args}]
    if args.get("return_sequences"):
        layers.append("GlobalMaxPooling1D")
    layers.append({"Dense": {"units": 2}})
    return {"input": [_time(rng, free, 2, 8), rng.choice([2, 5, 9])], "layers": layers}


def _convlstm(rank: int):
    def draw(rng, free):
        args = {"filters": rng.choice([2, 3, 4]), "kernel_size": rng.choice([1, 2, 3])}
        if rng.random() < 0.5:
            args["padding"] = "same"
        if rng.random() < 0.5:
            args["return_sequences"] = True
        if rng.random() < 0.3:
            args["strides"] = 2
        elif rng.random() < 0.3:
            args["dilation_rate"] = 2
        if rng.random() < 0.2:
            args["go_backwards"] = True
        spatial = [rng.choice([6, 8, 10]) for _ in range(rank)]
        layers = [{f"ConvLSTM{rank}D": args}]
        if rng.random() < 0.5:
            layers.append("BatchNormalization")
        if args.get("return_sequences") and not free:
            layers.append("Flatten")
        elif not args.get("return_sequences"):
            layers.append("Flatten")
        else:
            layers.append({"TimeDistributed": {"layer": "Flatten"}})
            layers.append("GlobalAveragePooling1D")
        layers.append({"Dense": {"units": 2}})
        return {"input": [_time(rng, free, 2, 4), *spatial, rng.choice([1, 2, 3])], "layers": layers}
    return draw


def _without_state_and_dropout(layer):
    """A drawn layer without return_state, dropout and constraints (one output, products alone)."""
    if isinstance(layer, dict):
        (kind, args), = layer.items()
        args = dict(args or {})
        for key in ("return_state", "dropout", "recurrent_dropout", "kernel_constraint"):
            args.pop(key, None)
        layer = {kind: args}
    return layer


def _random_stack(rng, free):
    """A random recurrent stack of keras_models' layer draws (Sequential), kept where Keras builds it."""
    t = _time(rng, free, 3, 12)
    spec = {"name": "draft", "input": [t, rng.choice([1, 3, 8, 28])], "layers": []}
    if rng.random() < 0.25 and not free:
        spec = {"name": "draft", "input": [rng.choice([10, 20])],
                "layers": [{"Embedding": {"input_dim": 100, "output_dim": rng.choice([4, 8, 16])}}]}
    keras_models.grow(rng, spec, 2, rng.randint(2, 5), max_tries=40, adjust=_without_state_and_dropout,
                      build_model=_keras_model)
    return {"input": spec["input"], "layers": spec["layers"]}


# ---- functional draws ----------------------------------------------------------------------

def _functional(inputs: dict, layers: list, outputs: list | None = None) -> dict:
    spec = {"inputs": inputs, "layers": _named(layers)}
    if outputs:
        spec["outputs"] = outputs
    return spec


def _mha_self(rng, free):
    d = rng.choice([8, 12, 16])
    args = {"num_heads": rng.choice([1, 2, 4]), "key_dim": rng.choice([2, 4, 8])}
    if rng.random() < 0.4:
        args["value_dim"] = rng.choice([3, 6])
    if rng.random() < 0.3:
        args["dropout"] = 0.1
    if rng.random() < 0.2:
        args["use_bias"] = False
    layers = [{"Embedding": {"input_dim": 100, "output_dim": d}, "inputs": "tokens"},
              {"MultiHeadAttention": args, "inputs": ["l0", "l0"]},
              {"Add": {}, "inputs": ["l0", "l1"]},
              {"LayerNormalization": {}, "inputs": "l2"},
              {"Dense": {"units": 2 * d, "activation": "relu"}, "inputs": "l3"},
              {"Dense": {"units": d}, "inputs": "l4"},
              {"GlobalAveragePooling1D": {}, "inputs": "l5"},
              {"Dense": {"units": 2}, "inputs": "l6"}]
    return _functional({"tokens": [_time(rng, free, 3, 12)]}, layers)


def _mha_cross(rng, free):
    inputs, args = keras_catalogue._mha(rng)
    inputs = {"query": [rng.choice([3, 5, 6]), inputs["query"][1]],
              "value": [rng.choice([4, 7, 9]), inputs["value"][1]],
              **({"key": [None, inputs["key"][1]]} if "key" in inputs else {})}
    if "key" in inputs:
        inputs["key"][0] = inputs["value"][0]
    if rng.random() < 0.3:
        args["dropout"] = 0.2
    refs = ["query", "value", "key"] if "key" in inputs else ["query", "value"]
    layers = [{"MultiHeadAttention": args, "inputs": refs}]
    if rng.random() < 0.5 and not isinstance(args.get("output_shape"), list):
        layers += [{"GlobalAveragePooling1D": {}, "inputs": "l0"}, {"Dense": {"units": 3}, "inputs": "l1"}]
    return _functional(inputs, layers)


def _mha_call_value(rng, free):
    """MultiHeadAttention called as `inputs: query` with `value:` (and `key:`), over projections."""
    tq, tk = rng.choice([2, 4, 6]), rng.choice([3, 5, 8])
    args = {"num_heads": rng.choice([2, 3]), "key_dim": rng.choice([3, 4]), "value_dim": rng.choice([2, 5]),
            "output_shape": rng.choice([4, 6])}
    layers = [{"Dense": {"units": 6}, "inputs": "q"}, {"Dense": {"units": 6}, "inputs": "m"},
              {"MultiHeadAttention": args, "inputs": "l0", "value": "l1",
               **({"key": "m"} if rng.random() < 0.5 else {})},
              {"Flatten": {}, "inputs": "l2"}, {"Dense": {"units": 1}, "inputs": "l3"}]
    return _functional({"q": [tq, rng.choice([3, 5])], "m": [tk, 7]}, layers)


def _gqa(rng, free):
    inputs, args = keras_catalogue._gqa(rng)
    inputs = {name: [rng.choice([3, 5, 7]) if name == "query" else None, shape[1]] for name, shape in inputs.items()}
    tk = rng.choice([4, 6])
    for name in inputs:
        if name != "query":
            inputs[name][0] = tk
    refs = ["query", "value", "key"] if "key" in inputs else ["query", "value"]
    return _functional(inputs, [{"GroupQueryAttention": args, "inputs": refs},
                                {"GlobalAveragePooling1D": {}, "inputs": "l0"},
                                {"Dense": {"units": 2}, "inputs": "l1"}])


def _attention(kind: str):
    def draw(rng, free):
        d = rng.choice([4, 6, 8])
        tq, tk = (None, None) if free else (rng.choice([3, 5]), rng.choice([4, 7]))
        args = {}
        if kind == "Attention":
            if rng.random() < 0.5:
                args["use_scale"] = True
            if rng.random() < 0.5:
                args["score_mode"] = "concat"
        elif rng.random() < 0.5:
            args["use_scale"] = False
        inputs = {"query": [tq, rng.choice([3, 5])], "value": [tk, rng.choice([2, 4])]}
        layers = [{"Dense": {"units": d}, "inputs": "query"}, {"Dense": {"units": d}, "inputs": "value"}]
        refs = ["l0", "l1"]
        if rng.random() < 0.4:
            layers.append({"Dense": {"units": d}, "inputs": "value"})
            refs.append("l2")
        n = len(layers)
        layers += [{kind: args, "inputs": refs}, {"Concatenate": {}, "inputs": ["l0", f"l{n}"]},
                   {"GlobalAveragePooling1D": {}, "inputs": f"l{n + 1}"},
                   {"Dense": {"units": 2}, "inputs": f"l{n + 2}"}]
        return _functional(inputs, layers)
    return draw


def _attention_rnn(rng, free):
    """Attention over recurrent encoders, as keras_functional's template has it."""
    inputs = {"query_seq": [_time(rng, free, 3, 8), rng.choice([4, 8])], "value_seq": [_time(rng, free, 3, 8), 5]}
    if free:
        inputs["value_seq"][0] = None
    units = rng.choice([4, 8])
    kind = rng.choice(["Attention", "AdditiveAttention"])
    layers = [{**_rnn_layer(rng, sequences=True), "inputs": "query_seq"},
              {**_rnn_layer(rng, sequences=True), "inputs": "value_seq"},
              {kind: {"use_scale": True}, "inputs": ["l0", "l1"]},
              {"GlobalMaxPooling1D": {}, "inputs": "l2"}, {"Dense": {"units": 1}, "inputs": "l3"}]
    for entry in layers[:2]:
        k = _kind(entry)
        entry[k]["units"] = units
        entry[k].pop("go_backwards", None)
    return _functional(inputs, layers)


def _dot(rng, free):
    form = rng.choice(["seq", "seq", "vec", "feat"])
    d = rng.choice([3, 4, 8])
    if form == "seq":  # (T1, d) . (T2, d) over the features: a (T1, T2) similarity matrix
        inputs = {"left": [rng.choice([3, 5]), d], "right": [rng.choice([4, 6]), d]}
        args = {"axes": rng.choice([2, [2, 2], -1])}
        tail = [{"Flatten": {}, "inputs": "l0"}, {"Dense": {"units": 1}, "inputs": "l1"}]
        refs = ["left", "right"]
    elif form == "feat":  # (T, d1) . (T, d2) over time: (d1, d2)
        t = rng.choice([3, 5])
        inputs = {"left": [t, d], "right": [t, rng.choice([2, 5])]}
        args = {"axes": 1}
        tail = [{"Flatten": {}, "inputs": "l0"}, {"Dense": {"units": 2}, "inputs": "l1"}]
        refs = ["left", "right"]
    else:  # two encoded vectors
        inputs = {"left": [rng.choice([4, 6]), 3], "right": [rng.choice([4, 6]), 3]}
        layers = [{**_rnn_layer(rng, sequences=False), "inputs": "left"},
                  {**_rnn_layer(rng, sequences=False), "inputs": "right"}]
        for entry in layers:
            entry[_kind(entry)]["units"] = d
        args = {"axes": rng.choice([1, -1])}
        if rng.random() < 0.5:
            args["normalize"] = True
        return _functional(inputs, layers + [{"Dot": args, "inputs": ["l0", "l1"]},
                                             {"Dense": {"units": 1}, "inputs": "l2"}])
    if rng.random() < 0.4:
        args["normalize"] = True
    return _functional(inputs, [{"Dot": args, "inputs": refs}, *tail])


def _merges(rng, free):
    """Zero-MAC merges and reshapes around two Dense branches."""
    t, f = _time(rng, free, 3, 8), rng.choice([4, 6])
    d = rng.choice([4, 6])
    layers = [{"Dense": {"units": d}, "inputs": "a"}, {"Dense": {"units": d}, "inputs": "b"},
              {rng.choice(["Add", "Subtract", "Multiply", "Average", "Maximum"]): {}, "inputs": ["l0", "l1"]},
              {"Concatenate": {}, "inputs": ["l2", "l0"]},
              {"Reshape": {"target_shape": [-1, d]}, "inputs": "l3"},
              {"GlobalAveragePooling1D": {}, "inputs": "l4"}, {"Dense": {"units": 1}, "inputs": "l5"}]
    return _functional({"a": [t, f], "b": [t, f]}, layers)


def _bidirectional_none_functional(rng, free):
    """Bidirectional with merge_mode None: two outputs, concatenated by the model."""
    inner = _rnn_layer(rng, sequences=False)
    inner[_kind(inner)].pop("go_backwards", None)
    layers = [{"Bidirectional": {"layer": inner, "merge_mode": None}, "inputs": "x"},
              {"Concatenate": {}, "inputs": ["l0[0]", "l0[1]"]}, {"Dense": {"units": 2}, "inputs": "l1"}]
    return _functional({"x": [_time(rng, free, 3, 8), rng.choice([3, 6])]}, layers)


# (draw, cases, cases of them with a free time axis)
KERAS_PLAN = [
    (_dense2d, 4, 0), (_dense3d, 6, 2), (lambda rng, free: _einsum(rng, free, 0), 3, 0),
    (lambda rng, free: _einsum(rng, free, 1), 3, 0), (_einsum, 5, 0), (_embedding, 4, 1), (_conv1d_seq, 5, 2),
    (_catalogue("Conv1D"), 3, 0), (_catalogue("Conv2D"), 3, 0), (_conv2d_groups, 3, 0), (_catalogue("Conv3D"), 3, 0),
    (_catalogue("Conv1DTranspose"), 2, 0), (_catalogue("Conv2DTranspose"), 2, 0), (_transpose_strided(1), 4, 0),
    (_transpose_strided(2), 4, 0),
    (_catalogue("DepthwiseConv1D"), 3, 0), (_catalogue("DepthwiseConv2D"), 3, 0),
    (_catalogue("SeparableConv1D"), 3, 0), (_catalogue("SeparableConv2D"), 3, 0),
    (_recurrent("SimpleRNN"), 4, 1), (_recurrent("LSTM"), 5, 2), (_recurrent("GRU"), 6, 2),
    *[(lambda rng, free, i=i: _bidirectional(rng, free, i), 2, 1 if i < 2 else 0) for i in range(5)],
    (_time_distributed_dense, 3, 1), (_time_distributed_conv, 3, 1), (_rnn_cells, 5, 2),
    (_convlstm(1), 3, 1), (_convlstm(2), 3, 0), (_random_stack, 8, 3),
    (_mha_self, 5, 2), (_mha_cross, 6, 0), (_mha_call_value, 2, 0), (_gqa, 4, 0),
    (_attention("Attention"), 5, 1), (_attention("AdditiveAttention"), 4, 1), (_attention_rnn, 3, 1),
    (_dot, 5, 0), (_merges, 2, 1), (_bidirectional_none_functional, 2, 0),
]


def keras_cases(rng: random.Random) -> list:
    out = []
    for draw, n, n_free in KERAS_PLAN:
        for i in range(n):
            free = i < n_free
            for _ in range(100):
                spec = draw(rng, free)
                if "inputs" not in spec:
                    spec = {"input": spec["input"], "layers": _named(spec["layers"])}
                name = f"keras_{len(out):03d}"
                spec = {"name": name, "framework": "keras", **spec}
                shapes = spec["inputs"].values() if "inputs" in spec else [spec["input"]]
                is_free = any(d is None for s in shapes for d in s)
                if is_free != free:
                    continue
                try:  # Keras refused the draw, or a free axis too short for a window: draw again
                    case = keras_case(spec, rng.randint(1, 4), rng.randint(2, 12) if free else None)
                except AssertionError:
                    raise
                except Exception:  # noqa: BLE001
                    continue
                break
            else:
                raise RuntimeError(f"no valid draw of {draw}")
            out.append(case)
    return out


# ---- PyTorch -------------------------------------------------------------------------------

def _torch_sample(spec: dict, batch: int):
    first = next(iter(spec["layers"][0])) if spec["layers"] else None
    if first in ("Embedding", "EmbeddingBag"):
        size = spec["layers"][0][first]["num_embeddings"]
        return torch.randint(0, size, (batch, *spec["input"]))
    return torch.randn(batch, *spec["input"])


def _torch_run(spec: dict, batch: int, eval_only: bool = False):
    """The spec's model run on a (batch, *input) tensor under FlopCounterMode:
    (rows, total MACs, ops)."""
    model = torch_models.build(spec)
    model.eval()
    if not eval_only:
        for module in model.modules():
            if type(module).__name__ in ATTENTION_MODULES:
                module.train()
    kinds = [next(iter(e)) if isinstance(e, dict) else e for e in spec["layers"]]

    def forward(self, x):
        for kind, module in zip(kinds, self):
            x = torch_models._run(kind, module, x)
            x = x[0] if isinstance(x, tuple) else x
        return x

    model.forward = types.MethodType(forward, model)
    x = _torch_sample(spec, batch)
    _, macs, ops, counter = _count(lambda: model(x))
    root = type(model).__name__
    counts = {path: sum(int(n) for n in by_op.values()) for path, by_op in counter.get_flop_counts().items()}
    rows = {str(i): counts.get(f"{root}.{i}", 0) // 2 for i in range(len(kinds))}
    for path, _ in model.named_modules():  # nested modules torch counted, in the model's order
        if path and path not in rows and counts.get(f"{root}.{path}", 0):
            rows[path] = counts[f"{root}.{path}"] // 2
    if set(counts) - {"Global", root} - {f"{root}.{path}" for path in rows}:
        raise AssertionError(f"{spec['name']}: counted modules left out of the rows")
    if counts.get(root, 0) // 2 != macs or sum(rows[str(i)] for i in range(len(kinds))) != macs:
        raise AssertionError(f"{spec['name']}: rows do not add up to {macs}")
    return rows, macs, ops


def torch_case(spec: dict, batch: int) -> dict:
    torch.manual_seed(0)
    if '"start_dim": 0' in json.dumps(spec):
        batch = 1  # Flatten(start_dim=0) folds the batch into the features: torch runs it on one sample only
    try:
        rows, macs, ops = _torch_run(spec, batch)
    except (RuntimeError, ValueError, IndexError, AssertionError) as error:
        if batch == 1 or isinstance(error, AssertionError):
            raise
        batch = 1
        rows, macs, ops = _torch_run(spec, batch)
    case = {"name": spec["name"], "spec": spec, "batch": batch, "seq_len": None, "rows": rows, "total_macs": macs,
            "ops": ops}
    if any(k in json.dumps(spec) for k in ATTENTION_MODULES):
        eval_math = _torch_run(spec, batch, eval_only=True)[1]
        with sdpa_kernel(ALL_SDPA):  # torch's own choice of SDPA backend
            eval_default = _torch_run(spec, batch, eval_only=True)[1]
        case["eval_macs"] = {"math_sdpa": eval_math, "default_sdpa": eval_default}
    return case


def _torch_targeted(rng: random.Random) -> list:
    """Specs of every module kind with the options that change products, beyond random_spec's draws."""
    specs = [
        ([16], [{"Linear": {"out_features": 8}}, {"ReLU": {}}, {"Dropout": {"p": 0.1}},
                {"Linear": {"out_features": 3, "bias": False}}]),
        ([6, 10], [{"Linear": {"out_features": 12}}, {"LayerNorm": {}}, {"GELU": {}}, {"Linear": {"out_features": 4}}]),
        ([4, 20], [{"Conv1d": {"out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1}}, {"BatchNorm1d": {}},
                   {"ReLU": {}}, {"MaxPool1d": {"kernel_size": 2}},
                   {"Conv1d": {"out_channels": 4, "kernel_size": 3, "dilation": 2, "groups": 2, "bias": False}},
                   {"AdaptiveAvgPool1d": {"output_size": 2}}, {"Flatten": {}}, {"Linear": {"out_features": 3}}]),
        ([2, 16], [{"Conv1d": {"out_channels": 6, "kernel_size": 5, "padding": "same"}},
                   {"Conv1d": {"out_channels": 6, "kernel_size": 3, "groups": 3, "stride": 3}}]),
        ([3, 16, 14], [{"Conv2d": {"out_channels": 6, "kernel_size": [2, 3], "stride": 2, "padding": 1}},
                      {"BatchNorm2d": {}}, {"ReLU": {}}, {"MaxPool2d": {"kernel_size": 2}},
                      {"Conv2d": {"out_channels": 4, "kernel_size": 2, "groups": 2, "dilation": 2}},
                      {"AdaptiveAvgPool2d": {"output_size": 1}}, {"Flatten": {}}, {"Linear": {"out_features": 2}}]),
        ([4, 10], [{"ConvTranspose1d": {"out_channels": 6, "kernel_size": 3, "stride": 2, "output_padding": 1}},
                   {"ConvTranspose1d": {"out_channels": 4, "kernel_size": 2, "groups": 2, "dilation": 2,
                                        "padding": 1}}]),
        ([2, 7], [{"ConvTranspose1d": {"out_channels": 3, "kernel_size": 4, "stride": 3, "bias": False}},
                  {"AvgPool1d": {"kernel_size": 2}}]),
        ([8], [{"Embedding": {"num_embeddings": 100, "embedding_dim": 16}},
               {"LSTM": {"hidden_size": 12, "batch_first": True}}, {"Linear": {"out_features": 2}}]),
        ([5], [{"EmbeddingBag": {"num_embeddings": 50, "embedding_dim": 8, "mode": "sum"}},
               {"Linear": {"out_features": 4}}]),
        ([5], [{"EmbeddingBag": {"num_embeddings": 50, "embedding_dim": 8, "mode": "max"}},
               {"Linear": {"out_features": 4}}]),
        ([16], [{"RNNCell": {"hidden_size": 8, "nonlinearity": "relu"}}, {"LSTMCell": {"hidden_size": 5}},
                {"GRUCell": {"hidden_size": 6, "bias": False}}, {"Linear": {"out_features": 1}}]),
    ]
    for kind in ("RNN", "LSTM", "GRU"):
        for options in ({"num_layers": 2, "batch_first": True}, {"bidirectional": True},
                        {"num_layers": 3, "bidirectional": True, "batch_first": True, "bias": False}):
            args = {"hidden_size": rng.choice([4, 8, 16]), **options}
            if kind == "LSTM" and options.get("bidirectional"):
                args["proj_size"] = rng.choice([2, 3])
            specs.append(([rng.choice([5, 9]), rng.choice([3, 8])], [{kind: args}, {"Linear": {"out_features": 2}}]))
    for options in ({}, {"batch_first": True}, {"kdim": 5, "vdim": 3, "batch_first": True},
                    {"add_bias_kv": True, "add_zero_attn": True}, {"bias": False, "batch_first": True, "vdim": 7}):
        specs.append(([rng.choice([4, 6]), 8], [{"MultiheadAttention": {"embed_dim": 8, "num_heads": 2, **options}},
                                                {"Linear": {"out_features": 3}}]))
    for options in ({"batch_first": True}, {}, {"batch_first": True, "norm_first": True, "activation": "gelu"}):
        layer = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, **options}
        specs.append(([5, 8], [{"TransformerEncoderLayer": layer},
                               {"Linear": {"out_features": 2}}]))
    specs.append(([6, 8], [{"TransformerEncoder": {"encoder_layer": {"TransformerEncoderLayer": {
        "d_model": 8, "nhead": 4, "dim_feedforward": 12, "batch_first": True}}, "num_layers": 2,
        "norm": {"LayerNorm": {}}}}]))
    specs.append(([8], [{"TransformerEncoderLayer": {"d_model": 8, "nhead": 2, "dim_feedforward": 4}}]))
    for options in ({"batch_first": True}, {"norm_first": True}):
        layer = {"d_model": 6, "nhead": 3, "dim_feedforward": 10, **options}
        specs.append(([4, 6], [{"TransformerDecoderLayer": layer},
                               {"Linear": {"out_features": 2}}]))
    return specs


def torch_cases(rng: random.Random) -> list:
    out = []
    for spec_input, layers in _torch_targeted(rng):
        spec = {"name": f"torch_{len(out):03d}", "framework": "pytorch", "input": spec_input, "layers": layers}
        out.append(torch_case(spec, rng.randint(1, 4)))
    drawn = 0
    while drawn < N_TORCH_RANDOM:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec = torch_models.random_spec(rng, f"torch_{len(out):03d}")
        if "Bilinear" in json.dumps(spec):
            continue  # products hidden from FlopCounterMode (aten._trilinear)
        drawn += 1
        out.append(torch_case(spec, rng.randint(1, 4)))
    return out


# ---- output --------------------------------------------------------------------------------

def _write(cases: list) -> None:
    """One case a line, with the versions of the libraries that made them (as make_golden.py)."""
    frameworks.write_golden(
        OUT, "tests/oracle/model_macs.py", SEED, cases, keras=keras.__version__, keras_backend=keras.backend.backend(),
        settings="FlopCounterMode total // 2; torch.no_grad; mkldnn off; SDPA math backend; "
                 "Keras training=False; torch attention modules in train mode, the rest in eval mode")


def live(seed: int, n: int) -> list:
    """`n` random PyTorch specs (torch_models.random_spec) counted as the golden ones are, for a
    live test: `python -m tests.oracle.model_macs --live SEED N` prints them as JSON."""
    rng, out = random.Random(seed), []
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False), sdpa_kernel([SDPBackend.MATH]):
        while len(out) < n:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                spec = torch_models.random_spec(rng, f"live_{len(out):03d}")
            if "Bilinear" not in json.dumps(spec):
                out.append(torch_case(spec, rng.randint(1, 4)))
    return out


def main() -> None:
    if sys.argv[1:2] == ["--live"]:
        warnings.filterwarnings("ignore")
        print(json.dumps(live(int(sys.argv[2]), int(sys.argv[3]))))
        return
    start = time.time()
    warnings.filterwarnings("ignore")
    random.seed(SEED)
    torch.manual_seed(SEED)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small products: deterministic and faster on one thread
    try:
        with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False), sdpa_kernel([SDPBackend.MATH]):
            cases = keras_cases(random.Random(SEED))
            print(f"{len(cases)} Keras cases in {time.time() - start:.0f} s")
            cases += torch_cases(random.Random(SEED + 1))
    finally:
        torch.set_num_threads(threads)
    if sys.modules.get("tensorflow") is not None:
        raise AssertionError("tensorflow was imported: Keras must run on torch alone")
    _write(cases)
    n_keras = sum(c["spec"]["framework"] == "keras" for c in cases)
    print(f"{n_keras} Keras and {len(cases) - n_keras} PyTorch cases in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
