"""PyTorch specs (framework: pytorch): summaries as real torchinfo prints them, golden and live."""

import itertools
import json
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


def test_golden_covers_the_modules():
    kinds = {next(iter(e)) for m in GOLDEN for e in m["spec"]["layers"]}
    assert kinds == set(TORCH_KINDS)
    assert all("summary" in m for m in GOLDEN if "Bilinear" not in json.dumps(m["spec"]))
    assert any("proj_size" in json.dumps(m["spec"]) for m in GOLDEN)
    assert any('"trainable": false' in json.dumps(m["spec"]) for m in GOLDEN)


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
])
def test_pytorch_spec_errors(tmp_path, layers, message):
    path = tmp_path / "bad.yaml"
    path.write_text("framework: pytorch\ninput: [10, 3]\nlayers:\n" + layers)
    result = runner.invoke(app, ["summary", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:{message.replace('3:', '4:', 1)}")
