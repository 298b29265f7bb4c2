"""Models saved by Keras 1 and by Keras 2 before 2.2.3, read as the version that wrote them.
Today's Python cannot install those versions, so the fixtures are configs written as their
get_config() wrote them (keras-team/keras at tag 1.2.2: keras/layers/{core,convolutional,
pooling,recurrent,embeddings,normalization}.py and engine/topology.py; at 2.0.9 and 2.2.2:
the list-style Sequential config of engine/topology.py and engine/sequential.py). The truth
for each is the same model built in tf_keras (Keras 2) from today's names, which Keras 2.0's
legacy interfaces (2.0.9 keras/legacy/interfaces.py) map the old ones to."""

import json

import pytest
from typer.testing import CliRunner

from gru_params import load_spec, summarize
from gru_params.cli import app

runner = CliRunner()


def _layer(class_name, **config):
    return {"class_name": class_name, "config": config}


# Keras 1.2.2 get_config of each layer (first layer: batch_input_shape and input_dtype, from
# engine/topology.py Layer.get_config); regularizers as their get_config() mapping
KERAS1_TEXT = {"keras_version": "1.2.2", "class_name": "Sequential", "config": [
    _layer("Embedding", name="embedding_1", trainable=True, batch_input_shape=[None, 40], input_dtype="int32",
           input_dim=500, output_dim=16, init="uniform", input_length=40, mask_zero=False, activity_regularizer=None,
           W_regularizer=None, W_constraint=None, dropout=0.1),
    _layer("Convolution1D", name="convolution1d_1", trainable=True, nb_filter=8, filter_length=3, init="glorot_uniform",
           activation="relu", border_mode="same", subsample_length=1, W_regularizer=None, b_regularizer=None,
           activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True, input_dim=None,
           input_length=None),
    _layer("MaxPooling1D", name="maxpooling1d_1", trainable=True, stride=None, pool_length=2, border_mode="valid"),
    _layer("LSTM", name="lstm_1", trainable=True, return_sequences=True, go_backwards=False, stateful=False,
           unroll=False, consume_less="cpu", input_dim=8, input_length=None, output_dim=12, init="glorot_uniform",
           inner_init="orthogonal", forget_bias_init="one", activation="tanh", inner_activation="hard_sigmoid",
           W_regularizer={"name": "L1L2Regularizer", "l1": 0.0, "l2": 0.01}, U_regularizer=None, b_regularizer=None,
           dropout_W=0.2, dropout_U=0.2),
    _layer("GRU", name="gru_1", trainable=True, return_sequences=False, go_backwards=False, stateful=False,
           unroll=False, consume_less="gpu", input_dim=12, input_length=None, output_dim=6, init="glorot_uniform",
           inner_init="orthogonal", activation="tanh", inner_activation="hard_sigmoid", W_regularizer=None,
           U_regularizer=None, b_regularizer=None, dropout_W=0.0, dropout_U=0.0),
    _layer("BatchNormalization", name="batchnormalization_1", trainable=True, epsilon=0.001, mode=0, axis=-1,
           gamma_regularizer=None, beta_regularizer=None, momentum=0.99),
    _layer("Dropout", name="dropout_1", trainable=True, p=0.5),
    _layer("Dense", name="dense_1", trainable=True, output_dim=3, init="glorot_uniform", activation="softmax",
           W_regularizer=None, b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None,
           bias=False, input_dim=None),
]}

KERAS1_IMAGE = {"keras_version": "1.2.1", "class_name": "Sequential", "config": [
    _layer("Convolution2D", name="convolution2d_1", trainable=True, batch_input_shape=[None, 3, 32, 32],
           input_dtype="float32", nb_filter=6, nb_row=5, nb_col=3, init="glorot_uniform", activation="linear",
           border_mode="valid", subsample=[2, 1], dim_ordering="th", W_regularizer=None, b_regularizer=None,
           activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True),
    _layer("MaxPooling2D", name="maxpooling2d_1", trainable=True, pool_size=[2, 2], border_mode="valid",
           strides=[2, 2], dim_ordering="th"),
    # keras/layers/core.py Lambda.get_config: the shape written as itself ("raw")
    _layer("Lambda", name="lambda_1", trainable=True, function=["code", None, None], function_type="lambda",
           output_shape=[6, 7, 15], output_shape_type="raw", arguments={}),
    _layer("Flatten", name="flatten_1", trainable=True),
    _layer("Dense", name="dense_1", trainable=True, output_dim=4, init="glorot_uniform", activation="relu",
           W_regularizer=None, b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None,
           bias=True, input_dim=None),
]}

