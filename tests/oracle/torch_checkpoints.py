"""Random torch models saved as checkpoints, and what torch itself says of them.

Shared by `make_golden.py checkpoints` (tests/golden/checkpoints/ and checkpoints.json) and the
live test (tests/test_live_checkpoints.py). Only this file imports torch and safetensors.

A model is plain data first (`random_model`): torch.nn modules with their arguments at dotted
paths, nested as real models nest them (`encoder.layers.0.self_attn`), plain nn.Parameters and
integer buffers on the containers, sometimes an output layer tied to an embedding, and a dtype
the whole model is cast to. `build` makes it in torch; `describe` asks torch what it made (every
count from `parameters()`, every tensor from `state_dict()` and `named_buffers()`) and saves it
four ways: torch.save (zip), torch.save(_use_new_zipfile_serialization=False) (legacy),
safetensors, and a training checkpoint {"epoch", "<key>": state_dict, "optimizer": ...}.

What a state_dict's tensors cannot tell apart, and the rule the reader documents for each (the
module's own name, the last part of its path, lower-cased, decides: `lm_head` in `decoder.lm_head`). `expected_type` states these rules; the
random names are chosen so that most modules are provable, and some are neutral on purpose so
that each fallback is asserted too:

- Linear(bias=False), Embedding and EmbeddingBag all hold one 2-D `weight`: `emb|wte|wpe|tok`
  in the path makes it an Embedding (`bag` as well: EmbeddingBag), else it is a Linear.
- BatchNorm1d and BatchNorm2d hold the same tensors: both are "BatchNorm". Without running
  statistics (track_running_stats=False) a BatchNorm is a weight and bias of one shape, as a
  LayerNorm's; with affine=False it holds its running statistics only, which are a BatchNorm's:
  "BatchNorm" with `affine` False.
- LayerNorm and GroupNorm (and BatchNorm without statistics) hold a weight and a bias of one
  shape: `group`, or `gn` as a part of the name between underscores or before a digit
  (`gn`, `conv_gn`, `gn1`), makes it a GroupNorm, else it is a LayerNorm.
- RMSNorm, LayerNorm(bias=False) and PReLU hold one 1-D `weight`: `prelu|act` makes it a PReLU,
  else it is an RMSNorm. Over several dimensions (normalized_shape (a, b)) their weight is 2-D
  or 3-D and alone, as a bias-free Linear's or Conv1d's: read as those.
- Conv and ConvTranspose have weights of one rank: `transpose|deconv` makes it a ConvTranspose,
  else a Conv. (A neutral ConvTranspose is drawn only where its tensors are a Conv's too: no bias,
  or as many output channels as input ones; a bias of another length proves it is no Conv.)
- Bilinear and Conv1d with a bias: a 3-D weight and a bias of its first size: `bilinear` makes
  it a Bilinear, else a Conv1d.
- A container's own nn.Parameter (`cls_token`) or integer buffer (`position_ids`): "Module".
- MultiheadAttention keeps its output projection in `out_proj`, a module of its own whose
  parameters `MultiheadAttention.parameters()` counts: one row for both, named by the attention.

Recurrent modules (RNN, LSTM, GRU and their cells) and MultiheadAttention are told apart by their
tensors' names and shapes alone, whatever they are called.
"""

from __future__ import annotations

import os
import random
import re

EMBEDDING_HINT = re.compile(r"emb|wte|wpe|tok")
GROUP_HINT = re.compile(r"group|(^|_)gn(_|\d|$)")
TRANSPOSED_HINT = re.compile(r"transpose|deconv")
ACTIVATION_HINT = re.compile(r"prelu|act")

DTYPES = ["float32", "float32", "float32", "float16", "bfloat16", "float64"]
MAX_PARAM_BYTES = 12_000  # an Adam checkpoint holds three times this: each file stays under 100 KB
TRAINING_KEYS = ("model", "state_dict", "model_state_dict")

