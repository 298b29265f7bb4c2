"""The public functions for whole models, the same ones the CLI calls."""

from __future__ import annotations

from .infer import Summary, summarize
from .sources import load as load_spec
from .spec import ModelSpec

__all__ = ["ModelSpec", "Summary", "load_spec", "summarize"]
