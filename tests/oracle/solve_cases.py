"""Regenerate tests/golden/solve.json: the answers `gru-params solve` must give, found by
building real layers, never from gru-params's formulas.

    .venv/bin/python -m tests.oracle.solve_cases

The question: the largest `units` (a multiple of `multiple_of` when it is given) whose layer
stays within a budget of parameters (`max_params`) and/or of multiply-accumulates
(`max_macs`, over `seq_len` steps and `batch` samples).

Every count in the file is a framework's own:
- params, framework keras: a tf.keras layer (Keras 3, in TensorFlow) SimpleRNN / LSTM / GRU
  (`reset_after` either way), sometimes wrapped in Bidirectional, built with
  `layer.build((None, None, input_dim))` (zeros initializers: same count, no QR), then
  `layer.count_params()`.
- params, framework pytorch: torch.nn.RNN / LSTM / GRU (num_layers, bidirectional, bias,
  LSTM's proj_size) made on the "meta" device, `sum(p.numel() for p in module.parameters())`.
- macs (framework pytorch only): the real module (on the CPU, torch's own initialization) run
  on a random (seq_len, batch, input_dim) input under torch.no_grad(),
  torch.backends.mkldnn.flags(enabled=False) (oneDNN's fused LSTM kernel hides its products
  from the counter) and torch.utils.flop_counter.FlopCounterMode: macs = flops // 2 (every
  total is checked even). `params` of a MACs case is that same module's parameters().

The search: candidate sizes are smallest_units, smallest_units + K, ... (K = multiple_of, or
1). smallest_units is K (or 1), except for an LSTM with proj_size P, where torch requires
P < hidden_size ("proj_size has to be smaller than hidden_size"): the smallest multiple of K
(or 1) above P. A size fits when every count given a budget is within it (<=). The counts
grow with units, so the script gallops (sizes 0, 1, 3, 7, ... steps up) to the first size
over budget, then bisects; every size it builds is kept, and the counts of all the sizes
built for a case are checked to be non-decreasing in units (the script stops if not). Before
the cases it also sweeps units 1..96 (params) and 1..24 (MACs) of a few configurations of
each kind to check the same.

Each case: the inputs (kind, framework, input_dim, num_layers, bidirectional, use_bias,
reset_after, proj_size, multiple_of, max_params; the MACs cases also max_macs, seq_len, batch),
`smallest_units`, and the answer: `units`, `params` (and `macs`) at it, `next_units` (units +
K, or + 1) and `next_params` (and `next_macs`) there. When even smallest_units is over a
budget the answer is none: `units` null, `params` (and `macs`) at smallest_units, and
`next_units` / `next_params` / `next_macs` null. A budget left out is null (max_params of a
MACs case without one; max_macs, seq_len and batch of a params case). `reset_after` is a
bool only for a Keras GRU (null elsewhere: torch's GRU is always reset-after and has no such
argument); keras cases have num_layers 1 and proj_size 0. `batch` is always given (1
sometimes). `budget` says how the budget was drawn: "random" (log-uniform), "exact" (a count
the framework gave at some size: the answer is that size, or above it if the next sizes
count the same), "exact-1" (one less than such a count) or "none" (below the smallest
size's count); MACs cases "near" (a little above the MACs at a drawn size).
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import frameworks  # noqa: E402

SEED = 20261125
N_PARAMS = 80
N_MACS = 30
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
OUT = GOLDEN / "solve.json"
KERAS_CLASSES = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
TORCH_CLASSES = frameworks.TORCH_CLASSES
MULTIPLES = [8, 16, 32, 64]
BIG = 5_000_000


# ---- the frameworks' counts ---------------------------------------------------------------

def keras_params(config: dict, units: int) -> int:
    """count_params() of the tf.keras layer (Bidirectional when asked), built on (None, None, D)."""
    import tensorflow as tf

    keras = tf.keras
    options = {"use_bias": config["use_bias"], "kernel_initializer": "zeros", "recurrent_initializer": "zeros"}
    if config["reset_after"] is not None:
        options["reset_after"] = config["reset_after"]
    layer = getattr(keras.layers, KERAS_CLASSES[config["kind"]])(units, **options)
    if config["bidirectional"]:
        layer = keras.layers.Bidirectional(layer)
    layer.build((None, None, config["input_dim"]))
    return int(layer.count_params())


def torch_module(config: dict, units: int, device: str):
    import torch

    options = dict(num_layers=config["num_layers"], bias=config["use_bias"], bidirectional=config["bidirectional"],
                   device=device)
    if config["proj_size"]:
        options["proj_size"] = config["proj_size"]
    return getattr(torch.nn, TORCH_CLASSES[config["kind"]])(config["input_dim"], units, **options)


def torch_params(config: dict, units: int) -> int:
    return int(sum(p.numel() for p in torch_module(config, units, "meta").parameters()))


def torch_run(config: dict, units: int) -> dict:
    """params and MACs of the real module's forward pass over (seq_len, batch, input_dim)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(units)  # the weights' values change no count; fixed anyway
    module = torch_module(config, units, "cpu")
    generator = torch.Generator().manual_seed(config["input_dim"])
    x = torch.randn(config["seq_len"], config["batch"], config["input_dim"], generator=generator)
    with warnings.catch_warnings():
        # "LSTM with projections is not supported with oneDNN", "TF32 acceleration on top of oneDNN"
        warnings.simplefilter("ignore")
        with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False), FlopCounterMode(display=False) as counter:
            module(x)
    flops = int(counter.get_total_flops())
    assert flops % 2 == 0, (config, units, flops)
    return {"params": int(sum(p.numel() for p in module.parameters())), "macs": flops // 2}


class Oracle:
    """The counts of one configuration at any units, each size built once."""

    def __init__(self, config: dict, macs: bool = False):
        self.config, self.macs, self.cache = config, macs, {}

    def __call__(self, units: int) -> dict:
        if units not in self.cache:
            if self.macs:
                self.cache[units] = torch_run(self.config, units)
            elif self.config["framework"] == "keras":
                self.cache[units] = {"params": keras_params(self.config, units)}
            else:
                self.cache[units] = {"params": torch_params(self.config, units)}
        return self.cache[units]

    def check_monotone(self) -> None:
        sizes = sorted(self.cache)
        for key in self.cache[sizes[0]]:
            values = [self.cache[u][key] for u in sizes]
            bad = [(a, b) for a, b in zip(sizes, sizes[1:]) if self.cache[b][key] < self.cache[a][key]]
            if bad:
                raise SystemExit(f"{key} not monotone in units for {self.config}: "
                                 f"{[(u, self.cache[u][key]) for u in sizes]} (values {values})")


def smallest_units(config: dict) -> int:
    step = config["multiple_of"] or 1
    low = config["proj_size"] + 1  # torch: proj_size has to be smaller than hidden_size
    return max(step, -(-low // step) * step)


def solve(oracle: Oracle, config: dict) -> dict:
    """The largest fitting size, from real builds: gallop, then bisect over the candidates."""
    step = config["multiple_of"] or 1
    first = smallest_units(config)
    budgets = {key: config[f"max_{key}"] for key in ("params", "macs") if config.get(f"max_{key}") is not None}
    assert budgets

    def size(i: int) -> int:
        return first + i * step

    def fits(i: int) -> bool:
        counts = oracle(size(i))
        return all(counts[key] <= limit for key, limit in budgets.items())

    keys = ["params", "macs"] if oracle.macs else ["params"]
    answer = {"smallest_units": first}
    if not fits(0):
        answer.update(units=None, **{k: oracle(first)[k] for k in keys}, next_units=None,
                      **{f"next_{k}": None for k in keys})
        oracle.check_monotone()
        return answer
    low, high = 0, 1  # low fits; find a high that does not
    while fits(high):
        low, high = high, 2 * high + 1
    while high - low > 1:
        mid = (low + high) // 2
        if fits(mid):
            low = mid
        else:
            high = mid
    units, after = size(low), size(low + 1)
    answer.update(units=units, **{k: oracle(units)[k] for k in keys}, next_units=after,
                  **{f"next_{k}": oracle(after)[k] for k in keys})
    oracle.check_monotone()
    return answer


# ---- the cases ------------------------------------------------------------------------------

def _input_dim(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.08 else 512 if roll < 0.13 else rng.randint(1, 512) if roll < 0.4 else \
        max(1, min(512, round(10 ** rng.uniform(0, math.log10(512)))))


def random_config(rng: random.Random, framework: str) -> dict:
    kind = rng.choice(list(KERAS_CLASSES))
    config = {"kind": kind, "framework": framework, "input_dim": _input_dim(rng)}
    if framework == "keras":
        config.update(num_layers=1, bidirectional=rng.random() < 0.35, use_bias=rng.random() < 0.8,
                      reset_after=rng.random() < 0.5 if kind == "gru" else None, proj_size=0)
    else:
        config.update(num_layers=rng.choice([1, 1, 2, 3, 4]), bidirectional=rng.random() < 0.4,
                      use_bias=rng.random() < 0.75, reset_after=None,
                      proj_size=rng.choice([1, rng.randint(1, 16), rng.randint(1, 200)])
                      if kind == "lstm" and rng.random() < 0.4 else 0)
    config["multiple_of"] = rng.choice(MULTIPLES) if rng.random() < 0.4 else None
    return config


def params_case(rng: random.Random, index: int) -> dict:
    framework = "keras" if (index + index // 10) % 2 == 0 else "pytorch"  # each budget kind in both
    config = random_config(rng, framework)
    config.update(max_params=None, max_macs=None, seq_len=None, batch=None)
    oracle = Oracle(config)
    step = config["multiple_of"] or 1
    first = smallest_units(config)
    least = oracle(first)["params"]
    kind = "none" if index % 10 == 3 else "exact" if index % 10 == 6 else "exact-1" if index % 10 == 8 else "random"
    if kind == "none":  # below the smallest size: 0, one under, or anything between
        config["max_params"] = rng.choice([0, least - 1, rng.randint(0, least - 1)])
    elif kind in ("exact", "exact-1"):
        # a count the framework gave at a drawn size (of at most ~BIG parameters)
        target = first + step * rng.randint(0, max(0, _steps_under(oracle, first, step, BIG)))
        config["max_params"] = oracle(target)["params"] - (kind == "exact-1")
    else:
        top = max(BIG, 4 * least)
        config["max_params"] = round(10 ** rng.uniform(math.log10(least), math.log10(top)))
    config["budget"] = kind
    return {**config, **solve(oracle, config)}


def _steps_under(oracle: Oracle, first: int, step: int, limit: int) -> int:
    """Some i with params(first + i*step) <= limit (a rough gallop, for drawing sizes)."""
    i = 0
    while oracle(first + (2 * i + 1) * step)["params"] <= limit:
        i = 2 * i + 1
    return max(i, 1)


def macs_case(rng: random.Random, index: int) -> dict:
    kind = rng.choice(list(TORCH_CLASSES))
    config = {"kind": kind, "framework": "pytorch", "input_dim": rng.choice([rng.randint(1, 64), rng.randint(1, 256)]),
              "num_layers": rng.choice([1, 1, 2, 3]), "bidirectional": rng.random() < 0.4,
              "use_bias": rng.random() < 0.7, "reset_after": None,
              "proj_size": rng.randint(1, 48) if kind == "lstm" and rng.random() < 0.35 else 0,
              "multiple_of": rng.choice(MULTIPLES) if rng.random() < 0.35 else None,
              "max_params": None, "max_macs": None, "seq_len": rng.randint(1, 20), "batch": rng.randint(1, 4)}
    oracle = Oracle(config, macs=True)
    step = config["multiple_of"] or 1
    first = smallest_units(config)
    if index % 10 == 4:  # none: under the smallest size's MACs (or, once, its parameters)
        at = oracle(first)
        config["max_macs"] = rng.choice([at["macs"] - 1, rng.randint(0, at["macs"] - 1)])
        if index == 14:
            config["max_macs"], config["max_params"] = at["macs"] * 3, at["params"] - 1
        config["budget"] = "none"
        return {**config, **solve(oracle, config)}
    # a drawn size of at most ~256 units; the budget a little above its MACs (exactly it, sometimes)
    target = first + step * rng.randint(0, max(0, (256 - first) // step))
    at = oracle(target)
    config["max_macs"] = at["macs"] if rng.random() < 0.2 else round(at["macs"] * rng.uniform(1, 1.25))
    if rng.random() < 0.4:  # a parameter budget too, at a size near the drawn one: either may bind
        other = first + step * max(0, round((target - first) / step * rng.uniform(0.6, 1.4)))
        config["max_params"] = oracle(other)["params"] + rng.choice([0, 0, rng.randint(0, 999)])
    config["budget"] = "near"
    return {**config, **solve(oracle, config)}


def sweep_monotone() -> list:
    """Units 1..96 of every kind in a few configurations (params, both frameworks) and 1..24
    (MACs, torch): each count must be non-decreasing in units. Returns what was swept."""
    swept = []
    for kind in KERAS_CLASSES:
        for framework, extra in (("keras", {"bidirectional": False, "use_bias": True}),
                                 ("keras", {"bidirectional": True, "use_bias": False}),
                                 ("pytorch", {"num_layers": 3, "bidirectional": True, "use_bias": True}),
                                 ("pytorch", {"num_layers": 2, "bidirectional": False, "use_bias": False})):
            for reset_after in ([True, False] if kind == "gru" and framework == "keras" else [None]):
                config = {"kind": kind, "framework": framework, "input_dim": 7, "num_layers": 1, "proj_size": 0,
                          "reset_after": reset_after, **extra}
                oracle = Oracle(config)
                for units in range(1, 97):
                    oracle(units)
                oracle.check_monotone()
                swept.append({k: config[k] for k in ("kind", "framework", "reset_after", "num_layers", "bidirectional",
                                                     "use_bias")} | {"units": [1, 96], "counts": "params"})
    for kind, proj in (("simplernn", 0), ("lstm", 0), ("lstm", 5), ("gru", 0)):
        config = {"kind": kind, "framework": "pytorch", "input_dim": 9, "num_layers": 2, "bidirectional": True,
                  "use_bias": True, "reset_after": None, "proj_size": proj, "seq_len": 3, "batch": 2}
        oracle = Oracle(config, macs=True)
        for units in range(proj + 1, 25):
            oracle(units)
        oracle.check_monotone()
        swept.append({"kind": kind, "proj_size": proj, "units": [proj + 1, 24], "counts": "params, macs"})
    return swept


def main() -> None:
    import tensorflow as tf
    import torch

    start = time.time()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small products: more threads only wait on each other
    try:
        swept = sweep_monotone()
        rng = random.Random(SEED)
        cases = []
        for i in range(N_PARAMS):
            if i % 10 == 0:
                tf.keras.backend.clear_session()
            cases.append(params_case(rng, i))
        rng = random.Random(SEED + 1)
        cases += [macs_case(rng, i) for i in range(N_MACS)]
    finally:
        torch.set_num_threads(threads)
    frameworks.write_golden(OUT, "tests/oracle/solve_cases.py", SEED, cases, tensorflow=tf.__version__,
                            keras=tf.keras.__version__, monotone_sweeps=len(swept))
    nones = sum(c["units"] is None for c in cases)
    print(f"{len(cases)} cases ({N_PARAMS} params, {N_MACS} MACs; {nones} none) in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
