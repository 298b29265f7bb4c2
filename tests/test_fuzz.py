"""Any text or structure given as a spec either summarizes or fails with GruParamsError,
never another exception (which the CLI would show as a traceback)."""

import copy
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_params import GruParamsError, check, load_spec
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


refs = st.sampled_from(["a", "b", "dense", "lstm", "lstm[1]", "lstm[7]", "gru", "a[0]", "nope", "", "x[", "[1]"])
call_values = st.one_of(refs, st.lists(refs, max_size=3), scalars)


def functional_entry(kinds):
    return st.builds(lambda layer, call: {**layer, **call} if isinstance(layer, dict) else layer,
                     layers_for(kinds),
                     st.dictionaries(st.sampled_from(["inputs", "initial_state", "value", "key", "mask", "intial_state",
                                                      "return_attention_scores"]), call_values, max_size=3))


functional_specs = st.fixed_dictionaries(
    {"inputs": st.one_of(st.dictionaries(st.sampled_from(["a", "b", "dense"]),
                                         st.lists(st.one_of(st.none(), st.integers(-1, 12)), max_size=3), max_size=2),
                         values),
     "layers": st.lists(functional_entry(KINDS), min_size=1, max_size=5)},
    optional={"outputs": st.one_of(refs, st.lists(refs, max_size=3)), "input": values})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=functional_specs)
def test_functional_structures_never_escape(spec):
    outcome(yaml.safe_dump(spec, sort_keys=False))


def saved_outcome(tmp_path, text: str) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(text)
    try:
        summarize(load_spec(path))
    except GruParamsError:
        pass


# Configs as Keras 3 and Keras 2 write them, functional and Sequential
SEEDS = [json.loads(open(p).read()) for p in ("examples/seq2seq.json", "tests/golden/keras2/seq2seq.json",
                                             "tests/golden/keras2/imdb_lstm.json")]


def _paths(node, prefix=()):
    """Every place in a JSON tree, as a tuple of keys and indices."""
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*prefix, key))


PLACES = [list(_paths(seed))[1:] for seed in SEEDS]
mutations = st.integers(0, len(SEEDS) - 1).flatmap(lambda i: st.tuples(
    st.just(i), st.lists(st.tuples(st.sampled_from(PLACES[i]), values), min_size=1, max_size=3)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_mutated_saved_configs_never_escape(tmp_path, mutation):
    """A config Keras wrote, with values replaced anywhere in it."""
    seed, changes = mutation
    config = copy.deepcopy(SEEDS[seed])
    for place, value in changes:
        node = config
        try:
            for key in place[:-1]:
                node = node[key]
            node[place[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    saved_outcome(tmp_path, json.dumps(config))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 5000), noise=st.text(max_size=8))
def test_mangled_saved_configs_never_escape(tmp_path, cut, noise):
    text = open("examples/seq2seq.json").read()
    saved_outcome(tmp_path, text[:cut] + noise + text[cut:])
