"""The JSON Schema of the spec format (gru_params/schema.py): valid draft 2020-12, generated from
every layer of every registry, passed by every spec gru-params accepts (specs/, examples/, the
README's, the golden catalogues') and failed by broken ones, through the real check-jsonschema
CLI, as CI and pre-commit run it."""

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gru_params import layers as registry
from gru_params import schema, spec
from gru_params.cost import memory
from tests.live import missing

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent

# Examples that are broken on purpose: `gru-params check` refuses them (exit 2), and so must the schema
BROKEN_EXAMPLES = {"typo.yaml"}



def _needed(name: str):
    """A tool these tests need: skipped with its name when missing, a failure in CI."""
    missing(f"{name} is not installed; install the test extra: pip install -e '.[test]'")


try:
    import jsonschema
except ImportError:  # pragma: no cover - the skip or failure says so
    jsonschema = None


@pytest.fixture(scope="module")
def validator():
    if jsonschema is None:
        _needed("jsonschema")
    return jsonschema.Draft202012Validator(schema.spec_schema())


@pytest.fixture(scope="module")
def cli():
    """The check-jsonschema command, and where the schema is written."""
    found = BIN / "check-jsonschema"
    command = str(found) if found.exists() else shutil.which("check-jsonschema")
    if command is None:
        _needed("check-jsonschema")
    return command


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "spec.schema.json"
    path.write_text(json.dumps(schema.spec_schema(), indent=2))
    return path


