"""A checkpoint's tensors to a `Summary`: one row per module path that owns tensors, typed where
the tensor names and shapes say what the module is. Pure: the readers in `sources/` give the
tensors (name, shape, dtype), nothing here reads a file."""

from __future__ import annotations

import math
import os
import re
from typing import NamedTuple

from .errors import GruParamsError, Where
from .formulas import count_layer
from .infer import Row, Summary
from .layers.base import W
from .spec import ModelSpec


class Tensor(NamedTuple):
    """One stored tensor, as a reader finds it in the file's index (no data is read)."""

    name: str  # the state_dict key: "encoder.weight_ih_l0"
    shape: tuple[int, ...]
    dtype: str  # torch's name: "float32", "bfloat16", "int64"
    # A tied weight (lm_head.weight = embed.weight) is one tensor under two names: the second
    # name's tensor is the same as the first's, which torch's parameters() counts once
    same_as: str = ""


# Bytes a value of each dtype a checkpoint may hold, by torch's name
DTYPES = {
    "float64": 8, "float32": 4, "float16": 2, "bfloat16": 2,
    "float8_e4m3fn": 1, "float8_e4m3fnuz": 1, "float8_e5m2": 1, "float8_e5m2fnuz": 1,
    "complex128": 16, "complex64": 8, "complex32": 4,
    "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint64": 8, "uint32": 4, "uint16": 2, "uint8": 1, "bool": 1,
}
# Only these can be parameters (torch refuses requires_grad on any other dtype): an integer or
# boolean tensor in a state_dict is a buffer
FLOATING = frozenset(d for d in DTYPES if d.startswith(("float", "bfloat", "complex")))

# A torch BatchNorm's (and InstanceNorm's, with track_running_stats) running statistics: buffers
_RUNNING = frozenset({"running_mean", "running_var", "num_batches_tracked"})
_RECURRENT = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?")
_CELL = frozenset({"weight_ih", "weight_hh", "bias_ih", "bias_hh"})
_KINDS = {1: ("RNN", "simplernn"), 3: ("GRU", "gru"), 4: ("LSTM", "lstm")}  # gates -> torch class, kind
ROOT = "(root)"  # the row of tensors a model holds itself (a bare nn.LSTM's state_dict)


def summarize_tensors(tensors, path: str) -> Summary:
    """A state_dict's (or a .safetensors file's) tensors as a summary: one row per module path
    that owns tensors, in the order the file lists them. Every count is the sum of the stored
    shapes; the type and attributes are given only where the names and shapes prove them."""
    modules: dict[str, dict[str, Tensor]] = {}
    for t in tensors:
        module, _, leaf = t.name.rpartition(".")
        modules.setdefault(module, {})[leaf] = t
    _attention_owns_out_proj(modules)
    rows = tuple(_row(module or ROOT, leaves) for module, leaves in modules.items())
    name = os.path.splitext(os.path.basename(path))[0]
    return Summary(name=name, path=path, framework="pytorch", input_shape=(), rows=rows, kind="checkpoint")


def checkpoint_spec(summary: Summary, warnings: tuple[str, ...] = ()) -> ModelSpec:
    """The `ModelSpec` that stands for a file of tensors: no layers, its summary already made."""
    return ModelSpec(path=summary.path, name=summary.name, framework=summary.framework, input=None, layers=(),
                     expect=(), budget=(), where=Where(summary.path), warnings=warnings, summary=summary)


def _attention_owns_out_proj(modules: dict) -> None:
    """torch's MultiheadAttention keeps its output projection in a submodule (`out_proj`), whose
    parameters are the attention's own (module.parameters() counts them): one row for both."""
    for module in [m for m, leaves in modules.items() if "in_proj_weight" in leaves or "q_proj_weight" in leaves]:
        inner = modules.pop(f"{module}.out_proj" if module else "out_proj", {})
        modules[module].update({f"out_proj.{leaf}": t for leaf, t in inner.items()})


def _w(leaf: str, t: Tensor) -> W:
    return W(leaf, t.shape, True, DTYPES[t.dtype], t.dtype)


