"""ONNX files read to a Summary (sources/onnx_model.py): real exports by torch 2.13's two exporters
(TorchScript, dynamo=False; and dynamo=True through onnxscript), models built by hand from the
operator spec, and hostile files. Expected counts come from the ONNX file itself, read here with
onnx and numpy in the plainest way, and from torch's own parameters where the exporter keeps
them; where it does not, the test states the known difference. Under CI (the CI variable set) a
missing torch, onnx or onnxscript fails, never skips."""

import math
import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_params.errors import SpecError
from gru_params.sources import onnx_model
from gru_params.sources.onnx_model import read_summary
from tests.conftest import require

RECURRENT = ("RNN", "GRU", "LSTM")
FLOAT_TYPES = (1, 10, 11, 16)  # FLOAT, FLOAT16, DOUBLE, BFLOAT16: what torch exports
EXPORTERS = ("torchscript", "dynamo")


@pytest.fixture(scope="module")
def nn(torch):
    return torch.nn


def export(torch, module, args, path, exporter: str, **options) -> str:
    """`module` exported to `path` by torch.onnx.export, in eval mode (as a model is deployed)."""
    if exporter == "dynamo":
        require("onnxscript", "export with torch.onnx.export(dynamo=True)")
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), dynamo=exporter == "dynamo", **options)
    return str(path)


def plain_count(path) -> int:
    """The file's parameters, read the plainest way: the sizes of its floating-point initializers,
    less those no node reads except as a recurrent node's initial state (inputs 5 and 6) or as
    BatchNormalization's running statistics (inputs 3 and 4)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    sizes = {t.name: int(np.prod(t.dims, dtype=np.int64)) for t in graph.initializer if t.data_type in FLOAT_TYPES}
    state, other = set(), set()
    for node in graph.node:
        for i, name in enumerate(node.input):
            recurrent_state = node.op_type in RECURRENT and i in (5, 6)
            statistics = node.op_type == "BatchNormalization" and i in (3, 4)
            (state if recurrent_state or statistics else other).add(name)
    return sum(n for name, n in sizes.items() if name not in state or name in other)


def torch_count(module) -> int:
    return sum(p.numel() for p in module.parameters())


def layer_params(rnn, k: int) -> int:
    """torch's parameters of one layer of an nn.RNN / GRU / LSTM, both directions."""
    return sum(p.numel() for name, p in rnn.named_parameters() if name.endswith((f"_l{k}", f"_l{k}_reverse")))


def recurrent_rows(summary):
    return [r for r in summary.rows if r.class_name in RECURRENT]


def assert_consistent(summary) -> None:
    """Invariants of every summary: the rows sum to the total, a row's params are its weights',
    a recurrent row split into gates sums to its gated weights (all but the peepholes P)."""
    assert summary.total_params == sum(r.params for r in summary.rows)
    assert summary.kind == "onnx" and summary.framework == "onnx"
    for row in summary.rows:
        assert row.params == sum(math.prod(w.shape) for w in row.weights)
        assert all(w.trainable for w in row.weights) and not any(w.trainable for w in row.buffers)
        if row.gates:
            a = dict(row.attributes)
            peepholes = 3 * a["hidden_size"] * (2 if a["bidirectional"] else 1) if a.get("peepholes") else 0
            assert sum(g.params for g in row.gates) == row.params - peepholes


# ---- real exports: torch's count kept -------------------------------------------------------------


