"""MACs of whole models against torch's FlopCounterMode (tests/golden/model_macs.json, made by
tests/oracle/model_macs.py): real Keras 3 layers run on the torch backend and real torch
modules, each layer's forward pass counted by the framework, every row and the total; and a
live test that runs fresh cases."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gru_params.cost.model import model_cost
from gru_params.spec import from_text

GOLDEN = json.loads((Path(__file__).parent / "golden" / "model_macs.json").read_text())
CASES = GOLDEN["cases"]


def rows_by_name(summary) -> dict:
    out, stack = {}, list(summary.rows)
    while stack:
        row = stack.pop()
        out.setdefault(row.name, row)
        stack.extend(row.children)
    return out


def assert_framework(case: dict) -> None:
    spec = from_text(yaml.safe_dump(case["spec"], sort_keys=False), f"{case['name']}.yaml")
    summary, cost = model_cost(spec, case["seq_len"], case["batch"])
    rows = rows_by_name(summary)
    ours = {name: rows[name].macs for name in case["rows"]}
    assert ours == case["rows"], f"{case['name']}: torch counted {case['rows']}, we {ours} ({case['ops']})"
    assert cost.macs == case["total_macs"] and cost.flops == 2 * case["total_macs"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden(case):
    assert_framework(case)


def test_golden_covers_every_layer_with_products():
    kinds = {next(iter(layer)) if isinstance(layer, dict) else layer
             for case in CASES for layer in _layers(case["spec"])}
    assert {"Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
            "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "SimpleRNN", "LSTM", "GRU",
            "Bidirectional", "TimeDistributed", "RNN", "ConvLSTM1D", "ConvLSTM2D", "MultiHeadAttention",
            "GroupQueryAttention", "Attention", "AdditiveAttention", "Linear", "Conv1d", "Conv2d",
            "ConvTranspose1d", "MultiheadAttention", "TransformerEncoderLayer"} <= kinds
    assert sum(c["seq_len"] is not None for c in CASES) >= 20  # a free time axis filled by --seq-len
    assert {c["batch"] for c in CASES} >= {1, 2, 3, 4}
    assert all(c["total_macs"] > 0 for c in CASES if c["spec"].get("framework") == "pytorch"
               and "Linear" in json.dumps(c["spec"]))


def _layers(spec: dict):
    for layer in spec["layers"]:
        yield layer
        if isinstance(layer, dict):
            args = next(iter(layer.values())) or {}
            for key in ("layer", "cell", "encoder_layer"):
                if isinstance(args.get(key), dict):
                    yield from _layers({"layers": [args[key]]})
            for key in ("layers", "cells"):
                if isinstance(args.get(key), list):
                    yield from _layers({"layers": args[key]})


def test_live_torch_models(torch):
    """Fresh random torch models, counted by the oracle in a process of its own (it runs Keras on
    the torch backend, which must be chosen before Keras is imported)."""
    seed = int(os.environ.get("GRU_PARAMS_SEED", random.randrange(2**32)))
    done = subprocess.run([sys.executable, "-m", "tests.oracle.model_macs", "--live", str(seed), "8"],
                          capture_output=True, text=True, cwd=Path(__file__).parents[1], timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    cases = json.loads(done.stdout)
    assert len(cases) == 8
    for case in cases:
        try:
            assert_framework(case)
        except AssertionError as e:
            pytest.fail(f"engine differs from torch (GRU_PARAMS_SEED={seed}): {e}")
