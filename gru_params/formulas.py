"""Pure counting: one recurrent layer's weight tensors, their split into gates, the formula.

Every number here is the product of a tensor shape taken from `conventions`; the gate
split and the written-out formula are read off the same shapes, so they cannot drift.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

from .conventions import (CONVENTIONS, FRAMEWORK_KINDS, KERAS, KIND_ALIASES, KINDS, MERGE_MODES, PARTS, TEXTBOOK,
                          CellLayout, Convention, TensorRule)
from .errors import ArgumentError, boolean, closest, positive_int, shown
from .limits import MAX_NUM_LAYERS, MAX_RANK


class Weight(NamedTuple):
    """One stored tensor: `kernel (28, 225)`; `weight_ih_l1_reverse (300, 150)`."""

    name: str
    shape: tuple[int, ...]

    @property
    def params(self) -> int:
        return math.prod(self.shape)


class GateCount(NamedTuple):
    """One gate's share of one layer and direction, by table column (`PARTS`)."""

    gate: str  # "z"
    name: str  # "update"
    direction: str  # "forward" / "backward" when bidirectional, else ""
    parts: tuple[tuple[str, int], ...]  # (column, params), only the columns this layer has
    layer: int = 0  # PyTorch's and ONNX's stacked layers

    @property
    def params(self) -> int:
        return sum(n for _, n in self.parts)


class Extra(NamedTuple):
    """Weights outside the gate split: PyTorch's projection, ONNX's peepholes."""

    part: str  # "projection" | "peepholes"
    layer: int
    direction: str
    params: int


class LayerCount(NamedTuple):
    """The parameters of one recurrent layer, per weight tensor and per gate."""

    kind: str  # canonical: "simplernn" | "lstm" | "gru", or Flax's "optimizedlstm" | "mgu" | "convlstm"
    class_name: str  # the framework's class: "GRU", "nn.GRU", "GRUCell"
    units: int
    input_dim: int
    use_bias: bool
    reset_after: bool | None  # None where it does not apply
    bidirectional: bool
    merge_mode: str | None  # Keras's merge mode when bidirectional, else None
    output_dims: tuple[int, ...]  # feature width of each output: (150,) for concat, (75, 75) for None
    weights: tuple[Weight, ...]
    gates: tuple[GateCount, ...]
    formula: str  # "3 x (28*75 + 75*75 + 2*75) = 23,625"
    formula_symbols: str  # "3 x (d*u + u*u + 2*u)"
    note: str  # why this count differs from the textbook one, or ""
    framework: str = "keras"
    num_layers: int = 1
    proj_size: int = 0
    peepholes: bool = False
    extras: tuple[Extra, ...] = ()
    kernel_size: tuple[int, ...] = ()  # a convolutional cell's window (ConvLSTMCell), else ()
    reset_gate: bool | None = None  # Flax's MGUCell's, else None

    @property
    def params(self) -> int:
        return sum(w.params for w in self.weights)


def normalize_kind(kind: str) -> str:
    """'GRU', 'rnn', 'simple_rnn' -> the canonical kind, or an ArgumentError naming the closest."""
    if not isinstance(kind, str):
        raise ArgumentError(f"expected a layer kind (simplernn, lstm or gru) as text, got {shown(kind)}")
    key = kind.lower()
    key = KIND_ALIASES.get(key, key)
    if key not in KINDS and key not in FRAMEWORK_KINDS:
        aliases = [a for a, k in KIND_ALIASES.items() if k in KINDS]
        # Flax's own kinds only when nothing common is close: `gur` is `gru`, not `mgu`
        suggestion = closest(key, [*KINDS, *aliases]) or closest(key, [*FRAMEWORK_KINDS, *KIND_ALIASES])
        raise ArgumentError(f"unknown layer kind {kind!r}; expected {', '.join(KINDS)} "
                            f"(or {', '.join(aliases)}){suggestion}")
    return key


def convention(framework: str) -> Convention:
    if not isinstance(framework, str) or framework not in CONVENTIONS:
        raise ArgumentError(f"unknown framework {shown(framework)}; expected {', '.join(CONVENTIONS)}"
                            + closest(framework, CONVENTIONS))
    return CONVENTIONS[framework]