# Keras 2.0.4 to 2.2.2: today's names, the Sequential's layers as a list, and `implementation: 0`
# (keras/layers/recurrent.py 2.0.x: 0, 1 or 2, the same weights)
KERAS2_LIST = {"keras_version": "2.0.4", "backend": "tensorflow", "class_name": "Sequential", "config": [
    _layer("ZeroPadding1D", name="zero_padding1d_1", trainable=True, batch_input_shape=[None, None, 13],
           dtype="float32", padding=[2, 2]),
    _layer("LSTM", name="lstm_1", trainable=True, units=9, implementation=0, return_sequences=True),
    _layer("TimeDistributed", name="time_distributed_1", trainable=True,
           layer=_layer("Dense", name="dense_1", trainable=True, units=5, activation="relu", use_bias=True)),
]}



def _node(name, class_name, config, *inbound):
    """A layer of a Keras 1.2.2 functional model (engine/topology.py Container.get_config):
    its inbound nodes as [[layer name, node index, tensor index], ...]."""
    return {"name": name, "class_name": class_name, "config": {"name": name, **config},
            "inbound_nodes": [[[n, 0, 0] for n in inbound]] if inbound else []}


KERAS1_GRAPH = {"keras_version": "1.2.2", "class_name": "Model", "config": {
    "name": "two_texts",
    "layers": [
        _node("left", "InputLayer", {"batch_input_shape": [None, 20, 7], "input_dtype": "float32", "sparse": False}),
        _node("right", "InputLayer", {"batch_input_shape": [None, 20, 7], "input_dtype": "float32", "sparse": False}),
        _node("lstm_left", "LSTM", {"output_dim": 5, "return_sequences": False, "consume_less": "gpu",
                                    "inner_activation": "hard_sigmoid", "forget_bias_init": "one"}, "left"),
        _node("gru_right", "GRU", {"output_dim": 4, "return_sequences": False, "consume_less": "mem"}, "right"),
        _node("merged", "Merge", {"mode": "concat", "mode_type": "raw", "concat_axis": -1, "dot_axes": -1,
                                  "output_shape": None, "output_shape_type": "raw", "output_mask": None,
                                  "output_mask_type": "raw", "arguments": {}}, "lstm_left", "gru_right"),
        _node("score", "Dense", {"output_dim": 2, "init": "glorot_uniform", "bias": True}, "merged"),
        _node("summed", "Merge", {"mode": "sum", "mode_type": "raw", "concat_axis": -1, "dot_axes": -1}, "score",
              "score"),
    ],
    "input_layers": [["left", 0, 0], ["right", 0, 0]],
    "output_layers": [["summed", 0, 0]],
}}


def _graph(k):
    left, right = k.Input((20, 7)), k.Input((20, 7))
    merged = k.layers.Concatenate()([k.layers.LSTM(5)(left), k.layers.GRU(4, reset_after=False)(right)])
    score = k.layers.Dense(2)(merged)
    return k.Model([left, right], k.layers.Add()([score, score]))


# The same models in today's names, as tf_keras builds them: the truth
KERAS2_EQUIVALENTS = {
    "keras1_text": lambda k: k.Sequential([
        k.Input((40,)), k.layers.Embedding(500, 16), k.layers.Conv1D(8, 3, padding="same"), k.layers.MaxPooling1D(2),
        k.layers.LSTM(12, return_sequences=True), k.layers.GRU(6, reset_after=False), k.layers.BatchNormalization(),
        k.layers.Dropout(0.5), k.layers.Dense(3, use_bias=False)]),
    "keras1_image": lambda k: k.Sequential([
        k.Input((3, 32, 32)), k.layers.Conv2D(6, (5, 3), strides=(2, 1), data_format="channels_first"),
        k.layers.MaxPooling2D(data_format="channels_first"), k.layers.Lambda(lambda x: x, output_shape=(6, 7, 15)),
        k.layers.Flatten(), k.layers.Dense(4)]),
    "keras1_graph": _graph,
    "keras2_list": lambda k: k.Sequential([
        k.Input((None, 13)), k.layers.ZeroPadding1D(2), k.layers.LSTM(9, return_sequences=True),
        k.layers.TimeDistributed(k.layers.Dense(5))]),
}
FIXTURES = {"keras1_text": KERAS1_TEXT, "keras1_image": KERAS1_IMAGE, "keras2_list": KERAS2_LIST,
            "keras1_graph": KERAS1_GRAPH}


