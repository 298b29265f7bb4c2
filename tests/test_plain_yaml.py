"""Every spec that ships (specs/, examples/, the README's yaml blocks) is plain YAML that other
tools read as gru-params does: PyYAML's safe_load and yamllint; and the old, unquoted
`[encoder[1], encoder[2]]` is still read, with a warning naming its line."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gru_params.cli import app
from gru_params.spec import from_text
from tests.live import read_spec

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
SPECS = sorted([*ROOT.glob("specs/*.yaml"), *ROOT.glob("examples/*.yaml")])
BLOCKS = [b for b in re.findall(r"```yaml\n(.*?)```", README, flags=re.S) if re.search(r"^(layers|source):", b, re.M)]


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_shipped_spec_is_plain_yaml(path):
    assert yaml.safe_load(path.read_text()) == read_spec(path)  # PyYAML reads what gru-params reads


@pytest.mark.parametrize("block", BLOCKS, ids=[b.splitlines()[0][:40] for b in BLOCKS])
def test_readme_spec_is_plain_yaml(block):
    assert yaml.safe_load(block) is not None
    assert not from_text(block, "README.md").warnings


def test_yamllint_reads_every_shipped_spec(tmp_path):
    readme_specs = []
    for i, block in enumerate(BLOCKS):
        readme_specs.append(tmp_path / f"readme_{i}.yaml")
        readme_specs[-1].write_text(block)
    done = subprocess.run([sys.executable, "-m", "yamllint", "-d", "relaxed", *map(str, SPECS + readme_specs)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " error " not in done.stdout


OLD = """\
inputs: {a: [null, 3], b: [null, 3]}
layers:
  - LSTM: {units: 4, return_state: true, name: enc}
    inputs: a
  - LSTM: {units: 4, name: dec}
    inputs: b
    initial_state: [enc[1], enc[2]]
"""


def test_old_unquoted_form_is_read_with_a_pointer(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(OLD)
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(OLD)  # why it had to change
    result = CliRunner().invoke(app, ["summary", str(path), "-f", "json"])
    assert result.exit_code == 0
    assert (f"Warning: {path}:7: `[encoder[1], encoder[2]]`: output references in a flow list are not YAML that "
            'other tools read (PyYAML, yamllint, editors); quote them, `["encoder[1]", "encoder[2]"]`, or write a '
            "block list") in result.output
    quoted = path.with_name("quoted.yaml")
    quoted.write_text(OLD.replace("[enc[1], enc[2]]", '["enc[1]", "enc[2]"]'))
    again = CliRunner().invoke(app, ["summary", str(quoted), "-f", "json"])
    assert again.exit_code == 0 and "Warning" not in again.output
    old, new = json.loads(result.output.split("\n", 1)[1]), json.loads(again.output)
    assert old["layers"] == new["layers"] and old["total_params"] == new["total_params"] == 256
