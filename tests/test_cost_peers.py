"""The peers' MACs (`gru_params.cost.peers`) against the real packages, run on the same torch
modules: torchinfo, thop or ultralytics-thop, ptflops (both backends) and fvcore."""

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gru_params import count_layer
from gru_params.cli import app
from gru_params.cost.peers import PEERS, compare_macs
from tests.conftest import require
from tests.live import each_live_case

runner = CliRunner()

# Always run: the options each rule treats apart
FIXED = [
    {"kind": "lstm", "units": 6, "input_dim": 4, "num_layers": 1, "bidirectional": False, "use_bias": True,
     "proj_size": 0, "seq_len": 10, "batch": 1},
    {"kind": "lstm", "units": 5, "input_dim": 3, "num_layers": 2, "bidirectional": True, "use_bias": True,
     "proj_size": 0, "seq_len": 4, "batch": 3},
    {"kind": "lstm", "units": 7, "input_dim": 5, "num_layers": 2, "bidirectional": True, "use_bias": True,
     "proj_size": 3, "seq_len": 3, "batch": 2},
    {"kind": "lstm", "units": 4, "input_dim": 2, "num_layers": 1, "bidirectional": False, "use_bias": False,
     "proj_size": 2, "seq_len": 1, "batch": 1},
    {"kind": "gru", "units": 8, "input_dim": 3, "num_layers": 2, "bidirectional": False, "use_bias": True,
     "proj_size": 0, "seq_len": 5, "batch": 2},
    {"kind": "gru", "units": 3, "input_dim": 9, "num_layers": 1, "bidirectional": True, "use_bias": False,
     "proj_size": 0, "seq_len": 2, "batch": 3},
    {"kind": "simplernn", "units": 5, "input_dim": 4, "num_layers": 2, "bidirectional": True, "use_bias": True,
     "proj_size": 0, "seq_len": 7, "batch": 1},
    {"kind": "simplernn", "units": 2, "input_dim": 6, "num_layers": 1, "bidirectional": False, "use_bias": False,
     "proj_size": 0, "seq_len": 1, "batch": 2},
]
LIVE_CASES = 15


def draw(rng) -> dict:
    kind = rng.choice(["simplernn", "lstm", "gru"])
    units = rng.randint(2, 12)
    return {"kind": kind, "units": units, "input_dim": rng.randint(1, 12), "num_layers": rng.choice([1, 2]),
            "bidirectional": rng.random() < 0.5, "use_bias": rng.random() < 0.7,
            "proj_size": rng.randint(1, units - 1) if kind == "lstm" and rng.random() < 0.4 else 0,
            "seq_len": rng.randint(1, 10), "batch": rng.randint(1, 3)}


def peer_figures(case: dict) -> dict:
    count = count_layer(case["kind"], case["units"], case["input_dim"], framework="pytorch",
                        num_layers=case["num_layers"], use_bias=case["use_bias"],
                        bidirectional=case["bidirectional"], proj_size=case["proj_size"])
    return {p.peer.tool: p.macs for p in compare_macs(count, case["seq_len"], case["batch"]).peers}


