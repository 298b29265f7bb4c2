"""Data to text: plain tables, JSON and Markdown (Rich renderables where Rich earns its
import). Nothing here prints."""

from __future__ import annotations

import json
import re
import textwrap

from .formulas import LayerCount

FRAMEWORK_TITLE = "Keras 3 / tf.keras"


def layer_title(c: LayerCount) -> str:
    """`GRU(75) on 28 features`, wrapped as Keras writes it when bidirectional."""
    inner = f"{c.class_name}({c.units}{'' if c.use_bias else ', use_bias=False'}"
    if c.reset_after is False:
        inner += ", reset_after=False"
    inner += ")"
    if c.bidirectional:
        inner = f"Bidirectional({inner}, merge_mode={c.merge_mode!r})"
    return f"{inner} on {c.input_dim} features"


def output_shape(c: LayerCount) -> str:
    """As Keras prints it: `(None, 75)`, or a list of shapes for merge_mode=None."""
    shapes = [f"(None, {d})" for d in c.output_dims]
    return shapes[0] if len(shapes) == 1 else f"[{', '.join(shapes)}]"


def layer_dict(c: LayerCount) -> dict:
    """The JSON object of `gru-params layer --format json` (DESIGN.md, Contracts)."""
    return {
        "framework": "keras",
        "kind": c.kind,
        "class_name": c.class_name,
        "units": c.units,
        "input_dim": c.input_dim,
        "use_bias": c.use_bias,
        "reset_after": c.reset_after,
        "bidirectional": c.bidirectional,
        "merge_mode": c.merge_mode,
        "output_dims": list(c.output_dims),
        "params": c.params,
        "weights": [{"name": w.name, "shape": list(w.shape), "params": w.params} for w in c.weights],
        "gates": [
            {
                "gate": g.gate,
                "name": g.name,
                "direction": g.direction or None,
                **{part.replace(" ", "_"): n for part, n in g.parts},
                "params": g.params,
            }
            for g in c.gates
        ],
        "formula": c.formula,
        "formula_symbols": c.formula_symbols,
        "note": c.note or None,
    }


def layer_json(c: LayerCount) -> str:
    return dumps(layer_dict(c))


_FLAT_ARRAY = re.compile(r"\[\s*((?:-?\d+|null)(?:,\s*(?:-?\d+|null))*)\s*\]")


def dumps(data) -> str:
    """Indented JSON with arrays of numbers (shapes) kept on one line: `[28, 225]`."""
    text = json.dumps(data, indent=2)
    return _FLAT_ARRAY.sub(lambda m: "[" + ", ".join(re.split(r",\s*", m.group(1))) + "]", text)


def _gate_table(c: LayerCount) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, one row per gate (and direction), and the totals row, as text."""
    parts = [name for name, _ in c.gates[0].parts]
    lead = ["Direction", "Gate"] if c.bidirectional else ["Gate"]
    header = [*lead, *(p.capitalize() for p in parts), "Params"]
    rows = []
    for g in c.gates:
        counts = dict(g.parts)
        label = [g.direction, f"{g.gate} {g.name}"] if c.bidirectional else [f"{g.gate} {g.name}"]
        rows.append([*label, *(f"{counts[p]:,}" for p in parts), f"{g.params:,}"])
    totals = [sum(dict(g.parts)[p] for g in c.gates) for p in parts]
    blank = [""] * (len(lead) - 1)
    return header, rows, ["Total", *blank, *(f"{n:,}" for n in totals), f"{c.params:,}"]


def _weight_table(c: LayerCount) -> tuple[list[str], list[list[str]]]:
    rows = [[w.name, str(w.shape), f"{w.params:,}"] for w in c.weights]
    return ["Weight", "Shape", "Params"], rows


def _formula_lines(c: LayerCount) -> list[str]:
    where = f"d = {c.input_dim} features, u = {c.units} units"
    return [f"{c.formula_symbols}   ({where})", c.formula]


def layer_markdown(c: LayerCount) -> str:
    lines = [f"### {layer_title(c)}: {c.params:,} parameters", ""]
    lines += [f"Output {output_shape(c)}, {FRAMEWORK_TITLE} convention.", ""]
    header, rows, total = _gate_table(c)
    lines += _md_table(header, [*rows, [f"**{cell}**" for cell in total]])
    lines += [""]
    lines += _md_table(*_weight_table(c))
    lines += ["", "Formula:", "", "```", *_formula_lines(c), "```"]
    if c.note:
        lines += ["", c.note]
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return ["| " + " | ".join(r) + " |" for r in (header, align, *rows)]


def layer_text(c: LayerCount) -> str:
    """The `layer` table view as plain aligned text: title, gate table, weight table, formula.

    Plain text, not Rich: a one-line query should not pay Rich's import (about 35 ms,
    more than the rest of the query; see bench/benchmark.py).
    """
    header, rows, total = _gate_table(c)
    labels = 2 if c.bidirectional else 1
    lines = [f"{layer_title(c)}: {c.params:,} parameters", f"output {output_shape(c)}, {FRAMEWORK_TITLE} convention", ""]
    # Two-line headers keep the gate table within 80 columns.
    lines += _text_table([h.replace(" ", "\n", 1) for h in header], rows, total, first_right=labels)
    lines += [""]
    w_header, w_rows = _weight_table(c)
    lines += _text_table(w_header, w_rows, None, first_right=2)
    lines += ["", "Formula", *("  " + line for line in _formula_lines(c))]
    if c.note:
        lines += ["", textwrap.fill(c.note, 80)]
    return "\n".join(lines) + "\n"


def _text_table(header: list[str], rows: list[list[str]], total: list[str] | None, first_right: int) -> list[str]:
    """Columns three spaces apart, right-aligned from column `first_right` on; a rule under
    the header and above the totals."""
    heads = [h.split("\n") for h in header]
    depth = max(len(h) for h in heads)
    heads = [[""] * (depth - len(h)) + h for h in heads]  # bottom-aligned
    body = rows + ([total] if total else [])
    widths = [max(len(x) for x in [*heads[i], *(r[i] for r in body)]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "   ".join(
            cell.rjust(w) if i >= first_right else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "-" * (sum(widths) + 3 * (len(widths) - 1))
    out = [line([h[k] for h in heads]) for k in range(depth)] + [rule] + [line(r) for r in rows]
    return out + ([rule, line(total)] if total else [])
