"""Every class of the keras.layers catalogue (tests/oracle/keras_catalogue.py), drawn afresh
with random valid arguments (plain, frozen or inside TimeDistributed), built in real tf.keras,
saved with model.save() as .keras and as .h5 (and as model.to_json()), and read back: each file
must give what Keras says of the model it built: every row, the totals, each weight of the
layer. One case a class each run; a failure names its seed, and GRU_PARAMS_SEED replays it."""

import gc

import pytest

from gru_params import GruParamsError, load_spec, summarize
from gru_params.layers import fmt
from tests.live import each_live_case
from tests.oracle import keras_catalogue, keras_functional, keras_models

VARIANTS = ("plain", "frozen", "time_distributed")

# (class, format) that Keras 3.15.1 will not save -> (the error it raises, why). The legacy .h5
# serializer deep-copies each layer's config, and these layers keep `value_range` as a tracked
# list, which cannot be copied; inside TimeDistributed (its config serialized the new way) they save.
_VALUE_RANGE = ("TypeError: cannot pickle 'module' object", "the legacy serializer cannot copy `value_range`")
REFUSED = {(name, ".h5"): _VALUE_RANGE for name in ("RandomBrightness", "RandomColorDegeneration",
                                                    "RandomPosterization", "RandomSaturation", "RandomSharpness",
                                                    "Solarization")}


@pytest.fixture(scope="module")
def keras(tensorflow):
    """tf.keras, with every object alive now frozen out of the garbage collector: each model is
    built after clear_session(), whose gc.collect() would otherwise walk all of TensorFlow's
    objects every time (0.2 s a model: this file took 60 s instead of 25)."""
    gc.freeze()
    yield tensorflow.keras
    gc.unfreeze()


def _keras_says(model) -> dict:
    """What Keras says of the model it built: rows, totals, and the weights of its last layer as
    [path inside the layer, shape, trainable]."""
    from keras.src.utils.summary_utils import count_params, format_layer_shape
    from rich.text import Text

    layer = model.layers[-1]
    return {
        "rows": [[x.name, type(x).__name__, Text.from_markup(format_layer_shape(x)).plain, int(x.count_params()),
                  int(count_params(x.trainable_weights))] for x in model.layers],
        "totals": [int(model.count_params()), int(count_params(model.trainable_weights)),
                   int(count_params(model.non_trainable_weights))],
        "weights": [[w.path.removeprefix(f"{layer.path}/"), list(w.shape), bool(w.trainable)] for w in layer.weights],
    }


def _describe(keras, tmp_path):
    def describe(spec):
        model = (keras_functional if "inputs" in spec else keras_models).build(spec, keras)
        saved = {".json": tmp_path / f"{spec['name']}.json"}
        saved[".json"].write_text(model.to_json())
        for suffix in (".keras", ".h5"):
            path = tmp_path / f"{spec['name']}{suffix}"
            try:
                model.save(path)
            except Exception as e:  # noqa: BLE001 - Keras refused the format: compare() judges it
                saved[suffix] = f"{type(e).__name__}: {e}"
            else:
                saved[suffix] = path
        return {"spec": spec, "saved": saved, **_keras_says(model)}

    return describe


def _compare(built) -> None:
    class_name = next(iter(built["spec"]["layers"][0]))  # TimeDistributed when wrapped
    for suffix, saved in built["saved"].items():
        refused = REFUSED.get((class_name, suffix))
        if refused:
            error, why = refused
            assert isinstance(saved, str), f"Keras now saves {class_name} as {suffix}: take it off REFUSED"
            assert saved.startswith(error), f"expected Keras to refuse {class_name} as {suffix} with {error} ({why})"
            continue
        assert not isinstance(saved, str), f"Keras refuses to save it as {suffix} ({saved}): say why in REFUSED"
        try:
            s = summarize(load_spec(saved))
        except GruParamsError as e:  # the engine refused the file Keras wrote
            raise AssertionError(f"{suffix}: {e}") from None
        rows = [[r.name, r.class_name, fmt(r.output_shape), r.params, r.trainable_params] for r in s.rows]
        assert rows == built["rows"], suffix
        assert [s.total_params, s.trainable_params, s.non_trainable_params] == built["totals"], suffix
        assert [[w.name, list(w.shape), w.trainable] for w in s.rows[-1].weights] == built["weights"], suffix


@pytest.mark.parametrize("class_name", sorted(keras_catalogue.DRAWS))
def test_live_layer_saved_as_keras_and_h5(keras, tmp_path, class_name):
    def draw(rng):
        return keras_catalogue.random_spec(rng, class_name, rng.choice(VARIANTS), f"saved_{class_name.lower()}", keras)

    each_live_case(1, draw, _describe(keras, tmp_path), _compare, "tf.keras")
