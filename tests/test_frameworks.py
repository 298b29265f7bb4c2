"""The engine against real PyTorch, Flax and ONNX, golden (tests/golden/*_layers.json) and live,
and against worked examples from the Keras 2 CuDNN source."""

import json
from collections import Counter
from pathlib import Path

import pytest

from gru_params import ArgumentError, count_layer
from tests.live import each_live_case
from tests.oracle import frameworks

GOLDEN = Path(__file__).parent / "golden"
TORCH = json.loads((GOLDEN / "torch_layers.json").read_text())
FLAX = json.loads((GOLDEN / "flax_layers.json").read_text())
ONNX = json.loads((GOLDEN / "onnx_layers.json").read_text())


# ---- PyTorch ------------------------------------------------------------------------------

def assert_torch(case: dict) -> None:
    ours = count_layer(case["kind"], case["units"], case["input_dim"], framework="pytorch",
                       num_layers=case["num_layers"], use_bias=case["use_bias"],
                       bidirectional=case["bidirectional"], proj_size=case["proj_size"])
    assert [[w.name, list(w.shape)] for w in ours.weights] == case["weights"], case
    assert ours.params == case["params"]
    assert sum(g.params for g in ours.gates) + sum(e.params for e in ours.extras) == ours.params


def test_torch_golden_covers_the_options():
    cases = TORCH["cases"]
    assert len(cases) >= 200 and TORCH["torch"].startswith("2.")
    assert set(Counter(c["kind"] for c in cases)) == {"simplernn", "lstm", "gru"}
    assert {c["num_layers"] for c in cases} == {1, 2, 3, 4}
    assert {c["bidirectional"] for c in cases} == {c["use_bias"] for c in cases} == {True, False}
    assert sum(c["proj_size"] > 0 for c in cases) >= 10


@pytest.mark.parametrize("index", range(len(TORCH["cases"])))
def test_torch_golden(index):
    assert_torch(TORCH["cases"][index])


def test_torch_live(torch):
    each_live_case(30, frameworks.random_torch_case, frameworks.describe_torch, assert_torch,
                   f"torch {torch.__version__}")


@pytest.mark.parametrize("kind, params", [("gru", 23625), ("lstm", 31500), ("simplernn", 7875)])
def test_torch_reference_counts(torch, kind, params):
    module = getattr(torch.nn, frameworks.TORCH_CLASSES[kind])(28, 75)
    assert sum(p.numel() for p in module.parameters()) == params == count_layer(kind, 75, 28, framework="pytorch").params


@pytest.mark.parametrize("kind", ["simplernn", "gru"])
def test_torch_proj_size_is_lstm_only_as_in_torch(torch, kind):
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        getattr(torch.nn, frameworks.TORCH_CLASSES[kind])(4, 8, proj_size=2)
    with pytest.raises(ArgumentError, match="proj_size argument is only supported for LSTM"):
        count_layer(kind, 8, 4, framework="pytorch", proj_size=2)


def test_torch_proj_size_below_units_as_in_torch(torch):
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        torch.nn.LSTM(4, 8, proj_size=8)
    with pytest.raises(ArgumentError, match="has to be smaller than `units`"):
        count_layer("lstm", 8, 4, framework="pytorch", proj_size=8)


# ---- Flax -------------------------------------------------------------------------------------

def assert_flax(case: dict) -> None:
    ours = count_layer(case["kind"], case["units"], case["input_dim"], framework="flax",
                       bidirectional=case["bidirectional"], use_bias=case.get("use_bias", True),
                       kernel_size=case.get("kernel_size"), reset_gate=case.get("reset_gate"))
    assert sorted([w.name, list(w.shape)] for w in ours.weights) == case["weights"], case
    assert ours.params == case["params"] == sum(g.params for g in ours.gates)


def test_flax_golden_has_50_per_cell():
    counts = Counter(c["kind"] for c in FLAX["cases"])
    assert set(counts) == set(frameworks.FLAX_CELLS) and min(counts.values()) >= 50


@pytest.mark.parametrize("index", range(len(FLAX["cases"])))
def test_flax_golden(index):
    assert_flax(FLAX["cases"][index])


@pytest.mark.parametrize("kind", sorted(frameworks.FLAX_CELLS))
def test_flax_live(flax, kind):
    each_live_case(3, lambda rng: frameworks.random_flax_case(rng, kind), frameworks.describe_flax, assert_flax,
                   f"flax {flax.__version__}")


def test_flax_gru_reference(flax):
    case = frameworks.describe_flax({"kind": "gru", "units": 75, "input_dim": 28, "bidirectional": False})
    assert case["params"] == 23475 == count_layer("gru", 75, 28, framework="flax").params


# ---- ONNX -------------------------------------------------------------------------------------

def assert_onnx_export(case: dict) -> None:
    ours = count_layer(case["kind"], case["units"], case["input_dim"], framework="onnx",
                       num_layers=case["num_layers"], use_bias=case["use_bias"], bidirectional=case["bidirectional"])
    per_layer = len(ours.weights) // case["num_layers"]
    layers = [ours.weights[i:i + per_layer] for i in range(0, len(ours.weights), per_layer)]
    assert [[list(w.shape) for w in layer] for layer in layers] == [n["tensors"] for n in case["nodes"]], case
    assert ours.params == case["params"]


