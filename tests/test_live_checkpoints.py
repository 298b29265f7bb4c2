"""Fresh random torch models at test time, saved four ways (torch.save zip and legacy,
safetensors, a training checkpoint) and read back by gru-params, checked as the golden files are
(tests/test_golden_checkpoints.py) against what torch says of each. Random each run; set
GRU_PARAMS_SEED to replay a failure. Under CI a missing torch or safetensors fails the test."""

import itertools

import pytest

from tests.conftest import require
from tests.live import each_live_case
from tests.test_golden_checkpoints import CHECKS, FORMATS, check_all

N_MODELS = 8


@pytest.fixture(scope="module")
def safetensors():
    return require("safetensors", "save the .safetensors files gru-params must read")


def test_live_random_checkpoints(torch, safetensors, tmp_path):
    import gru_params
    from tests.oracle import torch_checkpoints

    index = itertools.count()

    def draw(rng):
        i = next(index)
        return i, torch_checkpoints.random_model(rng, f"live_{i:02d}", rng.choice(torch_checkpoints.REQUIRED))

    def describe(drawn):
        i, spec = drawn
        return torch_checkpoints.describe(spec, tmp_path, i)

    def compare(case):
        for fmt in FORMATS:
            s = gru_params.summarize(gru_params.load_spec(str(tmp_path / case["files"][fmt])))
            for check in CHECKS:
                check_all(case, s, fmt, check)

    each_live_case(N_MODELS, draw, describe, compare, "torch")
