"""Shell completion, for bash: `--install-completion bash` into a temporary home, then the
installed script sourced in a real bash, completing commands, options and choices."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def complete(home: Path, *words: str) -> list[str]:
    """What bash's completion of `words` (the last one being typed) offers."""
    script = ("source \"$HOME/.bash_completions/gru-params.sh\"; COMP_WORDS=(\"$@\"); "
              "COMP_CWORD=$(($# - 1)); _gru_params_completion gru-params; printf '%s\\n' \"${COMPREPLY[@]}\"")
    env = {**os.environ, "HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script, "bash", "gru-params", *words], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    if shutil.which("bash") is None:
        pytest.fail("bash is needed for the completion test")
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run([str(BIN / "gru-params"), "--install-completion", "bash"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (home / ".bash_completions" / "gru-params.sh").is_file()
    assert "source" in (home / ".bashrc").read_text()
    return home


def test_commands(home):
    assert sorted(complete(home, "s")) == ["schema", "solve", "summary"]
    assert complete(home, "sol") == ["solve"]
    assert complete(home, "ch") == ["check"]


def test_options_and_choices(home):
    assert complete(home, "summary", "--dt") == ["--dtype"]
    assert complete(home, "layer", "gru", "--framework", "") == ["keras", "pytorch", "onnx", "keras2-cudnn", "flax"]
    assert complete(home, "check", ".", "--format", "m") == ["markdown"]