def stack_model(torch, nn, seed: int, bias: bool):
    """A random text model whose count both exporters keep: Embedding, Conv1d, LayerNorm, a
    2-layer bidirectional LSTM, a GRU, Linear."""
    rng = random.Random(seed)
    vocab, emb, channels, h1, h2, out = (rng.randint(5, 40), rng.randint(2, 12), rng.randint(2, 12),
                                         rng.randint(2, 16), rng.randint(2, 16), rng.randint(1, 8))

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, emb)
            self.conv = nn.Conv1d(emb, channels, 3, padding=1)
            self.norm = nn.LayerNorm(channels)
            self.lstm = nn.LSTM(channels, h1, num_layers=2, bidirectional=True, bias=bias, batch_first=True)
            self.gru = nn.GRU(2 * h1, h2, bias=bias, batch_first=True)
            self.head = nn.Linear(h2, out)

        def forward(self, x):
            h = self.conv(self.embedding(x).transpose(1, 2)).transpose(1, 2)
            h, _ = self.lstm(self.norm(h))
            h, _ = self.gru(h)
            return self.head(h)

    torch.manual_seed(seed)
    model = Stack()
    with torch.no_grad():  # LayerNorm starts at ones and zeros: the TorchScript exporter merges equal values
        model.norm.weight.uniform_(0.5, 1.5)
        model.norm.bias.uniform_(0.5, 1.5)
    return model, (torch.randint(0, vocab, (2, 5)),)


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("seed, bias", [(1, True), (2, False), (3, True)])
def test_stack_as_torch_counts(torch, nn, onnx, tmp_path, exporter, seed, bias):
    model, args = stack_model(torch, nn, seed, bias)
    path = export(torch, model, args, tmp_path / "stack.onnx", exporter)
    if exporter == "dynamo":  # it writes the weights beside the model (external_data=True): never read
        os.remove(path + ".data")
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path) == torch_count(model)
    # torch writes a 2-layer nn.LSTM as two LSTM nodes, one a layer
    lstm, gru = model.lstm, model.gru
    expected = [("LSTM", lstm.hidden_size, "bidirectional", lstm.input_size, layer_params(lstm, 0)),
                ("LSTM", lstm.hidden_size, "bidirectional", 2 * lstm.hidden_size, layer_params(lstm, 1)),
                ("GRU", gru.hidden_size, "forward", gru.input_size, layer_params(gru, 0))]
    found = [(r.class_name, dict(r.attributes)["hidden_size"], dict(r.attributes)["direction"],
              dict(r.attributes)["input_size"], r.params) for r in recurrent_rows(summary)]
    assert found == expected
    for row in recurrent_rows(summary):
        attributes = dict(row.attributes)
        assert attributes["num_layers"] == 1
        assert attributes["bidirectional"] == (row.class_name == "LSTM")
        assert len(row.gates) == (8 if row.class_name == "LSTM" else 3)
        assert len(row.weights) == (3 if bias else 2)  # W, R, and B when torch has biases
    gru_row = recurrent_rows(summary)[2]
    assert dict(gru_row.attributes)["linear_before_reset"] == 1  # torch's GRU applies the reset gate after


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_shared_weight_counted_once(torch, nn, onnx, tmp_path, exporter):
    """Two GRUs sharing weight_ih_l0: TorchScript writes it once and an Identity for the second
    use; dynamo writes it once and reads it twice. Counted on the first GRU's row."""

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.second = nn.GRU(6, 6), nn.GRU(6, 6)
            self.second.weight_ih_l0 = self.first.weight_ih_l0

        def forward(self, x):
            return self.second(self.first(x)[0])[0]

    model = Shared()
    path = export(torch, model, (torch.randn(5, 2, 6),), tmp_path / "shared.onnx", exporter)
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path) == torch_count(model) == 2 * 3 * (6 * 6 + 6 * 6 + 12) - 3 * 36
    first, second = recurrent_rows(summary)
    assert (first.params, second.params) == (252, 252 - 108)
    assert len(first.gates) == 3 and second.gates == ()  # the second row does not hold its whole layer
    assert dict(second.attributes)["shared"].startswith("W (`")
    assert dict(second.attributes)["input_size"] == 6  # the shape is still proven, through the Identity


def test_rnn_torchscript(torch, nn, onnx, tmp_path):
    model = nn.RNN(4, 3, num_layers=2, bidirectional=True, nonlinearity="relu")
    path = export(torch, model, (torch.randn(5, 2, 4),), tmp_path / "rnn.onnx", "torchscript")
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path) == torch_count(model)
    rows = recurrent_rows(summary)
    assert [(dict(r.attributes)["input_size"], dict(r.attributes)["hidden_size"], r.params) for r in rows] == \
        [(4, 3, layer_params(model, 0)), (6, 3, layer_params(model, 1))]


def test_keep_initializers_as_inputs(torch, nn, onnx, tmp_path):
    """Old exporters list every initializer as a graph input too: still stored weights."""
    model, args = stack_model(torch, nn, 3, True)
    path = export(torch, model, args, tmp_path / "inputs.onnx", "torchscript", keep_initializers_as_inputs=True)
    summary = read_summary(path)
    assert summary.total_params == plain_count(path) == torch_count(model)
    assert all(len(r.gates) for r in recurrent_rows(summary))