def _read(tmp_path, name: str, config: dict, **options):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    return summarize(load_spec(path, **options))


def _shape(shape):
    """tf_keras's output_shape: an InputLayer's is a list of one shape."""
    return tuple(shape[0]) if isinstance(shape, list) and len(shape) == 1 else tuple(shape)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_an_old_config_counts_as_keras2_builds_it(tmp_path, tf_keras, name):
    model = KERAS2_EQUIVALENTS[name](tf_keras)
    s = _read(tmp_path, name, FIXTURES[name])
    assert [r.params for r in s.rows] == [layer.count_params() for layer in model.layers]
    assert [r.output_shape for r in s.rows] == [_shape(layer.output_shape) for layer in model.layers]
    trainable = sum(int(w.shape.num_elements()) for w in model.trainable_weights)
    assert (s.total_params, s.trainable_params) == (model.count_params(), trainable)


def test_old_names_are_read_as_todays(tmp_path):
    s = _read(tmp_path, "keras1_text", KERAS1_TEXT)
    assert [r.class_name for r in s.rows] == ["Embedding", "Conv1D", "MaxPooling1D", "LSTM", "GRU",
                                              "BatchNormalization", "Dropout", "Dense"]
    assert [r.name for r in s.rows][:2] == ["embedding_1", "convolution1d_1"]  # the file's own names
    assert s.framework == "keras2" and s.rows[4].params == 3 * (12 * 6 + 6 * 6 + 6)  # read by Keras 2's rules; one GRU bias, as Keras 1's


def test_a_keras1_file_without_a_version_is_known_by_its_words(tmp_path):
    config = {k: v for k, v in KERAS1_TEXT.items() if k != "keras_version"}
    assert _read(tmp_path, "unversioned", config).total_params == _read(tmp_path, "versioned", KERAS1_TEXT).total_params


def test_a_lambda_whose_shape_was_code_needs_it_given(tmp_path):
    config = json.loads(json.dumps(KERAS1_IMAGE))
    config["config"][2]["config"].update(output_shape=["code", None, None], output_shape_type="lambda")
    path = tmp_path / "old.json"
    path.write_text(json.dumps(config))
    result = runner.invoke(app, ["summary", str(path)])
    assert result.exit_code == 2
    assert "Lambda `lambda_1` runs Python code and its `output_shape` is a Python function" in result.output
    given = runner.invoke(app, ["summary", str(path), "--output-shape", "lambda_1=6,7,15", "-f", "json"])
    assert given.exit_code == 0, given.output
    assert json.loads(given.output)["total_params"] == _read(tmp_path, "raw", KERAS1_IMAGE).total_params


@pytest.mark.parametrize("option", ["lambda_1", "=3,4", "lambda_1=3,x", "lambda_1=0", "lambda_1=" + ",".join("1" * 33)])
def test_a_bad_output_shape_option_is_one_line(tmp_path, option):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(KERAS1_IMAGE))
    result = runner.invoke(app, ["summary", str(path), "--output-shape", option])
    assert result.exit_code == 2
    assert result.output.startswith("Error: --output-shape: expected NAME=SHAPE") and result.output.count("\n") == 1


def test_a_layer_keras2_removed_is_refused(tmp_path):
    config = {"keras_version": "1.2.2", "class_name": "Sequential", "config": [
        _layer("Highway", name="highway_1", trainable=True, batch_input_shape=[None, 4])]}
    path = tmp_path / "highway.json"
    path.write_text(json.dumps(config))
    result = runner.invoke(app, ["summary", str(path)])
    assert result.exit_code == 2 and "Keras 1's Highway layer, which Keras 2 removed" in result.output


# Keras 2.0.4 (robmsmt/KerasDeepSpeech's model): an activation its author defined, by name
CUSTOM = {"keras_version": "2.0.4", "backend": "tensorflow", "class_name": "Sequential", "config": [
    _layer("Conv1D", name="conv_1", trainable=True, batch_input_shape=[None, None, 13], filters=8, kernel_size=[3],
           activation="clipped_relu"),
    _layer("Bidirectional", name="bidirectional_1", trainable=True, merge_mode="concat",
           layer=_layer("SimpleRNN", name="rnn_1", trainable=True, units=4, implementation=0,
                        activation="clipped_relu")),
]}


