"""The project's own promises: README commands, pinned and declared dependencies."""

import re
import tomllib

from conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_names_every_runtime_dependency():
    text = (ROOT / "environment.yml").read_text()
    listed = {
        _name(m.group(1).replace("=", "==", 1))
        for m in re.finditer(r"^\s*-\s+([A-Za-z0-9_.\-]+(?:[=<>].*)?)$", text, re.M)
    }
    runtime = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    assert runtime - listed == set()
    assert re.search(r"^\s*-\s+python=3\.\d+", text, re.M), "python must be pinned"
    assert "conda-forge" in text and "-e ." in text


def test_constraints_pin_every_dependency():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version
    project = _pyproject()["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    missing = {_name(r) for r in declared} - set(pins)
    assert not missing
    assert pins["torch"] == "2.13.0"


def test_readme_first_commands_are_make_report_and_make_test():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make report", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    lines = [ln for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[-1].strip() == "make test"


def test_console_script_and_python_version():
    project = _pyproject()["project"]
    assert project["scripts"]["landscape"] == "landscape.cli:main"
    assert project["requires-python"] == ">=3.11"