# ---- real exports: what the file holds differs from torch's parameters ---------------------------


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_batchnorm_folded_into_conv(torch, nn, onnx, tmp_path, exporter):
    """Both exporters fold a BatchNorm that follows a Conv into it (eval mode): its weight and
    bias vanish, and the Conv gains a bias if it had none. A BatchNorm after anything else stays,
    its running statistics listed as buffers."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn, self.bn2 = nn.Conv1d(4, 8, 3, bias=False), nn.BatchNorm1d(8), nn.BatchNorm1d(8)

        def forward(self, x):
            return self.bn2(torch.relu(self.bn(self.conv(x))))

    model = Net()
    with torch.no_grad():  # values no two tensors share: the TorchScript exporter merges equal ones
        for bn in (model.bn, model.bn2):
            for tensor in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
                tensor.uniform_(0.5, 1.5)
    path = export(torch, model, (torch.randn(2, 4, 7),), tmp_path / "bn.onnx", exporter)
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path) == torch_count(model) - 2 * 8 + 8
    bn = [r for r in summary.rows if r.class_name == "BatchNormalization"]
    assert len(bn) == 1 and bn[0].params == 16 and [w.shape for w in bn[0].buffers] == [(8,), (8,)]
    (conv,) = [r for r in summary.rows if r.class_name == "Conv"]
    assert [w.shape for w in conv.weights] == [(8, 4, 3), (8,)]  # the bias the folding added


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_tied_weights_stored_twice(torch, nn, onnx, tmp_path, exporter):
    """An Embedding tied to the output Linear: the exporters fold the Linear's transposed weight
    into an initializer of its own, so the file holds the tied weight twice."""

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding, self.lstm = nn.Embedding(20, 6), nn.LSTM(6, 6)
            self.out = nn.Linear(6, 20, bias=False)
            self.out.weight = self.embedding.weight

        def forward(self, x):
            return self.out(self.lstm(self.embedding(x))[0])

    model = Tied()
    path = export(torch, model, (torch.randint(0, 20, (5, 2)),), tmp_path / "tied.onnx", exporter)
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path) == torch_count(model) + 20 * 6
    lstm = recurrent_rows(summary)[0]
    assert lstm.params == layer_params(model.lstm, 0) and len(lstm.gates) == 4


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_equal_values_merged(torch, nn, onnx, tmp_path, exporter):
    """Two Linear layers that are not tied but hold equal values: the TorchScript exporter keeps
    one initializer for both, whatever its size; dynamo (onnxscript's optimizer) merges only small
    ones (here the 64 biases, not the 64 x 64 weights)."""
    model = nn.Sequential(nn.Linear(64, 64), nn.Linear(64, 64))
    with torch.no_grad():
        model[1].weight.copy_(model[0].weight)
        model[1].bias.copy_(model[0].bias)
    path = export(torch, model, (torch.randn(2, 64),), tmp_path / "equal.onnx", exporter)
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path)
    if exporter == "torchscript":
        assert summary.total_params == torch_count(model) - 64 * 64 - 64
    else:
        assert torch_count(model) - 64 * 64 - 64 <= summary.total_params < torch_count(model)


def test_rnn_dynamo_unrolled(torch, nn, onnx, tmp_path):
    """The dynamo exporter writes nn.RNN as MatMul, Add and Tanh a time step (no RNN node), and
    folds the first step's h0 @ W_hh^T (zeros) into an initializer of (1, batch, hidden) for each
    layer and direction: values the file holds that are not torch's parameters, and that nothing
    but their data tells apart from a bias."""
    model = nn.RNN(4, 3, num_layers=2, bidirectional=True)
    path = export(torch, model, (torch.randn(5, 2, 4),), tmp_path / "rnn.onnx", "dynamo")
    summary = read_summary(path)
    assert_consistent(summary)
    assert recurrent_rows(summary) == []
    assert summary.total_params == plain_count(path) == torch_count(model) + 2 * 2 * (1 * 2 * 3)


@pytest.mark.parametrize("exporter, options", [("torchscript", {"do_constant_folding": False}),
                                               ("dynamo", {"optimize": False})])
def test_folding_off_weights_computed(torch, nn, onnx, tmp_path, exporter, options):
    """Without constant folding both exporters reorder the gates at run time (Slice and Concat of
    torch's weight_ih_l0 ...). The initializers are counted where they are read (the Slice rows);
    the LSTM row says its W and R are computed, and splits nothing. (dynamo does the same, folding
    on, once a weight is past onnxscript's folding size: a GRU on 2,048 inputs, for one.)"""
    model = nn.LSTM(3, 4)
    path = export(torch, model, (torch.randn(5, 2, 3),), tmp_path / "unfolded.onnx", exporter, **options)
    summary = read_summary(path)
    assert_consistent(summary)
    assert summary.total_params == plain_count(path) == torch_count(model)
    (lstm,) = recurrent_rows(summary)
    attributes = dict(lstm.attributes)
    assert lstm.params == 0 and lstm.gates == () and "input_size" not in attributes
    assert attributes["hidden_size"] == 4 and attributes["computed"].startswith("W (from node `")
    names = {w.name for r in summary.rows for w in r.weights}
    assert {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"} <= names


def test_export_params_false_holds_nothing(torch, nn, onnx, tmp_path):
    model = nn.GRU(3, 4)
    path = export(torch, model, (torch.randn(5, 2, 3),), tmp_path / "noparams.onnx", "torchscript",
                  export_params=False)
    summary = read_summary(path)
    assert summary.total_params == plain_count(path) == 0
    (gru,) = recurrent_rows(summary)
    assert dict(gru.attributes)["computed"] == "W (from a graph input), R (from a graph input), B (from a graph input)"


def test_lstm_projection(torch, nn, onnx, tmp_path):
    """nn.LSTM(proj_size=...): the TorchScript exporter refuses it; the dynamo exporter writes an LSTM
    of hidden_size proj_size, dropping weights, with an initial_c still hidden_size wide: a file
    that contradicts itself, refused rather than counted."""
    model = nn.LSTM(4, 6, proj_size=3)
    args = (torch.randn(5, 2, 4),)
    with pytest.raises(Exception, match="LSTMs with projections"):
        export(torch, model, args, tmp_path / "ts.onnx", "torchscript")
    path = export(torch, model, args, tmp_path / "proj.onnx", "dynamo")
    with pytest.raises(SpecError, match=r"initial_c `\w+` has shape \(1, 2, 6\), but hidden_size 3"):
        read_summary(path)


# ---- models built from the operator spec ---------------------------------------------------------


def initializer(name: str, shape, dtype=np.float32):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.zeros(shape, dtype), name)


def save(onnx, path, nodes, initializers, inputs=("X",), outputs=("Y",), check=True) -> str:
    from onnx import TensorProto, helper

    # X (sequence, batch, features), Y (sequence, directions, batch, hidden): the checker wants shapes
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["T", "N", "I"])
                                           for n in inputs],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["T", "D", "N", "H"])
                               for n in outputs],
                              initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    if check:
        onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return str(path)


