"""Every kind of bad spec: exit code 2 and one line naming the file, the place and the problem."""

import time

import pytest
from typer.testing import CliRunner

from gru_params.cli import app

runner = CliRunner()

GOOD_HEAD = "input: [28, 28]\nlayers:\n"

CASES = {
    "yaml_syntax": ("input: [28, 28\nlayers: []\n", "2:7: YAML syntax error: did not find expected ',' or ']' (parsing a flow sequence that starts at line 1, column 8)"),
    "boolean_for_int": (GOOD_HEAD + "  - GRU: {units: true}\n",
                        "3:18: layers[0].GRU.units: expected a positive integer for `units`, got True"),
    "float_for_int": (GOOD_HEAD + "  - GRU: {units: 7.5}\n",
                      "3:18: layers[0].GRU.units: expected a positive integer for `units`, got 7.5"),
    "negative": (GOOD_HEAD + "  - LSTM: {units: -5}\n",
                 "3:19: layers[0].LSTM.units: expected a positive integer for `units`, got -5"),
    "missing_argument": (GOOD_HEAD + "  - GRU: {return_sequences: true}\n", "3:5: layers[0].GRU: GRU needs `units`"),
    "unknown_argument": (GOOD_HEAD + "  - GRU: {units: 5, return_sequence: true}\n",
                         "3:21: layers[0].GRU.return_sequence: unknown argument `return_sequence` for GRU "
                         "(did you mean `return_sequences`?)"),
    "unknown_layer": (GOOD_HEAD + "  - GRUU: {units: 5}\n", "3:5: layers[0].GRUU: unknown layer `GRUU` (did you mean `GRU`?)"),
    "unknown_activation": (GOOD_HEAD + "  - GRU: {units: 5}\n  - Dense: {units: 2, activation: softmx}\n",
                           "4:35: layers[1].Dense.activation: unknown activation 'softmx' for `activation` "
                           "(did you mean `softmax`?)"),
    "time_axis_dropped": (GOOD_HEAD + "  - GRU: {units: 5}\n  - LSTM: {units: 3}\n",
                          "4:5: layers[1].LSTM: expected a 3D input (batch, time, features), got (None, 5)"),
    "reshape_mismatch": (GOOD_HEAD + "  - Reshape: {target_shape: [5, 5]}\n",
                         "3:5: layers[0].Reshape: cannot reshape (None, 28, 28) (784 values) to [5, 5] (25 values)"),
    "missing_input": ("layers:\n  - GRU: {units: 5}\n",
                      "1:1: missing `input`: add the per-sample input shape, like `input: [28, 28]` (time steps, "
                      "features) or `input: [500]` (tokens)"),
    "bad_input": ("input: [28, -1]\nlayers: [Flatten]\n",
                  "1:8: input: expected the per-sample shape as a list of positive integers or nulls (no batch axis), "
                  "like [28, 28], [null, 28] or [] (a scalar); got a list"),
    "missing_layers": ("input: [28, 28]\n", "1:1: missing `layers`: the list of layers, in order"),
    "unknown_top_key": ("input: [28, 28]\nlayer:\n  - GRU: {units: 5}\n",
                        "2:1: layer: unknown key `layer` in the spec (did you mean `layers`?); "
                        "expected name, framework, input, inputs, layers, outputs, expect, budget, compute, source"),
    "duplicate_key": (GOOD_HEAD + "  - GRU: {units: 5, units: 6}\n", "3:21: duplicate key `units` (first at line 3)"),
    "duplicate_name": (GOOD_HEAD + "  - GRU: {units: 5, return_sequences: true}\n  - GRU: {units: 5, name: gru}\n",
                       "4:5: layers[1].GRU: duplicate name `gru` (also layers[0].GRU, line 3); "
                       "layer and input names must be unique"),
    "several_outputs_mid_model": (GOOD_HEAD + "  - LSTM: {units: 5, return_state: true}\n  - Dense: {units: 1}\n",
                                  "4:5: layers[1].Dense: the previous layer `lstm` returns 3 tensors "
                                  "[(None, 5), (None, 5), (None, 5)]; in a Sequential model only the last layer may"),
    "bidirectional_dense": (GOOD_HEAD + "  - Bidirectional: {layer: {Dense: {units: 3}}}\n",
                            "3:28: layers[0].Bidirectional.layer.Dense: Bidirectional wraps a recurrent layer "
                            "(SimpleRNN, LSTM, GRU, RNN, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D), got Dense"),
    "cell_outside_rnn": (GOOD_HEAD + "  - LSTMCell: {units: 3}\n",
                         "3:5: layers[0].LSTMCell: LSTMCell is an RNN cell; wrap it: RNN: {cell: {LSTMCell: ...}}"),
    "unknown_framework": ("framework: pytroch\n" + GOOD_HEAD + "  - GRU: {units: 5}\n",
                          "1:12: framework: expected keras or keras2 or pytorch, got 'pytroch' (did you mean `pytorch`?)"),
    "expect_not_a_count": (GOOD_HEAD + "  - GRU: {units: 5}\nexpect: {total_params: 1.5}\n",
                           "4:24: expect.total_params: expected a parameter count (a whole number >= 0), got 1.5"),
    "top_level_list": ("- GRU\n", "1:1: expected the spec as a mapping, got a list"),
    "python_object": (GOOD_HEAD + "  - GRU: {units: !!python/object/apply:os.system ['echo hi']}\n",
                      "3:18: unsupported YAML tag !!python/object/apply:os.system: a spec holds plain data "
                      "(mappings, lists, numbers, text), never objects"),
    "undefined_alias": (GOOD_HEAD + "  - GRU: {units: *u}\n", "3:18: uses the undefined alias *u"),
    "empty": ("", "1:1: is empty; a spec is a mapping with `input` and `layers`"),
    # found by fuzzing: a list where a name belongs, and the base Layer's optional input_dim
    # taking the place of Embedding's required one
    "activation_list": (GOOD_HEAD + "  - Activation: {activation: [relu]}\n",
                        "3:30: layers[0].Activation.activation: expected an activation name for `activation`, got ['relu']"),
    "embedding_without_input_dim": ("input: [5]\nlayers:\n  - Embedding: {output_dim: 4}\n",
                                    "3:5: layers[0].Embedding: Embedding needs `input_dim`"),
    "conv_too_short": ("input: [3, 8]\nlayers:\n  - Conv1D: {filters: 4, kernel_size: 5}\n",
                       "3:5: layers[0].Conv1D: the input length 3 is too short for kernel 5 (dilation 1): "
                       "the output would be empty"),
    "pipeline_in_time_distributed": (GOOD_HEAD + "  - TimeDistributed: {layer: {Pipeline: {layers: [Flatten]}}}\n",
                                     "3:5: layers[0].TimeDistributed: Keras cannot tell the output shape of a Pipeline "
                                     "inside TimeDistributed (its summary shows `?` and 0 parameters, as its layers are "
                                     "not built): wrap each layer instead"),
    "einsum_rank": (GOOD_HEAD + "  - EinsumDense: {equation: 'ab,bc->ac', output_shape: 4}\n",
                    "3:5: layers[0].EinsumDense: `equation` ab,bc->ac names 2 input axes, the input (None, 28, 28) has 3"),
    "einsum_output_shape": (GOOD_HEAD + "  - EinsumDense: {equation: 'abc,cd->abd', output_shape: [4]}\n",
                            "3:5: layers[0].EinsumDense: `output_shape` (4) gives 1 sizes, `equation` abc,cd->abd names "
                            "2 output axes besides the batch"),
    "einsum_stray_axis": (GOOD_HEAD + "  - EinsumDense: {equation: 'abc,cx->abd', output_shape: [null, 4]}\n",
                          "3:5: layers[0].EinsumDense: axis 'd' of `equation` abc,cx->abd is in neither the input nor "
                          "the kernel"),
    "einsum_bias_axes": (GOOD_HEAD + "  - EinsumDense: {equation: 'abc,cd->abd', output_shape: [null, 4], bias_axes: x}\n",
                         "3:5: layers[0].EinsumDense: `bias_axes` 'x' is not an axis of the output 'abd'"),
    "lookup_repeats": (GOOD_HEAD + "  - StringLookup: {vocabulary: [a, a]}\n",
                       "3:5: layers[0].StringLookup: `vocabulary` repeats a token"),
    "lookup_file": (GOOD_HEAD + "  - StringLookup: {vocabulary: vocab.txt, output_mode: one_hot}\n",
                    "3:5: layers[0].StringLookup: `vocabulary` is a file, whose size is not in the config: give "
                    "`vocabulary_size`"),
    "lambda_without_output_shape": (GOOD_HEAD + "  - Lambda: {name: scale}\n",
                                    "3:5: layers[0].Lambda: Lambda `scale` runs Python code and it gives no "
                                    "`output_shape`: its output shape is not in the config; give it, per sample, as "
                                    "`output_shape: [10]` in a spec, or with `--output-shape scale=10` for a saved model"),
    "stft_step": (GOOD_HEAD + "  - STFTSpectrogram: {frame_length: 8, frame_step: 9}\n",
                  "3:5: layers[0].STFTSpectrogram: `frame_step` must be from 1 to `frame_length` (8), got 9"),
}


