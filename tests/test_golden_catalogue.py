"""The engine against every keras.layers class of the catalogue (tests/golden/keras_catalogue.json,
made by real Keras): each class plain, frozen and inside TimeDistributed, read from its spec
and from the JSON Keras saved: every row, the totals, the printed summary, each weight."""

import json
from pathlib import Path

import pytest
import yaml

from gru_params import load_spec, summarize
from gru_params.layers import KINDS
from gru_params.spec import from_text
from tests import functional_compare
from tests.models_compare import assert_same_as_keras
from tests.test_convert import assert_round_trip
from tests.oracle.keras_catalogue import CASES_EACH, DRAWS

GOLDEN = json.loads((Path(__file__).parent / "golden" / "keras_catalogue.json").read_text())
CASES = GOLDEN["cases"]


def test_every_class_of_the_catalogue_is_in_the_golden_file():
    assert GOLDEN["keras"].startswith("3.")
    classes = [next(iter(c["spec"]["layers"][0])) for c in CASES]
    inner = [next(iter(c["spec"]["layers"][0]["TimeDistributed"]["layer"])) if classes[i] == "TimeDistributed" else
             classes[i] for i, c in enumerate(CASES)]
    assert sorted(set(inner)) == sorted(DRAWS) and all(inner.count(n) == CASES_EACH for n in DRAWS)
    # in TimeDistributed: every class called on one tensor, but a few Keras refuses to wrap
    several = {inner[i] for i, c in enumerate(CASES) if "inputs" in c["spec"]}
    assert sum(c == "TimeDistributed" for c in classes) >= 2 * len(set(DRAWS) - several) - 2
    # a frozen case of every class that takes `trainable` (SpatialDropout2D and 3D, Discretization do not)
    frozen = {next(iter(c["spec"]["layers"][0])) for c in CASES if '"trainable": false' in json.dumps(c["spec"])}
    assert frozen == {name for name in DRAWS if "trainable" in KINDS[name].args}


def _weights(row) -> list:
    return [[w.name, list(w.shape), w.trainable] for w in row.weights]


@pytest.mark.parametrize("case", CASES, ids=[c["spec"]["name"] for c in CASES])
def test_layer_from_its_spec(case):
    if "inputs" in case["spec"]:  # called on several tensors: a functional model
        functional_compare.assert_same_as_keras(functional_compare.spec_summary(case), case)
    else:
        assert_same_as_keras(case)
    s = summarize(from_text(yaml.safe_dump(case["spec"]), "case.yaml"))
    assert _weights(s.rows[-1]) == case["weights"]


@pytest.mark.parametrize("case", CASES, ids=[c["spec"]["name"] for c in CASES])
def test_layer_from_the_json_keras_saved(tmp_path, case):
    path = tmp_path / f"{case['spec']['name']}.json"
    path.write_text(case["json"])
    s = summarize(load_spec(path))
    rows = [[r.name, r.class_name, r.params, r.trainable_params] for r in s.rows]
    assert rows == [[r[0], r[1], r[3], r[4]] for r in case["rows"]]
    assert (s.total_params, s.trainable_params) == (case["total_params"], case["trainable_params"])
    assert _weights(s.rows[-1]) == case["weights"]


@pytest.mark.parametrize("case", CASES, ids=[c["spec"]["name"] for c in CASES])
def test_convert_of_the_json_reads_back_the_same(tmp_path, case):
    path = tmp_path / f"{case['spec']['name']}.json"
    path.write_text(case["json"])
    assert_round_trip(path)