def _row(name: str, leaves: dict) -> Row:
    params = {leaf: t for leaf, t in leaves.items() if t.dtype in FLOATING and leaf not in _RUNNING}
    buffers = {leaf: t for leaf, t in leaves.items() if leaf not in params}
    class_name, attributes, gates = _identify(name, params, buffers)
    own = {leaf: t for leaf, t in params.items() if not t.same_as}  # a tied weight counts where it first is
    count = sum(math.prod(t.shape) for t in own.values())
    return Row(name=name, class_name=class_name, output_shape=(), params=count, trainable_params=count,
               trainable=True, weights=tuple(_w(k, t) for k, t in own.items()), children=(),
               gates=gates if len(own) == len(params) else (), line=0, attributes=attributes,
               buffers=tuple(_w(k, t) for k, t in buffers.items()),
               shared=tuple((_w(k, t), t.same_as) for k, t in params.items() if t.same_as))


def _identify(name: str, params: dict, buffers: dict) -> tuple[str, tuple, tuple]:
    """(torch class, attributes, per-gate split) that the tensors prove; ("Module", (), ()) when
    they do not say. Where several classes store the same tensors (a Linear without bias and an
    Embedding), the module's name decides (`embed` -> Embedding)."""
    shapes = {leaf: t.shape for leaf, t in params.items()}
    hint = name.rpartition(".")[2].lower()  # the module's own name: `lm_head`, not the path above it
    if shapes and all(_RECURRENT.fullmatch(k) for k in shapes):
        return _recurrent(shapes)
    if shapes and set(shapes) <= _CELL and {"weight_ih", "weight_hh"} <= set(shapes):
        return _cell(shapes)
    if "in_proj_weight" in shapes or "q_proj_weight" in shapes:
        return _attention(shapes)
    weight, bias = shapes.get("weight"), shapes.get("bias")
    running = {leaf: t.shape for leaf, t in buffers.items()}
    if not shapes and running.get("running_mean") == running.get("running_var") and len(running.get("running_mean",
                                                                                                     ())) == 1:
        return "BatchNorm", (("num_features", running["running_mean"][0]), ("affine", False)), ()  # statistics only
    if weight is None or set(shapes) - {"weight", "bias"}:
        return "Module", (), ()
    if {"running_mean", "running_var"} <= set(buffers) and len(weight) == 1 and bias in (None, weight):
        return "BatchNorm", (("num_features", weight[0]),), ()
    if bias is not None and bias == weight:
        kind = "GroupNorm" if re.search(r"group|(^|_)gn(_|\d|$)", hint) else "LayerNorm"
        return kind, ((("num_channels", weight[0]),) if kind == "GroupNorm" else (("normalized_shape", list(weight)),)), ()
    transposed = 3 <= len(weight) <= 5 and re.search(r"transpose|deconv", hint)
    if transposed and (bias is None or (len(bias) == 1 and weight[1] and bias[0] % weight[1] == 0)):
        # torch's ConvTranspose: weight (in, out / groups, *kernel), bias (out,)
        return f"ConvTranspose{len(weight) - 2}d", (("in_channels", weight[0]), ("out_channels_per_group", weight[1]),
                                                    ("kernel_size", list(weight[2:])), ("bias", bias is not None)), ()
    if bias is not None and bias != (weight[0],):
        return "Module", (), ()
    if len(weight) == 2 and bias is None and re.search(r"emb|wte|wpe|tok", hint):
        kind = "EmbeddingBag" if "bag" in hint else "Embedding"
        return kind, (("num_embeddings", weight[0]), ("embedding_dim", weight[1])), ()
    if len(weight) == 2:
        return "Linear", (("in_features", weight[1]), ("out_features", weight[0]), ("bias", bias is not None)), ()
    if len(weight) == 3 and "bilinear" in hint:
        return "Bilinear", (("in1_features", weight[1]), ("in2_features", weight[2]), ("out_features", weight[0]),
                            ("bias", bias is not None)), ()
    if 3 <= len(weight) <= 5 and not transposed:  # weight (out, in / groups, *kernel)
        return f"Conv{len(weight) - 2}d", (("out_channels", weight[0]), ("in_channels_per_group", weight[1]),
                                           ("kernel_size", list(weight[2:])), ("bias", bias is not None)), ()
    if len(weight) == 1 and bias is None:
        kind = "PReLU" if "prelu" in hint or "act" in hint else "RMSNorm"
        return kind, ((("num_parameters", weight[0]),) if kind == "PReLU" else (("normalized_shape", list(weight)),)), ()
    return "Module", (), ()