def count_layer(
    kind: str,
    units: int,
    input_dim: int,
    *,
    framework: str = "keras",
    reset_after: bool | None = None,
    use_bias: bool = True,
    bidirectional: bool = False,
    merge_mode: str | None = "concat",
    num_layers: int = 1,
    proj_size: int = 0,
    peepholes: bool = False,
    kernel_size=None,
    reset_gate: bool | None = None,
) -> LayerCount:
    """Count a SimpleRNN, LSTM or GRU layer on `input_dim` features, as `framework` stores it.

    framework: keras (tf.keras and Keras 3, the default), pytorch, onnx, keras2-cudnn, flax.
    `reset_after` applies to GRU and defaults to True, as in tf.keras and Keras 3 (for ONNX
    it is linear_before_reset). `merge_mode` applies to a bidirectional Keras layer
    (concat, sum, mul, ave, or None for two outputs). `num_layers` stacks PyTorch and ONNX
    layers; `proj_size` is PyTorch's LSTM projection; `peepholes` ONNX's LSTM input P.
    Flax alone: "optimizedlstm", "mgu" (MGUCell, with `reset_gate`, default True) and
    "convlstm" (ConvLSTMCell on `input_dim` channels, which needs `kernel_size`, a list
    of window sizes, one per spatial axis: (3, 3) for 2-D).
    Raises `ArgumentError` on values that do not fit, as the framework would.
    """
    conv = convention(framework)
    kind = normalize_kind(kind)
    if kind not in conv.class_names:
        have = ", ".join(conv.class_names.values())
        owners = [c for c in CONVENTIONS.values() if kind in c.class_names]
        owner = owners[0] if len(owners) == 1 else None  # mgu: "is Flax's MGUCell (`framework` flax)"
        hint = (f"; {kind} is {owner.title.split()[0]}'s {owner.class_names[kind]} (`framework` {owner.key})"
                if owner else "")
        raise ArgumentError(f"{conv.title} has no {kind} layer (it has {have}){hint}")
    # Every argument is checked before the cache sees it: the cache takes 75.0 and True for
    # 75 and 1, and cannot take a list
    units = positive_int("units", units)
    input_dim = positive_int("input_dim", input_dim)
    use_bias = boolean("use_bias", use_bias)
    bidirectional = boolean("bidirectional", bidirectional)
    num_layers = positive_int("num_layers", num_layers, MAX_NUM_LAYERS)
    peepholes = boolean("peepholes", peepholes)
    if isinstance(proj_size, bool) or not isinstance(proj_size, int) or proj_size < 0:
        raise ArgumentError(f"expected a whole number >= 0 for `proj_size`, got {shown(proj_size)}")
    if reset_after is not None:
        reset_after = boolean("reset_after", reset_after)
    if reset_gate is not None:
        reset_gate = boolean("reset_gate", reset_gate)
    if kernel_size is not None:
        kernel_size = _kernel_size(kernel_size)
    if not (merge_mode is None or isinstance(merge_mode, str)) or merge_mode not in MERGE_MODES:
        modes = [m for m in MERGE_MODES if m]
        raise ArgumentError(
            f"expected one of {', '.join(modes)} or None for `merge_mode`, got {shown(merge_mode)}"
            + closest(merge_mode, modes)
        )
    return _count(conv.key, kind, units, input_dim, reset_after, use_bias, bidirectional, merge_mode, num_layers,
                  proj_size, peepholes, kernel_size, reset_gate)


