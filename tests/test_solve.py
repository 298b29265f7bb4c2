"""`solve`: the largest layer within a budget. The answers come from the frameworks
(tests/golden/solve.json, made by tests/oracle/solve_cases.py from real tf.keras and torch
builds and FlopCounterMode runs; and live torch builds at the answer and the next size); the
search is checked for its invariant and its number of tries; the CLI for its contract."""

import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gru_params import ArgumentError, count_layer
from gru_params.cli import app
from gru_params.solve import solve_layer

GOLDEN = json.loads((Path(__file__).parent / "golden" / "solve.json").read_text())
CASES = GOLDEN["cases"]
runner = CliRunner()
OPTIONS = ("framework", "num_layers", "bidirectional", "use_bias", "reset_after", "proj_size")


def solved(case: dict):
    options = {k: case[k] for k in OPTIONS if case.get(k) is not None}
    return solve_layer(case["kind"], case["input_dim"], max_params=case.get("max_params"),
                       max_macs=case.get("max_macs"), seq_len=case.get("seq_len"), batch=case.get("batch") or 1,
                       multiple_of=case.get("multiple_of") or 1, **options)


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{c['kind']}-{c['framework']}" for i, c in enumerate(CASES)])
def test_golden(case):
    s = solved(case)
    got = {"units": s.units, "params": s.params}
    want = {"units": case["units"], "params": case["params"]}
    if case["units"] is not None:
        got.update(next_units=s.next_units, next_params=s.next_params)
        want.update(next_units=case["next_units"], next_params=case["next_params"])
    if case.get("max_macs") is not None:
        got.update(macs=s.macs)
        want.update(macs=case["macs"])
        if case["units"] is not None:
            got.update(next_macs=s.next_macs)
            want.update(next_macs=case["next_macs"])
    assert got == want


def test_golden_covers_the_options():
    assert len(CASES) >= 60
    assert {c["kind"] for c in CASES} == {"simplernn", "lstm", "gru"}
    assert {c["framework"] for c in CASES} == {"keras", "pytorch"}
    assert sum(c["units"] is None for c in CASES) >= 3
    assert sum(c.get("max_macs") is not None for c in CASES) >= 10
    assert len({c.get("multiple_of") for c in CASES}) >= 3
    assert any(c.get("proj_size") for c in CASES) and any(c.get("bidirectional") for c in CASES)


# ---- the search -----------------------------------------------------------------------------

KINDS = st.sampled_from(["simplernn", "lstm", "gru"])


@settings(max_examples=200, deadline=None)
@given(KINDS, st.integers(1, 2000), st.integers(1, 10**12), st.sampled_from([1, 8, 16, 64, 128]),
       st.sampled_from(["keras", "pytorch"]), st.integers(1, 4), st.booleans())
def test_the_answer_fits_and_the_next_size_does_not(kind, input_dim, budget, step, framework, layers, bidirectional):
    options = dict(framework=framework, bidirectional=bidirectional)
    if framework == "pytorch":
        options["num_layers"] = layers
    s = solve_layer(kind, input_dim, max_params=budget, multiple_of=step, **options)
    assert s.next_params == count_layer(kind, s.next_units, input_dim, **options).params
    if s.units is None:
        assert s.next_units == step and s.params > budget
        return
    assert s.units % step == 0 and s.next_units == s.units + step
    assert s.params == count_layer(kind, s.units, input_dim, **options).params <= budget < s.next_params
    # logarithmic: doubling up to the answer, then halving the interval
    assert s.tries <= 2 * math.log2(s.units / step + 1) + 4


def test_a_macs_budget_alone_and_with_parameters():
    s = solve_layer("lstm", 64, max_macs=10_000_000, seq_len=100, framework="pytorch")
    assert s.macs <= 10_000_000 < s.next_macs and (s.units, s.macs) == (129, 9_958_800)
    both = solve_layer("lstm", 64, max_macs=10_000_000, max_params=50_000, seq_len=100, framework="pytorch")
    assert both.units < s.units and both.params <= 50_000 < both.next_params


