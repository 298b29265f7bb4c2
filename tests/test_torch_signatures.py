"""Each torch.nn module a `framework: pytorch` spec takes has torch's own argument names and
defaults, compared with inspect.signature of the real class (as test_signatures.py does for Keras)."""

import inspect

import pytest

from gru_params.layers.base import REQUIRED
from gru_params.layers.torch import TORCH_KINDS

# Arguments gru-params may take from the previous module's output (torch requires them).
INFERRED = {"input_size", "in_features", "in_channels", "num_features", "num_channels", "normalized_shape"}
# Classes whose signature is (*args, **kwargs): their real arguments, from their docstrings.
VARIADIC = {
    "RNN": dict(input_size=REQUIRED, hidden_size=REQUIRED, num_layers=1, nonlinearity="tanh", bias=True,
                batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None),
    "LSTM": dict(input_size=REQUIRED, hidden_size=REQUIRED, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None),
    "GRU": dict(input_size=REQUIRED, hidden_size=REQUIRED, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                bidirectional=False, device=None, dtype=None),
    "Identity": {}, "Tanh": {}, "Sigmoid": {},
}
# Classes that take their modules as *args: a spec gives them as a list under this name.
MODULES_ARGUMENT = {"Sequential": "layers"}


def torch_arguments(torch, name: str) -> dict:
    if name in VARIADIC:
        return VARIADIC[name]
    if name in MODULES_ARGUMENT:
        return {MODULES_ARGUMENT[name]: REQUIRED}
    params = inspect.signature(getattr(torch.nn, name)).parameters.values()
    return {p.name: REQUIRED if p.default is p.empty else by_name(torch, p.default) for p in params
            if not p.name.startswith("_") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def by_name(torch, default):
    """A default that is a function (TransformerEncoderLayer's activation=F.relu) as the name a
    spec writes, which torch takes too ("relu"); any other default as it is."""
    functions = {torch.nn.functional.relu: "relu", torch.nn.functional.gelu: "gelu"}
    return functions.get(default, default) if callable(default) else default


@pytest.mark.parametrize("name", sorted(TORCH_KINDS))
def test_arguments_and_defaults_are_torchs(torch, name):
    assert hasattr(torch.nn, name)
    ours = {k: default for k, (_, default) in TORCH_KINDS[name].args.items() if k != "trainable"
            and not (k == "proj_size" and name in ("RNN", "GRU"))}  # named only to be refused as torch does
    theirs = torch_arguments(torch, name)
    assert set(ours) == set(theirs)
    for key, default in theirs.items():
        if key in INFERRED and default is REQUIRED:
            assert ours[key] is None, key
        else:
            assert ours[key] == default or (ours[key] is REQUIRED and default is REQUIRED), key


def test_rnn_and_gru_refuse_proj_size_as_torch_does(torch):
    for cls in (torch.nn.RNN, torch.nn.GRU):
        with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
            cls(3, 4, proj_size=0)


def test_variadic_classes_really_are(torch):
    for name in VARIADIC:
        assert [p.kind for p in inspect.signature(getattr(torch.nn, name)).parameters.values()] == [
            inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD], name


def test_sequential_takes_its_modules_as_args(torch):
    for name in MODULES_ARGUMENT:
        assert [p.kind for p in inspect.signature(getattr(torch.nn, name)).parameters.values()] == [
            inspect.Parameter.VAR_POSITIONAL], name


def test_transformer_layers_take_the_activations_a_spec_names(torch):
    """A spec's `activation: relu` or `gelu` is torch's own string form of F.relu and F.gelu."""
    from torch.nn.modules.transformer import _get_activation_fn

    for name in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        assert inspect.signature(getattr(torch.nn, name)).parameters["activation"].default is torch.nn.functional.relu
        assert TORCH_KINDS[name].args["activation"][1] == "relu"
    assert _get_activation_fn("relu") is torch.nn.functional.relu
    assert _get_activation_fn("gelu") is torch.nn.functional.gelu
