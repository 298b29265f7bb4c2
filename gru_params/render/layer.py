"""One layer (`gru-params layer`): its title, weights, gates and formula as text, Markdown and JSON. Never prints."""

from __future__ import annotations

import textwrap

from ..conventions import CONVENTIONS, PARTS
from ..errors import fmt
from ..formulas import LayerCount
from .text import _md_table, _text_table, dumps


def framework_title(c: LayerCount) -> str:
    return CONVENTIONS[c.framework].title


def layer_title(c: LayerCount) -> str:
    """How the framework would write the layer: `GRU(75) on 28 features`, `nn.GRU(28, 75)`."""
    if c.framework == "pytorch":
        options = [f"num_layers={c.num_layers}"] * (c.num_layers > 1) + ["bias=False"] * (not c.use_bias)
        options += ["bidirectional=True"] * c.bidirectional + [f"proj_size={c.proj_size}"] * bool(c.proj_size)
        return f"{c.class_name}({', '.join([str(c.input_dim), str(c.units), *options])})"
    if c.framework == "onnx":
        options = [f"hidden_size={c.units}", *(["direction=bidirectional"] if c.bidirectional else [])]
        if c.reset_after is not None:
            options.append(f"linear_before_reset={int(c.reset_after)}")
        layers = f"{c.num_layers} x " if c.num_layers > 1 else ""
        return f"{layers}ONNX {c.class_name}({', '.join(options)}){' with peepholes' * c.peepholes} on {c.input_dim} features"
    argument = f"features={c.units}" if c.framework == "flax" else str(c.units)
    if c.kernel_size:
        argument += f", kernel_size={c.kernel_size}"
    inner = f"{c.class_name}({argument}{'' if c.use_bias else ', use_bias=False'}"
    if c.reset_after is False:
        inner += ", reset_after=False"
    if c.reset_gate is False:
        inner += ", reset_gate=False"
    inner += ")"
    if c.bidirectional:
        inner = f"Bidirectional({inner}, merge_mode={c.merge_mode!r})" if c.merge_mode or c.framework != "flax" \
            else f"Bidirectional({inner})"
    return f"{inner} on {c.input_dim} {'channels' if c.kernel_size else 'features'}"


def output_shape(c: LayerCount) -> str:
    """As Keras prints it: `(None, 75)`, or a list of shapes for merge_mode=None; a
    convolutional cell's spatial axes, which its input sets, as None."""
    shapes = [(None, *[None] * len(c.kernel_size), d) for d in c.output_dims]
    return fmt(shapes[0] if len(shapes) == 1 else shapes)


def layer_dict(c: LayerCount, cost=None) -> dict:
    """The JSON object of `gru-params layer --format json` (DESIGN.md, Contracts); with a
    `cost` (cost.macs.LayerMacs, for --seq-len), its sequence, batch, MACs and FLOPs."""
    return {
        "framework": c.framework,
        "kind": c.kind,
        "class_name": c.class_name,
        "units": c.units,
        "input_dim": c.input_dim,
        "use_bias": c.use_bias,
        "reset_after": c.reset_after,
        "bidirectional": c.bidirectional,
        "merge_mode": c.merge_mode,
        "num_layers": c.num_layers,
        "proj_size": c.proj_size,
        "peepholes": c.peepholes,
        # only where they apply, so that the other layers' objects stay as they were
        **({"kernel_size": list(c.kernel_size)} if c.kernel_size else {}),
        **({"reset_gate": c.reset_gate} if c.reset_gate is not None else {}),
        "output_dims": list(c.output_dims),
        "params": c.params,
        "weights": [{"name": w.name, "shape": list(w.shape), "params": w.params} for w in c.weights],
        "gates": [
            {
                "gate": g.gate,
                "name": g.name,
                "layer": g.layer,
                "direction": g.direction or None,
                **{part.replace(" ", "_"): n for part, n in g.parts},
                "params": g.params,
            }
            for g in c.gates
        ],
        "outside_gates": [{"part": e.part, "layer": e.layer, "direction": e.direction or None, "params": e.params}
                          for e in c.extras],
        "formula": c.formula,
        "formula_symbols": c.formula_symbols,
        "note": c.note or None,
        **({"seq_len": cost.seq_len, "batch": cost.batch, "macs": cost.macs, "flops": cost.flops,
            "macs_per_step": cost.macs_per_step} if cost is not None else {}),
    }


def _cost_lines(cost) -> list[str]:
    """What one forward pass over the sequence and batch costs (cost/macs.py says how)."""
    steps = f"{cost.seq_len:,} step{'s' * (cost.seq_len != 1)}"
    return [f"Cost of a forward pass over {steps}, batch {cost.batch:,}",
            f"  {cost.macs_per_step:,} MACs a step (every input, recurrent and projection kernel weight, once a sample)",
            f"  {cost.macs:,} MACs = {cost.flops:,} FLOPs (2 a MAC, as torch.utils.flop_counter counts)"]


