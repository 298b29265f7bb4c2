"""`gru-params layer` through Typer's CliRunner: output, options, errors and exit codes."""

import json
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from gru_params.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "100"})


def layer_json(*args: str) -> dict:
    result = run("layer", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_gru_table_shows_gates_weights_formula_and_why():
    result = run("layer", "gru", "--units", "75", "--input-dim", "28")
    assert result.exit_code == 0
    out = result.stdout
    assert "GRU(75) on 28 features: 23,625 parameters" in out
    for row in ("z update", "r reset", "h candidate"):
        assert f"{row}  " in out
    assert "Total          6,300      16,875     225         225   23,625" in out
    assert "kernel             (28, 225)    6,300" in out
    assert "recurrent_kernel   (75, 225)   16,875" in out
    assert "bias               (2, 225)       450" in out
    assert "3 x (28*75 + 75*75 + 2*75) = 23,625" in out
    assert "textbook 23,400 (reset_after=False)" in out


@pytest.mark.parametrize(
    "args, params",
    [
        (["gru"], 23625),
        (["gru", "--reset-after"], 23625),
        (["gru", "--reset-before"], 23400),
        (["lstm"], 31200),
        (["LSTM"], 31200),
        (["gru", "--no-bias"], 23175),
        (["gru", "--bias"], 23625),
        (["gru", "--bidirectional"], 47250),
    ],
)
def test_reference_counts(args, params):
    assert layer_json(*args, "--units", "75", "--input-dim", "28")["params"] == params


@pytest.mark.parametrize("kind", ["simplernn", "rnn", "simple_rnn", "SimpleRNN"])
def test_simple_rnn_names(kind):
    data = layer_json(kind, "--units", "32", "--input-dim", "32")
    assert (data["class_name"], data["params"]) == ("SimpleRNN", 2080)


def test_json_contract():
    data = layer_json("gru", "--units", "75", "--input-dim", "28")
    assert data["params"] == 23625
    assert data["weights"] == [
        {"name": "kernel", "shape": [28, 225], "params": 6300},
        {"name": "recurrent_kernel", "shape": [75, 225], "params": 16875},
        {"name": "bias", "shape": [2, 225], "params": 450},
    ]
    assert [g["gate"] for g in data["gates"]] == ["z", "r", "h"]
    assert data["gates"][0] == {
        "gate": "z", "name": "update", "layer": 0, "direction": None, "input_kernel": 2100,
        "recurrent_kernel": 5625, "input_bias": 75, "recurrent_bias": 75, "params": 7875,
    }
    # the options are echoed
    assert {k: data[k] for k in ("kind", "units", "input_dim", "use_bias", "reset_after", "bidirectional")} == {
        "kind": "gru", "units": 75, "input_dim": 28, "use_bias": True, "reset_after": True, "bidirectional": False,
    }


@pytest.mark.parametrize(
    "mode, output_dims", [("concat", [150]), ("sum", [75]), ("mul", [75]), ("ave", [75]), ("none", [75, 75]), ("SUM", [75])]
)
def test_merge_modes(mode, output_dims):
    data = layer_json("lstm", "--units", "75", "--input-dim", "28", "--bidirectional", "--merge-mode", mode)
    assert data["params"] == 62400
    assert data["output_dims"] == output_dims
    assert [w["name"] for w in data["weights"]][::3] == ["forward_lstm/kernel", "backward_lstm/kernel"]
    assert {g["direction"] for g in data["gates"]} == {"forward", "backward"}


def test_bidirectional_defaults_to_concat():
    data = layer_json("gru", "--units", "8", "--input-dim", "3", "--bidirectional")
    assert (data["merge_mode"], data["output_dims"]) == ("concat", [16])


def test_bidirectional_table_has_a_direction_column():
    result = run("layer", "simplernn", "--units", "4", "--input-dim", "3", "--bidirectional", "--merge-mode", "sum")
    assert result.exit_code == 0
    assert "Bidirectional(SimpleRNN(4), merge_mode='sum') on 3 features: 64 parameters" in result.stdout
    assert "output (None, 4)" in result.stdout
    assert "forward     h hidden state" in result.stdout
    assert "backward    h hidden state" in result.stdout


def test_markdown():
    result = run("layer", "lstm", "--units", "75", "--input-dim", "28", "-f", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("### LSTM(75) on 28 features: 31,200 parameters\n")
    assert "| i input | 2,100 | 5,625 | 75 | 7,800 |" in result.stdout
    assert "| **Total** | **8,400** | **22,500** | **300** | **31,200** |" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["grux", "--units", "5", "--input-dim", "3"],
         "Error: unknown layer kind 'grux'; expected simplernn, lstm, gru (or rnn, simple_rnn, simple-rnn) (did you mean `gru`?)"),
        (["gru", "--units", "0", "--input-dim", "3"], "Error: expected a positive integer for --units, got 0"),
        (["gru", "--units", "-5", "--input-dim", "3"], "Error: expected a positive integer for --units, got -5"),
        (["gru", "--units", "5", "--input-dim", "-1"], "Error: expected a positive integer for --input-dim, got -1"),
        (["lstm", "--units", "5", "--input-dim", "3", "--reset-before"],
         "Error: --reset-after/--reset-before applies only to GRU, not to LSTM"),
        (["simplernn", "--units", "5", "--input-dim", "3", "--reset-after"],
         "Error: --reset-after/--reset-before applies only to GRU, not to SimpleRNN"),
        (["gru", "--units", "5", "--input-dim", "3", "--merge-mode", "sum"],
         "Error: --merge-mode applies only with --bidirectional"),
    ],
)
def test_bad_values_exit_2_with_one_line(args, message):
    result = run("layer", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message + "\n"


@pytest.mark.parametrize(
    "args, start",
    [
        (["gru", "--units", "7.5", "--input-dim", "3"], "Error: Invalid value for '--units'"),
        (["gru", "--units", "many", "--input-dim", "3"], "Error: Invalid value for '--units'"),
        (["gru", "--unit", "5", "--input-dim", "3"], "Error: No such option: --unit (Possible options: --units)"),
        (["gru", "--input-dim", "3"], "Error: Missing option '--units'."),
        ([], "Error: Missing argument 'KIND'."),
        (["gru", "--units", "5", "--input-dim", "3", "--bidirectional", "--merge-mode", "avg"],
         "Error: Invalid value for '--merge-mode'"),
        (["gru", "--units", "5", "--input-dim", "3", "--format", "yaml"], "Error: Invalid value for '--format' / '-f'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, start):
    result = run("layer", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(start)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_unknown_command_suggests_the_closest():
    result = run("lyer")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: No such command 'lyer'. Did you mean 'layer'?")


COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and len(result.stdout.splitlines()) > 5


def test_commands_are_registered():
    assert "layer" in COMMANDS


def test_version():
    from gru_params import __version__

    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"gru-params {__version__}\n")


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "gru_params", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "layer" in done.stdout


def test_python_dash_m_error_has_no_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "gru_params", "layer", "gru", "--units", "-3", "--input-dim", "2"],
        capture_output=True, text=True,
    )
    assert done.returncode == 2
    assert done.stderr == "Error: expected a positive integer for --units, got -3\n"
