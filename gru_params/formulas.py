"""Pure counting: one recurrent layer's weight tensors, their split into gates, the formula.

Every number here is the product of a tensor shape taken from `conventions`; the gate
split and the written-out formula are read off the same shapes, so they cannot drift.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

from .conventions import KERAS_CELLS, KIND_ALIASES, KINDS, MERGE_MODES, PARTS, CellLayout, TensorRule, keras_name
from .errors import ArgumentError, boolean, closest, positive_int


class Weight(NamedTuple):
    """One stored tensor: `kernel (28, 225)`; under Bidirectional `forward_gru/kernel`."""

    name: str
    shape: tuple[int, ...]

    @property
    def params(self) -> int:
        return math.prod(self.shape)


class GateCount(NamedTuple):
    """One gate's share of the weights, by table column (`PARTS`)."""

    gate: str  # "z"
    name: str  # "update"
    direction: str  # "forward" / "backward" under Bidirectional, else ""
    parts: tuple[tuple[str, int], ...]  # (column, params), only the columns this layer has

    @property
    def params(self) -> int:
        return sum(n for _, n in self.parts)


class LayerCount(NamedTuple):
    """The parameters of one recurrent layer, per weight tensor and per gate."""

    kind: str  # canonical: "simplernn" | "lstm" | "gru"
    class_name: str  # "GRU"
    units: int
    input_dim: int
    use_bias: bool
    reset_after: bool | None  # None for kinds other than GRU
    bidirectional: bool
    merge_mode: str | None  # None when not bidirectional, or Keras's merge_mode=None
    output_dims: tuple[int, ...]  # feature width of each output: (150,) for concat, (75, 75) for None
    weights: tuple[Weight, ...]
    gates: tuple[GateCount, ...]
    formula: str  # "3 x (28*75 + 75*75 + 2*75) = 23,625"
    formula_symbols: str  # "3 x (d*u + u*u + 2*u)"
    note: str  # why this count differs from the textbook one, or ""

    @property
    def params(self) -> int:
        return sum(w.params for w in self.weights)


def normalize_kind(kind: str) -> str:
    """'GRU', 'rnn', 'simple_rnn' -> the canonical kind, or an ArgumentError naming the closest."""
    key = str(kind).lower()
    key = KIND_ALIASES.get(key, key)
    if key not in KINDS:
        raise ArgumentError(
            f"unknown layer kind {kind!r}; expected {', '.join(KINDS)} "
            f"(or {', '.join(KIND_ALIASES)}){closest(key, [*KINDS, *KIND_ALIASES])}"
        )
    return key


@functools.lru_cache(maxsize=4096)  # pure, and the result is immutable: deep models repeat layers
def count_layer(
    kind: str,
    units: int,
    input_dim: int,
    *,
    reset_after: bool | None = None,
    use_bias: bool = True,
    bidirectional: bool = False,
    merge_mode: str | None = "concat",
) -> LayerCount:
    """Count a Keras SimpleRNN, LSTM or GRU layer on `input_dim` features, as tf.keras does.

    `reset_after` applies to GRU only and defaults to True, as in tf.keras and Keras 3.
    `merge_mode` applies with `bidirectional=True` only (concat, sum, mul, ave, or None
    for two separate outputs). Raises `ArgumentError` on values that do not fit.
    """
    kind = normalize_kind(kind)
    units = positive_int("units", units)
    input_dim = positive_int("input_dim", input_dim)
    use_bias = boolean("use_bias", use_bias)
    bidirectional = boolean("bidirectional", bidirectional)
    class_name = KINDS[kind].class_name
    if kind != "gru" and reset_after is not None:
        raise ArgumentError(f"`reset_after` applies only to GRU, not to {class_name}")
    if kind == "gru":
        reset_after = True if reset_after is None else boolean("reset_after", reset_after)
    if merge_mode not in MERGE_MODES:
        modes = [m for m in MERGE_MODES if m]
        raise ArgumentError(
            f"expected one of {', '.join(modes)} or None for `merge_mode`, got {merge_mode!r}"
            + closest(merge_mode, modes)
        )
    if not bidirectional and merge_mode != "concat":
        raise ArgumentError("`merge_mode` applies only to a bidirectional layer")

    layout = _layout(kind, reset_after)
    rules = _rules(layout, use_bias)
    sizes = {"input": input_dim, "units": units, "gates": len(layout.gates) * units}
    directions = ("forward", "backward") if bidirectional else ("",)
    weights, gates = [], []
    for direction in directions:
        prefix = f"{direction}_{keras_name(class_name)}/" if direction else ""
        weights += [Weight(prefix + r.name, _shape(r.dims, sizes)) for r in rules]
        gates += _gate_counts(layout, rules, units, sizes, direction)

    formula, formula_symbols = _formula(layout, rules, units, input_dim, bidirectional)
    params = sum(w.params for w in weights)
    return LayerCount(
        kind=kind,
        class_name=class_name,
        units=units,
        input_dim=input_dim,
        use_bias=use_bias,
        reset_after=reset_after,
        bidirectional=bidirectional,
        merge_mode=merge_mode if bidirectional else None,
        output_dims=_output_dims(units, bidirectional, merge_mode),
        weights=tuple(weights),
        gates=tuple(gates),
        formula=f"{formula} = {params:,}",
        formula_symbols=formula_symbols,
        note=_note(kind, reset_after, use_bias, params, units, input_dim, len(directions)),
    )


