"""The pre-commit hook (.pre-commit-hooks.yaml) and the GitHub Action (action.yml), run for real.

pre-commit: `pre-commit try-repo` and `pre-commit run` in a throwaway git repository, against a
throwaway "hook repository" that holds a copy of this working tree (try-repo and run clone a
repository at a commit, so they would not see uncommitted changes here); pre-commit builds its
own virtualenv and pip-installs gru-params from that copy, as it will for a user.

action.yml: its composite steps run as the runner runs them (`bash --noprofile --norc -eo
pipefail`, the inputs passed through each step's `env:`), the install step into a fresh venv.

Everything is written under pytest's tmp_path (PRE_COMMIT_HOME included). Without the
pre-commit package or git these tests skip, and under CI (the CI variable set) they fail.
"""

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.live import missing
import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

GOOD_SPEC = """\
# The MNIST classifier of the GRU article, as specs/mnist_gru.yaml.
name: good
input: [28, 28]
layers:
  - GRU: {units: 75}
  - Dense: {units: 10}
  - Activation: {activation: softmax}
expect:
  total_params: 24385
  layers: {gru: 23625, dense: 760}
budget:
  max_params: 30000
"""

OVER_BUDGET_SPEC = """\
# The GRU grew from 64 to 96 units: over its budget, as examples/over_budget.yaml.
name: over_budget
input: [200]
layers:
  - Embedding: {input_dim: 20000, output_dim: 64}
  - GRU: {units: 96}
  - Dense: {units: 1, activation: sigmoid}
budget:
  max_trainable_params: 1300000
"""

BUDGET_MESSAGE = "budget.max_trainable_params: trainable_params 1,326,753 is over the budget of 1,300,000 by 26,753"

SUFFIXES = ("yaml", "yml", "json", "keras", "h5", "pt", "pth", "bin", "ckpt", "safetensors", "onnx")


def needed(what: str):
    missing(f"{what}; install the test extra: pip install -e '.[test]'")


def flat(text: str) -> str:
    """Rich wraps long messages at the terminal's width: compare with the line breaks gone."""
    return " ".join(text.split())


def git_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,  # no user's or machine's git settings (signing, hooks, templates)
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="gru-params tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="gru-params tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        PRE_COMMIT_HOME=str(tmp / "pre-commit-cache"),
        # pip's and virtualenv's caches too: nothing is written outside tmp
        PIP_CACHE_DIR=str(tmp / "pip-cache"),
        VIRTUALENV_OVERRIDE_APP_DATA=str(tmp / "virtualenv-app-data"),
    )
    return env


