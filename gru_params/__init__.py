"""Exact parameter counts for recurrent layers (SimpleRNN, LSTM, GRU), as the frameworks count them.

>>> import gru_params
>>> gru_params.count_layer("gru", units=75, input_dim=28).params
23625
"""

from .errors import ArgumentError, GruParamsError, SpecError
from .formulas import GateCount, LayerCount, Weight, count_layer

__version__ = "0.1.0"
__all__ = [
    "ArgumentError", "GateCount", "GruParamsError", "LayerCount", "ModelSpec", "SpecError", "Summary",
    "Weight", "count_layer", "load_spec", "model_cost", "solve_layer", "solve_spec", "summarize",
]


def __getattr__(name: str):
    # Whole-model functions import yaml; load them on first use so that a one-line
    # `layer` query does not pay for it.
    if name in ("load_spec", "summarize", "ModelSpec", "Summary"):
        from . import api

        return getattr(api, name)
    if name == "model_cost":
        from .cost.model import model_cost

        return model_cost
    if name in ("solve_layer", "solve_spec"):
        from . import solve

        return getattr(solve, name)
    raise AttributeError(f"module 'gru_params' has no attribute {name!r}")