def _kernel_size(value) -> tuple[int, ...]:
    """A convolution window: a list or tuple of positive sizes, one per spatial axis."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ArgumentError("expected a list of positive integers for `kernel_size`, one per spatial axis "
                            f"((3, 3) for a 3 x 3 window), got {shown(value)}")
    if len(value) > MAX_RANK:
        raise ArgumentError(f"expected at most {MAX_RANK} sizes for `kernel_size`, got {len(value):,}")
    return tuple(positive_int("kernel_size", k) for k in value)


@functools.lru_cache(maxsize=4096)  # pure, and the result is immutable: deep models repeat layers
def _count(framework, kind, units, input_dim, reset_after, use_bias, bidirectional, merge_mode, num_layers,
           proj_size, peepholes, kernel_size=None, reset_gate=None) -> LayerCount:
    """count_layer on arguments already checked."""
    conv = CONVENTIONS[framework]
    class_name = conv.class_names[kind]
    _check_options(conv, kind, class_name, use_bias, reset_after, num_layers, proj_size, peepholes)
    _check_cell_options(conv.cells[kind].options, class_name, kernel_size, reset_gate)
    kernel_size = kernel_size or ()
    if "reset_gate" in conv.cells[kind].options:
        reset_gate = True if reset_gate is None else reset_gate
    if kind == "gru" and "reset_after" in conv.options:
        reset_after = True if reset_after is None else reset_after
    if merge_mode != "concat" and (not bidirectional or "merge_mode" not in conv.options):
        raise ArgumentError("`merge_mode` applies only to a bidirectional layer" if not bidirectional else
                            f"{conv.title} joins the two directions side by side; `merge_mode` is Keras's")
    if proj_size >= units and proj_size:
        raise ArgumentError(f"`proj_size` ({proj_size}) has to be smaller than `units` ({units}), as PyTorch requires")

    layout = conv.cells["gru/reset_before" if kind == "gru" and conv is KERAS and not reset_after else kind]
    rules = tuple(r._replace(dims=_windowed(r.dims, len(kernel_size))) for r in layout.tensors
                  if (use_bias or not r.bias) and _wanted(r, proj_size, peepholes, reset_gate))
    directions = ("forward", "backward") if bidirectional else ("",)
    n_dirs = len(directions)
    hidden = proj_size or units
    weights, gates, extras, blocks, symbols = [], [], [], [], []
    for layer in range(num_layers):
        inputs = input_dim if layer == 0 else n_dirs * hidden
        sizes = {"input": inputs, "units": units, "hidden": hidden, "proj": proj_size, "gates": len(layout.gates) * units,
                 "gates2": 2 * len(layout.gates) * units, "peep": 3 * units,
                 "directions": n_dirs if conv.directions == "axis" else 1, **_window_sizes(kernel_size)}
        names = {"input": "d" if layer == 0 else (f"{n_dirs}*" if n_dirs > 1 else "") + ("p" if proj_size else "u"),
                 "units": "u", "hidden": "p" if proj_size else "u", "proj": "p", **_window_names(kernel_size)}
        stored = directions if conv.directions == "copies" else ("",)
        for direction in stored:
            weights += [Weight(conv.name(r.name, class_name, layer, direction, num_layers), _shape(r.dims, sizes))
                        for r in rules]
        for direction in directions:
            gates += _gate_counts(layout, rules, units, sizes, direction, layer)
            extras += [Extra(r.parts[0], layer, direction, math.prod(_slice(r.dims, sizes, units)))
                       for r in rules if not r.gated]
            blocks.append(_block(layout, rules, sizes, units, lambda d, s=sizes: str(s[d])))
            symbols.append(_block(layout, rules, sizes, units, lambda d, n=names: n.get(d, d)))

    params = sum(w.params for w in weights)
    return LayerCount(
        kind=kind,
        class_name=class_name,
        units=units,
        input_dim=input_dim,
        use_bias=use_bias,
        reset_after=reset_after if kind == "gru" and "reset_after" in conv.options else None,
        bidirectional=bidirectional,
        merge_mode=merge_mode if bidirectional and "merge_mode" in conv.options else None,
        output_dims=_output_dims(conv, hidden, bidirectional, merge_mode),
        weights=tuple(weights),
        gates=tuple(gates),
        formula=f"{_sum_of(blocks)} = {params:,}",
        formula_symbols=_sum_of(symbols),
        note=_note(conv, kind, reset_after, use_bias, params, units, input_dim, n_dirs, num_layers, proj_size, peepholes,
                   kernel_size),
        framework=conv.key,
        num_layers=num_layers,
        proj_size=proj_size,
        peepholes=peepholes,
        extras=tuple(extras),
        kernel_size=kernel_size,
        reset_gate=reset_gate,
    )


def _check_options(conv, kind, class_name, use_bias, reset_after, num_layers, proj_size, peepholes) -> None:
    """Options the framework does not have are errors, named as the framework would."""
    if not use_bias and "use_bias" not in conv.options | conv.cells[kind].options:
        having = [conv.class_names[k] for k in conv.class_names if "use_bias" in conv.cells[k].options]
        raise ArgumentError(f"{class_name} always has biases; `use_bias` does not apply to {conv.title}"
                            + (f" except {', '.join(having)}" if having else ""))
    if reset_after is not None and (kind != "gru" or "reset_after" not in conv.options):
        if kind != "gru":
            raise ArgumentError(f"`reset_after` applies only to GRU, not to {class_name}")
        raise ArgumentError(f"{class_name} applies the reset gate after the recurrent product, always "
                            "(as reset_after=True); `reset_after` does not apply")
    if num_layers != 1 and "num_layers" not in conv.options:
        raise ArgumentError(f"`num_layers` applies to PyTorch and ONNX, not to {conv.title}; stack layers instead")
    if proj_size and ("proj_size" not in conv.options or kind != "lstm"):
        raise ArgumentError("`proj_size` applies only to PyTorch's LSTM" if "proj_size" not in conv.options else
                            f"proj_size argument is only supported for LSTM, not {class_name.split('.')[-1]}")
    if peepholes and ("peepholes" not in conv.options or kind != "lstm"):
        raise ArgumentError("`peepholes` applies only to the ONNX LSTM operator")


def _check_cell_options(options, class_name, kernel_size, reset_gate) -> None:
    """The options of one cell only: ConvLSTMCell's kernel_size (which it needs), MGUCell's reset_gate."""
    if kernel_size is not None and "kernel_size" not in options:
        raise ArgumentError(f"`kernel_size` applies only to convlstm (Flax's ConvLSTMCell), not to {class_name}")
    if kernel_size is None and "kernel_size" in options:
        raise ArgumentError(f"{class_name} needs `kernel_size`, one size per spatial axis (3, 3 for a 3 x 3 window)")
    if reset_gate is not None and "reset_gate" not in options:
        raise ArgumentError(f"`reset_gate` applies only to mgu (Flax's MGUCell), not to {class_name}")


def _wanted(rule: TensorRule, proj_size: int, peepholes: bool, reset_gate: bool | None = None) -> bool:
    return (rule.when == "" or (rule.when == "proj" and proj_size > 0) or (rule.when == "peepholes" and peepholes)
            or (rule.when == "reset_gate" and bool(reset_gate)))


def _windowed(dims, axes: int) -> tuple:
    """`dims` with "window" spread into one symbol a kernel axis: k1, k2, ..."""
    if "window" not in dims:
        return dims
    return tuple(s for d in dims for s in ([f"k{i}" for i in range(1, axes + 1)] if d == "window" else [d]))


def _window_sizes(kernel_size: tuple[int, ...]) -> dict[str, int]:
    return {f"k{i}": k for i, k in enumerate(kernel_size, 1)}


def _window_names(kernel_size: tuple[int, ...]) -> dict[str, str]:
    """The whole window written as one symbol, k (k = 3*3): k1 is k, the other axes are left out."""
    return {f"k{i}": "k" if i == 1 else "" for i in range(1, len(kernel_size) + 1)}


def _shape(dims, sizes: dict[str, int]) -> tuple[int, ...]:
    return tuple(d if isinstance(d, int) else sizes[d] for d in dims)


def _slice(dims, sizes: dict[str, int], units: int) -> tuple[int, ...]:
    """One gate's share of one part of a tensor, for one direction: the "gates" axis cut
    to `units`, a literal parts axis to 1, the directions axis to 1."""
    cut = {**sizes, "gates": units, "gates2": units, "directions": 1}
    return tuple(1 if isinstance(d, int) else cut[d] for d in dims)


def _gate_counts(layout: CellLayout, rules, units, sizes, direction, layer) -> list[GateCount]:
    present = [p for p in PARTS if any(p in r.parts for r in rules if r.gated)]
    rows = []
    for gate in layout.gates:
        per_part = dict.fromkeys(present, 0)
        for rule in rules:
            if rule.gated and rule.gate in (None, gate.key):
                n = math.prod(_slice(rule.dims, sizes, units))
                for part in rule.parts:
                    per_part[part] += n
        rows.append(GateCount(gate.key, gate.name, direction, tuple(per_part.items()), layer))
    return rows


def _term(dims, write) -> str:
    """One gate's slice of a tensor, written out: (2, 3*u) -> "2*u", (u, 3*u) -> "u*u"."""
    factors = []
    for d in dims:
        if d == "directions":
            continue
        if d == "gates":
            factors.append(write("units"))
        elif d == "gates2":
            factors += ["2", write("units")]
        elif d == "peep":
            factors += ["3", write("units")]
        else:
            factors.append(str(d) if isinstance(d, int) else write(d))
    return "*".join(f for f in factors if f)  # a window's axes after the first are written as one k


