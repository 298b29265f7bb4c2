"""Exact parameter counts for recurrent layers (SimpleRNN, LSTM, GRU), as the frameworks count them.

>>> import gru_params
>>> gru_params.count_layer("gru", units=75, input_dim=28).params
23625
"""

from .errors import ArgumentError, GruParamsError
from .formulas import GateCount, LayerCount, Weight, count_layer

__version__ = "0.1.0"
__all__ = ["ArgumentError", "GateCount", "GruParamsError", "LayerCount", "Weight", "count_layer"]
