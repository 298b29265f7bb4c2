"""The public functions for whole models, the same ones the CLI calls."""

from __future__ import annotations

from .infer import Summary, summarize
from .spec import ModelSpec, load_spec

__all__ = ["ModelSpec", "Summary", "load_spec", "summarize"]