@pytest.mark.parametrize("index", range(len(ONNX["cases"])))
def test_onnx_golden_export(index):
    assert_onnx_export(ONNX["cases"][index])


def test_onnx_live_export(torch, onnx):
    each_live_case(4, frameworks.random_onnx_case, frameworks.describe_onnx_export, assert_onnx_export,
                   "torch.onnx.export")


OPS = {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}


@pytest.mark.parametrize("kind, options", [
    ("gru", {"reset_after": True}), ("gru", {"reset_after": False}), ("lstm", {}), ("lstm", {"peepholes": True}),
    ("simplernn", {}), ("gru", {"reset_after": False, "use_bias": False})])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_onnx_operator_runs_on_our_shapes(onnx, kind, options, bidirectional):
    """The onnx package's reference evaluator runs each operator on tensors shaped as the
    engine says, for both linear_before_reset values (and refuses a wrong shape, below)."""
    ours = count_layer(kind, 5, 3, framework="onnx", bidirectional=bidirectional, **options)
    shapes = {w.name: list(w.shape) for w in ours.weights}
    attributes = {"linear_before_reset": int(options["reset_after"])} if "reset_after" in options else {}
    y = frameworks.run_onnx_node(OPS[kind], 5, shapes, "bidirectional" if bidirectional else "forward", **attributes)
    assert y == [4, 2 if bidirectional else 1, 2, 5]


def test_onnx_operator_refuses_a_wrong_shape(onnx):
    shapes = {w.name: list(w.shape) for w in count_layer("gru", 5, 3, framework="onnx").weights}
    shapes["B"] = [1, 15]  # one bias instead of two
    with pytest.raises(ValueError):
        frameworks.run_onnx_node("GRU", 5, shapes)


def test_onnx_reset_after_changes_the_arithmetic_not_the_tensors():
    after = count_layer("gru", 75, 28, framework="onnx", reset_after=True)
    before = count_layer("gru", 75, 28, framework="onnx", reset_after=False)
    assert after.weights == before.weights and after.params == 23625


# ---- Keras 2 CuDNNGRU / CuDNNLSTM ---------------------------------------------------------------
# Today's TensorFlow no longer ships these layers. Their build() in Keras 2
# (tensorflow/python/keras/layers/cudnn_recurrent.py) creates, for `units` on `input_dim`:
#   CuDNNGRU:  kernel (input_dim, units * 3), recurrent_kernel (units, units * 3), bias (units * 6,)
#   CuDNNLSTM: kernel (input_dim, units * 4), recurrent_kernel (units, units * 4), bias (units * 8,)

@pytest.mark.parametrize("kind, gates, units, input_dim", [
    ("gru", 3, 75, 28), ("lstm", 4, 75, 28), ("gru", 3, 1, 1), ("lstm", 4, 128, 300), ("gru", 3, 512, 40)])
def test_keras2_cudnn_worked_examples(kind, gates, units, input_dim):
    expected = [("kernel", (input_dim, units * gates)), ("recurrent_kernel", (units, units * gates)),
                ("bias", (units * gates * 2,))]
    ours = count_layer(kind, units, input_dim, framework="keras2-cudnn")
    assert [(w.name, w.shape) for w in ours.weights] == expected
    assert ours.params == input_dim * units * gates + units * units * gates + units * gates * 2


def test_keras2_cudnn_reference_counts():
    assert count_layer("gru", 75, 28, framework="keras2-cudnn").params == 23625
    assert count_layer("lstm", 75, 28, framework="keras2-cudnn").params == 31500
    both = count_layer("gru", 75, 28, framework="keras2-cudnn", bidirectional=True, merge_mode="sum")
    assert (both.params, [w.name for w in both.weights][:1]) == (47250, ["forward_cu_dnngru/kernel"])


@pytest.mark.parametrize("framework, kwargs, message", [
    ("keras2-cudnn", {"kind": "simplernn"}, "Keras 2 CuDNNGRU / CuDNNLSTM has no simplernn layer"),
    ("keras2-cudnn", {"use_bias": False}, "CuDNNGRU always has biases"),
    ("pytorch", {"reset_after": False}, "nn.GRU applies the reset gate after the recurrent product"),
    ("pytorch", {"bidirectional": True, "merge_mode": "sum"}, "joins the two directions side by side"),
    ("keras", {"num_layers": 2}, "`num_layers` applies to PyTorch and ONNX"),
    ("flax", {"use_bias": False}, "GRUCell always has biases"),
    ("keras", {"kind": "optimizedlstm"}, "Keras 3 / tf.keras has no optimizedlstm layer"),
    ("onnx", {"kind": "lstm", "proj_size": 2}, "`proj_size` applies only to PyTorch's LSTM"),
    ("pytorch", {"kind": "lstm", "peepholes": True}, "`peepholes` applies only to the ONNX LSTM operator"),
    ("tensorflow", {}, "unknown framework 'tensorflow'"),
])
def test_options_a_framework_lacks_are_errors(framework, kwargs, message):
    args = {"kind": "gru", **kwargs}
    with pytest.raises(ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        count_layer(args.pop("kind"), 8, 4, framework=framework, **args)
