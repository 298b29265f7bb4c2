"""The matrix-product flops of real flax.linen cells over a sequence, as XLA counts them.

    .venv/bin/python -m tests.oracle.flax_macs

writes tests/golden/flax_macs.json: 60 random layers (12 of each cell: SimpleCell, LSTMCell,
OptimizedLSTMCell, GRUCell, MGUCell with either reset_gate; some bidirectional), units and
input_dim 1-96, batch 1-4, seq_len 1-20, each with the flops of its matrix products as XLA
counts them. None of these five cells has a `use_bias` option (only ConvLSTMCell, whose cost
needs a spatial size, does), so there is none to vary.

The method. XLA's `cost_analysis()` of a whole forward pass cannot be used as it is: its
flops include the gates' elementwise arithmetic (sigmoid, tanh, the adds and products of
the gates), and XLA compiles `nn.RNN`'s scan to a while loop whose body it counts once,
whatever the trip count. So the oracle isolates the matrix products of the real
computation and lets XLA count each one:

1. the real layer, `nn.RNN(cell)` (or `nn.Bidirectional` of two) built by flax, its
   parameters initialised by flax (abstractly: jax.eval_shape of module.init), is traced
   by `jax.make_jaxpr` on an input of shape (batch, seq_len, input_dim): the jaxpr is
   exactly what flax hands to XLA;
2. every `dot_general` equation of it is collected, in the top-level jaxpr and in every
   sub-jaxpr (the scan's body, pjit / custom_jvp calls), with its real operand shapes,
   dtypes and parameters; one inside a `scan` runs `length` times (nested scans multiply);
   a `while` or `cond` holding a product would have an unknown or data-dependent count, so
   the oracle refuses it rather than guess;
3. each product is re-bound alone, the same primitive with the same parameters on operands
   of the same shapes and dtypes, lowered to HLO and compiled by XLA, and XLA's flops read
   twice: `hlo_flops`, XLA's cost analysis of the product as flax wrote it (the lowered,
   unoptimised module: `Lowered.cost_analysis()`), and `xla_flops`, that of the program XLA
   compiled from it (`Compiled.cost_analysis()`);
4. the layer's flops are the sum over the products of those flops times the run count.

The two differ in one case only: XLA's algebraic simplifier rewrites a product whose
contracted size is 1 ((n, 1) @ (1, m): input_dim 1, or units 1 for the recurrent kernel)
into a broadcast multiply, and counts it n*m flops (multiplies, no add) where the product
as written is 2*n*1*m. MACs count the multiply-accumulates of every matrix product as the
model writes it (torch's FlopCounterMode, torchinfo and the engine do), so the tests compare
the engine with `hlo_flops`; they also pin `xla_flops` to it, product by product: equal,
but for a contracted size of 1, where it is half.

Nothing here uses gru-params's formulas. `check_xla_convention()` first makes sure that XLA
counts (n, k) @ (k, m) as 2*n*k*m flops, written and compiled (so flops = 2 x MACs, the
convention the engine's `layer_macs` follows), a bias add as n*m flops more (elementwise
work that the oracle leaves out), and a compiled (n, 1) @ (1, m) as n*m.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import frameworks  # noqa: E402

SEED = 20261124
N_PER_KIND = 12
KINDS = ("simplernn", "lstm", "optimizedlstm", "gru", "mgu")
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
OUT = GOLDEN / "flax_macs.json"


def random_case(rng: random.Random, kind: str | None = None) -> dict:
    """One layer: a cell (MGUCell's reset_gate either way), sizes 1-96, one or two
    directions, a batch of 1-4 and a length of 1-20."""
    kind = kind or rng.choice(KINDS)
    case = {"kind": kind, "units": rng.randint(1, 96), "input_dim": rng.randint(1, 96),
            "bidirectional": rng.random() < 0.3}
    if kind == "mgu":
        case["reset_gate"] = rng.random() < 0.5
    case["batch"] = rng.randint(1, 4)
    case["seq_len"] = rng.randint(1, 20)
    return case


def _flops(cost) -> float:
    """cost_analysis() is a dict in recent jax, a list of one dict per program in older ones."""
    if isinstance(cost, (list, tuple)):
        (cost,) = cost
    return float(cost["flops"])


def check_xla_convention() -> None:
    """XLA counts a plain (n, k) @ (k, m) as 2*n*k*m flops, as written and as compiled, and a
    bias add as n*m more (an elementwise op, which is why the oracle takes the products
    alone); a product with k = 1 it compiles to a multiply of n*m flops."""
    import jax
    import jax.numpy as jnp

    def both(f, *shapes) -> tuple[float, float]:
        lowered = jax.jit(f).lower(*(jax.ShapeDtypeStruct(s, jnp.float32) for s in shapes))
        return _flops(lowered.cost_analysis()), _flops(lowered.compile().cost_analysis())

    n, k, m = 3, 7, 5
    product = both(lambda a, b: a @ b, (n, k), (k, m))
    assert product == (2 * n * k * m,) * 2, f"XLA counts {product} flops for ({n}, {k}) @ ({k}, {m})"
    with_bias = both(lambda a, b, c: a @ b + c, (n, k), (k, m), (m,))
    assert with_bias == (2 * n * k * m + n * m,) * 2, f"XLA counts {with_bias} flops for ({n}, {k}) @ ({k}, {m}) + ({m},)"
    outer = both(lambda a, b: a @ b, (n, 1), (1, m))
    assert outer == (2 * n * m, n * m), f"XLA counts {outer} flops for ({n}, 1) @ (1, {m})"


def build(case: dict):
    """The real flax layer of `case`, its parameters and input as shapes and dtypes: nn.RNN
    over the cell, or nn.Bidirectional of two, as tests/oracle/frameworks.describe_flax
    builds them."""
    import jax
    import jax.numpy as jnp
    import flax.linen as nn

    cls = getattr(nn, frameworks.FLAX_CELLS[case["kind"]])
    options = {key: case[key] for key in ("reset_gate",) if key in case}

    def cell():
        return cls(features=case["units"], **options)

    module = nn.Bidirectional(nn.RNN(cell()), nn.RNN(cell())) if case["bidirectional"] else nn.RNN(cell())
    # shapes and dtypes only: flax initialises the layer abstractly (jax.eval_shape), which
    # builds the same parameter tree as module.init without running it
    x = jax.ShapeDtypeStruct((case["batch"], case["seq_len"], case["input_dim"]), jnp.float32)
    variables = jax.eval_shape(module.init, jax.random.PRNGKey(0), x)
    return module, variables, x


def products(closed_jaxpr) -> list[tuple]:
    """Every dot_general equation of a jaxpr and its sub-jaxprs, with how many times it runs."""
    from jax.extend.core import jaxprs_in_params

    found = []

    def walk(jaxpr, times: int) -> None:
        for eqn in jaxpr.eqns:
            name = eqn.primitive.name
            if name == "dot_general":
                found.append((eqn, times))
            inner = list(jaxprs_in_params(eqn.params))
            if not inner:
                continue
            if name == "scan":
                factor = eqn.params["length"]
            elif name in ("while", "cond"):
                if any(_has_product(j) for j in inner):
                    raise ValueError(f"a matrix product inside {name}: its run count is not known from the jaxpr")
                continue
            else:  # pjit, closed_call, custom_jvp_call, custom_vjp_call, remat, ...: run once
                factor = 1
            for sub in inner:
                walk(sub, times * factor)

    walk(closed_jaxpr.jaxpr, 1)
    return found


def _has_product(jaxpr) -> bool:
    from jax.extend.core import jaxprs_in_params

    return any(e.primitive.name == "dot_general" or any(_has_product(j) for j in jaxprs_in_params(e.params))
               for e in jaxpr.eqns)


_XLA_CACHE: dict = {}


def xla_product_flops(eqn) -> tuple[float, float]:
    """XLA's cost_analysis() flops of one dot_general equation alone (the same primitive and
    parameters, on operands of the same shapes and dtypes): of the lowered module as written,
    and of the program XLA compiled from it."""
    import jax

    specs = tuple(jax.ShapeDtypeStruct(v.aval.shape, v.aval.dtype) for v in eqn.invars)
    key = (tuple((s.shape, str(s.dtype)) for s in specs), repr(sorted(eqn.params.items(), key=lambda kv: kv[0])))
    if key not in _XLA_CACHE:
        def alone(*operands):
            return eqn.primitive.bind(*operands, **eqn.params)

        lowered = jax.jit(alone).lower(*specs)
        _XLA_CACHE[key] = (_flops(lowered.cost_analysis()), _flops(lowered.compile().cost_analysis()))
    return _XLA_CACHE[key]


def xla_macs(case: dict) -> dict:
    """`case` with the real layer's matrix products (`dots`: operand shapes, contracting and
    batch dimensions, run count, XLA's flops for one run, as written and as compiled) and
    their totals, `hlo_flops` and `xla_flops`."""
    import jax

    module, variables, x = build(case)
    jaxpr = jax.make_jaxpr(lambda v, x: module.apply(v, x))(variables, x)
    dots = []
    for eqn, times in products(jaxpr):
        lhs, rhs = (list(v.aval.shape) for v in eqn.invars)
        (contract_l, contract_r), (batch_l, batch_r) = eqn.params["dimension_numbers"]
        dots.append({"lhs": lhs, "rhs": rhs, "contracting": [list(contract_l), list(contract_r)],
                     "batch_dims": [list(batch_l), list(batch_r)], "dtype": str(eqn.invars[0].aval.dtype),
                     "times": times, **dict(zip(("hlo_flops", "xla_flops"), map(int, xla_product_flops(eqn))))})
    return {**case, "hlo_flops": sum(d["times"] * d["hlo_flops"] for d in dots),
            "xla_flops": sum(d["times"] * d["xla_flops"] for d in dots), "dots": dots}


def _write(seed: int, cases: list) -> None:
    """One case a line, with the versions of the libraries that made them."""
    frameworks.write_golden(OUT, "tests/oracle/flax_macs.py", seed, cases)


def main() -> None:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    start = time.perf_counter()
    check_xla_convention()
    rng = random.Random(SEED)
    cases = [random_case(rng, kind) for _ in range(N_PER_KIND) for kind in KINDS]
    _write(SEED, [xla_macs(c) for c in cases])
    print(f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