def _block(layout: CellLayout, rules, sizes, units, write) -> str:
    """One layer and direction: the gates' terms, grouped where gates are alike, then the rest."""
    per_gate = [" + ".join(_term(r.dims, write) for r in rules if r.gated and r.gate in (None, g.key))
                for g in layout.gates]
    text = _sum_of([f"({t})" if len(layout.gates) > 1 else t for t in per_gate])
    rest = [_term(r.dims, write) for r in rules if not r.gated]
    return " + ".join([text, *rest]) if rest else text


def _sum_of(terms: list[str]) -> str:
    """Equal terms counted: [a, a, b] -> "2 x a + b"."""
    counts: dict[str, int] = {}
    for t in terms:
        counts[t] = counts.get(t, 0) + 1
    return " + ".join(f"{n} x {_grouped(t)}" if n > 1 else t for t, n in counts.items())


def _grouped(term: str) -> str:
    """`term` in parentheses if a sum shows at its top level: "a + b" -> "(a + b)"."""
    depth = 0
    for i, ch in enumerate(term):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and term.startswith(" + ", i):
            return f"({term})"
    return term


def _output_dims(conv: Convention, hidden: int, bidirectional: bool, merge_mode: str | None) -> tuple[int, ...]:
    if not bidirectional:
        return (hidden,)
    if "merge_mode" not in conv.options:
        return (2 * hidden,)  # PyTorch, ONNX (its num_directions axis) and Flax put the two side by side
    if merge_mode is None:
        return (hidden, hidden)
    return (2 * hidden,) if merge_mode == "concat" else (hidden,)