@pytest.mark.parametrize("arguments, message", [
    (dict(), "give a budget"),
    (dict(max_macs=10), "`max_macs` needs `seq_len`"),
    (dict(max_params=10, batch=2), "`batch` applies only with `seq_len`"),
    (dict(max_params=-1), "expected an integer >= 0 for `max_params`, got -1"),
    (dict(max_params=10, multiple_of=0), "expected a positive integer for `multiple_of`, got 0"),
    (dict(max_params=True), "expected an integer >= 0 for `max_params`, got True"),
    (dict(max_params=10**30), "expected an integer >= 0 for `max_params`, got an integer of about 31 digits"),
])
def test_bad_arguments(arguments, message):
    with pytest.raises(ArgumentError, match=message.replace("(", r"\(")):
        solve_layer("gru", 28, **arguments)


# ---- the CLI --------------------------------------------------------------------------------

def test_cli_text_json_and_exit_codes():
    result = runner.invoke(app, ["solve", "gru", "--input-dim", "28", "--max-params", "1000000"])
    assert result.exit_code == 0
    assert result.output == ("The largest within 1,000,000 parameters: GRU(562) on 28 features (Keras 3 / tf.keras)\n"
                             "  units 562: 998,112 parameters\n"
                             "  next, units 563: 1,001,577 parameters, over the budget\n")
    result = runner.invoke(app, ["solve", "lstm", "--input-dim", "64", "--framework", "pytorch", "--max-macs",
                                 "10000000", "--seq-len", "100", "--multiple-of", "8", "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"units": 128, "params": 99328, "next_units": 136, "next_params": 109888,
                                         "macs": 9830400, "next_macs": 10880000}
    none = runner.invoke(app, ["solve", "lstm", "--input-dim", "64", "--max-params", "10", "-f", "json"])
    assert none.exit_code == 1 and json.loads(none.output)["units"] is None
    text = runner.invoke(app, ["solve", "lstm", "--input-dim", "64", "--max-params", "10"]).output
    assert text.startswith("Not even the smallest, LSTM(1) on 64 features, is within 10 parameters")


@pytest.mark.parametrize("args, message", [
    (["lstm", "--input-dim", "64"], "Error: give a budget: --max-params, or --max-macs with --seq-len"),
    (["lstm", "--input-dim", "64", "--max-macs", "5"], "Error: --max-macs needs --seq-len"),
    (["lsmt", "--input-dim", "3", "--max-params", "50"], "did you mean `lstm`?"),
    (["gru", "--input-dim", "3", "--max-params", "50", "--proj-size", "2"], "--proj-size applies only to PyTorch's LSTM"),
])
def test_cli_errors(args, message):
    result = runner.invoke(app, ["solve", *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_live_torch_builds_at_the_answer(torch):
    """Fresh random torch layers: the answer's module and the next size's, counted by torch."""
    rng = random.Random()
    classes = {"simplernn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    for _ in range(12):
        kind, d, layers = rng.choice(list(classes)), rng.randint(1, 300), rng.randint(1, 3)
        bidirectional, budget, step = rng.random() < 0.4, rng.randint(1, 3_000_000), rng.choice([1, 8, 32])
        s = solve_layer(kind, d, max_params=budget, multiple_of=step, framework="pytorch", num_layers=layers,
                        bidirectional=bidirectional)

        def torch_count(units: int) -> int:
            module = classes[kind](d, units, num_layers=layers, bidirectional=bidirectional, device="meta")
            return sum(p.numel() for p in module.parameters())

        assert torch_count(s.next_units) == s.next_params and s.next_params > budget
        if s.units is not None:
            assert torch_count(s.units) == s.params <= budget, (kind, d, layers, bidirectional, budget, step)


# ---- one integer argument of a spec ---------------------------------------------------------

def _total(path, vary_value: int, text: str) -> int | None:
    """The model's count with the argument set, built from the spec's text (independently of
    the search): None where it does not build."""
    from gru_params import GruParamsError, summarize
    from gru_params.spec import from_text

    try:
        return summarize(from_text(text.replace("VALUE", str(vary_value)), str(path))).total_params
    except GruParamsError:
        return None


IMDB = Path(__file__).parents[1] / "specs" / "imdb_lstm.yaml"


@pytest.mark.parametrize("budget", [328_353, 400_000, 1_000_000, 320_200])
def test_spec_answer_is_the_largest_within_budget(budget, tmp_path):
    from gru_params.solve import solve_spec

    s = solve_spec(str(IMDB), "layers[1].LSTM.units", max_params=budget)
    text = IMDB.read_text().replace("LSTM: {units: 32}", "LSTM: {units: VALUE}")
    assert "VALUE" in text and s.monotone
    assert s.params == _total(IMDB, s.value, text) <= budget < s.next_params == _total(IMDB, s.value + 1, text)
    assert s.tries <= 2 * math.log2(s.value + 1) + 4


NOT_MONOTONE = """\
input: [100, 1]
layers:
  - Conv1D: {filters: 4, kernel_size: VALUE}
  - Flatten
  - Dense: {units: 10}
"""


def test_spec_count_that_falls_is_searched_value_by_value(tmp_path):
    """A wider kernel makes the convolution's output shorter, and the Dense after it smaller:
    the count falls as the value grows. Every value is tried, and the feasible set is shown."""
    from gru_params.solve import solve_spec

    path = tmp_path / "conv.yaml"
    path.write_text(NOT_MONOTONE.replace("VALUE", "3"))
    s = solve_spec(str(path), "layers[0].Conv1D.kernel_size", max_params=3000)
    truth = {k: _total(path, k, NOT_MONOTONE) for k in range(1, 129)}
    within = [k for k, n in truth.items() if n is not None and n <= 3000]
    assert not s.monotone and s.searched == 128
    assert s.feasible == ((within[0], within[-1]),) and within == list(range(within[0], within[-1] + 1))
    assert (s.value, s.params, s.next_value, s.next_params) == (within[-1], truth[within[-1]], 101, None)
    assert "too short for kernel 101" in s.next_error
    result = runner.invoke(app, ["solve", str(path), "--vary", "layers[0].Conv1D.kernel_size", "--max-params", "3000"])
    assert result.exit_code == 0
    assert "does not grow with `layers[0].Conv1D.kernel_size`: every value up to 128 was tried" in result.output
    assert f"Values within 3,000 parameters: {within[0]} to 100" in result.output


def test_spec_cli_json_and_none(tmp_path):
    result = runner.invoke(app, ["solve", str(IMDB), "--vary", "layers[1].LSTM.units", "--max-params", "400000",
                                 "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"vary": "layers[1].LSTM.units", "value": 125, "params": 399126,
                                         "next_value": 126, "next_params": 400263, "monotone": True}
    none = runner.invoke(app, ["solve", str(IMDB), "--vary", "layers[1].LSTM.units", "--max-params", "100"])
    assert none.exit_code == 1 and "No value of `layers[1].LSTM.units` is within 100 parameters" in none.output


@pytest.mark.parametrize("args, message", [
    (["--vary", "layers[1]..x"], "expected a key path such as layers[1].LSTM.units for --vary"),
    (["--vary", "layers[1]"], "`layers[1]` is a mapping in the spec, not an integer to vary"),
    (["--vary", "layers[1].LSTM.unit"], "no `unit` there (write the argument in the spec first)"),
    (["--vary", "layers[9].LSTM.units"], "no item 9 there"),
    (["--vary", "layers[1].LSTM.units", "--input-dim", "3"], "--input-dim: options of a layer"),
])
def test_spec_cli_errors(args, message):
    result = runner.invoke(app, ["solve", str(IMDB), "--max-params", "400000", *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    missing = runner.invoke(app, ["solve", "no/such.yaml", "--vary", "a", "--max-params", "4"])
    assert missing.exit_code == 2 and "Error: no/such.yaml: no such file" in missing.output


def test_spec_scan_is_bounded(tmp_path, monkeypatch):
    """A count that falls is searched value by value, within bounds on the values and on the
    layers built; past them, the advice to take larger steps."""
    from gru_params import solve

    path = tmp_path / "conv.yaml"
    path.write_text(NOT_MONOTONE.replace("VALUE", "3"))
    monkeypatch.setattr(solve, "MAX_SCAN_LAYERS", 300)  # 128 values x 3 layers
    result = runner.invoke(app, ["solve", str(path), "--vary", "layers[0].Conv1D.kernel_size", "--max-params", "3000"])
    assert result.exit_code == 2
    assert "trying the 128 values up to 128 one by one would build 384 layers" in result.output
    assert "give a larger --multiple-of" in result.output
    ok = runner.invoke(app, ["solve", str(path), "--vary", "layers[0].Conv1D.kernel_size", "--max-params", "3000",
                             "--multiple-of", "2"])
    assert ok.exit_code == 0 and "Values within 3,000 parameters:" in ok.output