def module_and_input(torch, case: dict):
    """The nn module of `case`, and its input in torch's default layout, (T, B, D)."""
    cls = {"simplernn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[case["kind"]]
    options = {"proj_size": case["proj_size"]} if case["proj_size"] else {}
    module = cls(case["input_dim"], case["units"], num_layers=case["num_layers"], bias=case["use_bias"],
                 bidirectional=case["bidirectional"], **options)
    return module, torch.randn(case["seq_len"], case["batch"], case["input_dim"])


def check_tool(torch, tool: str, measure) -> None:
    """Our figure for `tool` against measure(module, x), the real package's, on FIXED and random cases."""

    def compare(case):
        module, x = module_and_input(torch, case)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            real = measure(module, x)
        ours = peer_figures(case)[tool]
        assert ours == real, f"{tool} reports {real:,}, peers.py says {ours:,}"

    for case in FIXED:
        try:
            compare(case)
        except AssertionError as e:
            pytest.fail(f"{case}: {e}")
    each_live_case(LIVE_CASES, draw, lambda case: case, compare, tool)


def test_torchinfo(torch):
    torchinfo = require("torchinfo", "check torchinfo's MACs rule")
    assert torchinfo.__version__ == "1.8.0", "peers.py writes torchinfo 1.8.0's rule"
    check_tool(torch, "torchinfo", lambda m, x: torchinfo.summary(m, input_data=x, verbose=0).total_mult_adds)


def test_ultralytics_thop(torch):
    thop = require("thop", "check ultralytics-thop's MACs rule")
    assert thop.__version__ == {p.tool: p.version for p in PEERS}["ultralytics-thop"], thop.__version__
    check_tool(torch, "ultralytics-thop", lambda m, x: int(thop.profile(m, inputs=(x,), verbose=False)[0]))


# thop and ultralytics-thop both install the package `thop`, so one environment holds one: the
# test extra installs ultralytics-thop, and the README's test command puts the original thop in
# .peers/thop (pip install --no-deps --target), which a child process imports first.
CLASSIC_THOP = Path(__file__).parents[1] / ".peers" / "thop"
CLASSIC_SCRIPT = """
import contextlib, io, json, sys, warnings
import torch, thop
from tests.test_cost_peers import module_and_input
assert thop.__version__.startswith("0."), thop.__version__
out = []
for case in json.loads(sys.stdin.read()):
    module, x = module_and_input(torch, case)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        out.append(int(thop.profile(module, inputs=(x,), verbose=False)[0]))
print(json.dumps(out))
"""


def test_thop(torch):
    if not (CLASSIC_THOP / "thop").is_dir():
        message = (f"the original thop is not in {CLASSIC_THOP}: pip install --no-deps --target .peers/thop "
                   "thop==0.1.1.post2209072238 (the README's test command does)")
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    seed = int(os.environ.get("GRU_PARAMS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    cases = FIXED + [draw(rng) for _ in range(LIVE_CASES)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(CLASSIC_THOP), str(CLASSIC_THOP.parents[1])])}
    done = subprocess.run([sys.executable, "-c", CLASSIC_SCRIPT], input=json.dumps(cases), capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for case, real in zip(cases, json.loads(done.stdout.splitlines()[-1]), strict=True):
        ours = peer_figures(case)["thop"]
        assert ours == real, f"thop reports {real:,}, peers.py says {ours:,} for {case} (GRU_PARAMS_SEED={seed})"


@pytest.mark.parametrize("backend", ["pytorch", "aten"])
def test_ptflops(torch, backend):
    ptflops = require("ptflops", "check ptflops's MACs rules")

    def measure(m, x):
        macs, _ = ptflops.get_model_complexity_info(m, tuple(x.shape), input_constructor=lambda _: x,
                                                    as_strings=False, print_per_layer_stat=False,
                                                    backend=backend)
        assert macs is not None, "ptflops failed on the module"
        return int(macs)

    check_tool(torch, f"ptflops ({backend})", measure)


def test_fvcore(torch):
    require("fvcore", "check fvcore's MACs rule")
    from fvcore.nn import FlopCountAnalysis

    def measure(m, x):
        analysis = FlopCountAnalysis(m, (x,))
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        return analysis.total()

    check_tool(torch, "fvcore", measure)


# ---- the command ---------------------------------------------------------------------------

BASE = ["compare", "--units", "6", "--input-dim", "4", "--macs", "--seq-len", "10"]


def test_compare_macs_json():
    data = json.loads(runner.invoke(app, [*BASE, "--batch", "2", "--kind", "gru", "-f", "json"]).stdout)
    count = count_layer("gru", 6, 4, framework="pytorch")
    assert data["gru_params"]["macs"] == 10 * 2 * (4 * 18 + 6 * 18)
    assert data["gru_params"]["flops"] == 2 * data["gru_params"]["macs"]
    assert data["gru_params"]["params"] == count.params
    assert [p["tool"] for p in data["peers"]] == [p.tool for p in PEERS]
    by_tool = {p["tool"]: p for p in data["peers"]}
    assert by_tool["torchinfo"]["macs"] == 10 * 2 * count.params
    assert by_tool["fvcore"]["macs"] == 0 and "aten::gru" in by_tool["fvcore"]["why"]
    assert set(by_tool["thop"]) == {"tool", "version", "source", "rule", "macs", "why"}


def test_compare_macs_same_figure_without_bias():
    data = json.loads(runner.invoke(app, [*BASE, "--kind", "simplernn", "--no-bias", "-f", "json"]).stdout)
    by_tool = {p["tool"]: p for p in data["peers"]}
    assert by_tool["torchinfo"]["macs"] == by_tool["ptflops (aten)"]["macs"] == data["gru_params"]["macs"]
    assert by_tool["torchinfo"]["why"] == "the same figure"


@pytest.mark.parametrize("extra, name", [([], "compare_macs_lstm.txt"), (["-f", "markdown"], "compare_macs_lstm.md")])
def test_compare_macs_snapshots(snapshot, extra, name):
    result = runner.invoke(app, [*BASE, "--num-layers", "2", "--bidirectional", "--proj-size", "3", *extra])
    assert result.exit_code == 0, result.output
    snapshot(name, result.stdout)


def test_compare_macs_fits_a_terminal():
    out = runner.invoke(app, [*BASE, "--proj-size", "3"]).stdout
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("args, message", [
    (["compare", "--units", "6", "--input-dim", "4", "--macs"], "Error: --macs needs --seq-len, the steps of the forward pass"),
    (["compare", "--units", "6", "--input-dim", "4", "--seq-len", "3"],
     "Error: --seq-len, --batch, --kind, --num-layers, --bidirectional, --proj-size and --no-bias apply only with --macs"),
    (["compare", "--units", "6", "--input-dim", "4", "--kind", "gru"],
     "Error: --seq-len, --batch, --kind, --num-layers, --bidirectional, --proj-size and --no-bias apply only with --macs"),
    (["compare", "--units", "6,8", "--input-dim", "4", "--macs", "--seq-len", "3"],
     "Error: --macs compares one layer: expected one size for --units, got 6,8"),
    ([*BASE[:-1], "0"], "Error: expected a positive integer for --seq-len, got 0"),
    ([*BASE, "--batch", "0"], "Error: expected a positive integer for --batch, got 0"),
    ([*BASE, "--kind", "gru", "--proj-size", "2"], "Error: proj_size argument is only supported for LSTM, not GRU"),
])
def test_compare_macs_errors(args, message):
    result = runner.invoke(app, args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")