# Where modules go: containers as real models name them (none holds a hint, except `embeddings`,
# which makes a bias-free Linear inside it an Embedding by the rule above)
PREFIXES = ["", "encoder", "decoder", "encoder.layers.0", "encoder.layers.1", "decoder.layers.0", "backbone",
            "backbone.stages.0", "backbone.stages.1.blocks.0", "head", "model", "embeddings", "neck"]
# Names that prove the class, and neutral ones (None: every name of the class is provable)
NAMES = {
    "RNN": (["rnn", "encoder_rnn", "recurrent"], None),
    "LSTM": (["lstm", "rnn", "bilstm"], None),
    "GRU": (["gru", "rnn", "decoder_gru"], None),
    "RNNCell": (["cell", "rnn_cell"], None),
    "LSTMCell": (["lstm_cell", "cell"], None),
    "GRUCell": (["gru_cell", "cell"], None),
    "Linear": (["fc", "fc1", "proj", "dense", "classifier", "lm_head", "q_proj", "output"], None),
    "Embedding": (["embed_tokens", "wte", "wpe", "word_embeddings", "tok_embeddings", "embedding"],
                  ["lookup", "shared", "table"]),
    "EmbeddingBag": (["embedding_bag", "emb_bag", "bag_embeddings"], ["embedding", "lookup"]),
    "Bilinear": (["bilinear", "bilinear_head"], ["pair_score"]),
    "Conv1d": (["conv", "conv1", "downsample", "temporal_conv"], None),
    "Conv2d": (["conv", "stem", "conv1", "patch_embed"], None),
    "ConvTranspose1d": (["deconv", "conv_transpose", "upsample_deconv"], ["up", "upsample"]),
    "BatchNorm1d": (["bn", "bn1", "norm", "batch_norm"], None),
    "BatchNorm2d": (["bn", "bn2", "norm", "batch_norm"], None),
    "LayerNorm": (["ln", "norm", "layer_norm", "ln_f", "final_layer_norm"], None),
    "GroupNorm": (["gn", "group_norm", "gn1"], ["norm", "res_norm"]),
    "RMSNorm": (["rms_norm", "norm", "input_layernorm"], None),
    "PReLU": (["prelu", "act", "activation"], ["nonlinearity"]),
    "MultiheadAttention": (["self_attn", "attn", "cross_attn", "attention"], None),
    "TransformerEncoderLayer": (["layer", "block", "encoder_layer"], None),
    "TransformerEncoder": (["transformer", "encoder_stack"], None),
    "TransformerDecoderLayer": (["decoder_layer", "block"], None),
}
# Each golden model holds one of these at least, in turn, so that every class and the options
# that change its tensors are in the files whatever the draws: a kind, or (kind, arguments that
# override the drawn ones)
REQUIRED = list(NAMES) + [
    "Parameter", "Buffer", "Tied",
    ("LSTM", {"hidden_size": 6, "proj_size": 2, "num_layers": 2, "bidirectional": True, "bias": False}),
    ("GRU", {"num_layers": 3, "bidirectional": True, "bias": False}),
    ("MultiheadAttention", {"embed_dim": 4, "num_heads": 2, "kdim": 3, "vdim": 5, "add_bias_kv": True, "bias": False}),
    ("LayerNorm", {"normalized_shape": [3, 4], "elementwise_affine": True, "bias": True}),
    "Tied", "Buffer"]
EXTRA = list(NAMES) + ["Parameter", "Parameter", "Buffer"]
PARAMETER_NAMES = ["scale", "cls_token", "pos_embedding", "logit_scale", "temperature", "mask_token"]


# --- drawing ---------------------------------------------------------------------------------

def random_model(rng: random.Random, name: str, required: str | tuple | None = None) -> dict:
    """A random model as plain data; redrawn until its parameters fit MAX_PARAM_BYTES."""
    while True:
        spec = _draw_model(rng, name, required or rng.choice(REQUIRED))
        if param_bytes(build(spec)) <= MAX_PARAM_BYTES:
            return spec


