import os
from pathlib import Path

import pytest

from tests.live import missing

SNAPSHOTS = Path(__file__).parent / "snapshots"


def pytest_addoption(parser):
    parser.addoption(
        "--update-snapshots", action="store_true", help="rewrite tests/snapshots/* from the current output"
    )


def require(module: str, why: str):
    """Import a framework for a live comparison. Under CI (the CI variable set) a missing
    framework fails the test; elsewhere it skips, so the engine's tests run without it."""
    try:
        return __import__(module)
    except ImportError as e:
        missing(f"{module} is not installed ({e}); it is needed to {why}. Install the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="session")
def tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return require("tensorflow", "compare counts with real tf.keras")


@pytest.fixture
def tf_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return require("tf_keras", "read models saved by Keras 2 (tf_keras)")


@pytest.fixture
def snapshot(request):
    """snapshot("name.txt", text): compare with tests/snapshots/name.txt, which must exist."""

    def check(name: str, text: str) -> None:
        path = SNAPSHOTS / name
        if request.config.getoption("--update-snapshots"):
            path.write_text(text)
            return
        assert path.exists(), f"missing snapshot {path}; create it with pytest --update-snapshots"
        assert text == path.read_text()

    return check


@pytest.fixture(scope="session")
def torch():
    return require("torch", "compare counts with real PyTorch")


@pytest.fixture(scope="session")
def flax():
    require("jax", "compare counts with real Flax")
    return require("flax", "compare counts with real Flax")


@pytest.fixture(scope="session")
def onnx():
    return require("onnx", "compare counts with real ONNX operators")