def run_summary(path):
    return runner.invoke(app, ["summary", str(path)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_spec(tmp_path, name):
    text, message = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    result = run_summary(path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}:{message}\n"


def test_bad_spec_in_check_is_reported_and_others_still_checked(tmp_path):
    (tmp_path / "a_bad.yaml").write_text(CASES["unknown_layer"][0])
    (tmp_path / "b_good.yaml").write_text(GOOD_HEAD + "  - GRU: {units: 75}\nexpect: {total_params: 23625}\n")
    result = runner.invoke(app, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2
    import json

    data = json.loads(result.stdout)
    assert (data["passed"], data["failed"], data["errors"]) == (1, 0, 1)
    assert data["files"][0]["error"].endswith("layers[0].GRUU: unknown layer `GRUU` (did you mean `GRU`?)")
    assert data["files"][1]["ok"] is True and data["files"][1]["total_params"] == 23625


def write_bytes(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_binary_file(tmp_path):
    path = write_bytes(tmp_path, "model.yaml", b"input: [1]\x00\x01\x02")
    result = run_summary(path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {path}: is a binary file, not YAML text\n")


def test_not_utf8(tmp_path):
    path = write_bytes(tmp_path, "model.yaml", "name: caf\u00e9\n".encode("latin-1"))
    result = run_summary(path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {path}:1:10: is not UTF-8 text (byte 0xe9)\n")


def test_missing_file(tmp_path):
    result = run_summary(tmp_path / "nope.yaml")
    assert (result.exit_code, result.stderr) == (2, f"Error: {tmp_path / 'nope.yaml'}: no such file\n")


def test_huge_file(tmp_path):
    path = write_bytes(tmp_path, "huge.yaml", b"# " + b"x" * (17 * 1024 * 1024) + b"\n")
    result = run_summary(path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {path}: is larger than 16 MiB; a spec is a small text file\n")


def test_deep_nesting_is_bounded(tmp_path):
    path = write_bytes(tmp_path, "deep.yaml", b"input: " + b"[" * 200_000 + b"]" * 200_000 + b"\n")
    start = time.perf_counter()
    result = run_summary(path)
    assert time.perf_counter() - start < 5
    assert (result.exit_code, result.stderr) == (2, f"Error: {path}:1:71: nests deeper than 64 levels\n")


def test_alias_bomb_is_bounded(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    bomb = "\n".join(lines)  # 9**9 strings once expanded
    path = tmp_path / "bomb.yaml"
    path.write_text(f"{bomb}\ninput: [28, 28]\nlayers:\n  - GRU: {{units: 5, kernel_initializer: *i}}\n")
    start = time.perf_counter()
    result = run_summary(path)
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2
    # shared while parsing, but every use counts: 9**9 nodes would be walked once built
    assert result.stderr == (f"Error: {path}:7:16: has more than 2,000,000 YAML nodes (counting each use of an "
                             "alias in full)\n")