def _draw_model(rng: random.Random, name: str, required: str | tuple) -> dict:
    spec = {"name": name, "dtype": rng.choice(DTYPES), "modules": [], "parameters": [], "buffers": [], "tied": []}
    required, overrides = required if isinstance(required, tuple) else (required, {})
    kinds = [required] + [rng.choice(EXTRA) for _ in range(rng.randint(2, 5))]
    for i, kind in enumerate(kinds):
        if kind == "Tied":  # a language model's output layer sharing its embedding's weight
            vocab, dim = rng.randint(5, 30), rng.randint(2, 10)
            embedding = _place(rng, spec, "Embedding", ["embed_tokens", "wte"])
            _add(spec, embedding, "Embedding", {"num_embeddings": vocab, "embedding_dim": dim})
            head = _place(rng, spec, "Linear", ["lm_head", "output"])
            _add(spec, head, "Linear", {"in_features": dim, "out_features": vocab, "bias": rng.random() < 0.5})
            spec["tied"].append([head, embedding])
        elif kind == "Parameter":
            prefix = rng.choice(PREFIXES)
            shape = [rng.randint(1, 6) for _ in range(rng.randint(0, 3))]
            taken = {p["name"] for p in spec["parameters"] if p["path"] == prefix}
            names = [n for n in PARAMETER_NAMES if n not in taken]
            if names and _free(spec, prefix):
                spec["parameters"].append({"path": prefix, "name": rng.choice(names), "shape": shape})
        elif kind == "Buffer":  # as BERT's embeddings.position_ids, or a boolean mask
            prefix = rng.choice(["embeddings", "encoder", "", "model"])
            taken = {b["name"] for b in spec["buffers"] if b["path"] == prefix}
            name, dtype = rng.choice([("position_ids", "int64"), ("token_type_ids", "int64"), ("mask", "bool")])
            if name not in taken and _free(spec, prefix):
                spec["buffers"].append({"path": prefix, "name": name, "shape": [1, rng.randint(2, 12)],
                                        "dtype": dtype})
        else:
            provable, neutral = NAMES[kind]
            names = neutral if neutral and rng.random() < 0.3 else provable
            path = _place(rng, spec, kind, names)
            _add(spec, path, kind, {**_args(rng, kind, neutral_name=names is neutral), **(overrides if i == 0 else {})})
    return spec


def _add(spec: dict, path: str, kind: str, args: dict) -> None:
    spec["modules"].append({"path": path, "class": kind, "args": args})


def _place(rng: random.Random, spec: dict, kind: str, names: list) -> str:
    """A path for a new module: a container and a name, neither clashing with what is there."""
    for _ in range(100):
        prefix = rng.choice(PREFIXES)
        path = f"{prefix}.{rng.choice(names)}" if prefix else rng.choice(names)
        containers = [x["path"] for x in spec["parameters"] + spec["buffers"] if x["path"]]
        if (_free(spec, prefix) and all(not _overlaps(path, p) for p in _paths(spec))
                and all(not _overlaps(path, c) for c in containers)):
            return path
    raise RuntimeError(f"no free path for {kind} in {spec['name']}")


def _paths(spec: dict) -> list[str]:
    return [m["path"] for m in spec["modules"]]