def run(onnx, path, x):
    """The onnx package's reference evaluator runs the model: the shapes fit the operator."""
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(str(path)).run(None, {"X": x})


def test_gru_linear_before_reset(onnx, tmp_path):
    from onnx import helper

    node = helper.make_node("GRU", ["X", "W", "R", "B"], ["Y"], name="gru", hidden_size=5, linear_before_reset=1)
    path = save(onnx, tmp_path / "gru.onnx", [node],
                [initializer("W", (1, 15, 3)), initializer("R", (1, 15, 5)), initializer("B", (1, 30))])
    assert run(onnx, path, np.zeros((7, 2, 3), np.float32))[0].shape == (7, 1, 2, 5)
    summary = read_summary(path)
    (row,) = summary.rows
    assert row.params == summary.total_params == 45 + 75 + 30 == plain_count(path)
    assert row.attributes == (("direction", "forward"), ("hidden_size", 5), ("input_size", 3), ("num_layers", 1),
                              ("bidirectional", False), ("linear_before_reset", 1))
    assert [(g.gate, g.params) for g in row.gates] == [("z", 50), ("r", 50), ("h", 50)]
    assert [(w.name, w.shape, w.itemsize, w.dtype) for w in row.weights] == \
        [("W", (1, 15, 3), 4, "float32"), ("R", (1, 15, 5), 4, "float32"), ("B", (1, 30), 4, "float32")]


