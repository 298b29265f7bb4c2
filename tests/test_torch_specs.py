"""PyTorch specs (framework: pytorch): summaries as real torchinfo prints them, golden and live."""

import itertools
import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gru_params import render
from gru_params.cli import app
from gru_params.infer import summarize
from gru_params.layers.torch import TORCH_KINDS
from gru_params.spec import from_text
from tests.live import each_live_case
from tests.oracle import torch_models

GOLDEN = json.loads((Path(__file__).parent / "golden" / "torchinfo_models.json").read_text())["cases"]
runner = CliRunner()


def assert_same_as_torchinfo(model: dict) -> None:
    """Total, every parameter tensor (named_parameters: name, shape, requires_grad) and, where
    nn.Sequential can run the model, torchinfo's text."""
    text = yaml.safe_dump(model["spec"], sort_keys=False)
    s = summarize(from_text(text, "model.yaml"))
    assert s.total_params == model["total_params"], text
    tensors = [[f"{r.name}.{w.name}", list(w.shape), w.trainable] for r in s.rows for w in r.weights]
    assert tensors == model["parameters"], text
    if any(next(iter(e)) in torch_models.NOT_SEQUENTIAL for e in model["spec"]["layers"]):
        assert "summary" not in model
        return
    assert render.torchinfo_text(s) == model["summary"], text
    assert render.torchinfo_text(s, expand=True) == model["summary_expand"], text


def nested_entries(entries, depth: int = 1):
    """(depth, class name, arguments) of every module a spec lists, those inside others too."""
    for entry in entries:
        (kind, args), = entry.items()
        yield depth, kind, args
        inner = args.get("layers", []) if kind == "Sequential" else [args["encoder_layer"], *(
            [args["norm"]] if args.get("norm") else [])] if kind == "TransformerEncoder" else []
        yield from nested_entries(inner, depth + 1)


def test_golden_covers_the_modules():
    kinds = {next(iter(e)) for m in GOLDEN for e in m["spec"]["layers"]}
    assert kinds == set(TORCH_KINDS)
    assert all("summary" in m for m in GOLDEN
               if not any(next(iter(e)) in torch_models.NOT_SEQUENTIAL for e in m["spec"]["layers"]))
    assert any("proj_size" in json.dumps(m["spec"]) for m in GOLDEN)
    assert any('"trainable": false' in json.dumps(m["spec"]) for m in GOLDEN)


def test_golden_covers_nesting_and_torchinfos_ways():
    """Modules inside modules, at every depth torchinfo prints and past it, and what torchinfo
    does with them: the name column widened past 40, a ModuleList that never runs (`--`), a
    frozen module shown whole at depth 3 in parentheses, and "Params size" leaving out
    MultiheadAttention (not a leaf: out_proj is a module)."""
    entries = [(d, k, a) for m in GOLDEN for d, k, a in nested_entries(m["spec"]["layers"])]
    assert {k for d, k, _ in entries if d > 1} >= {"Sequential", "TransformerEncoder", "TransformerEncoderLayer",
                                                    "LSTM", "Linear", "LayerNorm"}
    assert max(d for d, k, _ in entries if k == "Sequential") >= 3  # modules at depth 4, past torchinfo's 3
    assert any(k == "TransformerEncoder" and a.get("norm") for _, k, a in entries)
    assert any(a.get("trainable") is False for d, k, a in entries if d > 1)
    assert any(a.get("trainable") is False for _, k, a in entries if k in ("Sequential", "TransformerEncoderLayer"))
    summaries = [m["summary"] for m in GOLDEN if "summary" in m]
    assert any(len(s.splitlines()[0]) > 90 for s in summaries)
    assert any("ModuleList: " in s for s in summaries)
    assert any(re.search(r"└─\w+: 3-\d+ +\S+ +\(\d", s) for s in summaries)
    assert any(f"Params size (MB): {m['total_params'] * 4 / 1e6:.2f}" not in m["summary"] for m in GOLDEN
               if "summary" in m)


@pytest.mark.parametrize("model", GOLDEN, ids=[m["spec"]["name"] for m in GOLDEN])
def test_golden_torchinfo(model):
    assert_same_as_torchinfo(model)


def test_live_torchinfo(torch):
    from tests.conftest import require

    require("torchinfo", "compare summaries with real torchinfo")
    names = itertools.count()
    each_live_case(12, lambda rng: torch_models.random_spec(rng, f"live_{next(names)}"), torch_models.describe,
                   assert_same_as_torchinfo, "torchinfo")


def test_summary_command_prints_torchinfo_style():
    result = runner.invoke(app, ["summary", "specs/pytorch_imdb_lstm.yaml"])
    assert result.exit_code == 0
    assert f"{'├─LSTM: 1-2':<40} {'[1, 500, 128]':<25} 149,504\n" in result.stdout  # torchinfo's widths
    assert "Total params: 469,633" in result.stdout