def test_a_custom_activation_in_a_saved_file_is_taken_with_a_warning(tmp_path):
    path = tmp_path / "speech.json"
    path.write_text(json.dumps(CUSTOM))
    result = runner.invoke(app, ["summary", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert warnings == [f"Warning: {path}: custom activation 'clipped_relu' of layer `{name}` taken as given: no "
                        "activation changes a count" for name in ("conv_1", "rnn_1")]
    assert load_spec(path).warnings and json.loads(result.output[result.output.index("{"):])["total_params"] == (
        (3 * 13 * 8 + 8) + 2 * (8 * 4 + 4 * 4 + 4))
    # convert writes a spec that reads back to the same count, the custom name kept
    converted = runner.invoke(app, ["convert", str(path)])
    spec = tmp_path / "speech.yaml"
    spec.write_text(converted.stdout)
    assert "clipped_relu" in converted.stdout
    assert summarize(load_spec(spec)).total_params == summarize(load_spec(path)).total_params


def test_a_custom_activation_in_a_spec_stays_an_error(tmp_path):
    spec = tmp_path / "typo.yaml"
    spec.write_text("input: [5, 3]\nlayers:\n  - Dense: {units: 2, activation: clipped_relu}\n")
    result = runner.invoke(app, ["summary", str(spec)])
    assert result.exit_code == 2 and "unknown activation 'clipped_relu'" in result.output


@pytest.mark.parametrize(("change", "message"), [
    ({"mode": "code", "mode_type": "lambda"}, "Keras 1's Merge with mode 'code': gru-params reads the modes sum, mul"),
    ({"layers": [{"class_name": "Sequential", "config": []}]}, "Keras 1's Merge of Sequential branches"),
])
def test_a_merge_that_cannot_be_read_is_refused(tmp_path, change, message):
    config = json.loads(json.dumps(KERAS1_GRAPH))
    config["config"]["layers"][4]["config"].update(change)
    path = tmp_path / "merge.json"
    path.write_text(json.dumps(config))
    result = runner.invoke(app, ["summary", str(path)])
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1


def _gru_file(tmp_path, version):
    config = {"keras_version": version, "backend": "tensorflow", "class_name": "Sequential", "config": [
        _layer("GRU", name="gru_1", trainable=True, batch_input_shape=[None, 9, 7], units=5)]}
    path = tmp_path / f"gru_{version}.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize(("version", "reset_after"), [("1.2.2", False), ("2.0.9", False), ("2.2.4", False),
                                                       ("2.4.0", True), ("2.21.0", True)])
def test_a_gru_without_reset_after_takes_its_writers_default(tmp_path, tf_keras, version, reset_after):
    model = tf_keras.Sequential([tf_keras.Input((9, 7)), tf_keras.layers.GRU(5, reset_after=reset_after)])
    assert summarize(load_spec(_gru_file(tmp_path, version))).total_params == model.count_params()


def test_a_gru_without_reset_after_from_an_ambiguous_tf_keras_is_refused(tmp_path):
    result = runner.invoke(app, ["summary", str(_gru_file(tmp_path, "2.2.4-tf"))])
    assert result.exit_code == 2 and "its count cannot be known" in result.output


def test_custom_initializers_regularizers_and_constraints_are_named_in_warnings(tmp_path):
    config = json.loads(json.dumps(CUSTOM))
    conv = config["config"][0]["config"]
    conv.update(kernel_initializer={"class_name": "FanInInit", "config": {}}, bias_regularizer="my_l2",
                kernel_constraint={"class_name": "MaxNorm", "config": {"max_value": 2}})
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(config))
    warnings = [w for w in load_spec(path).warnings if "activation" not in w]
    assert warnings == [f"{path}: custom initializer 'FanInInit' of layer `conv_1` taken as given: no initializer "
                        "changes a count",
                        f"{path}: custom regularizer 'my_l2' of layer `conv_1` taken as given: no regularizer "
                        "changes a count"]
    assert not [w for w in load_spec(tmp_path / "settings.json").warnings if "MaxNorm" in w]


def test_the_known_settings_are_keras_names(tensorflow):
    from keras.src import constraints, initializers, regularizers

    from gru_params.sources.keras_legacy import SETTINGS

    for module in (initializers, regularizers, constraints):
        assert set(module.ALL_OBJECTS_DICT) <= SETTINGS