def textbook(kind: str, units: int, input_dim: int, n_directions: int = 1, kernel_size: tuple[int, ...] = ()) -> int:
    """The count most articles derive: one kernel, one recurrent kernel and one bias a gate
    (Keras's reset_after=False; a ConvLSTM's kernels over a `kernel_size` window)."""
    layout = TEXTBOOK[kind]
    sizes = {"input": input_dim, "units": units, "gates": len(layout.gates) * units, **_window_sizes(kernel_size)}
    return n_directions * sum(math.prod(_shape(_windowed(r.dims, len(kernel_size)), sizes)) for r in layout.tensors)


def _note(conv, kind, reset_after, use_bias, params, units, input_dim, n_dirs, num_layers, proj_size, peepholes,
          kernel_size=()) -> str:
    """Why a count is not the textbook G x (d*u + u*u + u), when it is not."""
    if not use_bias or num_layers > 1 or proj_size or peepholes:
        return ""
    base = textbook(kind, units, input_dim, n_dirs, kernel_size)
    if conv is KERAS:
        if kind != "gru":
            return ""
        if reset_after:
            return (f"reset_after=True (the tf.keras and Keras 3 default) gives the recurrent kernel a bias "
                    f"of its own: {params - base:,} more than the textbook {base:,} (reset_after=False).")
        other = base + n_dirs * 3 * units
        return (f"reset_after=False is the textbook GRU with one bias; the tf.keras and Keras 3 default "
                f"reset_after=True adds a recurrent bias: {other:,}.")
    note = conv.cells[kind].note or conv.note
    if params == base:
        return f"{conv.title}: {note}; the same as the textbook count here."
    return f"{conv.title}: {note}: {params - base:,} more than the textbook {base:,}."
