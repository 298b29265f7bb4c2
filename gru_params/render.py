"""Data to text: Rich renderables, JSON and Markdown. Nothing here prints.

Rich is imported inside the functions that build Rich objects, so that JSON and
Markdown output never pay for it.
"""

from __future__ import annotations

import json

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
    return json.dumps(layer_dict(c), indent=2)


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


def layer_renderable(c: LayerCount):
    """The `layer` table view: title, gate table, weight table, formula, note."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    header, rows, total = _gate_table(c)
    # Two-line headers keep the table within 80 columns whatever the gate labels.
    gates = _rich_table(box, Table, [h.replace(" ", "\n", 1) for h in header])
    labels = 2 if c.bidirectional else 1
    for i in range(labels, len(header)):
        gates.columns[i].justify = "right"
    for row in rows:
        gates.add_row(*row)
    gates.add_section()
    gates.add_row(*total, style="bold")

    w_header, w_rows = _weight_table(c)
    weights = _rich_table(box, Table, w_header)
    weights.columns[2].justify = "right"
    for row in w_rows:
        weights.add_row(*row)

    title = Text.assemble((layer_title(c), "bold"), f": {c.params:,} parameters")
    subtitle = Text(f"output {output_shape(c)}, {FRAMEWORK_TITLE} convention", style="dim")
    parts = [title, subtitle, Text(""), gates, Text(""), weights, Text(""), Text("Formula", style="bold")]
    parts += [Text("  " + line) for line in _formula_lines(c)]
    if c.note:
        parts += [Text(""), Text(c.note, style="italic")]
    return Group(*parts)


def _rich_table(box, Table, header: list[str]):
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in header:
        table.add_column(name, vertical="bottom")
    return table