def _overlaps(a: str, b: str) -> bool:
    """One path is the other, or inside it."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _free(spec: dict, prefix: str) -> bool:
    """`prefix` is a container (or the root): no module drawn is at it or holds it."""
    return all(prefix != p and not prefix.startswith(p + ".") for p in _paths(spec))


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _args(rng: random.Random, kind: str, neutral_name: bool = False) -> dict:
    """Random arguments for torch.nn.`kind`, small enough that a model stays under a few KB."""
    r, size = rng.random, rng.randint
    if kind in ("RNN", "LSTM", "GRU"):
        hidden = size(1, 10)
        args = {"input_size": size(1, 10), "hidden_size": hidden, "num_layers": rng.choice([1, 1, 2, 3]),
                "bidirectional": r() < 0.4, "bias": r() < 0.75}
        if kind == "LSTM" and hidden > 1 and r() < 0.35:
            args["proj_size"] = size(1, hidden - 1)
        if kind == "RNN" and r() < 0.3:
            args["nonlinearity"] = "relu"
        return args
    if kind in ("RNNCell", "LSTMCell", "GRUCell"):
        return {"input_size": size(1, 10), "hidden_size": size(1, 12), "bias": r() < 0.7}
    if kind == "Linear":
        return {"in_features": size(1, 16), "out_features": size(1, 16), "bias": r() < 0.7}
    if kind == "Embedding":
        return {"num_embeddings": size(3, 40), "embedding_dim": size(2, 12),
                **({"padding_idx": 0} if r() < 0.3 else {})}
    if kind == "EmbeddingBag":
        return {"num_embeddings": size(3, 40), "embedding_dim": size(2, 12), "mode": rng.choice(["mean", "sum", "max"])}
    if kind == "Bilinear":
        return {"in1_features": size(1, 6), "in2_features": size(1, 6), "out_features": size(1, 5), "bias": r() < 0.7}
    if kind in ("Conv1d", "Conv2d", "ConvTranspose1d"):
        groups = rng.choice([1, 1, 2, 3])
        args = {"in_channels": groups * size(1, 4), "out_channels": groups * size(1, 4),
                "kernel_size": size(1, 5) if kind != "Conv2d" else [size(1, 3), size(1, 3)],
                "groups": groups, "bias": r() < 0.7}
        if kind == "ConvTranspose1d" and neutral_name and args["bias"]:
            args["out_channels"] = args["in_channels"]  # else its bias proves it is no Conv1d
        return args
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        roll = r()
        return {"num_features": size(1, 16), "affine": roll >= 0.15, "track_running_stats": not 0.15 <= roll < 0.25}
    if kind == "LayerNorm":
        shape = [size(2, 16)] if r() < 0.7 else [size(2, 4), size(2, 6)]
        roll = r()
        return {"normalized_shape": shape, "elementwise_affine": roll >= 0.1, "bias": roll >= 0.35}
    if kind == "GroupNorm":
        groups = rng.choice([1, 2, 4])
        return {"num_groups": groups, "num_channels": groups * size(1, 4), "affine": r() >= 0.1}
    if kind == "RMSNorm":
        shape = [size(2, 16)] if r() < 0.75 else [size(2, 4), size(2, 5)]
        return {"normalized_shape": shape, "elementwise_affine": r() >= 0.1}
    if kind == "PReLU":
        return {"num_parameters": rng.choice([1, size(2, 16)])}
    if kind == "MultiheadAttention":
        embed = rng.choice([2, 4, 6, 8])
        args = {"embed_dim": embed, "num_heads": rng.choice(_divisors(embed))}
        for key, value, chance in (("bias", False, 0.3), ("add_bias_kv", True, 0.3), ("kdim", size(1, 8), 0.35),
                                   ("vdim", size(1, 8), 0.35), ("add_zero_attn", True, 0.2)):
            if r() < chance:
                args[key] = value
        return args
    if kind in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        d_model = rng.choice([2, 4, 6])
        return {"d_model": d_model, "nhead": rng.choice(_divisors(d_model)), "dim_feedforward": size(2, 8),
                "bias": r() < 0.75, "norm_first": r() < 0.5, "batch_first": True}
    if kind == "TransformerEncoder":
        return {"layer": _args(rng, "TransformerEncoderLayer"), "num_layers": rng.choice([1, 2]), "norm": r() < 0.5}
    raise ValueError(f"no arguments for {kind}")


# --- building ---------------------------------------------------------------------------------

def build(spec: dict):
    """The model in torch, cast to its dtype, weights seeded (their values do not matter)."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    root = nn.Module()
    for m in spec["modules"]:
        parent, leaf = _container(root, m["path"])
        parent.add_module(leaf, _module(m["class"], m["args"]))
    for p in spec["parameters"]:
        owner = _container(root, f"{p['path']}.x" if p["path"] else "x")[0]
        owner.register_parameter(p["name"], nn.Parameter(torch.randn(p["shape"])))
    for b in spec["buffers"]:
        owner = _container(root, f"{b['path']}.x" if b["path"] else "x")[0]
        owner.register_buffer(b["name"], torch.zeros(b["shape"], dtype=getattr(torch, b["dtype"])))
    for head, embedding in spec["tied"]:
        root.get_submodule(head).weight = root.get_submodule(embedding).weight
    return root.to(getattr(torch, spec["dtype"]))


