"""Any text or structure given as a spec either summarizes or fails with GruParamsError,
never another exception (which the CLI would show as a traceback)."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_params import GruParamsError, check
from gru_params.infer import summarize
from gru_params.layers import KINDS, TORCH_KINDS
from gru_params.spec import from_text

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.floats(-2, 2, allow_nan=False),
                    st.sampled_from(["relu", "softmax", "same", "valid", "concat", None, "x", ""]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["units", "layer", "cell", "LSTM", "GRU", "rate", "n", "dims"]), inner, max_size=3), max_leaves=8)


def argument_names(kinds):
    return sorted({name for kind in kinds.values() for name in kind.args})


def layers_for(kinds):
    args = st.dictionaries(st.sampled_from(argument_names(kinds)), values, max_size=4)
    return st.one_of(st.sampled_from(sorted(kinds)), st.builds(lambda k, a: {k: a}, st.sampled_from(sorted(kinds)), args))


specs = st.one_of(
    st.fixed_dictionaries({"input": st.lists(st.one_of(st.none(), st.integers(-1, 40)), max_size=5),
                           "layers": st.lists(layers_for(KINDS), min_size=1, max_size=5)},
                          optional={"expect": st.dictionaries(st.sampled_from(["total_params", "layers"]), values),
                                    "budget": st.dictionaries(st.sampled_from(["max_params", "max_oops"]), values)}),
    st.fixed_dictionaries({"framework": st.just("pytorch"),
                           "input": st.lists(st.integers(1, 12), min_size=1, max_size=3),
                           "layers": st.lists(layers_for(TORCH_KINDS), min_size=1, max_size=4)}),
    values,
)


def outcome(text: str) -> None:
    try:
        spec = from_text(text, "fuzz.yaml")
        check.check_summary(spec, summarize(spec))
    except GruParamsError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs)
def test_structures_never_escape(spec):
    outcome(yaml.safe_dump(spec, sort_keys=False))


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 400), noise=st.text(max_size=8))
def test_mangled_texts_never_escape(cut, noise):
    text = open("specs/stacked_bidirectional_encoder.yaml").read()
    outcome(text[:cut] + noise + text[cut:])