def run_cli(cli, schema_file, files, output_json=False):
    command = [cli, "--schemafile", str(schema_file), *(["-o", "json"] if output_json else []), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def gru_params_check(files) -> dict:
    """`gru-params check -f json` over `files`: path -> its JSON result."""
    done = subprocess.run([sys.executable, "-m", "gru_params", "check", "-f", "json", *map(str, files)],
                          capture_output=True, text=True, cwd=ROOT)
    return {f["path"]: f for f in json.loads(done.stdout)["files"]}


# ---- the schema itself ---------------------------------------------------------------------

def test_schema_is_valid_draft_2020_12(validator):
    doc = schema.spec_schema()
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == schema.SCHEMA_ID and doc["title"] and doc["description"]
    assert doc["additionalProperties"] is False
    text = json.dumps(doc)
    assert json.loads(text) == doc  # plain JSON: no tuples, no objects
    assert len(text) < 1_500_000, f"the schema is {len(text):,} bytes"
    assert len(json.dumps(doc, indent=2)) < 1_500_000


def test_schema_is_generated_the_same_each_time():
    assert json.dumps(schema.spec_schema()) == json.dumps(schema.spec_schema())


def test_schema_module_imports_no_yaml_or_rich():
    code = "import sys, gru_params.schema as s; s.spec_schema(); print(sorted({'yaml', 'rich'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_keys_are_those_spec_reads():
    assert schema.TOP_KEYS == spec.TOP_KEYS
    assert schema.SOURCE_KEYS == spec.SOURCE_KEYS
    assert schema.EXPECT_KEYS == spec.EXPECT_KEYS
    assert schema.BUDGET_KEYS == spec.BUDGET_KEYS
    assert schema.COMPUTE_KEYS == spec.COMPUTE_KEYS
    assert schema.KERAS == spec.KERAS
    assert schema.DTYPES == memory.CHOICES
    assert schema.OPTIMIZERS == tuple(memory.OPTIMIZERS)
    doc = schema.spec_schema()
    assert tuple(doc["properties"]) == spec.TOP_KEYS
    assert tuple(doc["properties"]["framework"]["enum"]) == spec.FRAMEWORKS
    assert tuple(doc["properties"]["expect"]["properties"]) == spec.EXPECT_KEYS
    assert tuple(doc["properties"]["budget"]["properties"]) == spec.BUDGET_KEYS
    assert tuple(doc["properties"]["compute"]["properties"]) == spec.COMPUTE_KEYS


def test_every_check_function_is_mapped():
    """A new check function must get its JSON fragment in schema._CHECKS."""
    assert schema.unknown_checks() == []


def test_every_layer_of_every_framework_is_in_the_schema():
    doc = schema.spec_schema()
    defs = doc["$defs"]
    count = 0
    for framework, kinds in registry.REGISTRIES.items():
        layer = defs[f"{framework}_layer"]["anyOf"][-1]["properties"]
        cell = defs.get(f"{framework}_cell", {"anyOf": [{"properties": {}}]})["anyOf"][-1]["properties"]
        for name, kind in kinds.items():
            listed = cell if kind.cell else layer
            assert name in listed, f"{framework} {name}"
            ref = listed[name]["$ref"].removeprefix("#/$defs/")
            definition = defs[ref]
            assert kind.class_name in definition["description"]
            assert set(definition["properties"]) == set(kind.args), f"{framework} {name}"
            assert definition["additionalProperties"] is False
            required = [k for k, (_, d) in kind.args.items() if d is registry.REQUIRED]
            assert definition.get("required", []) == required, f"{framework} {name}"
            for key, (_, default) in kind.args.items():
                prop = definition["properties"][key]
                assert prop["description"], f"{framework} {name}.{key}"
                if "default" in prop:
                    assert prop["default"] == json.loads(json.dumps(default)), f"{framework} {name}.{key}"
            count += 1
    assert count == sum(len(k) for k in registry.REGISTRIES.values()) > 300


def test_arguments_differ_by_framework(validator):
    """Keras's GRU and PyTorch's share a class name, not their arguments."""
    keras = {"input": [5, 3], "layers": [{"GRU": {"units": 4}}]}
    torch = {"framework": "pytorch", "input": [5, 3], "layers": [{"GRU": {"hidden_size": 4}}]}
    assert validator.is_valid(keras) and validator.is_valid(torch)
    assert not validator.is_valid({**keras, "framework": "pytorch"})
    assert not validator.is_valid({**torch, "framework": "keras"})
    assert not validator.is_valid({**torch, "framework": "keras2"})
    assert validator.is_valid({**keras, "framework": "keras2", "layers": [{"CuDNNGRU": {"units": 4}}]})
    assert not validator.is_valid({**keras, "layers": [{"CuDNNGRU": {"units": 4}}]})  # Keras 2 only


# ---- specs gru-params accepts ----------------------------------------------------------------

def readme_specs(folder: Path) -> dict[str, Path]:
    """Every ```yaml block of the README that is a spec, written to `folder`: its label -> file."""
    out = {}
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    for i, block in enumerate(blocks):
        if re.search(r"^(layers|source):", block, flags=re.M):
            path = folder / f"readme_{i}.yaml"
            path.write_text(block)
            out[f"README.md: {block.splitlines()[0]}"] = path
    return out


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """label -> file, for every spec that gru-params accepts: specs/, examples/ (but the broken
    ones), and the README's spec blocks."""
    files = {str(p.relative_to(ROOT)): p for p in sorted(ROOT.glob("specs/*.yaml"))}
    files.update({str(p.relative_to(ROOT)): p for p in sorted(ROOT.glob("examples/*.yaml"))
                  if p.name not in BROKEN_EXAMPLES})
    readme = readme_specs(tmp_path_factory.mktemp("readme"))
    assert len(readme) >= 4
    files.update(readme)
    return files


def test_examples_broken_on_purpose_are_those_gru_params_refuses():
    examples = sorted(ROOT.glob("examples/*.yaml"))
    results = gru_params_check(p.relative_to(ROOT) for p in examples)
    refused = {Path(path).name for path, r in results.items() if r.get("error")}
    assert refused == BROKEN_EXAMPLES


def test_specs_are_accepted_by_gru_params(accepted):
    """What the schema must pass: each file is one gru-params reads and counts (a check may fall
    short, as examples/over_budget.yaml does, but no file is invalid)."""
    results = gru_params_check(p for label, p in accepted.items()
                               if not label.startswith("README"))
    assert results and all(not r.get("error") for r in results.values()), results


def test_specs_pass_the_schema(cli, schema_file, accepted):
    files = list(accepted.values())
    done = run_cli(cli, schema_file, files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_shipped_spec_parses_as_yaml(cli, schema_file, accepted):
    """check-jsonschema reads every shipped spec as YAML: the output references in flow lists
    are quoted (`["encoder[1]", "encoder[2]"]`), so nothing fails to parse."""
    done = run_cli(cli, schema_file, accepted.values(), output_json=True)
    report = json.loads(done.stdout)
    assert report.get("parse_errors", []) == [] and report["errors"] == []


def test_converted_specs_pass_the_schema(cli, schema_file, tmp_path):
    """What `gru-params convert` writes from a saved model is a spec the schema passes."""
    saved = [ROOT / "examples" / "mnist_gru.keras", ROOT / "examples" / "seq2seq.json",
             *sorted((ROOT / "tests" / "golden" / "saved").glob("*"))]
    files = []
    for path in saved:
        done = subprocess.run([sys.executable, "-m", "gru_params", "convert", str(path)],
                              capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        files.append(tmp_path / f"{path.name}.yaml")
        files[-1].write_text(done.stdout)
    assert len(files) >= 4
    done = run_cli(cli, schema_file, files)
    assert done.returncode == 0, done.stdout + done.stderr


def golden_specs():
    """Every spec of the golden catalogues (tests/golden, made by real Keras, tf_keras and torch):
    (file, accepted, spec); `refused` holds those the framework itself refused."""
    def walk(node, refused):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "spec" and isinstance(value, dict) and ("layers" in value or "source" in value):
                    yield refused, value
                else:
                    yield from walk(value, refused or key == "refused")
        elif isinstance(node, list):
            for item in node:
                yield from walk(item, refused)

    for path in sorted((ROOT / "tests" / "golden").glob("**/*.json")):
        for refused, one in walk(json.loads(path.read_text()), False):
            yield path.name, not refused, one


def test_golden_specs_pass_the_schema(validator):
    """Some 1,500 specs that the real frameworks built: the schema passes every one they
    accepted (it cannot see the shapes that made them refuse the others)."""
    specs = list(golden_specs())
    accepted = [(name, one) for name, ok, one in specs if ok]
    assert len(accepted) > 1000
    failures = []
    for name, one in accepted:
        errors = list(validator.iter_errors(one))
        if errors:
            best = jsonschema.exceptions.best_match(errors)
            failures.append(f"{name}: {one.get('name')}: {best.json_path}: {best.message[:200]}")
    assert failures == []


# ---- broken specs --------------------------------------------------------------------------

BROKEN = {
    "unknown_layer": "input: [28, 28]\nlayers:\n  - GRUU: {units: 75}\n",
    "misspelt_argument": "input: [28, 28]\nlayers:\n  - GRU: {units: 75, return_sequence: true}\n",
    "string_for_int": "input: [28, 28]\nlayers:\n  - GRU: {units: \"75\"}\n",
    "negative_units": "input: [28, 28]\nlayers:\n  - LSTM: {units: -5}\n",
    "dropout_out_of_range": "input: [28, 28]\nlayers:\n  - LSTM: {units: 4, dropout: 1.5}\n",
    "unknown_top_key": "input: [28, 28]\nlayer:\n  - GRU: {units: 75}\n",
    "wrong_framework": "framework: tensorflow\ninput: [28, 28]\nlayers:\n  - GRU: {units: 75}\n",
    "bad_expect_key": "input: [28, 28]\nlayers:\n  - GRU: {units: 75}\nexpect:\n  total_param: 23625\n",
    "pytorch_argument_on_keras": "input: [28, 28]\nlayers:\n  - GRU: {units: 75, hidden_size: 75}\n",
    "keras_argument_on_pytorch": ("framework: pytorch\ninput: [28, 28]\nlayers:\n"
                                  "  - GRU: {hidden_size: 75, units: 75}\n"),
    "bare_class_needing_arguments": "input: [28, 28]\nlayers:\n  - GRU\n",
    "source_with_layers": "source: ../examples/translator.pt\nlayers:\n  - GRU: {units: 75}\n",
    "bad_compute_dtype": "input: [null, 28]\nlayers:\n  - GRU: {units: 75}\ncompute: {seq_len: 10, dtype: float8}\n",
    "negative_budget": "input: [28, 28]\nlayers:\n  - GRU: {units: 75}\nbudget:\n  max_params: -1\n",
    "misspelt_call_argument": ("inputs:\n  tokens: [null, 8]\nlayers:\n"
                               "  - LSTM: {units: 4, return_state: true, name: enc}\n    inputs: tokens\n"
                               "  - LSTM: {units: 4}\n    inputs: tokens\n    initial_states: [enc]\n"),
    "cell_outside_rnn": "input: [5, 3]\nlayers:\n  - LSTMCell: {units: 4}\n",
    "bidirectional_over_dense": "input: [5, 3]\nlayers:\n  - Bidirectional: {layer: {Dense: {units: 4}}}\n",
    "functional_pytorch": "framework: pytorch\ninputs:\n  x: [5, 3]\nlayers:\n  - Linear: {out_features: 4}\n",
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory, cli, schema_file):
    """name -> (gru-params's result, check-jsonschema's exit code and JSON report), each file
    checked by a check-jsonschema run of its own."""
    folder = tmp_path_factory.mktemp("broken")
    paths = {}
    for name, text in BROKEN.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text)
    ours = gru_params_check(paths.values())

    def one(path):
        done = run_cli(cli, schema_file, [path], output_json=True)
        return done.returncode, json.loads(done.stdout)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        reports = dict(zip(paths, pool.map(one, paths.values())))
    return {name: (ours[str(paths[name])], *reports[name]) for name in paths}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_spec_fails_the_schema(broken, name):
    ours, returncode, report = broken[name]
    assert ours.get("error"), f"gru-params accepts {name}: the test's spec is wrong"
    assert returncode != 0
    assert report["parse_errors"] == [] and report["errors"], report  # a schema error, not a YAML one


def test_typo_example_fails_the_schema_naming_the_argument(cli, schema_file):
    done = run_cli(cli, schema_file, [ROOT / "examples" / "typo.yaml"], output_json=True)
    assert done.returncode != 0
    report = json.loads(done.stdout)
    assert report["parse_errors"] == []
    assert "'return_sequence' was unexpected" in json.dumps(report)


def test_cli_prints_the_schema():
    from typer.testing import CliRunner

    from gru_params.cli import app

    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.output) == schema.spec_schema()
