"""What a training step keeps for backward: the tensors autograd saves, measured in real torch.

    .venv/bin/python -m tests.oracle.activations

writes tests/golden/activations.json: PyTorch specs (single modules and small stacks), each run
once in training mode on a float32 batch of `batch` samples of the spec's per-sample `input`
(the real input is (batch, *input), as torch_models._sample builds it with a batch of 1), with
what `torch.autograd.graph.saved_tensors_hooks` sees saved:

- `saved_bytes`: the bytes of every distinct storage saved (counted once, by
  `untyped_storage().data_ptr()`, at the storage's full size: a saved view keeps its whole
  storage alive), leaving out the parameters and buffers of the model (a saved weight or running
  mean is not an activation). A tensor saved on a branch the forward pass drops again (a graph
  node freed before the pass ends) is not counted: only what the output's graph still holds.
- `rows`: the same bytes per top-level module ("0", "1", ... as nn.Sequential names them), each
  storage to the module that was running when it was first saved (forward pre/post hooks). A
  module's output that the next module saves (a Linear saves its input) is the next module's.
- `int_bytes`: the part of `saved_bytes` in integer or bool storages (Embedding's indices,
  MaxPool's argmax indices). Dropout's mask is not one: on CPU torch keeps it as float32.
- `workspace_bytes`: the part in uint8 storages (the oneDNN LSTM kernel's workspace), when not 0.
- `input_requires_grad`: the input requires grad only where the model has no trainable
  parameter (else nothing would be saved at all), as a training step's data never does.
- `seq_len`: the spec input's time axis (input[0] of a (T, F) input or of Embedding's (T)
  indices, L of a (C, L) one), 1 where there is none. An RNN with batch_first false reads (batch, T, F) as torch does: its
  time axis is then the batch axis.
- `no_onednn`: for a model with an LSTM, the same measures with
  `torch.backends.mkldnn.flags(enabled=False)` (torch's cell-by-cell LSTM); the main figures are
  the default run (oneDNN on, its fused `mkldnn_rnn_layer`), what a CPU user gets.

`saved_bytes(module, x)` is the measurement, importable for live tests.
"""

from __future__ import annotations

import json
import random
import sys
import warnings
import weakref
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import frameworks, torch_models  # noqa: E402

SEED = 20261124
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
OUT = GOLDEN / "activations.json"


class _Held:
    """What the pack hook hands autograd: the tensor itself (so memory is as without hooks),
    in an object a weak reference can watch, to tell a node still in the graph from a freed one."""

    __slots__ = ("t", "__weakref__")

    def __init__(self, t):
        self.t = t


def saved_bytes(module, x, run=None) -> dict:
    """The tensors one training-mode forward pass of `module` on `x` saves for backward.

    `run(module, x)` runs it (`module(x)` by default; a tuple's first tensor is the output).
    Returns {"saved_bytes", "rows", "int_bytes", "workspace_bytes", "input_requires_grad"}: rows
    by top-level child name ("" for what the module saves outside any child)."""
    import torch

    module.train()
    excluded = {t.untyped_storage().data_ptr() for t in (*module.parameters(), *module.buffers())}
    needs_input_grad = x.is_floating_point() and not any(p.requires_grad for p in module.parameters())
    x = x.detach().requires_grad_(needs_input_grad)
    running: list[str] = []
    saved: list[tuple] = []  # (weak ref to the holder, storage pointer, bytes, dtype, row)
    handles = []
    for name, child in module.named_children():
        handles.append(child.register_forward_pre_hook(lambda m, a, name=name: running.append(name)))
        handles.append(child.register_forward_hook(lambda m, a, o: running.pop() and None))  # None: keep o

    def pack(t):
        held = _Held(t)
        storage = t.untyped_storage()
        saved.append((weakref.ref(held), storage.data_ptr(), storage.nbytes(), t.dtype,
                      running[-1] if running else ""))
        return held

    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda held: held.t):
            y = run(module, x) if run else module(x)
    finally:
        for h in handles:
            h.remove()
    rows = {name: 0 for name, _ in module.named_children()}
    total = ints = workspace = 0
    seen = set()
    for ref, ptr, nbytes, dtype, row in saved:
        if ref() is None or ptr in excluded or ptr in seen or (ptr == 0 and nbytes == 0):
            continue
        seen.add(ptr)
        rows[row] = rows.get(row, 0) + nbytes
        total += nbytes
        if dtype == torch.uint8:
            workspace += nbytes
        elif not dtype.is_floating_point and not dtype.is_complex:
            ints += nbytes
    del y
    return {"saved_bytes": total, "rows": rows, "int_bytes": ints, "workspace_bytes": workspace,
            "input_requires_grad": needs_input_grad}


