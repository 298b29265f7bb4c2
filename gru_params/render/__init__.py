"""Data to text (never prints): a module a family of output, loaded when first used, so that
`gru-params layer` imports only what a layer's table needs.

- `text`: JSON with short lines, byte sizes, plain and Markdown tables (what the others share);
- `layer`: one layer (`layer`); `compare`: a layer across frameworks (`compare`, `--macs`);
- `keras_table`: a model's summary as tf.keras prints it, its JSON and Markdown;
  `torchinfo`: a PyTorch spec's, as torchinfo prints it;
- `checkpoint`: a checkpoint's or ONNX model's modules; `cost`: MACs and memory lines and keys;
- `check`: `check`'s reports (table, JSON, Markdown, JUnit, GitHub annotations);
- `solve`: `solve`'s answers.

`render.NAME` reaches a function of the first four families by its name, as when this was one
module; the others are imported as modules (`from .render import checkpoint`).
"""

from __future__ import annotations

import importlib

_HOME = {
    **dict.fromkeys(('_check_rows', '_status', 'check_closing_line', 'check_counts', 'check_dict', 'check_github', 'check_junit', 'check_markdown', 'check_renderable', 'check_text',), "check"),
    **dict.fromkeys(('OUR_MACS_RULE', '_bars', '_compare_grid', '_compare_macs_heading', '_compare_macs_rows', '_count_text', '_flax_only_lines', '_notes', 'compare_dict', 'compare_macs_dict', 'compare_macs_markdown', 'compare_macs_text', 'compare_markdown', 'compare_text',), "compare"),
    **dict.fromkeys(('_CONNECTION', '_WORD', '_box_table', '_connections', '_cost_footer', '_footer', '_gate_label', '_inner_widths', '_justify', '_macs_width', '_rich_text', '_summary_cells', '_summary_layout', '_walk', '_wrap', 'footer_lines', 'summary_dict', 'summary_markdown', 'summary_renderable', 'summary_text',), "keras_table"),
    **dict.fromkeys(('_cost_lines', '_formula_lines', '_gate_table', '_weight_table', 'framework_title', 'layer_dict', 'layer_json', 'layer_markdown', 'layer_text', 'layer_title', 'output_shape',), "layer"),
    **dict.fromkeys(('BYTES_PER_PARAM', '_BYTE_UNITS', '_md_table', '_text_table', 'dumps', 'readable_bytes',), "text"),
    **dict.fromkeys(('_TORCHINFO_DEPTH', '_torchinfo_leaf', '_torchinfo_params', '_torchinfo_rows', 'torchinfo_text',), "torchinfo"),
}


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'gru_params.render' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