def test_lstm_peepholes_bidirectional(onnx, tmp_path):
    from onnx import helper

    node = helper.make_node("LSTM", ["X", "W", "R", "B", "", "", "", "P"], ["Y"], name="lstm", hidden_size=4,
                            direction="bidirectional")
    path = save(onnx, tmp_path / "lstm.onnx", [node], [initializer("W", (2, 16, 2)), initializer("R", (2, 16, 4)),
                                                       initializer("B", (2, 32)), initializer("P", (2, 12))])
    assert run(onnx, path, np.zeros((3, 1, 2), np.float32))[0].shape == (3, 2, 1, 4)
    (row,) = read_summary(path).rows
    assert row.params == 64 + 128 + 64 + 24 == plain_count(path)
    assert len(row.gates) == 8 and sum(g.params for g in row.gates) == row.params - 24  # P is outside the gates
    assert ("peepholes", True) in row.attributes and ("bidirectional", True) in row.attributes


def test_rnn_bidirectional_no_bias_hidden_size_from_r(onnx, tmp_path):
    """No B (zero biases) and no hidden_size attribute: the operator takes it from R."""
    from onnx import helper

    node = helper.make_node("RNN", ["X", "W", "R"], ["Y"], direction="bidirectional")
    path = save(onnx, tmp_path / "rnn.onnx", [node], [initializer("W", (2, 3, 4)), initializer("R", (2, 3, 3))],
                check=False)
    (row,) = read_summary(path).rows
    assert row.name == "RNN_0" and row.params == 24 + 18
    assert dict(row.attributes)["hidden_size"] == 3 and len(row.gates) == 2


def branch(name: str, weight: str, initializers=()):
    """An If branch that adds `weight` (its own initializer, or one of the graph around it)."""
    from onnx import TensorProto, helper

    add = helper.make_node("Add", ["Y1", weight], [f"{name}_out"], name=f"{name}_add")
    return helper.make_graph([add], name, [], [helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, None)],
                             initializer=list(initializers))


def test_identity_constant_subgraph_leftovers(onnx, tmp_path):
    """An Identity of an initializer is that initializer; a Constant node read as a recurrent W is
    a weight; an If's branches are walked, their rows its children; an initializer no node reads
    is counted in its own row; an integer one read by a node without weights goes to (constants)."""
    from onnx import helper, numpy_helper

    constant = helper.make_node("Constant", [], ["Wc"], value=numpy_helper.from_array(np.zeros((1, 3, 2), np.float32)))
    alias = helper.make_node("Identity", ["R"], ["R2"])
    rnn = helper.make_node("RNN", ["X", "Wc", "R2"], ["Y0"], name="rnn", hidden_size=3)
    reshape = helper.make_node("Reshape", ["Y0", "shape"], ["Y1"], name="reshape")
    cond = helper.make_node("If", ["C"], ["Y"], name="if", else_branch=branch("else", "outer"),
                            then_branch=branch("then", "inner", [initializer("inner", (5,))]))
    path = save(onnx, tmp_path / "mixed.onnx", [constant, alias, rnn, reshape, cond],
                [initializer("R", (1, 3, 3)), initializer("shape", (2,), np.int64), initializer("outer", (5,)),
                 initializer("unused", (7,)), initializer("unused_int", (2,), np.int64)],
                inputs=("X", "C"), check=False)
    summary = read_summary(path)
    assert_consistent(summary)
    assert [(r.name, r.class_name, r.params) for r in summary.rows] == [
        ("rnn", "RNN", 6 + 9), ("if", "If", 5 + 5), ("(unused initializers)", "Initializer", 7),
        ("(constants)", "Initializer", 0)]
    rnn_row, if_row, unused, constants = summary.rows
    assert [w.name for w in rnn_row.weights] == ["Wc", "R"] and len(rnn_row.gates) == 1
    # in the file's order of the If's attributes (onnx.helper writes them sorted by name)
    assert [(c.name, c.params) for c in if_row.children] == [("else_branch/else_add", 5), ("then_branch/then_add", 5)]
    assert [w.name for w in if_row.weights] == ["else_branch/else_add/outer", "then_branch/then_add/inner"]
    assert [w.name for w in unused.buffers] == ["unused_int"]
    assert [(w.name, w.dtype, w.itemsize) for w in constants.buffers] == [("shape", "int64", 8)]
    assert summary.total_params == 6 + 9 + 10 + 7