def layer_json(c: LayerCount, cost=None) -> str:
    return dumps(layer_dict(c, cost))


def _gate_table(c: LayerCount) -> tuple[list[str], list[list[str]], list[str], int]:
    """Header, rows, the totals row, and how many leading label columns. One row per gate
    (per layer and direction when there are several); PyTorch: one row per layer and
    direction, its gates named in order. Weights outside the gates get rows of their own."""
    present = {name for g in c.gates for name, _ in g.parts} | {e.part for e in c.extras}
    parts = [p for p in PARTS if p in present]
    by_layer = c.framework == "pytorch"
    lead = (["Layer"] if c.num_layers > 1 or by_layer else []) + (["Direction"] if c.bidirectional else [])
    lead.append("Gates" if by_layer else "Gate")
    rows, totals = [], dict.fromkeys(parts, 0)
    groups: dict[tuple, dict] = {}
    for g in c.gates:
        key = (g.layer, g.direction) if by_layer else (g.layer, g.direction, g.gate)
        group = groups.setdefault(key, {"label": [], "counts": dict.fromkeys(parts, 0)})
        group["label"].append(g.gate if by_layer else f"{g.gate} {g.name}")
        for name, n in g.parts:
            group["counts"][name] += n
    for e in c.extras:
        key = (e.layer, e.direction) if by_layer else (e.layer, e.direction, e.part)
        group = groups.setdefault(key, {"label": [e.part], "counts": dict.fromkeys(parts, 0)})
        group["counts"][e.part] += e.params
    for (layer, direction, *_), group in groups.items():
        labels = ([str(layer)] if "Layer" in lead else []) + ([direction] if c.bidirectional else [])
        counts = group["counts"]
        for name, n in counts.items():
            totals[name] += n
        rows.append([*labels, " ".join(group["label"]), *(f"{counts[p]:,}" for p in parts), f"{sum(counts.values()):,}"])
    header = [*lead, *(p.capitalize() for p in parts), "Params"]
    total = ["Total", *[""] * (len(lead) - 1), *(f"{totals[p]:,}" for p in parts), f"{c.params:,}"]
    return header, rows, total, len(lead)


def _weight_table(c: LayerCount) -> tuple[list[str], list[list[str]]]:
    rows = [[w.name, str(w.shape), f"{w.params:,}"] for w in c.weights]
    return ["Weight", "Shape", "Params"], rows


def _formula_lines(c: LayerCount) -> list[str]:
    where = f"d = {c.input_dim} {'channels' if c.kernel_size else 'features'}, u = {c.units} units"
    if c.kernel_size:
        where += f", k = {'*'.join(map(str, c.kernel_size))} window"
    return [f"{c.formula_symbols}   ({where})", c.formula]


def layer_markdown(c: LayerCount, cost=None) -> str:
    lines = [f"### {layer_title(c)}: {c.params:,} parameters", ""]
    lines += [f"Output {output_shape(c)}, {framework_title(c)} convention.", ""]
    header, rows, total, _ = _gate_table(c)
    lines += _md_table(header, [*rows, [f"**{cell}**" for cell in total]])
    lines += [""]
    lines += _md_table(*_weight_table(c))
    lines += ["", "Formula:", "", "```", *_formula_lines(c), "```"]
    if cost is not None:
        first, *rest = _cost_lines(cost)
        lines += ["", f"{first}:", "", *(f"- {line.strip()}" for line in rest)]
    if c.note:
        lines += ["", c.note]
    return "\n".join(lines) + "\n"


def layer_text(c: LayerCount, cost=None) -> str:
    """The `layer` table view as plain aligned text: title, gate table, weight table, formula.

    Plain text, not Rich: a one-line query should not pay Rich's import (about 35 ms,
    more than the rest of the query; see bench/benchmark.py).
    """
    header, rows, total, labels = _gate_table(c)
    lines = [f"{layer_title(c)}: {c.params:,} parameters", f"output {output_shape(c)}, {framework_title(c)} convention", ""]
    # Two-line headers keep the gate table within 80 columns.
    lines += _text_table([h.replace(" ", "\n", 1) for h in header], rows, total, first_right=labels)
    lines += [""]
    w_header, w_rows = _weight_table(c)
    lines += _text_table(w_header, w_rows, None, first_right=2)
    lines += ["", "Formula", *("  " + line for line in _formula_lines(c))]
    if cost is not None:
        lines += ["", *_cost_lines(cost)]
    if c.note:
        lines += ["", textwrap.fill(c.note, 80)]
    return "\n".join(lines) + "\n"
