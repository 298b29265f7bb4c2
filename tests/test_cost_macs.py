"""MACs of one recurrent layer against real torch: torch.utils.flop_counter.FlopCounterMode over
real nn.RNN / nn.LSTM / nn.GRU modules, golden (tests/golden/macs.json) and live."""

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gru_params import ArgumentError, count_layer
from gru_params.cost.macs import LayerMacs, layer_macs
from tests.live import each_live_case
from tests.oracle.make_golden import random_macs_case, torch_macs

GOLDEN = json.loads((Path(__file__).parent / "golden" / "macs.json").read_text())


def ours(case: dict) -> LayerMacs:
    count = count_layer(case["kind"], case["units"], case["input_dim"], framework="pytorch",
                        num_layers=case["num_layers"], use_bias=case["use_bias"],
                        bidirectional=case["bidirectional"], proj_size=case["proj_size"])
    return layer_macs(count, case["seq_len"], case["batch"])


def assert_torch(case: dict) -> None:
    got = ours(case)
    assert case["flops"] > 0, f"FlopCounterMode saw no matrix product: {case['ops']}"
    assert got.flops == case["flops"], f"torch counted {case['flops']:,} flops ({case['ops']}), we {got.flops:,}"
    assert got.flops == 2 * got.macs and got.macs == case["seq_len"] * got.macs_per_step


# ---- torch's convention -------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_flop_counter_counts_two_flops_a_multiply_accumulate(torch, bias):
    """FlopCounterMode counts a matrix product (n, k) @ (k, m) as 2*n*k*m flops (a multiply
    and an add each), and nothing for the bias: so its total is 2 x the MACs of the products."""
    from torch.utils.flop_counter import FlopCounterMode

    n, k, m = 3, 7, 5
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        torch.nn.Linear(k, m, bias=bias)(torch.randn(n, k))
    assert counter.get_total_flops() == 2 * n * k * m


# ---- golden: tests/golden/macs.json -------------------------------------------------------

def test_golden_covers_the_options():
    cases = GOLDEN["cases"]
    assert len(cases) >= 100 and GOLDEN["torch"].startswith("2.")
    assert set(Counter(c["kind"] for c in cases)) == {"simplernn", "lstm", "gru"}
    assert {c["num_layers"] for c in cases} == {1, 2, 3} and {c["batch"] for c in cases} == {1, 2, 3, 4}
    assert {c["bidirectional"] for c in cases} == {c["use_bias"] for c in cases} == {True, False}
    assert sum(c["proj_size"] > 0 for c in cases) >= 10 and sum(c["unbatched"] for c in cases) >= 5
    assert {1, 20} <= {c["seq_len"] for c in cases}
    # why the oracle turns oneDNN off: its fused LSTM (without proj_size) hides every product
    assert any(c["kind"] == "lstm" and not c["proj_size"] and c["flops_mkldnn"] == 0 for c in cases)


@pytest.mark.parametrize("index", range(len(GOLDEN["cases"])))
def test_golden(index):
    assert_torch(GOLDEN["cases"][index])


# ---- live ---------------------------------------------------------------------------------

def test_live(torch):
    each_live_case(25, random_macs_case, torch_macs, assert_torch, f"torch {torch.__version__}")


# ---- invariants: the same products in every framework -------------------------------------

sizes = st.integers(1, 300)


@given(kind=st.sampled_from(["simplernn", "lstm", "gru"]), units=sizes, input_dim=sizes, use_bias=st.booleans(),
       bidirectional=st.booleans(), reset_after=st.booleans(), seq_len=st.integers(1, 50), batch=st.integers(1, 8))
def test_keras_products_are_torchs(kind, units, input_dim, use_bias, bidirectional, reset_after, seq_len, batch):
    """A Keras layer multiplies by the same kernels as the torch module of its sizes (a GRU
    either way round: reset_after moves a bias and the reset gate, not a product); so do
    ONNX's operators, Flax's cells and Keras 2's CuDNN layers."""
    torch_count = count_layer(kind, units, input_dim, framework="pytorch", use_bias=use_bias,
                              bidirectional=bidirectional)
    expected = layer_macs(torch_count, seq_len, batch)
    gru = {"reset_after": reset_after} if kind == "gru" else {}
    counts = [count_layer(kind, units, input_dim, use_bias=use_bias, bidirectional=bidirectional, **gru),
              count_layer(kind, units, input_dim, framework="onnx", use_bias=use_bias, bidirectional=bidirectional,
                          **gru),
              count_layer(kind, units, input_dim, framework="flax", bidirectional=bidirectional)]
    if kind != "simplernn":
        counts.append(count_layer(kind, units, input_dim, framework="keras2-cudnn", bidirectional=bidirectional))
    for count in counts:
        assert layer_macs(count, seq_len, batch) == expected, count.framework