def test_external_data_never_read(onnx, tmp_path):
    """A model whose weights sit in an external file is counted from the .onnx file alone."""
    from onnx import helper

    node = helper.make_node("GRU", ["X", "W", "R"], ["Y"], hidden_size=4)
    model = helper.make_model(helper.make_graph([node], "g", [], [], initializer=[
        initializer("W", (1, 12, 3)), initializer("R", (1, 12, 4))]))
    path = str(tmp_path / "external.onnx")
    onnx.save_model(model, path, save_as_external_data=True, location="weights.bin", size_threshold=0)
    os.remove(tmp_path / "weights.bin")
    assert read_summary(path).total_params == 36 + 48


def test_float16_and_bfloat16_sizes(onnx, tmp_path):
    from onnx import TensorProto, helper

    weights = [helper.make_tensor("A", TensorProto.FLOAT16, (2, 3), np.zeros(6, np.float16).tobytes(), raw=True),
               helper.make_tensor("B", TensorProto.BFLOAT16, (4,), b"\0" * 8, raw=True),
               helper.make_tensor("C", TensorProto.DOUBLE, (2,), b"\0" * 16, raw=True)]
    node = helper.make_node("Sum", ["A", "B", "C"], ["Y"], name="sum")
    path = save(onnx, tmp_path / "dtypes.onnx", [node], weights, inputs=(), check=False)
    (row,) = read_summary(path).rows
    assert [(w.dtype, w.itemsize) for w in row.weights] == [("float16", 2), ("bfloat16", 2), ("float64", 8)]
    assert read_summary(path).bytes() == 6 * 2 + 4 * 2 + 2 * 8


# ---- hostile files: one line naming the file, never a traceback nor a wrong count ----------------


def refused(path, match: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        read_summary(str(path))
    text = str(info.value)
    assert text.startswith(str(path)) and "\n" not in text, text
    assert match in text, text
    return info.value


def gru_model(onnx, path, w_shape=(1, 15, 3), **attributes) -> str:
    from onnx import helper

    node = helper.make_node("GRU", ["X", "W", "R", "B"], ["Y"], name="gru", **{"hidden_size": 5, **attributes})
    weights = [initializer("W", w_shape), initializer("R", (1, 15, 5)), initializer("B", (1, 30))]
    return save(onnx, path, [node], weights, check=False)


def test_truncated(onnx, tmp_path):
    data = open(gru_model(onnx, tmp_path / "whole.onnx"), "rb").read()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "is not a valid ONNX model (DecodeError")


def test_random_bytes_and_empty(onnx, tmp_path):
    path = tmp_path / "random.onnx"
    path.write_bytes(random.Random(0).randbytes(4096))
    refused(path, "is not a valid ONNX model")
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    refused(empty, "is not an ONNX model: it holds no graph")


@pytest.mark.parametrize("shape, message", [
    ((1, 12, 3), "W `W` has shape (1, 12, 3), but hidden_size 5, input size 3 and direction forward give (1, 15, 3)"),
    ((2, 15, 3), "W `W` has shape (2, 15, 3), but hidden_size 5, input size 3 and direction forward give (1, 15, 3)"),
    ((15, 3), "W `W` is float32 of shape (15, 3); the operator takes a floating-point 3-axis tensor"),
])
def test_w_contradicts_hidden_size(onnx, tmp_path, shape, message):
    refused(gru_model(onnx, tmp_path / "bad.onnx", shape), f"graph.node[0]: GRU node `gru`: {message}")


def test_r_contradicts_hidden_size(onnx, tmp_path):
    path = gru_model(onnx, tmp_path / "bad.onnx", (1, 18, 3), hidden_size=6)
    refused(path, "R `R` has shape (1, 15, 5), but hidden_size 6 and direction forward give (1, 18, 6)")


def test_bad_direction(onnx, tmp_path):
    refused(gru_model(onnx, tmp_path / "bad.onnx", direction="sideways"),
            "expected forward, reverse or bidirectional for `direction`, got 'sideways'")


@pytest.mark.parametrize("data_type, name", [(8, "STRING (8)"), (22, "INT4 (22)"),
                                             (999, "999 (not a TensorProto.DataType)")])
def test_unknown_data_type(onnx, tmp_path, data_type, name):
    from onnx import helper

    tensor = initializer("odd", (2,))
    tensor.data_type = data_type
    path = save(onnx, tmp_path / "odd.onnx", [helper.make_node("Add", ["X", "odd"], ["Y"])], [tensor], check=False)
    refused(path, f"graph.initializer[0]: initializer `odd` has data type {name}, which gru-params cannot size")


