"""A YAML spec file to a `ModelSpec` (the spec format: spec.py validates the tree)."""

from __future__ import annotations

from ..spec import ModelSpec, from_text
from ..yamlnodes import read_text


def read(path: str) -> ModelSpec:
    return from_text(read_text(path), path)
