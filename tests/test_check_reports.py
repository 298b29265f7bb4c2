"""`check` reports for CI: `--format markdown` (a pull-request comment, $GITHUB_STEP_SUMMARY) and the table in a log."""

from typer.testing import CliRunner

from gru_params.cli import app

runner = CliRunner()


def test_markdown_report_has_every_file_problem_and_error():
    result = runner.invoke(app, ["check", "specs/mnist_gru.yaml", "examples/over_budget.yaml", "examples/typo.yaml",
                                 "--format", "markdown"])
    assert result.exit_code == 2  # an invalid file, as in every format
    assert result.output == (
        "### gru-params check: 1 passed, 1 failed, 1 error\n"
        "\n"
        "| File | Result | Total params | Trainable |\n"
        "| --- | --- | ---: | ---: |\n"
        "| specs/mnist_gru.yaml | ok | 24,385 | 24,385 |\n"
        "| examples/over_budget.yaml | **FAIL** | 1,326,753 | 1,326,753 |\n"
        "| examples/typo.yaml | **ERROR** |  |  |\n"
        "\n"
        "- examples/over_budget.yaml:9:17: expect.layers.gru: expected 24,960, got 46,656\n"
        "- examples/over_budget.yaml:11:25: budget.max_trainable_params: trainable_params 1,326,753 is over the "
        "budget of 1,300,000 by 26,753\n"
        "- examples/typo.yaml:4:22: layers[0].GRU.return_sequence: unknown argument `return_sequence` for GRU "
        "(did you mean `return_sequences`?)\n")


def test_markdown_cells_stay_one_line(tmp_path):
    """A path with a pipe and a newline-free error keep the table's rows whole."""
    odd = tmp_path / "a|b.yaml"
    odd.write_text("input: [28, 28]\nlayers:\n  - GRU: {units: 0}\n")
    result = runner.invoke(app, ["check", str(odd), "--format", "markdown"])
    row = next(line for line in result.output.splitlines() if "ERROR" in line)
    assert row.count("|") - row.count("\\|") == 5 and "a\\|b.yaml" in row


def test_a_log_never_cuts_or_wraps_file_names(tmp_path):
    """stdout not a terminal (CliRunner's, a CI log): widths from the content, whatever COLUMNS says."""
    folder = tmp_path / ("a_very_long_folder_name_" * 6)
    folder.mkdir()
    spec = folder / "model_with_a_long_name_too.yaml"
    spec.write_text("input: [28, 28]\nlayers:\n  - GRU: {units: 75}\nbudget: {max_params: 10}\n")
    result = runner.invoke(app, ["check", str(spec)], env={"COLUMNS": "40"})
    lines = result.output.splitlines()
    assert result.exit_code == 1 and lines[1].startswith(f"{spec}  FAIL")
    assert f"{spec}:4:22: budget.max_params: total_params 23,625 is over the budget of 10 by 23,615" in lines
    assert all(line == line.rstrip() for line in lines)
