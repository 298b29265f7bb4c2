"""The loop every live comparison shares: random cases built in the real framework."""

import os
import random

import pytest


def missing(message: str):
    """A tool or framework a test needs is not here: under CI (the CI variable set) the test
    fails, elsewhere it skips, so that the engine's tests run without it."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def each_live_case(n: int, draw, describe, compare, framework: str) -> None:
    """Draw `n` cases with draw(rng), build each with describe(case) in the real framework,
    and check it with compare(built). A failure names the seed; GRU_PARAMS_SEED replays it."""
    seed = int(os.environ.get("GRU_PARAMS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    for _ in range(n):
        case = draw(rng)
        try:
            compare(describe(case))
        except AssertionError as e:
            pytest.fail(f"engine differs from {framework} for {case} (GRU_PARAMS_SEED={seed}): {e}")


def read_spec(path) -> dict:
    """A spec file as plain data, read as gru-params reads it (`[enc[1], enc[2]]` included,
    which PyYAML alone does not take)."""
    from gru_params.yamlnodes import parse, plain

    return plain(parse(path.read_text(), str(path)))
