"""Models saved by Keras 2 (tf_keras, the legacy formats many .h5 files are in): random
functional and Sequential models built in real tf_keras, saved as .h5 and as JSON, read back
and compared with what tf_keras says of each layer. GRU_PARAMS_SEED replays a failure."""

import itertools

from gru_params import load_spec, summarize
from tests.live import each_live_case
from tests.oracle import keras_functional, keras_models

N_MODELS = 6


def _build(spec, tf_keras):
    return (keras_functional.build if "inputs" in spec else keras_models.build)(spec, tf_keras)


def _draw(rng, names, tf_keras):
    """A random spec that Keras 2 builds too (Keras 2 lacks some of Keras 3's arguments and
    refuses some wrapper combinations)."""
    while True:
        name = f"keras2_{next(names)}"
        spec = (keras_functional.random_functional(rng, name) if rng.random() < 0.6
                else keras_models.random_model(rng, name))
        if "ConvLSTM3D" in str(spec):  # slow, and covered by the Keras 3 tests
            continue
        try:
            _build(spec, tf_keras)
        except (TypeError, ValueError):
            continue
        return spec


def _describe(tf_keras, tmp_path):
    def describe(spec):
        model = _build(spec, tf_keras)
        model.save(tmp_path / f"{spec['name']}.h5")
        (tmp_path / f"{spec['name']}.json").write_text(model.to_json())
        graph = "inputs" in spec
        rows = []
        for layer in model.layers:
            connected = [f"{inbound.name}[{node_index}][{tensor_index}]"
                         for node in layer._inbound_nodes if graph
                         for inbound, node_index, tensor_index, _ in node.iterate_inbound()]
            rows.append([layer.name, type(layer).__name__, int(layer.count_params()), connected])
        trainable = sum(int(w.shape.num_elements()) for w in model.trainable_weights)
        return {"spec": spec, "rows": rows, "total": int(model.count_params()), "trainable": trainable}

    return describe


def test_live_models_saved_by_keras2(tf_keras, tmp_path):
    names = itertools.count()

    def compare(model):
        for suffix in (".h5", ".json"):
            s = summarize(load_spec(tmp_path / (model["spec"]["name"] + suffix)))
            rows = [[r.name, r.class_name, r.params, list(r.connected_to)] for r in s.rows]
            assert rows == model["rows"], suffix
            assert (s.total_params, s.trainable_params) == (model["total"], model["trainable"]), suffix

    each_live_case(N_MODELS, lambda rng: _draw(rng, names, tf_keras), _describe(tf_keras, tmp_path), compare, "tf_keras")