def _recurrent(shapes: dict) -> tuple[str, tuple, tuple]:
    """nn.RNN / LSTM / GRU from `weight_ih_l{k}[_reverse]`, `weight_hh_l{k}`, `weight_hr_l{k}`:
    the sizes read off layer 0, then every stored tensor checked against what torch builds for
    them (formulas.count_layer), so that a type is shown only when all of them agree."""
    ih, hh, hr = shapes.get("weight_ih_l0"), shapes.get("weight_hh_l0"), shapes.get("weight_hr_l0")
    if ih is None or hh is None or len(ih) != 2 or len(hh) != 2:
        return "Module", (), ()
    hidden = hr[1] if hr is not None and len(hr) == 2 else hh[1]
    gates, rest = divmod(hh[0], hidden) if hidden else (0, 1)
    if rest or gates not in _KINDS:
        return "Module", (), ()
    class_name, kind = _KINDS[gates]
    layers = 1 + max(int(_RECURRENT.fullmatch(k)[2]) for k in shapes)
    options = dict(bidirectional="weight_ih_l0_reverse" in shapes, use_bias="bias_ih_l0" in shapes,
                   num_layers=layers, proj_size=hr[0] if hr is not None else 0)
    try:
        expected = count_layer(kind, hidden, ih[1], framework="pytorch", **options)
    except GruParamsError:  # sizes no torch module has (a proj_size on a GRU)
        return "Module", (), ()
    if {w.name: w.shape for w in expected.weights} != shapes:
        return "Module", (), ()
    attributes = (("input_size", ih[1]), ("hidden_size", hidden), ("num_layers", layers),
                  ("bidirectional", options["bidirectional"]), ("bias", options["use_bias"]))
    if kind == "lstm":
        attributes += (("proj_size", options["proj_size"]),)
    return class_name, attributes, expected.gates


def _cell(shapes: dict) -> tuple[str, tuple, tuple]:
    """nn.RNNCell / LSTMCell / GRUCell: the tensors of a one-layer RNN without the `_l0`."""
    ih, hh = shapes["weight_ih"], shapes["weight_hh"]
    if len(ih) != 2 or len(hh) != 2 or not hh[1] or hh[0] % hh[1] or hh[0] // hh[1] not in _KINDS:
        return "Module", (), ()
    class_name, kind = _KINDS[hh[0] // hh[1]]
    expected = count_layer(kind, hh[1], ih[1], framework="pytorch", use_bias="bias_ih" in shapes)
    if {w.name.removesuffix("_l0"): w.shape for w in expected.weights} != shapes:
        return "Module", (), ()
    return (f"{class_name}Cell", (("input_size", ih[1]), ("hidden_size", hh[1]), ("bias", "bias_ih" in shapes)),
            expected.gates)


def _attention(shapes: dict) -> tuple[str, tuple, tuple]:
    """nn.MultiheadAttention: in_proj_weight (3E, E), or q/k/v_proj_weight when kdim or vdim
    differs from E, and out_proj (E, E). The number of heads is not stored."""
    out = shapes.get("out_proj.weight")
    if out is None or len(out) != 2 or out[0] != out[1]:
        return "Module", (), ()
    embed = out[0]
    if "in_proj_weight" in shapes:
        kdim = vdim = embed
        if shapes["in_proj_weight"] != (3 * embed, embed):
            return "Module", (), ()
    else:
        q, k, v = (shapes.get(f"{x}_proj_weight") for x in "qkv")
        if q != (embed, embed) or k is None or v is None or len(k) != 2 or len(v) != 2 or k[0] != embed or v[0] != embed:
            return "Module", (), ()
        kdim, vdim = k[1], v[1]
    return "MultiheadAttention", (("embed_dim", embed), ("kdim", kdim), ("vdim", vdim),
                                  ("bias", "in_proj_bias" in shapes), ("add_bias_kv", "bias_k" in shapes)), ()