# A Keras 2.2.4 functional model with a layer class its author defined (a common attention layer)
CUSTOM_LAYER = {"keras_version": "2.2.4", "backend": "tensorflow", "class_name": "Model", "config": {
    "name": "m", "input_layers": [["tokens", 0, 0]], "output_layers": [["dense_1", 0, 0]], "layers": [
        {"name": "tokens", "class_name": "InputLayer", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 20], "dtype": "int32", "sparse": False, "name": "tokens"}},
        {"name": "embedding_1", "class_name": "Embedding", "inbound_nodes": [[["tokens", 0, 0, {}]]],
         "config": {"name": "embedding_1", "trainable": True, "input_dim": 100, "output_dim": 8}},
        {"name": "attention_1", "class_name": "AttentionWithContext", "inbound_nodes": [[["embedding_1", 0, 0, {}]]],
         "config": {"name": "attention_1", "trainable": True}},
        {"name": "dense_1", "class_name": "Dense", "inbound_nodes": [[["attention_1", 0, 0, {}]]],
         "config": {"name": "dense_1", "trainable": True, "units": 2}}]}}


def test_a_custom_layer_is_named_with_the_options_that_give_it(tmp_path):
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(CUSTOM_LAYER))
    refused = runner.invoke(app, ["summary", str(path)])
    assert refused.exit_code == 2 and "unknown layer `AttentionWithContext`" in refused.output
    assert "give its output shape and count: --output-shape attention_1=SHAPE --params attention_1=COUNT" in refused.output
    s = summarize(load_spec(path, {"attention_1": (8,)}, {"attention_1": (72, 8)}))
    assert [(r.name, r.class_name, r.output_shape, r.params) for r in s.rows][2:] == [
        ("attention_1", "AttentionWithContext", (None, 8), 80), ("dense_1", "Dense", (None, 2), 18)]
    assert (s.total_params, s.trainable_params) == (800 + 80 + 18, 800 + 72 + 18)
    given = runner.invoke(app, ["summary", str(path), "--output-shape", "attention_1=8", "--params", "attention_1=80",
                                "-f", "json"])
    assert given.exit_code == 0 and "custom layer `attention_1` (AttentionWithContext) counted as given" in given.output


@pytest.mark.parametrize("option", ["attention_1", "attention_1=x", "attention_1=1+2+3", "=5", "a=-1"])
def test_a_bad_params_option_is_one_line(tmp_path, option):
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(CUSTOM_LAYER))
    result = runner.invoke(app, ["summary", str(path), "--params", option])
    assert result.exit_code == 2
    assert result.output.startswith("Error: --params: expected NAME=COUNT") and result.output.count("\n") == 1


def test_a_spec_may_hold_a_custom_layer(tmp_path):
    spec = tmp_path / "custom.yaml"
    spec.write_text("input: [20, 8]\nlayers:\n  - CustomLayer: {layer_class: AttentionWithContext, output_shape: [8], "
                    "params: 72, non_trainable_params: 8}\n  - Dense: {units: 2}\n")
    s = summarize(load_spec(spec))
    assert (s.rows[0].class_name, s.total_params, s.trainable_params) == ("AttentionWithContext", 98, 90)


@pytest.mark.parametrize(("backend", "keeps_its_input"), [("theano", True), ("cntk", True), ("tensorflow", False)])
def test_a_lambda_without_a_shape_under_theano_keeps_its_input(tmp_path, backend, keeps_its_input):
    """keras-team/keras 2.2.4 keras/layers/core.py Lambda.compute_output_shape: without an
    output_shape, only TensorFlow ran the function; Theano and CNTK took the input's shape."""
    config = {"keras_version": "2.2.4", "backend": backend, "class_name": "Sequential", "config": {"name": "m", "layers": [
        _layer("Lambda", name="scale", trainable=True, batch_input_shape=[None, 6, 3], function=["code", None, None],
               function_type="lambda", output_shape=None, output_shape_type="raw", arguments={}),
        _layer("Dense", name="dense_1", trainable=True, units=2)]}}
    path = tmp_path / f"{backend}.json"
    path.write_text(json.dumps(config))
    if keeps_its_input:
        s = summarize(load_spec(path))
        assert [r.output_shape for r in s.rows] == [(None, 6, 3), (None, 6, 2)] and s.total_params == 8
        converted = runner.invoke(app, ["convert", str(path)])
        spec = tmp_path / f"{backend}.yaml"
        spec.write_text(converted.stdout)
        assert summarize(load_spec(spec)).total_params == 8
    else:
        result = runner.invoke(app, ["summary", str(path)])
        assert result.exit_code == 2 and "Lambda `scale` runs Python code and it gives no `output_shape`" in result.output


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_convert_of_an_old_file_reads_back_the_same(tmp_path, name):
    from tests.test_convert import assert_round_trip

    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(FIXTURES[name]))
    assert_round_trip(path)