def _layout(kind: str, reset_after: bool | None) -> CellLayout:
    return KERAS_CELLS["gru/reset_before" if kind == "gru" and not reset_after else kind]


def _rules(layout: CellLayout, use_bias: bool) -> tuple[TensorRule, ...]:
    return tuple(r for r in layout.tensors if use_bias or not r.bias)


def _shape(dims: tuple[str | int, ...], sizes: dict[str, int]) -> tuple[int, ...]:
    return tuple(d if isinstance(d, int) else sizes[d] for d in dims)


def _gate_slice(rule: TensorRule, units: int, sizes: dict[str, int]) -> tuple[int, ...]:
    """The shape of one gate's slice of a tensor: its "gates" axis cut to `units`."""
    return _shape(rule.dims, {**sizes, "gates": units})


def _gate_counts(layout: CellLayout, rules, units, sizes, direction) -> list[GateCount]:
    """Every gate takes the same slice of each tensor: its "gates" axis cut to `units`."""
    per_part = dict.fromkeys(PARTS, 0)
    for rule in rules:
        piece = _gate_slice(rule, units, sizes)
        if len(rule.parts) > 1:  # the first axis holds one row per column
            for part in rule.parts:
                per_part[part] += math.prod(piece[1:])
        else:
            per_part[rule.parts[0]] += math.prod(piece)
    present = {p for r in rules for p in r.parts}
    parts = tuple((p, n) for p, n in per_part.items() if p in present)
    return [GateCount(gate.key, gate.name, direction, parts) for gate in layout.gates]


_SYMBOLS = {"input": "d", "units": "u", "gates": "u"}


def _formula(layout, rules, units, input_dim, bidirectional) -> tuple[str, str]:
    """The count written out per gate, with numbers and with symbols (d features, u units)."""
    sizes = {"input": input_dim, "units": units}
    numbers = " + ".join("*".join(map(str, _gate_slice(r, units, sizes))) for r in rules)
    symbols = " + ".join("*".join(str(_SYMBOLS.get(d, d)) for d in r.dims) for r in rules)
    factors = ([2] if bidirectional else []) + ([len(layout.gates)] if len(layout.gates) > 1 else [])
    if not factors:
        return numbers, symbols
    lead = "".join(f"{f} x " for f in factors)
    return f"{lead}({numbers})", f"{lead}({symbols})"


def _output_dims(units: int, bidirectional: bool, merge_mode: str | None) -> tuple[int, ...]:
    if not bidirectional:
        return (units,)
    if merge_mode is None:
        return (units, units)
    return (2 * units,) if merge_mode == "concat" else (units,)


def _note(kind, reset_after, use_bias, params, units, input_dim, n_directions) -> str:
    """Why a GRU count is not the textbook 3 x (d*u + u*u + u), when it is not."""
    if kind != "gru" or not use_bias:
        return ""
    other = _layout(kind, not reset_after)
    sizes = {"input": input_dim, "units": units, "gates": len(other.gates) * units}
    other_params = n_directions * sum(math.prod(_shape(r.dims, sizes)) for r in other.tensors)
    if reset_after:
        return (
            f"reset_after=True (the tf.keras and Keras 3 default) gives the recurrent kernel a bias "
            f"of its own: {params - other_params:,} more than the textbook {other_params:,} "
            f"(reset_after=False)."
        )
    return (
        f"reset_after=False is the textbook GRU with one bias; the tf.keras and Keras 3 default "
        f"reset_after=True adds a recurrent bias: {other_params:,}."
    )