def _container(root, path: str):
    """The module that holds `path` (made on the way as plain nn.Modules), and its last name."""
    from torch import nn

    *parents, leaf = path.split(".")
    module = root
    for name in parents:
        if not hasattr(module, name):
            module.add_module(name, nn.Module())
        module = getattr(module, name)
    return module, leaf


def _module(kind: str, args: dict):
    from torch import nn

    if kind == "TransformerEncoder":
        layer = nn.TransformerEncoderLayer(**args["layer"])
        norm = nn.LayerNorm(args["layer"]["d_model"]) if args["norm"] else None
        return nn.TransformerEncoder(layer, args["num_layers"], norm=norm, enable_nested_tensor=False)
    return getattr(nn, kind)(**args)


def param_bytes(model) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


# --- what torch says ----------------------------------------------------------------------------

def describe(spec: dict, folder=None, index: int = 0) -> dict:
    """What torch says of the model (its totals, and a row per module path that owns tensors of
    the state_dict), with the files it was saved as when `folder` is given."""
    import torch
    from torch import nn

    model = build(spec)
    state = model.state_dict()
    modules = dict(model.named_modules(remove_duplicate=False))
    buffers = {name for name, _ in model.named_buffers(remove_duplicate=False)}
    parameters = dict(model.named_parameters(remove_duplicate=False))
    first: dict[int, str] = {}  # a tied parameter (one Parameter under two names): the name it first has
    rows: dict[str, dict] = {}
    for key, tensor in state.items():
        path, _, leaf = key.rpartition(".")
        parent, _, last = path.rpartition(".")
        if last == "out_proj" and isinstance(modules[parent], nn.MultiheadAttention):
            path, leaf = parent, f"out_proj.{leaf}"  # MultiheadAttention.parameters() counts it
        if path not in rows:
            rows[path] = _row(path, modules[path])
        owner = first.setdefault(id(parameters[key]), key) if key in parameters else key
        rows[path]["tensors"].append({"name": leaf, "shape": list(tensor.shape), "dtype": _dtype(tensor.dtype),
                                      "buffer": key in buffers, **({"same_as": owner} if owner != key else {})})
        if owner != key:  # parameters() counts a tied tensor once: in the row that first holds it
            rows[path]["params"] -= tensor.numel()
    case = {
        "name": spec["name"], "spec": spec, "dtype": spec["dtype"],
        "total_params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "params_bytes": param_bytes(model),
        "param_dtypes": sorted({_dtype(p.dtype) for p in model.parameters()}),
        "tied": [[f"{head}.weight", f"{embedding}.weight"] for head, embedding in spec["tied"]],
        "rows": list(rows.values()),
        "torch": torch.__version__,
    }
    if folder is not None:
        case["files"] = save(model, spec, folder, index)
    return case


def _row(path: str, module) -> dict:
    from torch import nn

    params = sum(p.numel() for p in module.parameters(recurse=False))
    if isinstance(module, nn.MultiheadAttention):
        params += sum(p.numel() for p in module.out_proj.parameters())
    kind, attributes = expected_type(module, path)
    # params: what parameters() counts in this row, a tied tensor only where the state_dict first
    # has it; module_params: the module's own, tied tensors included
    row = {"name": path or "(root)", "class": type(module).__name__, "type": kind, "params": params,
           "module_params": params, "attributes": attributes, "tensors": []}
    if type(module).__name__ in GATES:
        row["gates"] = _gates(module)
    return row


# torch's gate order: the blocks of rows of weight_ih, weight_hh, bias_ih and bias_hh
# (nn.LSTM's docs: W_ii|W_if|W_ig|W_io; nn.GRU's: W_ir|W_iz|W_in; nn.RNN's: one block)
GATES = {"RNN": "h", "LSTM": "ifgo", "GRU": "rzn", "RNNCell": "h", "LSTMCell": "ifgo", "GRUCell": "rzn"}