def _has(layers: list, kind: str) -> bool:
    return kind in json.dumps(layers)


def _run_spec(model, x):
    """The spec's modules one after another, each on the previous output's first tensor, the
    other tensors of a NOT_SEQUENTIAL module made as torch_models makes them."""
    for module, entry in zip(model, model.spec_layers):
        kind = next(iter(entry)) if isinstance(entry, dict) else entry
        x = torch_models._run(kind, module, x)
        x = x[0] if isinstance(x, tuple) else x
    return x


def _build(spec: dict, x):
    """torch_models.build on the real batch (BatchNorm refuses a batch of one in training)."""
    modules, y = [], x
    for entry in spec["layers"]:
        module, y = torch_models._make(entry, y)
        modules.append(module)
    model = torch_models._sequential_class()(*modules)
    model.spec_layers = spec["layers"]
    return model


def measure(spec: dict, batch: int, seq_len: int) -> dict:
    """One case: the spec built as torch_models builds it, measured on a batch of `batch`."""
    import torch

    torch.manual_seed(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = next(iter(spec["layers"][0]))
        if first in ("Embedding", "EmbeddingBag"):
            num = spec["layers"][0][first]["num_embeddings"]
            x = torch.randint(0, num, (batch, *spec["input"]))
        else:
            x = torch.randn(batch, *spec["input"])
        model = _build(spec, x)
        out = {"name": spec["name"], "spec": spec, "batch": batch, "seq_len": seq_len}
        got = saved_bytes(model, x, _run_spec)
        out.update(got)
        if not out["workspace_bytes"]:
            del out["workspace_bytes"]
        if _has(spec["layers"], "LSTM"):
            with torch.backends.mkldnn.flags(enabled=False):
                plain = saved_bytes(model, x, _run_spec)
            out["no_onednn"] = {k: plain[k] for k in ("saved_bytes", "rows", "int_bytes", "workspace_bytes")}
    return out


def _spec(name: str, spec_input: list, *layers) -> dict:
    return {"name": name, "framework": "pytorch", "input": spec_input, "layers": list(layers)}


def cases() -> list[tuple[dict, int, int]]:
    """(spec, batch, seq_len): every kind alone, on a few sizes, then small stacks."""
    out = []

    def add(name, spec_input, layers, batch, seq_len=None):
        seq_len = _seq_len(spec_input, layers) if seq_len is None else seq_len
        out.append((_spec(name, spec_input, *layers), batch, seq_len))

    # Linear: on a (B, F) vector and a (B, T, F) sequence
    add("linear_vec", [16], [{"Linear": {"out_features": 10}}], 4)
    add("linear_vec_wide", [3], [{"Linear": {"out_features": 32, "bias": False}}], 8)
    add("linear_seq", [20, 16], [{"Linear": {"out_features": 32}}], 2)
    add("linear_seq_long", [50, 8], [{"Linear": {"out_features": 1}}], 8)
    # recurrent modules: (T, F) inputs, read as (B, T, F); batch_first false makes B the time axis
    rnn_cases = [
        ("RNN", {"hidden_size": 16, "batch_first": True}, [20, 8], 4),
        ("RNN", {"hidden_size": 16}, [20, 8], 4),
        ("RNN", {"hidden_size": 32, "num_layers": 2, "batch_first": True}, [10, 16], 2),
        ("RNN", {"hidden_size": 8, "bidirectional": True, "batch_first": True, "nonlinearity": "relu"}, [30, 4], 3),
        ("RNN", {"hidden_size": 5, "num_layers": 3, "bias": False, "batch_first": True}, [7, 3], 1),
        ("GRU", {"hidden_size": 16, "batch_first": True}, [20, 8], 4),
        ("GRU", {"hidden_size": 16}, [20, 8], 4),
        ("GRU", {"hidden_size": 64, "batch_first": True}, [50, 32], 8),
        ("GRU", {"hidden_size": 32, "num_layers": 2, "bidirectional": True, "batch_first": True}, [10, 16], 2),
        ("GRU", {"hidden_size": 5, "num_layers": 3, "bias": False, "batch_first": True}, [1, 3], 1),
        ("GRU", {"hidden_size": 2, "batch_first": True}, [28, 28], 5),
        ("LSTM", {"hidden_size": 16, "batch_first": True}, [20, 8], 4),
        ("LSTM", {"hidden_size": 16}, [20, 8], 4),
        ("LSTM", {"hidden_size": 64, "batch_first": True}, [50, 32], 8),
        ("LSTM", {"hidden_size": 128, "batch_first": True}, [40, 64], 8),
        ("LSTM", {"hidden_size": 64, "batch_first": True}, [40, 200], 4),
        ("LSTM", {"hidden_size": 32, "num_layers": 2, "bidirectional": True, "batch_first": True}, [10, 16], 2),
        ("LSTM", {"hidden_size": 64, "num_layers": 3, "batch_first": True}, [25, 32], 4),
        ("LSTM", {"hidden_size": 5, "num_layers": 2, "bias": False, "batch_first": True}, [3, 7], 1),
        ("LSTM", {"hidden_size": 16, "proj_size": 4, "batch_first": True}, [20, 8], 4),
        ("LSTM", {"hidden_size": 32, "proj_size": 8, "num_layers": 2, "bidirectional": True, "batch_first": True},
         [12, 6], 3),
        ("LSTM", {"hidden_size": 2, "batch_first": True}, [1, 1], 1),
        ("LSTM", {"hidden_size": 256, "bidirectional": True, "batch_first": True}, [30, 16], 2),
    ]
    for i, (kind, args, spec_input, batch) in enumerate(rnn_cases):
        add(f"{kind.lower()}_{i:02d}", spec_input, [{kind: args}], batch)
    # convolutions and pooling: (C, L) and (C, H, W) inputs
    add("conv1d", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}], 4)
    add("conv1d_stride", [2, 50], [{"Conv1d": {"out_channels": 6, "kernel_size": 5, "stride": 2, "padding": 2}}], 8)
    add("conv1d_groups", [4, 16], [{"Conv1d": {"out_channels": 4, "kernel_size": 3, "groups": 2, "bias": False}}], 2)
    add("conv1d_first_frozen", [4, 16], [{"Conv1d": {"out_channels": 8, "kernel_size": 3, "trainable": False}},
                                         {"Linear": {"out_features": 3}}], 2)
    add("convtranspose1d", [4, 20], [{"ConvTranspose1d": {"out_channels": 3, "kernel_size": 3, "stride": 2}}], 4)
    add("convtranspose1d_b1", [8, 10], [{"ConvTranspose1d": {"out_channels": 8, "kernel_size": 2}}], 1)
    add("conv2d", [3, 12, 9], [{"Conv2d": {"out_channels": 4, "kernel_size": 3}}], 4)
    add("conv2d_pad", [1, 28, 28], [{"Conv2d": {"out_channels": 8, "kernel_size": [2, 3], "padding": 1}}], 2)
    add("maxpool1d", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}, {"MaxPool1d": {"kernel_size": 2}}], 4)
    add("maxpool1d_alone", [4, 30], [{"MaxPool1d": {"kernel_size": 3, "stride": 1}}], 2)
    add("avgpool1d", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}, {"AvgPool1d": {"kernel_size": 2}}], 4)
    conv2d = {"Conv2d": {"out_channels": 4, "kernel_size": 3}}
    add("maxpool2d", [3, 12, 12], [conv2d, {"MaxPool2d": {"kernel_size": 2}}], 2)
    add("avgpool2d", [3, 12, 12], [conv2d, {"AvgPool2d": {"kernel_size": 2}}], 2)
    add("adaptiveavgpool1d", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}},
                                      {"AdaptiveAvgPool1d": {"output_size": 1}}], 4)
    add("adaptivemaxpool1d", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}},
                                      {"AdaptiveMaxPool1d": {"output_size": 5}}], 4)
    add("adaptiveavgpool2d", [3, 12, 12], [{"Conv2d": {"out_channels": 4, "kernel_size": 3}},
                                          {"AdaptiveAvgPool2d": {"output_size": 3}}], 2)
    # normalization
    add("layernorm", [20, 16], [{"LayerNorm": {}}], 4)
    add("layernorm_no_affine", [20, 16],
        [{"Linear": {"out_features": 16}}, {"LayerNorm": {"elementwise_affine": False}}], 4)
    add("rmsnorm", [20, 16], [{"Linear": {"out_features": 16}}, {"RMSNorm": {}}], 4)
    add("batchnorm1d_vec", [16], [{"BatchNorm1d": {}}], 8)
    add("batchnorm1d_seq", [8, 30], [{"BatchNorm1d": {}}], 4)
    add("batchnorm2d", [3, 12, 9], [{"Conv2d": {"out_channels": 4, "kernel_size": 3}}, {"BatchNorm2d": {}}], 4)
    add("groupnorm", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}, {"GroupNorm": {"num_groups": 2}}], 4)
    # embedding
    add("embedding", [20], [{"Embedding": {"num_embeddings": 1000, "embedding_dim": 32}}], 4)
    add("embedding_linear", [50], [{"Embedding": {"num_embeddings": 50, "embedding_dim": 8}},
                                   {"Linear": {"out_features": 4}}], 8)
    add("embeddingbag", [10], [{"EmbeddingBag": {"num_embeddings": 50, "embedding_dim": 8}}], 4, 1)
    # elementwise: alone (the input then requires grad) and after a Linear
    for kind in ("ReLU", "Tanh", "GELU", "Sigmoid", "SiLU", "ELU", "LeakyReLU", "Softmax", "LogSoftmax", "PReLU"):
        args = {"dim": -1} if "Softmax" in kind else {}
        add(f"{kind.lower()}_alone", [20, 16], [{kind: args}], 4)
        add(f"linear_{kind.lower()}", [10, 8], [{"Linear": {"out_features": 12}}, {kind: args}], 2)
    add("gelu_tanh", [10, 8], [{"Linear": {"out_features": 12}}, {"GELU": {"approximate": "tanh"}}], 2)
    add("dropout_alone", [20, 16], [{"Dropout": {}}], 4)
    add("linear_dropout", [10, 8], [{"Linear": {"out_features": 12}}, {"Dropout": {"p": 0.2}}], 2)
    add("dropout1d", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}, {"Dropout1d": {}}], 4)
    add("dropout2d", [3, 12, 9], [{"Conv2d": {"out_channels": 4, "kernel_size": 3}}, {"Dropout2d": {}}], 2)
    add("flatten", [4, 30], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}, {"Flatten": {}},
                             {"Linear": {"out_features": 2}}], 4)
    add("identity_unflatten", [10, 12], [{"Linear": {"out_features": 12}}, {"Identity": {}},
                                         {"Unflatten": {"dim": -1, "unflattened_size": [3, 4]}}], 2)
    # attention
    add("mha_self", [10, 16], [{"MultiheadAttention": {"embed_dim": 16, "num_heads": 4, "batch_first": True}}], 4)
    add("mha_seq_first", [10, 16], [{"MultiheadAttention": {"embed_dim": 16, "num_heads": 2}}], 4)
    add("mha_dropout", [20, 8], [{"MultiheadAttention": {"embed_dim": 8, "num_heads": 2, "dropout": 0.1,
                                                         "batch_first": True}}], 2)
    add("mha_kdim", [7, 6], [{"MultiheadAttention": {"embed_dim": 6, "num_heads": 3, "kdim": 5, "vdim": 3,
                                                     "batch_first": True, "bias": False}}], 3)
    add("mha_bias_kv", [7, 6], [{"MultiheadAttention": {"embed_dim": 6, "num_heads": 2, "add_bias_kv": True,
                                                        "add_zero_attn": True, "batch_first": True}}], 3)
    add("mha_long", [50, 16], [{"MultiheadAttention": {"embed_dim": 16, "num_heads": 8, "batch_first": True}}], 8)
    tel = [({"d_model": 16, "nhead": 4, "dim_feedforward": 32, "batch_first": True}, [10, 16], 4),
           ({"d_model": 16, "nhead": 2, "dim_feedforward": 32}, [10, 16], 4),
           ({"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0, "batch_first": True}, [20, 8], 2),
           ({"d_model": 8, "nhead": 2, "dim_feedforward": 16, "norm_first": True, "activation": "gelu",
             "batch_first": True}, [20, 8], 2),
           ({"d_model": 32, "nhead": 8, "dim_feedforward": 64, "batch_first": True, "bias": False}, [50, 32], 8),
           ({"d_model": 4, "nhead": 1, "batch_first": True}, [5, 4], 1)]  # dim_feedforward 2048
    for i, (args, spec_input, batch) in enumerate(tel):
        add(f"encoder_layer_{i}", spec_input, [{"TransformerEncoderLayer": args}], batch)
    add("encoder_2", [12, 8], [{"TransformerEncoder": {
        "encoder_layer": {"TransformerEncoderLayer": {"d_model": 8, "nhead": 2, "dim_feedforward": 16,
                                                      "batch_first": True}},
        "num_layers": 2, "norm": {"LayerNorm": {}}}}], 2)
    # small stacks
    add("imdb_lstm", [40], [{"Embedding": {"num_embeddings": 1000, "embedding_dim": 32}},
                            {"LSTM": {"hidden_size": 64, "num_layers": 2, "bidirectional": True, "batch_first": True}},
                            {"Dropout": {"p": 0.2}}, {"Linear": {"out_features": 1}}], 4)
    add("embedding_gru_linear", [30], [{"Embedding": {"num_embeddings": 100, "embedding_dim": 16}},
                                       {"GRU": {"hidden_size": 32, "batch_first": True}},
                                       {"Linear": {"out_features": 5}}], 4)
    add("gru_stack", [28, 28], [{"GRU": {"hidden_size": 32, "batch_first": True}},
                                {"GRU": {"hidden_size": 16, "batch_first": True}}, {"Linear": {"out_features": 10}}], 8)
    add("lstm_tanh_linear", [20, 8], [{"LSTM": {"hidden_size": 16, "batch_first": True}}, {"Tanh": {}},
                                      {"Linear": {"out_features": 4}}], 4)
    add("mlp", [28], [{"Linear": {"out_features": 64}}, {"ReLU": {}}, {"Dropout": {}},
                      {"Linear": {"out_features": 32}}, {"Tanh": {}}, {"Linear": {"out_features": 10}}], 8)
    add("mlp_sigmoid", [16], [{"Linear": {"out_features": 16}}, {"Sigmoid": {}}, {"Linear": {"out_features": 16}},
                              {"LayerNorm": {}}, {"Linear": {"out_features": 1}}], 4)
    add("cnn1d", [2, 50], [{"Conv1d": {"out_channels": 8, "kernel_size": 3}}, {"BatchNorm1d": {}}, {"ReLU": {}},
                           {"MaxPool1d": {"kernel_size": 2}}, {"Flatten": {}}, {"Linear": {"out_features": 3}}], 4)
    add("cnn2d", [1, 12, 12], [{"Conv2d": {"out_channels": 4, "kernel_size": 3}}, {"ReLU": {}},
                               {"MaxPool2d": {"kernel_size": 2}}, {"Conv2d": {"out_channels": 8, "kernel_size": 3}},
                               {"GELU": {}}, {"AdaptiveAvgPool2d": {"output_size": 1}}, {"Flatten": {}},
                               {"Linear": {"out_features": 10}}], 4)
    add("relu_then_linear", [10, 8], [{"ReLU": {}}, {"Linear": {"out_features": 4}}], 2)
    add("frozen_linear_tanh", [10, 8], [{"Linear": {"out_features": 8, "trainable": False}}, {"Tanh": {}},
                                        {"Linear": {"out_features": 4}}], 2)
    add("linear_mha_linear", [12, 8], [{"Linear": {"out_features": 16}},
                                       {"MultiheadAttention": {"embed_dim": 16, "num_heads": 4, "batch_first": True}},
                                       {"Linear": {"out_features": 2}}], 4)
    add("nested_sequential", [10, 8], [{"Sequential": {"layers": [{"Linear": {"out_features": 8}}, {"ReLU": {}}]}},
                                       {"Sequential": {"layers": [{"GRU": {"hidden_size": 8, "batch_first": True}}]}}],
        2)
    add("gru_bidirectional_seq_first", [6, 8], [{"GRU": {"hidden_size": 16, "bidirectional": True}}], 10)
    add("lstm_bidirectional_seq_first", [6, 8], [{"LSTM": {"hidden_size": 16, "bidirectional": True}}], 10)
    add("lstm_linear", [20, 8], [{"LSTM": {"hidden_size": 16, "batch_first": True}},
                                 {"Linear": {"out_features": 4}}], 4)
    add("lstm_seq_first_linear", [20, 8], [{"LSTM": {"hidden_size": 16}}, {"Linear": {"out_features": 4}}], 4)
    add("gru_linear", [20, 8], [{"GRU": {"hidden_size": 16, "batch_first": True}}, {"Linear": {"out_features": 4}}], 4)
    add("frozen_gru_middle", [20, 8], [{"Linear": {"out_features": 8}},
                                      {"GRU": {"hidden_size": 16, "batch_first": True, "trainable": False}},
                                      {"Linear": {"out_features": 4}}], 4)
    add("frozen_linear_middle", [20, 8], [{"Linear": {"out_features": 8}}, {"Linear": {"out_features": 8,
                                                                                      "trainable": False}},
                                         {"Tanh": {}}, {"Linear": {"out_features": 4}}], 4)
    # random specs as the torchinfo golden draws them (modules taking one tensor, or attention), a random batch
    rng = random.Random(SEED)
    drawn = 0
    while drawn < N_RANDOM:
        spec = torch_models.random_spec(rng, f"random_{drawn}")
        if any(kind in json.dumps(spec["layers"]) for kind in RANDOM_LEFT_OUT):
            continue
        out.append((spec, rng.choice([2, 4, 8]), _seq_len(spec["input"], spec["layers"])))
        drawn += 1
    return out


def _seq_len(spec_input: list, layers: list) -> int:
    """The time axis of a (T, F) sequence or of Embedding's (T) indices, or L of a (C, L) input to what
    reads channels first; else 1."""
    first = next(iter(layers[0]))
    if first == "Embedding":
        return spec_input[0]
    channels = first.startswith(("Conv", "MaxPool", "AvgPool", "Adaptive", "BatchNorm", "GroupNorm", "Dropout1d"))
    return 1 if len(spec_input) != 2 else spec_input[1] if channels else spec_input[0]


N_RANDOM = 8
RANDOM_LEFT_OUT = ("Bilinear", "TransformerDecoderLayer", "RNNCell", "LSTMCell", "GRUCell", "EmbeddingBag")


def _write(seed: int, cases_out: list) -> None:
    """One case a line, with the versions of the libraries that made them."""
    frameworks.write_golden(OUT, "tests/oracle/activations.py", seed, cases_out)


def main() -> None:
    import torch

    torch.use_deterministic_algorithms(True)
    _write(SEED, [measure(spec, batch, seq_len) for spec, batch, seq_len in cases()])


if __name__ == "__main__":
    main()