@pytest.mark.parametrize("layers, message", [
    ("  - GRU: {hidden_size: 4, proj_size: 2}\n", "3:38: layers[0].GRU.proj_size: proj_size argument is only supported for LSTM, not RNN or GRU"),
    ("  - LSTM: {hidden_size: 4, input_size: 7}\n", "3:5: layers[0].LSTM: `input_size` is 7, but the input has 3 features (1, 10, 3)"),
    ("  - LSTM: {hidden_size: 4, proj_size: 4}\n", "3:5: layers[0].LSTM: `proj_size` (4) has to be smaller than `units` (4), as PyTorch requires"),
    ("  - Linear: {out_features: 2, in_feature: 3}\n", "3:31: layers[0].Linear.in_feature: unknown argument `in_feature` for Linear (did you mean `in_features`?)"),
    ("  - GRU: {units: 4}\n", "3:11: layers[0].GRU.units: unknown argument `units` for GRU"),
    ("  - Dense: {units: 4}\n", "3:5: layers[0].Dense: unknown layer `Dense`"),
    ("  - LSTMCell: {hidden_size: 4}\n", "3:5: layers[0].LSTMCell: expected a 2D input (batch, features), got (1, 10, 3)"),
    ("  - Conv1d: {out_channels: 4, kernel_size: 3, groups: 3}\n", "3:5: layers[0].Conv1d: `in_channels` (10) and `out_channels` (4) must both be divisible by `groups` (3)"),
    ("  - Conv1d: {out_channels: 4, kernel_size: 5}\n", "3:5: layers[0].Conv1d: the input length 3 is too short for kernel 5 (padding 0, dilation 1): the output would be empty"),
    ("  - Conv1d: {out_channels: 4, kernel_size: 3, stride: 2, padding: same}\n", "3:5: layers[0].Conv1d: padding='same' is not supported for strided convolutions"),
    ("  - Conv2d: {out_channels: 4, kernel_size: 3}\n", "3:5: layers[0].Conv2d: expected a 4D input (batch, channels, height, width), got (1, 10, 3)"),
    ("  - GroupNorm: {num_groups: 3}\n", "3:5: layers[0].GroupNorm: `num_channels` (10) must be divisible by `num_groups` (3)"),
    ("  - PReLU: {num_parameters: 3}\n", "3:5: layers[0].PReLU: `num_parameters` is 3, but the input has 10 channels (1, 10, 3) (it is 1 or the size of axis 1)"),
    ("  - Unflatten: {dim: -1, unflattened_size: [2, -1]}\n", "3:5: layers[0].Unflatten: `unflattened_size` [2, -1] does not divide the size 3 of dim 2"),
    ("  - MaxPool1d: {kernel_size: 2, padding: 2}\n", "3:5: layers[0].MaxPool1d: `padding` should be at most half of the kernel size, got padding 2 for kernel 2"),
    ("  - BatchNorm2d: {}\n", "3:5: layers[0].BatchNorm2d: expected a 4D input (batch, channels, height, width), got (1, 10, 3)"),
    ("  - TransformerEncoderLayer: {d_model: 10, nhead: 3}\n", "3:5: layers[0].TransformerEncoderLayer: `d_model` 10 is not divisible by `nhead` 3"),
    ("  - MultiheadAttention: {embed_dim: 4, num_heads: 2}\n", "3:5: layers[0].MultiheadAttention: `embed_dim` is 4, but the input has 3 features (1, 10, 3)"),
    ("  - MultiheadAttention: {embed_dim: 3, num_heads: 1, kdim: 0}\n", "3:60: layers[0].MultiheadAttention.kdim: expected a positive integer for `kdim`, got 0"),
    ("  - Unflatten: {dim: -1, unflattened_size: [3, 1]}\n  - TransformerEncoderLayer: {d_model: 1, nhead: 1}\n", "5:5: layers[1].TransformerEncoderLayer: expected a 2D or 3D input (sequence and features, with or without batch), got (1, 10, 3, 1)"),
    ("  - TransformerEncoderLayer: {d_model: 3, nhead: 1, activation: tanh}\n", "3:65: layers[0].TransformerEncoderLayer.activation: expected one of relu, gelu for `activation`, got 'tanh'"),
    ("  - Sequential: {layers: [Linear: {out_features: 4}, TransformerEncoderLayer: {d_model: 4, nhead: 3}]}\n", "3:54: layers[0].Sequential.layers[1].TransformerEncoderLayer: `d_model` 4 is not divisible by `nhead` 3"),
    ("  - Sequential: {layers: []}\n", "3:26: layers[0].Sequential.layers: expected a non-empty list of layers"),
    ("  - TransformerEncoder: {encoder_layer: {Linear: {out_features: 3}}, num_layers: 2}\n", "3:5: layers[0].TransformerEncoder: expected a TransformerEncoderLayer for `encoder_layer`, got Linear"),
    ("  - TransformerEncoder: {encoder_layer: null, num_layers: 2}\n", "3:41: layers[0].TransformerEncoder.encoder_layer: expected a layer for `encoder_layer`, got null"),
    ("  - TransformerEncoder: {encoder_layer: {TransformerEncoderLayer: {d_model: 3, nhead: 1}}}\n", "3:5: layers[0].TransformerEncoder: TransformerEncoder needs `num_layers`"),
    ("  - TransformerEncoder: {encoder_layer: {TransformerEncoderLayer: {d_model: 3, nhead: 1}}, num_layers: 5000}\n", "3:104: layers[0].TransformerEncoder.num_layers: expected at most 1,000 for `num_layers` (gru-params's limit), got 5000"),
    ("  - TransformerEncoder: {encoder_layer: {TransformerEncoderLayer: {d_model: 3, nhead: 1}}, num_layers: 2, norm: {LayerNorm: {normalized_shape: [4]}}}\n", "3:113: layers[0].TransformerEncoder.norm.LayerNorm: `normalized_shape` [4] is not the trailing shape of (1, 10, 3)"),
])
def test_pytorch_spec_errors(tmp_path, layers, message):
    path = tmp_path / "bad.yaml"
    path.write_text("framework: pytorch\ninput: [10, 3]\nlayers:\n" + layers)
    result = runner.invoke(app, ["summary", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:{message.replace('3:', '4:', 1)}")


ENCODER = """framework: pytorch
input: [5, 8]
layers:
  - Linear: {out_features: 4}
  - TransformerEncoder:
      encoder_layer: {TransformerEncoderLayer: {d_model: 4, nhead: 2, dim_feedforward: 6}}
      num_layers: 2
      norm: {LayerNorm: {}}
      trainable: false
expect:
  layers: {"1.layers.1.linear1": 30, "1.layers.1.self_attn": 80}
"""


def test_modules_inside_modules_are_rows_named_by_their_path(tmp_path):
    """--format json --expand: each module inside another a `layers` entry, named as torch's
    named_modules() names it, in the order forward calls it; `expect.layers` takes those names.
    A frozen module freezes every module inside it."""
    path = tmp_path / "encoder.yaml"
    path.write_text(ENCODER)
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0
    result = runner.invoke(app, ["summary", str(path), "--format", "json", "--expand"])
    assert result.exit_code == 0, result.output
    encoder = json.loads(result.stdout)["layers"][1]
    assert (encoder["name"], encoder["type"], encoder["params"], encoder["trainable_params"]) == (
        "1", "TransformerEncoder", 316, 0)  # torch: 2 x 154 + LayerNorm 8
    assert [w["name"] for w in encoder["weights"]][:3] == [
        "layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias", "layers.0.self_attn.out_proj.weight"]
    stack, first = encoder["layers"][0], encoder["layers"][0]["layers"][0]
    assert (stack["name"], stack["type"], stack["output_shape"]) == ("1.layers", "ModuleList", [])
    assert [(c["name"], c["type"], c["output_shape"]) for c in first["layers"]] == [
        ("1.layers.0.self_attn", "MultiheadAttention", [1, 5, 4]), ("1.layers.0.dropout1", "Dropout", [1, 5, 4]),
        ("1.layers.0.norm1", "LayerNorm", [1, 5, 4]), ("1.layers.0.linear1", "Linear", [1, 5, 6]),
        ("1.layers.0.dropout", "Dropout", [1, 5, 6]), ("1.layers.0.linear2", "Linear", [1, 5, 4]),
        ("1.layers.0.dropout2", "Dropout", [1, 5, 4]), ("1.layers.0.norm2", "LayerNorm", [1, 5, 4])]
    assert first["layers"][0]["weights"][-1] == {"name": "out_proj.bias", "shape": [4], "params": 4, "trainable": False}
    assert encoder["layers"][1]["name"] == "1.norm"


@pytest.mark.parametrize("kind, args, tensors", [
    ("MultiheadAttention", {"embed_dim": 6, "num_heads": 2, "kdim": 3, "vdim": 5, "add_bias_kv": True},
     [("q_proj_weight", [6, 6]), ("k_proj_weight", [6, 3]), ("v_proj_weight", [6, 5]), ("in_proj_bias", [18]),
      ("bias_k", [1, 1, 6]), ("bias_v", [1, 1, 6]), ("out_proj.weight", [6, 6]), ("out_proj.bias", [6])]),
    ("TransformerDecoderLayer", {"d_model": 6, "nhead": 2, "dim_feedforward": 4, "bias": False},
     [("self_attn.in_proj_weight", [18, 6]), ("self_attn.out_proj.weight", [6, 6]),
      ("multihead_attn.in_proj_weight", [18, 6]), ("multihead_attn.out_proj.weight", [6, 6]),
      ("linear1.weight", [4, 6]), ("linear2.weight", [6, 4]), ("norm1.weight", [6]), ("norm2.weight", [6]),
      ("norm3.weight", [6])]),
])
def test_modules_of_several_tensors_keep_their_input_shape(kind, args, tensors):
    """MultiheadAttention (query: the input) and TransformerDecoderLayer (tgt: the input) return
    the input's shape; their tensors as torch names them (checked against torch in the golden)."""
    spec = yaml.safe_dump({"framework": "pytorch", "input": [7, 6], "layers": [{kind: args}]})
    (row,) = summarize(from_text(spec, "m.yaml")).rows
    assert row.output_shape == (1, 7, 6)
    assert [(w.name, list(w.shape)) for w in row.weights] == tensors
