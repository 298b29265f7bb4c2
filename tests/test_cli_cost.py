"""`summary --seq-len/--batch/--dtype/--optimizer` and `check`'s budgets on compute and memory,
through CliRunner: the JSON contract, the tables' MACs column and torchinfo's Mult-Adds, the
time axis filled or refused, unknown MACs said, and bad options and `compute:` blocks refused
with the file, line and key. The numbers themselves are proved against the frameworks in
test_model_macs.py and test_cost_memory.py."""

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gru_params.cli import app
from gru_params.layers import REGISTRIES, costs

runner = CliRunner()
EXAMPLES = Path(__file__).parents[1] / "examples"


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def spec(tmp_path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


GRU_DENSE = """\
    input: [null, 28]
    layers:
      - GRU: {units: 75, return_sequences: true}
      - Bidirectional: {layer: {LSTM: {units: 16}}}
      - Dense: {units: 10}
    """


# ---- the registry ---------------------------------------------------------------------------

@pytest.mark.parametrize("framework", sorted(REGISTRIES))
def test_every_layer_kind_declares_its_macs(framework):
    """No kind is left to a default: each declares a rule, 0, or that its MACs are not known."""
    missing = [name for name, kind in REGISTRIES[framework].items() if kind.macs is None]
    assert not missing


def test_unknown_is_declared_only_where_a_count_would_be_a_guess():
    unknown = sorted({k.class_name for r in REGISTRIES.values() for k in r.values() if k.macs is costs.unknown})
    assert unknown == ["Bilinear", "CustomLayer", "Lambda", "LocallyConnected1D", "LocallyConnected2D",
                       "MelSpectrogram", "RandomFourierFeatures", "STFTSpectrogram"]


# ---- summary --------------------------------------------------------------------------------

def test_json_has_each_layers_macs_and_the_totals(tmp_path):
    result = run("summary", spec(tmp_path, GRU_DENSE), "--seq-len", 28, "--batch", 2, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    gru, bidirectional, dense = data["layers"]
    assert gru["output_shape"] == [None, 28, 75]  # the shapes stay as Keras prints them
    for row in data["layers"]:
        assert row["flops"] == 2 * row["macs"] and isinstance(row["macs"], int)
    assert gru["macs"] == 28 * gru["macs_per_step"] and bidirectional["macs"] == 28 * bidirectional["macs_per_step"]
    assert "macs_per_step" not in dense
    assert data["macs"] == sum(r["macs"] for r in data["layers"]) and data["flops"] == 2 * data["macs"]
    assert (data["seq_len"], data["batch"], data["dtype"], data["optimizer"]) == (28, 2, "float32", "adam")
    memory = data["memory"]
    assert list(memory) == ["weights", "gradients", "optimizer", "activations", "total"]
    assert memory["weights"] == 4 * data["total_params"] and memory["optimizer"] == 2 * memory["gradients"]


def test_macs_scale_with_the_batch_and_the_length(tmp_path):
    def macs(*options):
        return json.loads(run("summary", spec(tmp_path, GRU_DENSE), "-f", "json", *options).output)["macs"]

    one = macs("--seq-len", 10)
    assert macs("--seq-len", 10, "--batch", 3) == 3 * one
    assert macs("--seq-len", 20) == 2 * one - 32 * 10  # every layer but the last Dense (32 to 10) runs every step


def test_a_fixed_time_axis_is_the_default_length_and_may_not_be_contradicted(tmp_path):
    path = spec(tmp_path, GRU_DENSE.replace("null", "28"))
    data = json.loads(run("summary", path, "--batch", 1, "-f", "json").output)
    assert data["seq_len"] == 28 and data["macs"] == json.loads(
        run("summary", spec(tmp_path, GRU_DENSE, "free.yaml"), "--seq-len", 28, "-f", "json").output)["macs"]
    result = run("summary", path, "--seq-len", 100)
    assert result.exit_code == 2
    assert "model.yaml:1:1: the input [28, 28] fixes the time axis at 28, not --seq-len 100" in result.output
    assert "Traceback" not in result.output


def test_a_free_length_without_seq_len_is_said_not_guessed(tmp_path):
    result = run("summary", spec(tmp_path, GRU_DENSE), "--batch", 2, "-f", "json")
    data = json.loads(result.output)
    assert data["macs"] is None and data["flops"] is None
    assert "free (null)" in data["macs_unknown"][0] and data["memory"]["weights"] > 0
    text = run("summary", spec(tmp_path, GRU_DENSE), "--batch", 2).output
    assert "MACs: not known" in text and "--seq-len" in text


def test_a_lambda_has_no_macs_and_the_total_is_not_made_up(tmp_path):
    path = spec(tmp_path, """\
        input: [10, 8]
        layers:
          - Dense: {units: 4}
          - Lambda: {output_shape: [10, 4]}
        """)
    data = json.loads(run("summary", path, "--batch", 1, "-f", "json").output)
    assert [r["macs"] for r in data["layers"]] == [320, None]
    assert data["macs"] is None and data["macs_unknown"] == ["lambda (Lambda)"]


def test_the_keras_table_gets_a_macs_column_and_cost_lines(tmp_path):
    text = run("summary", spec(tmp_path, GRU_DENSE), "--seq-len", 28).output
    header = next(line for line in text.splitlines() if "Layer (type)" in line)
    assert header.replace("┃", " ").split()[-2:] == ["#", "MACs"]
    gru = next(line for line in text.splitlines() if "gru (GRU)" in line)
    assert gru.replace("│", " ").split()[-2:] == ["23,625", "648,900"]  # 28 steps x (28 + 75) x 3 x 75
    assert " MACs: 975,364 (FLOPs 1,950,728), one forward pass of 28 steps, batch 1" in text
    assert " Training memory (float32, adam): " in text
    plain = run("summary", spec(tmp_path, GRU_DENSE), "--seq-len", 28, "-f", "markdown").output
    assert "| Layer (type) | Output Shape | Param # | MACs |" in plain and "| 648,900 |" in plain


def test_without_cost_options_nothing_changes(tmp_path):
    plain = run("summary", spec(tmp_path, GRU_DENSE.replace("null", "28"))).output
    assert "MACs" not in plain and "memory" not in plain
    data = json.loads(run("summary", spec(tmp_path, GRU_DENSE.replace("null", "28")), "-f", "json").output)
    assert "macs" not in data and "macs" not in data["layers"][0]


TORCH = """\
    name: Net
    framework: pytorch
    input: [20, 16]
    layers:
      - LSTM: {input_size: 16, hidden_size: 32, batch_first: true}
      - Linear: {out_features: 4}
    """


def test_torchinfo_layout_gets_mult_adds(tmp_path):
    text = run("summary", spec(tmp_path, TORCH), "--batch", 2).output
    lines = text.splitlines()
    assert lines[1].split() == ["Layer", "(type:depth-idx)", "Output", "Shape", "Param", "#", "Mult-Adds"]
    lstm = 2 * 20 * (16 + 32) * 128
    assert lines[4].split()[-1] == f"{lstm:,}" and lines[5].split()[-1] == f"{2 * 20 * 32 * 4:,}"
    assert lines[3].split()[1:4] == ["[2,", "20,", "4]"]  # the shapes at the batch given, as torchinfo shows them
    assert f"Total mult-adds (Units.MEGABYTES): {(lstm + 5120) / 1e6:.2f}" in lines


@pytest.mark.parametrize("macs", [0, 1, 999_999, 1_000_000, 1_234_567, 2_500_000_000, 3 * 10**12, 123456789012345])
def test_total_mult_adds_is_written_as_torchinfo_writes_it(torch, macs):
    """torchinfo 1.8.0's own formatting (ModelStatistics.format_output_num) of the same number."""
    from torchinfo.model_statistics import ModelStatistics
    from torchinfo.enums import Units

    from gru_params.render.cost import torchinfo_mult_adds

    assert torchinfo_mult_adds(macs) == "Total mult-adds" + ModelStatistics.format_output_num(macs, Units.AUTO)


def test_a_checkpoint_has_memory_in_its_dtypes_and_no_macs():
    data = json.loads(run("summary", EXAMPLES / "translator.pt", "--batch", 1, "-f", "json").output)
    assert data["macs"] is None and "tensors, not layers" in data["macs_unknown"][0]
    assert data["dtype"] is None and data["memory"]["weights"] == data["params_bytes"]
    result = run("summary", EXAMPLES / "translator.pt", "--seq-len", 10)
    assert result.exit_code == 2 and "translator.pt holds tensors, not layers" in result.output


@pytest.mark.parametrize("options, message", [
    (["--batch", 0], "expected a positive integer for `batch`, got 0"),
    (["--seq-len", -3], "expected a positive integer for `seq_len`, got -3"),
    (["--dtype", "float31"], "expected one of float32, float16, bfloat16, float64, int8 for `dtype`, got 'float31'"),
    (["--optimizer", "adamm"], "got 'adamm' (did you mean `adam`?)"),
    (["--dtype", "int8", "--optimizer", "adam"], "int8 weights cannot be trained with `adam`"),
])
def test_bad_cost_options_are_refused(tmp_path, options, message):
    result = run("summary", spec(tmp_path, GRU_DENSE), "--seq-len", 5, *options)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_int8_runs_without_an_optimizer_by_default(tmp_path):
    data = json.loads(run("summary", spec(tmp_path, GRU_DENSE), "--dtype", "int8", "--seq-len", 5, "-f", "json").output)
    assert data["optimizer"] == "none" and data["memory"]["weights"] == data["total_params"]
    assert data["memory"]["gradients"] == data["memory"]["optimizer"] == 0


# ---- check: budgets on compute and memory ---------------------------------------------------

BUDGETED = """\
    input: [null, 28]
    layers:
      - LSTM: {units: 64}
      - Dense: {units: 10}
    compute: {seq_len: 100, batch: 32, dtype: float16, optimizer: adamw}
    budget:
      max_params: 30000
      max_macs: %d
      max_flops: %d
      max_weight_bytes: %d
      max_training_bytes: %d
    """
LSTM_MACS = 32 * 100 * (28 + 64) * 256 + 32 * 640  # the golden tests prove the rules; here, the wiring
PARAMS = 4 * (28 + 64 + 1) * 64 + 650


def test_check_passes_within_every_compute_budget(tmp_path):
    # fp16 weights and gradients, two fp32 adamw states; activations as the README writes them: the
    # LSTM's input and 7 values a unit at each step and sample, the Dense's input, 2 bytes each
    activations = 2 * (32 * 100 * (28 + 7 * 64) + 32 * 64)
    training = 2 * PARAMS * 2 + 2 * 4 * PARAMS + activations
    path = spec(tmp_path, BUDGETED % (LSTM_MACS, 2 * LSTM_MACS, 2 * PARAMS, training))
    result = run("check", path, "-f", "json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["files"]
    assert entry["ok"] and entry["macs"] == LSTM_MACS and entry["memory"]["total"] == training
    assert entry["memory"]["activations"] == activations
    assert (entry["seq_len"], entry["batch"], entry["dtype"], entry["optimizer"]) == (100, 32, "float16", "adamw")


def test_check_fails_over_a_compute_budget_with_its_line(tmp_path):
    path = spec(tmp_path, BUDGETED % (LSTM_MACS - 1, 2 * LSTM_MACS, 2 * PARAMS - 1, 10**9))
    result = run("check", path, "-f", "github")
    assert result.exit_code == 1
    assert (f"::error file={path},line=8,col=13,title=budget.max_macs::MACs {LSTM_MACS:,} is over the budget of "
            f"{LSTM_MACS - 1:,} by 1") in result.output
    assert "line=10,col=21,title=budget.max_weight_bytes::weight bytes" in result.output
    junit = run("check", path, "-f", "junit").output
    assert junit.count("<failure") == 2


def test_a_compute_budget_needs_known_macs(tmp_path):
    path = spec(tmp_path, BUDGETED.replace("seq_len: 100, ", "") % (1, 1, 1, 1))
    result = run("check", path)
    assert result.exit_code == 2
    assert "model.yaml:8:13: budget.max_macs: the MACs are not known" in " ".join(result.output.split())


@pytest.mark.parametrize("compute, message", [
    ("{seq_len: 0}", "5:20: compute.seq_len: expected a whole number >= 1, got 0"),
    ("{batch: two}", "5:18: compute.batch: expected a whole number >= 1, got 'two'"),
    ("{dtype: fp16}", "5:18: compute.dtype: expected one of float32, float16, bfloat16, float64, int8, got 'fp16'"),
    ("{optimiser: adam}", "5:11: compute.optimiser: unknown key `optimiser` in `compute` (did you mean `optimizer`?)"),
    ("[100, 32]", "5:10: compute: expected `compute` as a mapping"),
    ("{dtype: int8, optimizer: sgd}", "5:10: compute: int8 weights cannot be trained with `sgd`"),
])
def test_a_bad_compute_block_is_refused_where_it_is_written(tmp_path, compute, message):
    text = BUDGETED.replace("{seq_len: 100, batch: 32, dtype: float16, optimizer: adamw}", compute) % (1, 1, 1, 1)
    result = run("check", spec(tmp_path, text))
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output


def test_a_source_spec_budgets_a_checkpoints_memory(tmp_path):
    path = spec(tmp_path, f"""\
        source: {EXAMPLES / 'translator.pt'}
        compute: {{optimizer: sgd}}
        budget: {{max_weight_bytes: 100000, max_training_bytes: 100000}}
        """)
    result = run("check", path, "-f", "json")
    (entry,) = json.loads(result.output)["files"]
    assert result.exit_code == 1 and entry["optimizer"] == "sgd"
    assert [p["key"] for p in entry["problems"]] == ["max_training_bytes"]
    assert entry["memory"]["total"] == 2 * entry["memory"]["weights"]
    macs = spec(tmp_path, f"source: {EXAMPLES / 'translator.pt'}\nbudget: {{max_macs: 1}}\n", "macs.yaml")
    result = run("check", macs)
    assert result.exit_code == 2 and "tensors, not layers" in result.output
