"""Random PyTorch specs, and the same models in torch summarized by real torchinfo.

Shared by `make_golden.py` (tests/golden/torchinfo_models.json) and the live tests.
"""

from __future__ import annotations

import contextlib
import functools
import io
import random
import warnings

# What torchinfo prints that does not come from the parameters: left out by gru-params.
RUN_LINES = ("Total mult-adds", "Input size (MB)", "Forward/backward pass size (MB)", "Estimated Total Size (MB)")


# The modules a random spec draws from, by the input they take (the engine must agree with
# torch on every one; see tests/test_torch_specs.py).
SEQUENCE = ["RNN", "LSTM", "GRU", "RNN", "LSTM", "GRU", "Linear", "Dropout", "LayerNorm", "RMSNorm", "Identity",
            "ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "LeakyReLU", "PReLU", "Softmax", "LogSoftmax",
            "TransformerEncoderLayer", "TransformerEncoderLayer", "TransformerEncoder", "TransformerEncoder",
            "Sequential", "Sequential"]
VECTOR = ["RNNCell", "LSTMCell", "GRUCell", "Linear", "BatchNorm1d", "PReLU", "Dropout1d", "ReLU", "Softmax",
          "TransformerEncoderLayer", "Sequential"]
CONV1D = ["Conv1d", "Conv1d", "ConvTranspose1d", "BatchNorm1d", "GroupNorm", "MaxPool1d", "AvgPool1d",
          "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "Dropout1d", "PReLU", "ReLU", "Flatten", "Unflatten"]
CONV2D = ["Conv2d", "Conv2d", "BatchNorm2d", "GroupNorm", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
          "Dropout2d", "PReLU", "GELU", "Flatten", "Unflatten", "Sequential"]
# Modules whose forward takes more than one tensor: nn.Sequential cannot run them, so torchinfo
# cannot summarize them; their cases prove counts and tensor shapes only. In a spec each takes the
# previous output as its first tensor (Bilinear's input1, MultiheadAttention's query,
# TransformerDecoderLayer's tgt); the oracle passes zeros for the others (input2; key and value of
# kdim and vdim features; a memory like tgt).
NOT_SEQUENTIAL = ("Bilinear", "MultiheadAttention", "TransformerDecoderLayer")
MAX_NESTING = 3  # Sequentials inside Sequentials: modules down to depth 4 and 5, past torchinfo's 3


def _args(rng: random.Random, kind: str, shape: list) -> dict:
    """Random arguments for `kind` on a (batch, ...) input of `shape`, by torch's names."""
    pick = rng.choice
    f = shape[-1]
    maybe = rng.random() < 0.5
    if kind in ("RNN", "LSTM", "GRU"):
        hidden = pick([2, 5, 16, 64])
        args = {"hidden_size": hidden, **({"input_size": f} if maybe else {})}
        if rng.random() < 0.4:
            args["num_layers"] = pick([2, 3])
        if rng.random() < 0.4:
            args["bidirectional"] = True
        if rng.random() < 0.2:
            args["bias"] = False
        if rng.random() < 0.5:
            args["batch_first"] = True
        if kind == "LSTM" and hidden > 2 and rng.random() < 0.3:
            args["proj_size"] = rng.randrange(1, hidden)
        return args
    if kind in ("RNNCell", "LSTMCell", "GRUCell"):
        args = {"hidden_size": pick([3, 8, 20]), **({"input_size": f} if maybe else {})}
        if rng.random() < 0.3:
            args["bias"] = False
        if kind == "RNNCell" and rng.random() < 0.3:
            args["nonlinearity"] = "relu"
        return args
    if kind == "Linear":
        return {"out_features": pick([1, 10, 32]), **({"in_features": f} if maybe else {}),
                **({"bias": False} if rng.random() < 0.2 else {})}
    if kind == "Bilinear":
        return {"in1_features": f, "in2_features": pick([2, 7]), "out_features": pick([3, 5]),
                **({"bias": False} if rng.random() < 0.3 else {})}
    if kind == "MultiheadAttention":
        args = {"embed_dim": f, "num_heads": pick(_divisors(f))}
        for key, value, chance in (("dropout", 0.1, 0.3), ("bias", False, 0.3), ("add_bias_kv", True, 0.3),
                                   ("add_zero_attn", True, 0.2), ("batch_first", True, 0.5),
                                   ("kdim", pick([2, 5, f]), 0.3), ("vdim", pick([3, 7, f]), 0.3)):
            if rng.random() < chance:
                args[key] = value
        return args
    if kind in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        args = {"d_model": f, "nhead": pick(_divisors(f)), "dim_feedforward": pick([4, 16, 32, 2048])}
        if rng.random() < 0.2:
            del args["dim_feedforward"]  # torch's 2048
        for key, value, chance in (("dropout", 0.0, 0.2), ("activation", "gelu", 0.3), ("layer_norm_eps", 1e-6, 0.2),
                                   ("batch_first", True, 0.5), ("norm_first", True, 0.4), ("bias", False, 0.3)):
            if rng.random() < chance:
                args[key] = value
        return args
    if kind in ("Dropout", "Dropout1d", "Dropout2d"):
        return {"p": 0.2} if maybe else {}
    if kind in ("LayerNorm", "RMSNorm"):
        args = {"normalized_shape": f} if maybe else {}
        if rng.random() < 0.3:
            args["elementwise_affine"] = False
        return args
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        return {**({"num_features": shape[1]} if maybe else {}), **({"affine": False} if rng.random() < 0.2 else {}),
                **({"track_running_stats": False} if rng.random() < 0.2 else {}),
                **({"bias": False} if rng.random() < 0.2 else {})}
    if kind == "GroupNorm":
        c = shape[1]
        return {"num_groups": pick([g for g in (1, 2, 3, 4) if c % g == 0]), **({"num_channels": c} if maybe else {}),
                **({"affine": False} if rng.random() < 0.2 else {}), **({"bias": False} if rng.random() < 0.2 else {})}
    if kind in ("Conv1d", "Conv2d", "ConvTranspose1d"):
        n = 2 if kind == "Conv2d" else 1
        groups = pick([g for g in (1, 1, 2) if shape[1] % g == 0])
        args = {"out_channels": groups * pick([1, 3, 4]), "kernel_size": pick([1, 2, 3] + ([[2, 3]] if n == 2 else [])),
                **({"in_channels": shape[1]} if maybe else {}), **({"groups": groups} if groups > 1 else {})}
        if rng.random() < 0.4:
            args["stride"] = pick([2, 3])
        if rng.random() < 0.4:
            args["padding"] = pick([1, 2] + (["same", "valid"] if kind != "ConvTranspose1d" and "stride" not in args
                                             else []))
        if rng.random() < 0.3:
            args["dilation"] = 2
        if rng.random() < 0.2:
            args["bias"] = False
        if kind == "ConvTranspose1d" and args.get("stride", 1) > 1 and rng.random() < 0.5:
            args["output_padding"] = 1
        return args
    if kind in ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d"):
        args = {"kernel_size": pick([2, 3])}
        if rng.random() < 0.4:
            args["stride"] = pick([1, 2])
        if rng.random() < 0.3:
            args["padding"] = 1
        if rng.random() < 0.3:
            args["ceil_mode"] = True
        if kind.startswith("Max") and rng.random() < 0.2:
            args["dilation"] = 2
        return args
    if kind in ("AdaptiveAvgPool1d", "AdaptiveMaxPool1d"):
        return {"output_size": pick([1, 2, 5])}
    if kind == "AdaptiveAvgPool2d":
        return {"output_size": pick([1, 3, [2, None], [None, 1]])}
    if kind == "Flatten":
        return {} if maybe else {"start_dim": pick([0, 1]), "end_dim": pick([-1, len(shape) - 1])}
    if kind == "Unflatten":
        size = shape[-1]
        split = next((d for d in (2, 3) if size % d == 0), 1)
        return {"dim": -1, "unflattened_size": pick([[split, -1], [split, size // split]])}
    if kind == "PReLU":
        return {"num_parameters": shape[1]} if maybe and len(shape) > 1 else {}
    if kind in ("Softmax", "LogSoftmax"):
        return {"dim": -1}
    if kind == "GELU":
        return {"approximate": "tanh"} if maybe else {}
    if kind == "LeakyReLU":
        return {"negative_slope": 0.2} if maybe else {}
    if kind == "ELU":
        return {"alpha": 0.5} if maybe else {}
    return {}


def _divisors(n: int) -> list[int]:
    return [h for h in (1, 2, 3, 4, 8) if n % h == 0]


def _draw(rng: random.Random, kind: str, pool: list, x, nesting: int = 0):
    """A random entry of `kind` that torch builds and runs on `x`: (entry, output), or None when
    torch refuses it. A Sequential holds 1 to 3 draws from `pool`; a TransformerEncoder, 1 to 3
    copies of a random encoder layer and maybe a norm."""
    if kind == "AdaptiveAvgPool2d" and x.dim() not in (3, 4):
        return None  # torch takes any rank for output_size 1 (a mean), which gru-params refuses
    if kind in ("Conv1d", "ConvTranspose1d", "Conv2d") and x.dim() != (4 if kind == "Conv2d" else 3):
        return None  # torch takes an unbatched (channels, ...) input too, which gru-params refuses
    if kind == "Sequential":
        if nesting >= MAX_NESTING:
            return None
        layers, y = [], x
        for _ in range(rng.randint(1, 3)):
            inner = rng.choice(["Sequential", "TransformerEncoder"]) if rng.random() < 0.25 else rng.choice(pool)
            drawn = _draw(rng, inner, pool, y, nesting + 1)
            if drawn is not None:
                layers.append(drawn[0])
                y = drawn[1]
        if not layers:
            return None
        args = {"layers": layers}
    elif kind == "TransformerEncoder":
        drawn = _draw(rng, "TransformerEncoderLayer", pool, x, nesting + 1)
        if drawn is None:
            return None
        args = {"encoder_layer": drawn[0], "num_layers": rng.choice([1, 2, 3])}
        f = drawn[1].shape[-1]
        norm = rng.choice([None, None, {"LayerNorm": {}}, {"LayerNorm": {"normalized_shape": f, "eps": 1e-6}},
                           {"RMSNorm": {}}, {"Linear": {"out_features": 3}}])
        if norm is not None:
            args["norm"] = norm
        if rng.random() < 0.3:
            args["enable_nested_tensor"] = False
    else:
        try:
            args = _args(rng, kind, list(x.shape))
        except IndexError:  # the input has no channel axis
            return None
    if rng.random() < (0.15 if nesting == 0 else 0.3) and kind not in NO_TRAINABLE_FLAG:
        args["trainable"] = False
    entry = {kind: args}
    try:
        _, y = _make(entry, x)
    except (RuntimeError, ValueError, IndexError, AssertionError):
        return None
    return entry, y


def random_spec(rng: random.Random, name: str) -> dict:
    """A random chain of modules torch can run one after another on a batch of 1: each
    candidate is built and run in torch, and left out if torch refuses it."""
    family = rng.choice(["sequence", "sequence", "sequence", "vector", "conv1d", "conv1d", "conv1d", "conv2d", "bag",
                         "bilinear", "attention", "decoder"])
    if family == "sequence" and rng.random() < 0.4:
        spec_input, first = [rng.choice([5, 20, 50])], {"Embedding": {"num_embeddings": rng.choice([50, 1000]),
                                                                        "embedding_dim": rng.choice([4, 8, 32])}}
    elif family == "bag":
        spec_input, first = [rng.choice([3, 10])], {"EmbeddingBag": {"num_embeddings": rng.choice([50, 1000]),
                                                                      "embedding_dim": rng.choice([4, 8, 32]),
                                                                      **({"mode": "sum"} if rng.random() < 0.3 else {})}}
    else:
        first = None
        spec_input = {"sequence": [rng.choice([4, 10, 28]), rng.choice([1, 3, 16, 28])],
                      "bilinear": [rng.choice([4, 10]), rng.choice([3, 16])],
                      "attention": [rng.choice([3, 7]), rng.choice([4, 6, 16])],
                      "decoder": rng.choice([[rng.choice([3, 7]), rng.choice([4, 6, 16])], [rng.choice([4, 8])]]),
                      "vector": [rng.choice([3, 16, 28])], "conv1d": [rng.choice([1, 2, 4]), rng.choice([8, 16, 30])],
                      "conv2d": [rng.choice([1, 2, 3]), rng.choice([6, 12]), rng.choice([5, 9])]}[family]
    pool = {"sequence": SEQUENCE, "bag": VECTOR, "vector": VECTOR, "conv1d": CONV1D, "conv2d": CONV2D,
            "bilinear": SEQUENCE, "attention": SEQUENCE, "decoder": SEQUENCE}[family]
    first_kind = {"bilinear": "Bilinear", "attention": "MultiheadAttention", "decoder": "TransformerDecoderLayer"}
    layers = [first] if first else []
    model = build({"input": spec_input, "layers": layers})
    x = model(_sample(spec_input, layers))
    for i in range(rng.randint(1, 5)):
        drawn = _draw(rng, first_kind[family] if family in first_kind and i == 0 else rng.choice(pool), pool, x)
        if drawn is not None:
            layers.append(drawn[0])
            x = drawn[1]
    if not layers:
        layers.append({"Identity": {}})
    return {"name": name, "framework": "pytorch", "input": spec_input, "layers": layers}


NO_TRAINABLE_FLAG = ("Dropout",)  # as the original generator: parameterless modules freeze nothing


def _sample(spec_input: list, layers: list):
    import torch

    first = next(iter(layers[0])) if layers else None
    if first in ("Embedding", "EmbeddingBag"):
        return torch.zeros(1, *spec_input, dtype=torch.long)
    return torch.zeros(1, *spec_input)


# The argument each module takes from its input where the spec leaves it out.
INFERRED = {**dict.fromkeys(["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"], ("input_size", -1)),
            "Linear": ("in_features", -1), "Conv1d": ("in_channels", 1), "Conv2d": ("in_channels", 1),
            "ConvTranspose1d": ("in_channels", 1), "BatchNorm1d": ("num_features", 1),
            "BatchNorm2d": ("num_features", 1), "GroupNorm": ("num_channels", 1),
            "LayerNorm": ("normalized_shape", -1), "RMSNorm": ("normalized_shape", -1)}


def _module(kind: str, args: dict, shape: list):
    import torch

    args = {k: (tuple(v) if isinstance(v, list) and k != "unflattened_size" else v) for k, v in args.items()}
    args.pop("trainable", None)
    if kind in INFERRED:
        key, axis = INFERRED[kind]
        args.setdefault(key, shape[axis])
    return getattr(torch.nn, kind)(**args)


def _run(kind: str, module, x):
    """One module on x; the other tensors of a NOT_SEQUENTIAL module are zeros."""
    import torch

    if kind == "Bilinear":
        return module(x, torch.zeros(*x.shape[:-1], module.in2_features))
    if kind == "MultiheadAttention":
        return module(x, torch.zeros(*x.shape[:-1], module.kdim), torch.zeros(*x.shape[:-1], module.vdim))
    if kind == "TransformerDecoderLayer":
        return module(x, torch.zeros_like(x))
    return module(x)


@functools.cache
def _sequential_class():
    """nn.Sequential that passes the first tensor of a tuple on (an RNN's output, LSTMCell's h),
    as torchinfo reports it; named Sequential, as torchinfo prints it."""
    import torch

    class Sequential(torch.nn.Sequential):
        def forward(self, x):
            for module in self:
                x = module(x)
                x = x[0] if isinstance(x, tuple) else x
            return x

    return Sequential


def _make(entry, x):
    """The module of one spec entry, built on the sample x and run on it: (module, output).
    `trainable: false` freezes the module and all inside it (requires_grad_(False)), after the
    modules inside it were built, frozen or not."""
    import torch

    (kind, args), = entry.items() if isinstance(entry, dict) else ((entry, {}),)
    args = args or {}
    if kind == "Sequential":
        modules = []
        for inner in args["layers"]:
            module, x = _make(inner, x)
            modules.append(module)
        module = _sequential_class()(*modules)
    elif kind == "TransformerEncoder":
        layer, y = _make(args["encoder_layer"], x)
        norm = _make(args["norm"], y)[0] if args.get("norm") else None
        rest = {k: v for k, v in args.items() if k not in ("encoder_layer", "norm", "trainable")}
        with warnings.catch_warnings():  # enable_nested_tensor is True, but self.use_nested_tensor is False ...
            warnings.simplefilter("ignore")
            module = torch.nn.TransformerEncoder(layer, norm=norm, **rest)
    else:
        module = _module(kind, args, list(x.shape))
    if not args.get("trainable", True):
        module.requires_grad_(False)
    with torch.no_grad():
        y = x if kind == "Sequential" else _run(kind, module, x)
    return module, y[0] if isinstance(y, tuple) else y


def build(spec: dict):
    """The spec's model in torch: a Sequential that passes the first tensor of a tuple on, of a
    class named by the spec's `name` (or its file's stem), as a torch user names a model's class
    and torchinfo prints it on the first row."""
    modules = []
    x = _sample(spec["input"], spec["layers"])
    for entry in spec["layers"]:
        module, x = _make(entry, x)
        modules.append(module)
    return type(spec.get("name", "Sequential"), (_sequential_class(),), {})(*modules)


def describe(spec: dict) -> dict:
    """torchinfo's summary, plain and verbose=2, without the lines that need a forward pass's
    costs; and every parameter tensor (name, shape, requires_grad). A model nn.Sequential
    cannot run (NOT_SEQUENTIAL) gets its parameters only."""
    from torchinfo import summary

    model = build(spec)
    out = {"spec": spec, "total_params": sum(p.numel() for p in model.parameters()),
           "parameters": [[n, list(p.shape), p.requires_grad] for n, p in model.named_parameters()]}
    if any(next(iter(e)) in NOT_SEQUENTIAL for e in spec["layers"]):
        return out
    x = _sample(spec["input"], spec["layers"])
    for verbose, key in ((0, "summary"), (2, "summary_expand")):
        with contextlib.redirect_stdout(io.StringIO()):  # verbose=2 also prints
            text = str(summary(model, input_data=x, verbose=verbose, depth=3))
        out[key] = "\n".join(line for line in text.splitlines() if not line.startswith(RUN_LINES)) + "\n"
    return out