def git(cwd: Path, env: dict, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def new_git_repo(path: Path, env: dict) -> Path:
    path.mkdir(parents=True)
    git(path, env, "-c", "init.defaultBranch=main", "init", "-q")
    git(path, env, "config", "user.name", "gru-params tests")
    git(path, env, "config", "user.email", "tests@example.invalid")
    return path


def copy_project(to: Path) -> Path:
    """What `pip install .` of gru-params needs, and the two integration files, from the working tree."""
    to.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "action.yml", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, to / name)
    shutil.copytree(REPO / "gru_params", to / "gru_params", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return to


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("integrations")


@pytest.fixture(scope="module")
def env(tmp):
    if shutil.which("git") is None:
        needed("git is not installed; the pre-commit tests need it")
    return git_env(tmp)


@pytest.fixture(scope="module")
def hook_repo(tmp, env):
    """A git repository holding this working tree's gru-params, committed: what pre-commit clones."""
    repo = copy_project(tmp / "hook-repo")
    git(repo, env, "-c", "init.defaultBranch=main", "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "gru-params as in the working tree")
    return repo


@pytest.fixture(scope="module")
def pre_commit():
    exe = BIN / ("pre-commit.exe" if os.name == "nt" else "pre-commit")
    if not exe.exists():
        needed(f"pre-commit is not installed next to {sys.executable}")
    return exe


def run_pre_commit(pre_commit: Path, cwd: Path, env: dict, *args: str):
    done = subprocess.run(
        [str(pre_commit), *args, "--color", "never"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    return done.returncode, done.stdout + done.stderr


# ---- .pre-commit-hooks.yaml ----


def test_hook_manifest():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "gru-params-check"]
    assert hook["entry"] == "gru-params check"
    assert hook["language"] == "python"
    assert hook.get("pass_filenames", True) is True
    assert hook["require_serial"] is True
    files = re.compile(hook["files"])
    for suffix in SUFFIXES:
        assert files.search(f"models/net.{suffix}"), suffix
        assert files.search(f"ml/specs/sub/net.{suffix}"), suffix
    for path in (".pre-commit-config.yaml", ".github/workflows/ci.yml", "config.yaml", "package.json",
                 "models/train.py", "models/README.md", "notmodels/net.yaml", "models.yaml"):
        assert not files.search(path), path


def test_pre_commit_try_repo(pre_commit, hook_repo, tmp, env):
    """try-repo with the hook's default files: the specs in models/ are checked, nothing else."""
    user = new_git_repo(tmp / "user-repo", env)
    (user / "models").mkdir()
    (user / "models" / "good.yaml").write_text(GOOD_SPEC)
    (user / "models" / "over_budget.yaml").write_text(OVER_BUDGET_SPEC)
    (user / "models" / "README.md").write_text("# Our models\n")
    (user / "models" / "train.py").write_text("print('training')\n")
    # YAML that is not a spec, which `check` would refuse: outside the default `files:`
    (user / "config.yaml").write_text("learning_rate: 0.001\n")
    (user / ".github" / "workflows").mkdir(parents=True)
    (user / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    git(user, env, "add", "-A")

    code, out = run_pre_commit(pre_commit, user, env, "try-repo", str(hook_repo), "gru-params-check",
                               "--verbose", "--files", "models/good.yaml")
    assert code == 0, out
    assert re.search(r"gru-params check\.+Passed", out), out
    assert "1 passed, 0 failed, 0 errors" in out, out

    code, out = run_pre_commit(pre_commit, user, env, "try-repo", str(hook_repo), "gru-params-check", "--all-files")
    assert code == 1, out
    assert re.search(r"gru-params check\.+Failed", out), out
    assert "- exit code: 1" in out, out
    assert BUDGET_MESSAGE in flat(out), out
    assert "1 passed, 1 failed, 0 errors" in out, out  # one process: one report (require_serial)
    for not_checked in ("config.yaml", "ci.yml", "README.md", "train.py"):
        assert not_checked not in out, out


def test_pre_commit_config_narrowed_files(pre_commit, hook_repo, tmp, env):
    """A .pre-commit-config.yaml with `repo:`, `rev:` and `files: ^nets/`, as the README shows."""
    user = new_git_repo(tmp / "narrowed-repo", env)
    rev = git(hook_repo, env, "rev-parse", "HEAD")
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: gru-params-check\n        files: ^nets/\n"
    )
    (user / "nets").mkdir()
    (user / "nets" / "good.yaml").write_text(GOOD_SPEC)
    (user / "nets" / "README.md").write_text("# Nets\n")  # kept out by the hook's types_or
    (user / "models").mkdir()
    (user / "models" / "over_budget.yaml").write_text(OVER_BUDGET_SPEC)  # outside ^nets/: not checked
    git(user, env, "add", "-A")

    code, out = run_pre_commit(pre_commit, user, env, "run", "--all-files", "--verbose")
    assert code == 0, out
    assert re.search(r"gru-params check\.+Passed", out), out
    assert "1 passed, 0 failed, 0 errors" in out, out

    (user / "nets" / "over_budget.yaml").write_text(OVER_BUDGET_SPEC)
    git(user, env, "add", "-A")
    code, out = run_pre_commit(pre_commit, user, env, "run", "--all-files")
    assert code == 1, out
    assert BUDGET_MESSAGE in flat(out), out
    assert "nets/over_budget.yaml" in out and "models/over_budget.yaml" not in out, out


# ---- action.yml ----

EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
CONDITION = re.compile(r"^\s*(?:\$\{\{\s*)?inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*==\s*'([^']*)'\s*(?:\}\}\s*)?$")


def load_action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def run_action(inputs: dict, cwd: Path, action_path: Path, path_dirs=(), extra_env=None):
    """Run action.yml's steps as a runner does: defaults for inputs not given, each step's `if:`
    (only `inputs.X == 'v'`), its `env:` with ${{ inputs.X }} replaced, its `run:` under
    `bash --noprofile --norc -eo pipefail`; stop at the first step that fails.
    Returns (exit code, stdout + stderr of all steps run, names of the steps run)."""
    action = load_action()
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(values)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    values.update(inputs)
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    base["PIP_CACHE_DIR"] = str(cwd / ".pip-cache")
    base.update(extra_env or {})
    base["GITHUB_ACTION_PATH"] = str(action_path)
    base["PATH"] = os.pathsep.join([*map(str, path_dirs), base.get("PATH", "")])
    output, ran = "", []
    for i, step in enumerate(action["runs"]["steps"]):
        if "if" in step:
            m = CONDITION.match(step["if"])
            assert m, f"the test runner understands no condition {step['if']!r}"
            if values[m.group(1)] != m.group(2):
                continue
        step_env = dict(base)
        for key, value in (step.get("env") or {}).items():
            step_env[key] = EXPRESSION.sub(lambda m: values[m.group(1)], str(value))
        script = cwd / f".step{i}.sh"
        script.write_text(step["run"])
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=cwd, env=step_env, capture_output=True, text=True, timeout=300)
        script.unlink()
        ran.append(step.get("name", str(i)))
        output += done.stdout + done.stderr
        if done.returncode:
            return done.returncode, output, ran
    return 0, output, ran


def test_action_structure():
    action = load_action()
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert inputs["paths"]["required"] is True and "default" not in inputs["paths"]  # no folder is a safe guess
    assert inputs["format"]["default"] == "github"
    assert str(inputs["summary"]["default"]) == "false"
    assert str(inputs["install"]["default"]) == "true"
    assert inputs["extras"].get("default", "") == ""
    for spec in inputs.values():
        assert spec.get("description")
    steps = action["runs"]["steps"]
    used = set()
    for step in steps:
        assert step["shell"] == "bash"
        # no ${{ }} in the script itself: inputs reach it as environment variables only
        assert "${{" not in step["run"], step["run"]
        for key, value in (step.get("env") or {}).items():
            for name in EXPRESSION.findall(str(value)):
                assert name in inputs
                used.add(name)
                assert f"${key}" in step["run"] or f"${{{key}" in step["run"], key
    assert used == {"paths", "extras", "format", "summary"}
    check = steps[-1]["run"]
    assert "gru_params check" in check and '--format "$GRU_PARAMS_FORMAT"' in check
    assert '"${paths[@]}"' in check
    install = steps[0]
    assert install["if"].replace(" ", "") == "inputs.install=='true'"
    assert "$GITHUB_ACTION_PATH" in install["run"] and "pip install" in install["run"]


@pytest.fixture(scope="module")
def action_checkout(tmp):
    """The action's checkout as the runner has it: the repository's files at the pinned ref."""
    return copy_project(tmp / "action-checkout")


@pytest.fixture(scope="module")
def action_python(tmp, action_checkout):
    """A fresh Python (as actions/setup-python gives), gru-params installed by the action's own
    install step from its checkout."""
    python_dir = tmp / "setup-python"
    venv.create(python_dir, with_pip=True)
    bindir = python_dir / ("Scripts" if os.name == "nt" else "bin")
    work = tmp / "install-step"
    work.mkdir()
    code, out, ran = run_action({"paths": "nothing.yaml", "install": "true"}, work, action_checkout, [bindir])
    assert ran == ["Install gru-params", "Check specs and models"], out[-3000:]
    # the check step ran too, on a missing file: exit 2, with gru-params installed from the checkout
    assert code == 2, out[-3000:]
    assert "nothing.yaml" in out, out[-3000:]
    where = subprocess.run([str(bindir / "python"), "-c", "import gru_params; print(gru_params.__file__)"],
                           cwd=work, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve().is_relative_to(python_dir.resolve()), where.stdout
    return bindir


@pytest.fixture
def workspace(tmp_path):
    """A checked-out repository on the runner: models/ with a good and an over-budget spec, and a
    folder whose name a shell would run if the input were pasted into the script."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "good.yaml").write_text(GOOD_SPEC)
    (tmp_path / "models" / "over_budget.yaml").write_text(OVER_BUDGET_SPEC)
    weird = tmp_path / "odd $(touch pwned) `touch pwned2`; touch pwned3 dir"
    weird.mkdir()
    (weird / "good.yaml").write_text(GOOD_SPEC)
    (weird / "over_budget.yaml").write_text(OVER_BUDGET_SPEC)
    return tmp_path


def no_injection(workspace: Path):
    assert not list(workspace.glob("pwned*")), "an input was run as shell code"


def test_action_good_spec(action_python, action_checkout, workspace):
    code, out, ran = run_action({"paths": "models/good.yaml", "install": "false"}, workspace,
                                action_checkout, [action_python])
    assert ran == ["Check specs and models"], ran
    assert code == 0, out
    assert "::error" not in out
    assert "1 passed, 0 failed, 0 errors" in out, out


def test_action_over_budget_annotations(action_python, action_checkout, workspace):
    code, out, _ = run_action({"paths": "models", "install": "false"}, workspace, action_checkout, [action_python])
    assert code == 1, out
    assert ("::error file=models/over_budget.yaml,line=9,col=25,title=budget.max_trainable_params::"
            "trainable_params 1,326,753 is over the budget of 1,300,000 by 26,753") in out, out
    assert "1 passed, 1 failed, 0 errors" in out, out


def test_action_paths_are_literal(action_python, action_checkout, workspace):
    """Paths with spaces, $(...), backquotes and ; are file names: one a line, never shell code."""
    weird = "odd $(touch pwned) `touch pwned2`; touch pwned3 dir"
    code, out, _ = run_action({"paths": f"  models/good.yaml\n\n{weird}/good.yaml  \n", "install": "false"},
                              workspace, action_checkout, [action_python])
    assert code == 0, out
    assert "2 passed, 0 failed, 0 errors" in out, out
    no_injection(workspace)

    code, out, _ = run_action({"paths": weird, "install": "false"}, workspace, action_checkout, [action_python])
    assert code == 1, out
    assert f"::error file={weird}/over_budget.yaml,line=9,col=25,title=budget.max_trainable_params::" in out, out
    no_injection(workspace)

    # a path that looks like an option is a path too
    code, out, _ = run_action({"paths": "--help", "install": "false"}, workspace, action_checkout, [action_python])
    assert code == 2 and "Usage" not in out, out


def test_action_format_input_is_not_shell(action_python, action_checkout, workspace):
    code, out, _ = run_action({"paths": "models/good.yaml", "format": "json", "install": "false"}, workspace,
                              action_checkout, [action_python])
    assert code == 0 and '"passed": 1' in out, out
    code, out, _ = run_action({"paths": "models/good.yaml", "format": "github; touch pwned", "install": "false"},
                              workspace, action_checkout, [action_python])
    assert code == 2, out
    no_injection(workspace)


def test_action_empty_paths(action_python, action_checkout, workspace):
    code, out, _ = run_action({"paths": " \n \n", "install": "false"}, workspace, action_checkout, [action_python])
    assert code == 2
    assert "::error title=gru-params::the paths input names no file or folder" in out


def test_action_summary(action_python, action_checkout, workspace):
    """summary: false never touches $GITHUB_STEP_SUMMARY; summary: true appends the Markdown
    report where gru-params has one, and otherwise warns, with the check's own exit code."""
    summary = workspace / "step_summary.md"
    summary.write_text("")
    extra = {"GITHUB_STEP_SUMMARY": str(summary)}
    for paths, expected in (("models/good.yaml", 0), ("models", 1)):
        code, out, _ = run_action({"paths": paths, "install": "false"}, workspace, action_checkout,
                                  [action_python], extra)
        assert code == expected, out
        assert summary.read_text() == ""

        code, out, _ = run_action({"paths": paths, "install": "false", "summary": "true"}, workspace,
                                  action_checkout, [action_python], extra)
        assert code == expected, out
        markdown = subprocess.run([str(action_python / "python"), "-m", "gru_params", "check", "--format",
                                   "markdown", paths], cwd=workspace, capture_output=True, text=True)
        if markdown.stdout:
            assert summary.read_text().endswith(markdown.stdout)
            assert "::warning" not in out
        else:
            assert summary.read_text() == ""
            assert "::warning title=gru-params::no job summary" in out, out
        summary.write_text("")

    # no GITHUB_STEP_SUMMARY (a runner without job summaries): the check alone
    code, out, _ = run_action({"paths": "models/good.yaml", "install": "false", "summary": "true"}, workspace,
                              action_checkout, [action_python])
    assert code == 0 and "::warning" not in out, out


def test_action_install_command(tmp_path, action_checkout):
    """The install step's pip command for `extras`, read from a stand-in `python`; extras that are
    not names are refused before pip runs."""
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    log = tmp_path / "python-args"
    (fake / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\nexit 0\n')
    (fake / "python").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    action = load_action()

    def install(extras):
        log.unlink(missing_ok=True)
        step = action["runs"]["steps"][0]
        script = work / "install.sh"
        script.write_text(step["run"])
        environment = dict(os.environ, GITHUB_ACTION_PATH=str(action_checkout), GRU_PARAMS_EXTRAS=extras,
                           PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=work,
                              env=environment, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr, log.read_text().splitlines() if log.exists() else None

    code, _, args = install("")
    assert code == 0 and args == ["-m", "pip", "install", "--disable-pip-version-check", str(action_checkout)]
    code, _, args = install(" h5, onnx ")
    assert code == 0 and args[-1] == f"{action_checkout}[h5,onnx]", args
    for bad in ("h5]; touch pwned", "$(touch pwned)", "h5 onnx\n--index-url=http://x"):
        code, out, args = install(bad)
        assert code == 2 and args is None, (bad, out)
        assert "::error title=gru-params::extras must be names" in out
        assert not list(work.glob("pwned*"))
