"""Flax's MGUCell and ConvLSTMCell: the golden cases' coverage, the gate order checked on real
flax's arithmetic, the `layer` command's options and errors, and `compare`'s MGU row.
(Every golden and live case is compared tensor by tensor in test_frameworks.py.)"""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from gru_params import ArgumentError, count_layer
from gru_params.cli import app
from gru_params.compare import compare

FLAX = json.loads((Path(__file__).parent / "golden" / "flax_layers.json").read_text())
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "100"})


# ---- golden coverage ------------------------------------------------------------------------

def test_golden_mgu_cases_cover_reset_gate_and_directions():
    cases = [c for c in FLAX["cases"] if c["kind"] == "mgu"]
    assert len(cases) >= 50
    assert {c["reset_gate"] for c in cases} == {c["bidirectional"] for c in cases} == {True, False}


def test_golden_convlstm_cases_cover_windows_bias_and_directions():
    cases = [c for c in FLAX["cases"] if c["kind"] == "convlstm"]
    assert len(cases) >= 50
    assert Counter(len(c["kernel_size"]) for c in cases).keys() == {1, 2, 3}
    assert {c["use_bias"] for c in cases} == {c["bidirectional"] for c in cases} == {True, False}
    assert {k for c in cases for k in c["kernel_size"]} == {1, 2, 3, 4, 5}


# ---- the facts, in numbers ------------------------------------------------------------------

def test_mgu_tensors_and_gates():
    c = count_layer("mgu", 75, 28, framework="flax")
    assert [(w.name, w.shape) for w in c.weights] == [
        ("if/kernel", (28, 75)), ("if/bias", (75,)), ("hf/kernel", (75, 75)),
        ("hn/kernel", (75, 75)), ("hn/bias", (75,)), ("in/kernel", (28, 75)), ("in/bias", (75,))]
    assert [(g.gate, g.name, g.params) for g in c.gates] == [("f", "forget", 7800), ("n", "candidate", 7875)]
    assert c.params == 15675 and c.reset_gate is True
    assert c.formula == "(28*75 + 75 + 75*75) + (75*75 + 75 + 28*75 + 75) = 15,675"


def test_mgu_without_reset_gate_has_no_recurrent_bias():
    c = count_layer("mgu", 75, 28, framework="flax", reset_gate=False)
    assert "hn/bias" not in [w.name for w in c.weights]
    assert c.params == 15600 == 2 * (28 * 75 + 75 * 75 + 75)  # the textbook MGU
    assert c.note.endswith("the same as the textbook count here.")


@pytest.mark.parametrize("kernel_size, use_bias, params", [
    ((3, 3), True, 4 * (9 * 3 * 64 + 9 * 64 * 64 + 2 * 64)),
    ([3], False, 4 * (3 * 3 * 64 + 3 * 64 * 64)),
    ((1, 2, 3), True, 4 * (6 * 3 * 64 + 6 * 64 * 64 + 2 * 64)),
])
def test_convlstm_tensors_and_gates(kernel_size, use_bias, params):
    c = count_layer("convlstm", 64, 3, framework="flax", kernel_size=kernel_size, use_bias=use_bias)
    window = tuple(kernel_size)
    expected = [("ih/kernel", (*window, 3, 256)), ("ih/bias", (256,)), ("hh/kernel", (*window, 64, 256)),
                ("hh/bias", (256,))]
    assert [(w.name, w.shape) for w in c.weights] == [w for w in expected if use_bias or "bias" not in w[0]]
    assert [g.gate for g in c.gates] == ["i", "g", "f", "o"]  # jnp.split(gates, 4) as i, g, f, o
    assert c.params == params == sum(g.params for g in c.gates) and c.kernel_size == window


def test_convlstm_formula_writes_the_window_as_k():
    c = count_layer("convlstm", 64, 3, framework="flax", kernel_size=(3, 3))
    assert c.formula_symbols == "4 x (k*d*u + u + k*u*u + u)"
    assert c.formula == "4 x (3*3*3*64 + 64 + 3*3*64*64 + 64) = 154,880"
    assert "256 more than the textbook 154,624" in c.note  # Keras's ConvLSTM: one bias a gate


@given(units=st.integers(1, 3000), input_dim=st.integers(1, 3000), bidirectional=st.booleans(),
       reset_gate=st.booleans(), use_bias=st.booleans(), kernel_size=st.lists(st.integers(1, 9), min_size=1, max_size=4))