def _gates(module) -> list:
    """[gate, layer, direction, params] in torch's order: each layer, forward then backward, each
    gate's block of rows of its layer's tensors (an LSTM's projection weight_hr is no gate's)."""
    gates = GATES[type(module).__name__]
    layers = getattr(module, "num_layers", 1)
    directions = ["forward", "backward"] if getattr(module, "bidirectional", False) else [""]
    out = []
    for layer in range(layers):
        for direction in directions:
            suffix = "" if not hasattr(module, "num_layers") else f"_l{layer}" + ("_reverse" if direction == "backward"
                                                                                   else "")
            tensors = [getattr(module, f"{name}{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                       if getattr(module, f"{name}{suffix}", None) is not None]
            for j, gate in enumerate(gates):
                out.append([gate, layer, direction, sum(t.chunk(len(gates), 0)[j].numel() for t in tensors)])
    return out


def _dtype(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def expected_type(module, path: str) -> tuple[str, dict | None]:
    """The type the reader must give a module of torch class `type(module)` at `path`, by the
    rules in this file's docstring; and its attributes as torch has them when the type is the
    module's own class (None when the tensors say another class: its attributes are not checked)."""
    from torch import nn

    hint = path.rpartition(".")[2].lower()
    cls = type(module).__name__
    if isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        attributes = {"input_size": module.input_size, "hidden_size": module.hidden_size,
                      "num_layers": module.num_layers, "bidirectional": module.bidirectional, "bias": module.bias}
        return cls, {**attributes, "proj_size": module.proj_size} if cls == "LSTM" else attributes
    if isinstance(module, (nn.RNNCell, nn.LSTMCell, nn.GRUCell)):
        return cls, {"input_size": module.input_size, "hidden_size": module.hidden_size, "bias": module.bias}
    if isinstance(module, nn.MultiheadAttention):
        return cls, {"embed_dim": module.embed_dim, "kdim": module.kdim, "vdim": module.vdim,
                     "bias": module.in_proj_bias is not None, "add_bias_kv": module.bias_k is not None}
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if not module.affine:  # running statistics only
            return ("BatchNorm", {"num_features": module.num_features, "affine": False}) if module.track_running_stats \
                else ("Module", {})
        if not module.track_running_stats:
            return _weight_and_bias(hint), None
        return "BatchNorm", {"num_features": module.num_features}
    if isinstance(module, nn.LayerNorm):
        shape = list(module.normalized_shape)
        if module.bias is not None:
            kind = _weight_and_bias(hint)
            return kind, {"normalized_shape": shape} if kind == cls else None
        return _weight_alone(hint, shape, cls, {"normalized_shape": shape})
    if isinstance(module, nn.GroupNorm):
        kind = _weight_and_bias(hint)
        return kind, {"num_channels": module.num_channels} if kind == cls else None
    if isinstance(module, nn.RMSNorm):
        shape = list(module.normalized_shape)
        return _weight_alone(hint, shape, cls, {"normalized_shape": shape})
    if isinstance(module, nn.PReLU):
        return _weight_alone(hint, [module.num_parameters], cls, {"num_parameters": module.num_parameters})
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
        return _weight_alone(hint, [module.num_embeddings, module.embedding_dim], cls,
                             {"num_embeddings": module.num_embeddings, "embedding_dim": module.embedding_dim})
    if isinstance(module, nn.Linear):  # NonDynamicallyQuantizableLinear too, outside an attention
        attributes = {"in_features": module.in_features, "out_features": module.out_features,
                      "bias": module.bias is not None}
        if module.bias is not None:
            return "Linear", attributes
        return _weight_alone(hint, list(module.weight.shape), "Linear", attributes)
    if isinstance(module, nn.Bilinear):
        attributes = {"in1_features": module.in1_features, "in2_features": module.in2_features,
                      "out_features": module.out_features, "bias": module.bias is not None}
        if module.bias is None:
            return _weight_alone(hint, list(module.weight.shape), cls, attributes)
        return ("Bilinear", attributes) if "bilinear" in hint else (_conv_kind(hint, 3), None)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
        kind = _conv_kind(hint, module.weight.dim())
        if kind != cls:
            return kind, None
        bias, kernel = module.bias is not None, list(module.kernel_size)
        if module.transposed:
            return kind, {"in_channels": module.in_channels, "out_channels_per_group": module.out_channels //
                          module.groups, "kernel_size": kernel, "bias": bias}
        return kind, {"out_channels": module.out_channels, "in_channels_per_group": module.in_channels // module.groups,
                      "kernel_size": kernel, "bias": bias}
    if type(module) is nn.Module:  # a container's own nn.Parameter or buffer
        return "Module", {}
    raise ValueError(f"no expected type for torch.nn.{cls} at {path!r}: add it to expected_type")


def _weight_and_bias(hint: str) -> str:
    """A weight and a bias of one shape: a norm's."""
    return "GroupNorm" if GROUP_HINT.search(hint) else "LayerNorm"


def _conv_kind(hint: str, rank: int) -> str:
    return f"{'ConvTranspose' if TRANSPOSED_HINT.search(hint) else 'Conv'}{rank - 2}d"


def _weight_alone(hint: str, shape: list, cls: str, attributes: dict) -> tuple[str, dict | None]:
    """A module that holds one `weight` of `shape` and nothing else, by its rank and the hint."""
    if len(shape) == 1:
        kind = "PReLU" if ACTIVATION_HINT.search(hint) else "RMSNorm"
    elif len(shape) == 2:
        kind = ("EmbeddingBag" if "bag" in hint else "Embedding") if EMBEDDING_HINT.search(hint) else "Linear"
    elif len(shape) == 3 and "bilinear" in hint:
        kind = "Bilinear"
    else:
        kind = _conv_kind(hint, len(shape))
    return kind, attributes if kind == cls else None


# --- saving ---------------------------------------------------------------------------------------

def save(model, spec: dict, folder, index: int) -> dict:
    """The model saved four ways in `folder`; the files' names, and the entry of the training
    checkpoint that holds the state_dict."""
    import safetensors.torch
    import torch

    stem = spec["name"]
    files = {"zip": f"{stem}{'.pt' if index % 2 == 0 else '.bin'}", "legacy": f"{stem}_legacy.pth",
             "safetensors": f"{stem}.safetensors", "training": f"{stem}_train.ckpt"}
    path = lambda key: os.path.join(folder, files[key])  # noqa: E731
    torch.save(model.state_dict(), path("zip"))
    torch.save(model.state_dict(), path("legacy"), _use_new_zipfile_serialization=False)
    # safetensors refuses tensors that share memory; save_model keeps one name of each tied
    # weight and records the others in the file's metadata, as transformers does
    safetensors.torch.save_model(model, path("safetensors"))
    key = TRAINING_KEYS[index % len(TRAINING_KEYS)]
    torch.save({"epoch": index + 1, key: model.state_dict(), "optimizer": _optimizer_state(model)}, path("training"))
    from safetensors import safe_open

    with safe_open(path("safetensors"), "pt") as f:
        kept, metadata = list(f.keys()), f.metadata() or {}
    return {**files, "training_key": key, "safetensors_keys": kept, "safetensors_metadata": metadata}


def save_whole_models(folder) -> list[str]:
    """What users save by mistake: a whole nn.Module pickled by torch.save(model), zip and legacy.
    Their pickles name torch.nn classes; a reader must refuse them without running them."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(7, 3), nn.GRU(3, 4, batch_first=True))
    names = ["whole_model.pt", "whole_model_legacy.pth"]
    torch.save(model, os.path.join(folder, names[0]))
    torch.save(model, os.path.join(folder, names[1]), _use_new_zipfile_serialization=False)
    return names


def _optimizer_state(model) -> dict:
    """Adam's state_dict after one step: its `state` holds two tensors per parameter."""
    import torch

    optimizer = torch.optim.Adam(model.parameters(), foreach=False)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    return optimizer.state_dict()
