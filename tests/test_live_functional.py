"""Fresh random functional models built in real tf.keras at test time, each saved as .keras,
.h5 and JSON and read back from all three; and the seed specs of specs/, built and saved by
Keras, read back to the summaries of their specs. GRU_PARAMS_SEED replays a failure."""

import itertools
import os
import re
from pathlib import Path

import pytest

from gru_params import load_spec, render, summarize
from tests.functional_compare import assert_same_as_keras, spec_summary
from tests.test_convert import assert_round_trip
from tests.live import each_live_case, read_spec
from tests.oracle import keras_functional, keras_models

N_MODELS = 6


def test_live_random_functional_models(tensorflow, tmp_path):
    names = itertools.count()

    def compare(model):
        assert_same_as_keras(spec_summary(model), model, "spec")
        name = model["spec"]["name"]
        (tmp_path / f"{name}.json").write_text(model["json"])
        for suffix in (".keras", ".h5", ".json"):
            path = tmp_path / (name + suffix)
            assert_same_as_keras(summarize(load_spec(path)), model, str(path))
        assert_round_trip(tmp_path / f"{name}.keras")

    each_live_case(N_MODELS, lambda rng: keras_functional.random_functional(rng, f"live_f{next(names)}"),
                   lambda spec: keras_functional.describe(spec, tmp_path), compare, "tf.keras")


SPECS = sorted((Path(__file__).parents[1] / "specs").glob("*.yaml"))
KERAS_SPECS = [p for p in SPECS if read_spec(p).get("framework", "keras") == "keras" and "source" not in read_spec(p)]


@pytest.mark.parametrize("path", KERAS_SPECS, ids=[p.stem for p in KERAS_SPECS])
def test_seed_spec_saved_by_keras_reads_back_the_same(tensorflow, path, tmp_path):
    spec = read_spec(path)
    spec.pop("expect", None), spec.pop("budget", None)
    spec.setdefault("name", path.stem)
    build = keras_functional.build if "inputs" in spec else keras_models.build
    model = build(spec)
    ours = summarize(load_spec(path))
    os.environ["COLUMNS"] = "120"
    printed = []
    model.summary(print_fn=lambda text, **_: printed.append(text))  # rows in Keras's order, Connected to
    assert render.summary_text(ours, columns=120) == re.sub(r"[ \t]+\n", "\n", "".join(printed))
    for suffix in (".keras", ".h5"):
        saved = tmp_path / (path.stem + suffix)
        model.save(saved)
        back = summarize(load_spec(saved))
        assert render.summary_text(back, columns=120) == render.summary_text(ours, columns=120), saved
        assert back.trainable_params == ours.trainable_params
        assert_round_trip(saved)
    (tmp_path / "model.json").write_text(model.to_json())
    back = summarize(load_spec(tmp_path / "model.json"))
    assert render.summary_text(back, columns=120) == render.summary_text(ours, columns=120)