def test_new_cells_split_and_write_their_total(units, input_dim, bidirectional, reset_gate, use_bias, kernel_size):
    """The gate rows and the written formula give the weights' total; a second direction doubles it."""
    for kind, options in (("mgu", {"reset_gate": reset_gate}), ("convlstm", {"kernel_size": kernel_size, "use_bias": use_bias})):
        c = count_layer(kind, units, input_dim, framework="flax", bidirectional=bidirectional, **options)
        assert sum(g.params for g in c.gates) == c.params
        expression, shown = c.formula.rsplit(" = ", 1)
        assert eval(expression.replace(" x ", " * ")) == c.params == int(shown.replace(",", ""))
        one = count_layer(kind, units, input_dim, framework="flax", **options).params
        assert c.params == (2 if bidirectional else 1) * one
    mgu = count_layer("mgu", units, input_dim, framework="flax", reset_gate=reset_gate).params
    assert mgu == 2 * (input_dim * units + units * units + units) + reset_gate * units


@pytest.mark.parametrize("kind, kwargs, message", [
    ("convlstm", {}, "ConvLSTMCell needs `kernel_size`, one size per spatial axis"),
    ("convlstm", {"kernel_size": 3}, "expected a list of positive integers for `kernel_size`"),
    ("convlstm", {"kernel_size": ()}, "expected a list of positive integers for `kernel_size`"),
    ("convlstm", {"kernel_size": (3, 0)}, "expected a positive integer for `kernel_size`, got 0"),
    ("convlstm", {"kernel_size": (3, True)}, "expected a positive integer for `kernel_size`, got True"),
    ("convlstm", {"kernel_size": (1,) * 33}, "expected at most 32 sizes for `kernel_size`, got 33"),
    ("convlstm", {"kernel_size": (3,), "reset_gate": False}, "`reset_gate` applies only to mgu"),
    ("gru", {"kernel_size": (3,)}, "`kernel_size` applies only to convlstm (Flax's ConvLSTMCell), not to GRUCell"),
    ("mgu", {"kernel_size": (3,)}, "`kernel_size` applies only to convlstm (Flax's ConvLSTMCell), not to MGUCell"),
    ("mgu", {"reset_gate": "no"}, "expected true or false for `reset_gate`, got 'no'"),
    ("mgu", {"use_bias": False}, "MGUCell always has biases; `use_bias` does not apply to Flax flax.linen cells "
                                 "except ConvLSTMCell"),
    ("mgu", {"reset_after": True}, "`reset_after` applies only to GRU, not to MGUCell"),
])
def test_flax_cell_errors(kind, kwargs, message):
    with pytest.raises(ArgumentError) as e:
        count_layer(kind, 8, 4, framework="flax", **kwargs)
    assert message in str(e.value)


@pytest.mark.parametrize("framework", ["keras", "pytorch", "onnx", "keras2-cudnn"])
@pytest.mark.parametrize("kind, class_name", [("mgu", "MGUCell"), ("convlstm", "ConvLSTMCell")])
def test_flax_kinds_elsewhere_point_to_flax(framework, kind, class_name):
    with pytest.raises(ArgumentError, match=rf"has no {kind} layer .*; {kind} is Flax's {class_name} \(`framework` flax\)"):
        count_layer(kind, 8, 4, framework=framework, kernel_size=(3,) if kind == "convlstm" else None)


# ---- against real flax's arithmetic ------------------------------------------------------------

def test_convlstm_gate_order_is_flaxs(flax):
    """Real ConvLSTMCell, kernels zeroed and the state zero: a bias on one block of `ih` shows
    which gate that block is. g alone makes a cell state; i with g scales it; o with g
    changes only the output; f with g changes nothing (it scales the zero old state)."""
    import jax
    import jax.numpy as jnp

    cell = flax.linen.ConvLSTMCell(features=2, kernel_size=(1,))
    x = jnp.zeros((1, 3, 1))
    carry = cell.initialize_carry(jax.random.PRNGKey(1), x.shape)
    params = jax.tree_util.tree_map(jnp.zeros_like, cell.init(jax.random.PRNGKey(0), carry, x)["params"])

    def state(biases: dict[int, float]):
        bias = jnp.zeros(8)
        for block, value in biases.items():
            bias = bias.at[2 * block:2 * block + 2].set(value)
        (c, h), _ = cell.apply({"params": {**params, "ih": {**params["ih"], "bias": bias}}}, carry, x)
        return float(c.ravel()[0]), float(h.ravel()[0])

    ours = [g.gate for g in count_layer("convlstm", 2, 1, framework="flax", kernel_size=(1,)).gates]
    g = next(b for b in range(4) if state({b: 1.0})[0] != 0)
    base = state({g: 1.0})
    found = {g: "g"}
    for b in set(range(4)) - {g}:
        c, h = state({g: 1.0, b: 5.0})
        found[b] = "i" if c != base[0] else "o" if h != base[1] else "f"
    assert [found[b] for b in range(4)] == ours == ["i", "g", "f", "o"]


