"""The README's examples are run: every `$ ` command in a console block, and the Python block."""

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent


def console_examples():
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for example in re.split(r"^(?=\$ )", block, flags=re.M):
            if example.startswith("$ "):
                command, _, output = example.partition("\n")
                yield command[2:], output


EXAMPLES = list(console_examples())


def test_readme_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("command, output", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example(command, output):
    if not (BIN / "gru-params").exists():
        pytest.fail(f"the gru-params script is not installed next to {sys.executable}: pip install -e .")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80"}
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.stdout + done.stderr == output


def test_python_example(monkeypatch):
    monkeypatch.chdir(ROOT)  # the example reads specs/
    block = re.search(r"```python\n(.*?)```", README, flags=re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert len(test.examples) >= 5
