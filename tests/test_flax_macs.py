"""MACs of Flax's recurrent cells against XLA: the matrix products of real flax.linen layers
(nn.RNN over SimpleCell, LSTMCell, OptimizedLSTMCell, GRUCell, MGUCell; nn.Bidirectional),
each lowered and compiled by XLA and counted by its cost_analysis() (tests/oracle/flax_macs.py),
golden (tests/golden/flax_macs.json) and live.

The engine is compared with `hlo_flops`, XLA's count of the products as flax writes them;
XLA's count of what it compiles, `xla_flops`, is the same but for a product whose contracted
size is 1 ((n, 1) @ (1, m), input_dim or units 1), which XLA compiles to a multiply of n*m
flops: test_compiled_flops_differ_only_for_a_contraction_of_one pins that."""

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from gru_params import count_layer
from gru_params.cost.macs import layer_macs
from tests.live import each_live_case
from tests.oracle import flax_macs

GOLDEN = json.loads((Path(__file__).parent / "golden" / "flax_macs.json").read_text())
CASES = GOLDEN["cases"]


def assert_flax(case: dict) -> None:
    options = {"reset_gate": case["reset_gate"]} if "reset_gate" in case else {}
    count = count_layer(case["kind"], case["units"], case["input_dim"], framework="flax",
                        bidirectional=case["bidirectional"], **options)
    got = layer_macs(count, case["seq_len"], case["batch"])
    assert case["hlo_flops"] > 0 and case["dots"], f"the oracle found no matrix product in {case}"
    assert got.flops == case["hlo_flops"], (f"XLA counts {case['hlo_flops']:,} flops in the products "
                                            f"{[(d['lhs'], d['rhs'], d['times']) for d in case['dots']]}, we {got.flops:,}")
    assert got.flops == 2 * got.macs and got.macs == case["seq_len"] * got.macs_per_step


# ---- XLA's convention ---------------------------------------------------------------------

def test_xla_counts_two_flops_a_multiply_accumulate(flax):
    """XLA counts (n, k) @ (k, m) as 2*n*k*m flops, and a bias add as more (so the oracle
    takes the products alone)."""
    flax_macs.check_xla_convention()


def test_oracle_runs_a_product_in_a_scan_length_times(flax):
    """The oracle's walk over a jaxpr: a product in a scan body counts `length` times, in a
    nested scan the product of the lengths, outside once."""
    import jax
    import jax.numpy as jnp

    def f(w, x, h):
        def inner(h, x):
            return jnp.tanh(x @ w + h @ w), None

        def outer(h, xs):
            return jax.lax.scan(inner, h, xs)[0], None

        return jax.lax.scan(outer, h, x)[0] @ w

    w, x, h = jnp.ones((4, 4)), jnp.ones((3, 5, 2, 4)), jnp.ones((2, 4))
    found = flax_macs.products(jax.make_jaxpr(f)(w, x, h))
    assert sorted(times for _, times in found) == [1, 15, 15]
    assert [flax_macs.xla_product_flops(eqn) for eqn, _ in found] == [(2 * 2 * 4 * 4,) * 2] * 3


# ---- golden: tests/golden/flax_macs.json ----------------------------------------------------

def test_golden_covers_every_cell_and_shape():
    assert len(CASES) >= 60 and GOLDEN["flax"] and GOLDEN["jax"]
    kinds = Counter(c["kind"] for c in CASES)
    assert set(kinds) == {"simplernn", "lstm", "optimizedlstm", "gru", "mgu"} and min(kinds.values()) >= 10
    assert {c["reset_gate"] for c in CASES if c["kind"] == "mgu"} == {True, False}
    assert {c["bidirectional"] for c in CASES} == {True, False}
    assert any(c["batch"] > 1 for c in CASES) and any(c["seq_len"] > 1 for c in CASES)
    assert any(c["batch"] > 1 and c["seq_len"] > 1 for c in CASES)
    assert {1, 4} <= {c["batch"] for c in CASES} and 1 in {c["seq_len"] for c in CASES}
    assert min(min(c["units"], c["input_dim"]) for c in CASES) <= 10 < 80 <= max(c["units"] for c in CASES)


def test_golden_flops_are_xlas_products():
    """Each case's totals are the sums of XLA's flops for its products times their run counts;
    each product ran once a step (so `seq_len` times) on the batch, and XLA counted 2 flops a
    MAC for it as written."""
    for case in CASES:
        for total in ("hlo_flops", "xla_flops"):
            assert case[total] == sum(d["times"] * d[total] for d in case["dots"]), case
        for d in case["dots"]:
            assert d["times"] == case["seq_len"] and d["lhs"][0] == case["batch"], case
            assert d["contracting"] == [[1], [0]] and d["batch_dims"] == [[], []] and len(d["rhs"]) == 2, d
            assert d["hlo_flops"] == 2 * math.prod(d["lhs"]) * d["rhs"][1], d


def test_compiled_flops_differ_only_for_a_contraction_of_one():
    """XLA compiles (n, 1) @ (1, m) to a broadcast multiply and counts n*m flops for it; every
    other product it counts as written. The golden holds both kinds."""
    ones = 0
    for case in CASES:
        for d in case["dots"]:
            k = d["lhs"][1]
            ones += k == 1
            assert d["xla_flops"] == (d["hlo_flops"] // 2 if k == 1 else d["hlo_flops"]), d
    assert ones > 0 and any(c["xla_flops"] == c["hlo_flops"] for c in CASES)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_golden(index):
    assert_flax(CASES[index])


# ---- live ---------------------------------------------------------------------------------

def test_live(flax):
    import jax

    each_live_case(12, flax_macs.random_case, flax_macs.xla_macs, assert_flax,
                   f"XLA (flax {flax.__version__}, jax {jax.__version__})")