@given(kind=st.sampled_from(["simplernn", "lstm", "gru"]), units=sizes, input_dim=sizes,
       num_layers=st.integers(1, 4), bidirectional=st.booleans())
def test_onnx_stack_is_torchs(kind, units, input_dim, num_layers, bidirectional):
    """ONNX keeps both directions on one axis of one tensor, torch one tensor each."""
    options = dict(num_layers=num_layers, bidirectional=bidirectional)
    assert (layer_macs(count_layer(kind, units, input_dim, framework="onnx", **options), 7, 3)
            == layer_macs(count_layer(kind, units, input_dim, framework="pytorch", **options), 7, 3))


def test_peepholes_and_biases_are_not_products():
    plain = layer_macs(count_layer("lstm", 8, 4, framework="onnx", use_bias=False), 5)
    assert layer_macs(count_layer("lstm", 8, 4, framework="onnx", peepholes=True), 5) == plain


@pytest.mark.parametrize("seq_len, batch", [(1, 1), (10, 1), (10, 4)])
def test_length_and_batch_scale(seq_len, batch):
    one = layer_macs(count_layer("gru", 75, 28), 1)
    got = layer_macs(count_layer("gru", 75, 28), seq_len, batch)
    assert got == LayerMacs(seq_len * batch * one.macs, 2 * seq_len * batch * one.macs, batch * one.macs, seq_len, batch)


# ---- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("seq_len, batch, message", [
    (0, 1, "expected a positive integer for `seq_len`, got 0"),
    (-3, 1, "expected a positive integer for `seq_len`, got -3"),
    (2.5, 1, "expected a positive integer for `seq_len`, got 2.5"),
    (True, 1, "expected a positive integer for `seq_len`, got True"),
    (10, 0, "expected a positive integer for `batch`, got 0"),
    (10, "4", "expected a positive integer for `batch`, got '4'"),
])
def test_bad_length_or_batch(seq_len, batch, message):
    with pytest.raises(ArgumentError) as raised:
        layer_macs(count_layer("gru", 75, 28), seq_len, batch)
    assert str(raised.value) == message


def test_convolutional_cell_needs_a_spatial_size():
    count = count_layer("convlstm", 8, 3, framework="flax", kernel_size=(3, 3))
    with pytest.raises(ArgumentError, match="depend on the spatial size of its input"):
        layer_macs(count, 10)


# ---- the `layer` command: --seq-len and --batch ----------------------------------------------

@pytest.mark.parametrize("index", range(0, len(GOLDEN["cases"]), 4))
def test_layer_command_prints_torchs_flops(index):
    """`gru-params layer ... --seq-len T --batch B --format json` against torch's FlopCounterMode."""
    from typer.testing import CliRunner

    from gru_params.cli import app

    case = GOLDEN["cases"][index]
    args = ["layer", case["kind"], "--units", str(case["units"]), "--input-dim", str(case["input_dim"]),
            "--framework", "pytorch", "--num-layers", str(case["num_layers"]), "--proj-size", str(case["proj_size"]),
            "--seq-len", str(case["seq_len"]), "--batch", str(case["batch"]), "--format", "json"]
    args += ["--bidirectional"] * case["bidirectional"] + ["--no-bias"] * (not case["use_bias"])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["flops"], data["macs"] * 2, data["seq_len"], data["batch"]) == (
        case["flops"], case["flops"], case["seq_len"], case["batch"])
    assert data["macs_per_step"] * case["seq_len"] == data["macs"]


@pytest.mark.parametrize("args, message", [
    (["--batch", "2"], "--batch applies only with --seq-len"),
    (["--seq-len", "0"], "expected a positive integer for --seq-len, got 0"),
    (["--seq-len", "3", "--batch", "-1"], "expected a positive integer for --batch, got -1"),
])
def test_layer_command_cost_errors(args, message):
    from typer.testing import CliRunner

    from gru_params.cli import app

    result = CliRunner().invoke(app, ["layer", "gru", "--units", "4", "--input-dim", "3", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_layer_without_seq_len_prints_no_cost():
    from typer.testing import CliRunner

    from gru_params.cli import app

    result = CliRunner().invoke(app, ["layer", "gru", "--units", "4", "--input-dim", "3", "--format", "json"])
    assert result.exit_code == 0 and "macs" not in json.loads(result.output)