def test_mgu_gates_are_flaxs_dense_names():
    """Flax names each Dense by side and gate (if, hf, hn, in): each gate's row holds its own."""
    c = count_layer("mgu", 7, 5, framework="flax", bidirectional=True)
    for gate in c.gates:
        own = [w for w in c.weights if w.name.startswith(f"{gate.direction}_rnn/cell/")
               and w.name.split("/")[2][1] == gate.gate]
        assert gate.params == sum(w.params for w in own)


@pytest.mark.parametrize("case", [
    {"kind": "mgu", "units": 75, "input_dim": 28, "bidirectional": False},
    {"kind": "mgu", "units": 75, "input_dim": 28, "bidirectional": False, "reset_gate": False},
    {"kind": "convlstm", "units": 64, "input_dim": 3, "bidirectional": False, "kernel_size": [3, 3]},
    {"kind": "convlstm", "units": 16, "input_dim": 3, "bidirectional": True, "kernel_size": [5], "use_bias": False},
])
def test_reference_cases_in_real_flax(flax, case):
    from tests.oracle import frameworks

    built = frameworks.describe_flax(case)
    options = {k: case[k] for k in ("reset_gate", "kernel_size", "use_bias") if k in case}
    ours = count_layer(case["kind"], case["units"], case["input_dim"], framework="flax",
                       bidirectional=case["bidirectional"], **options)
    assert sorted([w.name, list(w.shape)] for w in ours.weights) == built["weights"]
    assert ours.params == built["params"]


# ---- the `layer` command ------------------------------------------------------------------------

def test_layer_convlstm_table():
    result = run("layer", "convlstm", "--units", "64", "--input-dim", "3", "--kernel-size", "3,3",
                 "--framework", "flax")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("ConvLSTMCell(features=64, kernel_size=(3, 3)) on 3 channels: 154,880 parameters\n"
                          "output (None, None, None, 64), Flax flax.linen cells convention\n")
    rows = [line.split() for line in out.splitlines()[6:10]]
    assert rows == [[*gate.split(), "1,728", "36,864", "64", "64", "38,720"]
                    for gate in ("i input", "g cell", "f forget", "o output")]
    assert "hh/kernel   (3, 3, 64, 256)   147,456" in out
    assert "(d = 3 channels, u = 64 units, k = 3*3 window)" in out


def test_layer_mgu_table_and_json():
    result = run("layer", "mgu", "--units", "75", "--input-dim", "28", "--framework", "flax", "--no-reset-gate")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("MGUCell(features=75, reset_gate=False) on 28 features: 15,600 parameters\n")
    data = json.loads(run("layer", "mgu", "--units", "75", "--input-dim", "28", "--framework", "flax", "-f", "json").stdout)
    assert (data["params"], data["reset_gate"], "kernel_size" in data) == (15675, True, False)
    assert [g["gate"] for g in data["gates"]] == ["f", "n"]


@pytest.mark.parametrize("args, kernel_size, params", [
    (["--kernel-size", "3"], [3], 4 * (3 * 3 * 4 + 3 * 4 * 4 + 8)),
    (["--kernel-size", " 2, 3 "], [2, 3], 4 * (6 * 3 * 4 + 6 * 4 * 4 + 8)),
    (["--kernel-size", "3,3", "--no-bias"], [3, 3], 4 * (9 * 3 * 4 + 9 * 4 * 4)),
    (["--kernel-size", "3", "--bidirectional"], [3], 2 * 4 * (3 * 3 * 4 + 3 * 4 * 4 + 8)),
])
def test_layer_convlstm_options(args, kernel_size, params):
    result = run("layer", "conv_lstm", "--units", "4", "--input-dim", "3", "--framework", "flax", *args, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["kernel_size"], data["params"]) == ("convlstm", kernel_size, params)


