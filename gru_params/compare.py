"""The same layer in every framework's convention, side by side, and sizes swept."""

from __future__ import annotations

from typing import NamedTuple

from .conventions import CONVENTIONS
from .errors import ArgumentError
from .formulas import count_layer, textbook
from .limits import MAX_SIZES

# The rows: what each framework is asked for. reset_before exists in Keras (and, as
# linear_before_reset=0 with the same tensors, in ONNX); the others have one GRU. MGU, the
# two-gate cell, is Flax's alone. Flax's ConvLSTMCell is not compared: its count depends on
# a kernel size, and it reads channels, not features.
VARIANTS = (
    ("SimpleRNN", "simplernn", None),
    ("LSTM", "lstm", None),
    ("GRU reset-after", "gru", True),
    ("GRU reset-before", "gru", False),
    ("MGU", "mgu", None),
)


class Cell(NamedTuple):
    variant: str  # "GRU reset-after"
    framework: str
    units: int
    params: int | None  # None: the framework has no such layer
    ratio: float | None  # to the same framework's SimpleRNN (the textbook one where it has none)


class Comparison(NamedTuple):
    input_dim: int
    units: tuple[int, ...]
    cells: tuple[Cell, ...]
    index: dict  # (variant, framework, units) -> Cell

    def cell(self, variant: str, framework: str, units: int) -> Cell:
        return self.index[variant, framework, units]


def compare(units, input_dim: int) -> Comparison:
    """Every variant in every framework, for each size in `units` (an int or a list)."""
    sizes = tuple(units) if isinstance(units, (list, tuple)) else (units,)
    if not sizes:
        raise ArgumentError("expected at least one size for `units`")
    if len(sizes) > MAX_SIZES:
        raise ArgumentError(f"expected at most {MAX_SIZES:,} sizes for `units`, got {len(sizes):,}")
    cells = []
    for u in sizes:
        for framework, conv in CONVENTIONS.items():
            base = _count(framework, "simplernn", None, u, input_dim) or textbook("simplernn", u, input_dim)
            for variant, kind, reset_after in VARIANTS:
                n = _count(framework, kind, reset_after, u, input_dim)
                cells.append(Cell(variant, framework, u, n, None if n is None else n / base))
    return Comparison(input_dim, sizes, tuple(cells), {(c.variant, c.framework, c.units): c for c in cells})


def _count(framework: str, kind: str, reset_after, units: int, input_dim: int) -> int | None:
    conv = CONVENTIONS[framework]
    if kind not in conv.class_names or (reset_after is False and "reset_after" not in conv.options):
        return None
    options = {"reset_after": reset_after} if kind == "gru" and "reset_after" in conv.options else {}
    return count_layer(kind, units, input_dim, framework=framework, **options).params
