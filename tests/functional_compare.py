"""Compare the engine with one functional model as tf.keras built, printed and saved it."""

import yaml

from gru_params import render
from gru_params.infer import Summary, summarize
from gru_params.layers import fmt
from gru_params.spec import from_text
from tests.oracle.keras_functional import COLUMNS


def spec_summary(model: dict) -> Summary:
    spec = model["spec"]
    text = yaml.safe_dump(spec, sort_keys=False)  # the YAML a user would write for it
    return summarize(from_text(text, f"{spec['name']}.yaml"))


def assert_same_as_keras(s: Summary, model: dict, what: str = "") -> None:
    """Every row (name, type, output shape, params, trainable params, Connected to), the
    totals and both printed summaries."""
    ours = [[r.name, r.class_name, fmt(r.output_shape), r.params, r.trainable_params, list(r.connected_to)]
            for r in s.rows]
    assert ours == model["rows"], what
    totals = (s.total_params, s.trainable_params, s.non_trainable_params)
    assert totals == (model["total_params"], model["trainable_params"], model["non_trainable_params"]), what
    assert render.summary_text(s, columns=COLUMNS) == model["summary"], what
    assert render.summary_text(s, columns=COLUMNS, show_trainable=True) == model["summary_trainable"], what