@pytest.mark.parametrize("args, message", [
    (["convlstm", "--framework", "flax"],
     "ConvLSTMCell needs --kernel-size, one size per spatial axis (3, 3 for a 3 x 3 window)"),
    (["convlstm", "--framework", "flax", "--kernel-size", "3,x"],
     "expected positive integers separated by commas for --kernel-size, such as 3,3, got '3,x'"),
    (["convlstm", "--framework", "flax", "--kernel-size", ""],
     "expected positive integers separated by commas for --kernel-size, such as 3,3, got ''"),
    (["convlstm", "--framework", "flax", "--kernel-size", "3,,3"],
     "expected positive integers separated by commas for --kernel-size, such as 3,3, got '3,,3'"),
    (["convlstm", "--framework", "flax", "--kernel-size", "3,0"], "expected a positive integer for --kernel-size, got 0"),
    (["convlstm", "--framework", "flax", "--kernel-size", "-3"], "expected a positive integer for --kernel-size, got -3"),
    (["gru", "--kernel-size", "3"], "--kernel-size applies only to convlstm (Flax's ConvLSTMCell), not to GRU"),
    (["lstm", "--framework", "flax", "--kernel-size", "3,3"],
     "--kernel-size applies only to convlstm (Flax's ConvLSTMCell), not to LSTMCell"),
    (["mgu", "--framework", "flax", "--kernel-size", "3"],
     "--kernel-size applies only to convlstm (Flax's ConvLSTMCell), not to MGUCell"),
    (["mgu"], "Keras 3 / tf.keras has no mgu layer (it has SimpleRNN, LSTM, GRU); mgu is Flax's MGUCell "
              "(--framework flax)"),
    (["mgu", "--framework", "pytorch"], "PyTorch torch.nn has no mgu layer (it has nn.RNN, nn.LSTM, nn.GRU); "
                                        "mgu is Flax's MGUCell (--framework flax)"),
    (["convlstm", "--framework", "onnx", "--kernel-size", "3"],
     "ONNX RNN / GRU / LSTM operators has no convlstm layer (it has RNN, LSTM, GRU); convlstm is Flax's "
     "ConvLSTMCell (--framework flax)"),
    (["gru", "--framework", "flax", "--no-reset-gate"],
     "--reset-gate/--no-reset-gate applies only to mgu (Flax's MGUCell), not to GRUCell"),
    (["mgu", "--framework", "flax", "--no-bias"],
     "MGUCell always has biases; --no-bias does not apply to Flax flax.linen cells except ConvLSTMCell"),
])
def test_layer_errors_exit_2_with_one_line(args, message):
    result = run("layer", *args[:1], "--units", "4", "--input-dim", "3", *args[1:])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


def test_layer_convlstm_imports_no_registry_yaml_or_rich():
    """The one-line query stays light for the new cells too (bench/benchmark.py times it)."""
    code = ("import sys\nfrom gru_params.cli import app\n"
            "sys.argv = ['gru-params', 'layer', 'convlstm', '--units', '4', '--input-dim', '3', '--framework', 'flax',"
            " '--kernel-size', '3,3']\n"
            "try:\n    app()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'rich') or m.startswith('gru_params.')),"
            " file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ConvLSTMCell" in done.stdout
    assert eval(done.stderr) == ["gru_params.cli", "gru_params.conventions", "gru_params.errors",
                                 "gru_params.formulas", "gru_params.limits", "gru_params.render", "gru_params.render.layer",
                                 "gru_params.render.text"]


# ---- compare -------------------------------------------------------------------------------

def test_compare_has_mgu_for_flax_only():
    result = compare([75], 28)
    assert result.cell("MGU", "flax", 75).params == count_layer("mgu", 75, 28, framework="flax").params == 15675
    assert result.cell("MGU", "flax", 75).ratio == 15675 / 7800
    assert all(result.cell("MGU", f, 75).params is None for f in ("keras", "pytorch", "onnx", "keras2-cudnn"))


@pytest.mark.parametrize("framework, has_mgu", [("flax", True), ("keras", False), ("pytorch", False)])
def test_compare_sweeps_show_mgu_for_flax_only(framework, has_mgu):
    for fmt in ("table", "markdown"):
        out = run("compare", "--units", "16,32", "--input-dim", "28", "--framework", framework, "-f", fmt).stdout
        header = next(line for line in out.splitlines() if "SimpleRNN" in line)
        assert ("MGU" in header) is has_mgu