def test_duplicate_initializer(onnx, tmp_path):
    from onnx import helper

    path = save(onnx, tmp_path / "dup.onnx", [helper.make_node("Add", ["X", "a"], ["Y"])],
                [initializer("a", (2,)), initializer("a", (3,))], check=False)
    refused(path, "a second initializer named `a`")


def test_directory_and_fifo(onnx, tmp_path):
    folder = tmp_path / "model.onnx"
    folder.mkdir()
    refused(folder, "is a directory, not a file")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.onnx"
        os.mkfifo(fifo)
        refused(fifo, "is a FIFO (named pipe), not a file")
    refused(tmp_path / "missing.onnx", "no such file")


def test_bounds(onnx, tmp_path, monkeypatch):
    from onnx import helper

    path = gru_model(onnx, tmp_path / "gru.onnx")
    monkeypatch.setattr(onnx_model, "MAX_TENSORS", 2)
    refused(path, "holds more than 2 initializers, gru-params's limit")
    monkeypatch.undo()
    monkeypatch.setattr(onnx_model, "MAX_ONNX_BYTES", 100)
    refused(path, "is larger than 0 GiB")
    monkeypatch.undo()
    graph = helper.make_graph([], "g0", [], [])
    for depth in range(3):
        loop = helper.make_node("Loop", ["", "C"], [f"o{depth}"], body=graph)
        graph = helper.make_graph([loop], f"g{depth + 1}", [], [])
    deep = tmp_path / "deep.onnx"
    deep.write_bytes(helper.make_model(graph).SerializeToString())
    monkeypatch.setattr(onnx_model, "MAX_DEPTH", 2)
    refused(deep, "graph.node[0].body.node[0].body.node[0].body: graphs nest more than 2 deep")


def test_onnx_missing(onnx, tmp_path, monkeypatch):
    path = gru_model(onnx, tmp_path / "gru.onnx")
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    refused(path, 'reading .onnx files needs the onnx package: pip install "gru-params[onnx]"')


def test_every_truncation_refused_or_whole(onnx, tmp_path):
    """A file cut short either fails to parse or ends after the graph (protobuf writes the graph's
    length first): never a count of part of the graph."""
    whole = open(gru_model(onnx, tmp_path / "whole.onnx"), "rb").read()
    path = tmp_path / "cut.onnx"
    for end in range(len(whole)):
        path.write_bytes(whole[:end])
        try:
            assert read_summary(str(path)).total_params == 45 + 75 + 30
        except SpecError as e:
            assert "\n" not in str(e)


def test_mutated_base_reads(onnx, tmp_path):
    path = tmp_path / "base.onnx"
    path.write_bytes(MUTATED_BASE)
    summary = read_summary(str(path))
    assert [(r.class_name, r.params) for r in summary.rows] == [("LSTM", 24 + 16 + 16 + 6), ("If", 4),
                                                                 ("Initializer", 3)]
    assert [w.name for w in summary.rows[0].buffers] == ["h0"]


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_bytes(onnx, tmp_path, data):
    """Bytes of a real model changed at random: a summary or one SpecError line, nothing else."""
    blob = bytearray(MUTATED_BASE)
    for _ in range(data.draw(st.integers(1, 8))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "mutated.onnx"
    path.write_bytes(bytes(blob))
    try:
        summary = read_summary(str(path))
    except SpecError as e:
        assert "\n" not in str(e)
    else:
        assert summary.total_params == sum(r.params for r in summary.rows)


def _mutated_base() -> bytes:
    """An LSTM with peepholes, an If and leftovers: every branch of the reader, as bytes."""
    try:
        from onnx import helper, numpy_helper
    except ImportError:
        return b""
    nodes = [helper.make_node("LSTM", ["X", "W", "R", "B", "", "h0", "", "P"], ["Y1"], hidden_size=2),
             helper.make_node("Identity", ["W"], ["W2"]),
             helper.make_node("If", ["C"], ["Y"], else_branch=branch("else", "W2"), then_branch=branch("then", "b"))]
    arrays = {"W": (1, 8, 3), "R": (1, 8, 2), "B": (1, 16), "P": (1, 6), "h0": (1, 1, 2), "b": (4,), "unused": (3,)}
    graph = helper.make_graph(nodes, "g", [], [], initializer=[
        numpy_helper.from_array(np.zeros(shape, np.float32), name) for name, shape in arrays.items()])
    return helper.make_model(graph).SerializeToString()


MUTATED_BASE = _mutated_base()
