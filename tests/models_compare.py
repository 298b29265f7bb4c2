"""Compare the engine with one Sequential model as tf.keras built and printed it."""

import yaml

from gru_params import render
from gru_params.infer import summarize
from gru_params.layers import fmt
from gru_params.spec import from_text
from tests.oracle.keras_models import COLUMNS


def assert_same_as_keras(model: dict) -> None:
    spec = model["spec"]
    text = yaml.safe_dump(spec, sort_keys=False)  # the YAML a user would write for it
    s = summarize(from_text(text, f"{spec['name']}.yaml"))
    ours = [[r.name, r.class_name, fmt(r.output_shape), r.params, r.trainable_params] for r in s.rows]
    assert ours == model["rows"], text
    totals = (s.total_params, s.trainable_params, s.non_trainable_params)
    assert totals == (model["total_params"], model["trainable_params"], model["non_trainable_params"]), text
    assert render.summary_text(s, columns=COLUMNS) == model["summary"], text
    assert render.summary_text(s, columns=COLUMNS, show_trainable=True) == model["summary_trainable"], text
