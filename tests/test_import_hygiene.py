"""bank/ and projects/ stay terminal-free: importing every module loads no textual or rich."""

import pkgutil
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules(folder: str) -> list[str]:
    return [f"mlreq.{folder}.{m.name}" for m in pkgutil.iter_modules([str(ROOT / folder)])]


@pytest.mark.parametrize("folder", ["bank", "projects"])
def test_domain_packages_never_import_the_ui(folder: str) -> None:
    package = f"mlreq.{folder}"
    modules = [package, *_modules(folder)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') or m.startswith('mlreq.tui'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{package} pulled in: {result.stdout.strip()}"
    assert len(modules) > 3


def test_code_imports_only_through_the_mlreq_namespace() -> None:
    """`import projects` from the repository root would load a second copy of a module (or,
    in a user's work tree, someone else's code): every import says `mlreq.`."""
    bare = re.compile(r"^\s*(from|import)\s+(bank|projects|tui)\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bank", "projects", "tui", "tests", "benchmarks", "package")
        for path in (ROOT / folder).rglob("*.py")
        if bare.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_python_dash_m_mlreq_runs_from_anywhere(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mlreq", "--version"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("mlreq ")


def test_the_wheel_installs_nothing_but_mlreq(tmp_path: Path) -> None:
    """Nothing named bank, projects or tui lands in site-packages: every file of the built
    wheel is under mlreq/ (or its dist-info)."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    if built.returncode != 0:
        pytest.skip(f"pip could not build the wheel here: {built.stderr.strip().splitlines()[-1:]}")
    (wheel,) = tmp_path.glob("mlreq-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"mlreq"}
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlreq/bank/data/forms/v3.toml" in names and "mlreq/__main__.py" in names



HEAVY = ("git", "tomlkit", "openpyxl", "textual", "rich", "mlreq.tui.cli_", "mlreq.tui.app")


def _loaded_by(argv: list[str], cwd: Path, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with `prefixes` that running `mlreq ARGV` in-process loaded."""
    code = (
        "import io, sys\n"
        "from mlreq.bank.errors import MlreqError\n"
        "from mlreq.tui.cli import run\n"
        f"try: run({argv!r}, out=io.StringIO())\n"
        "except MlreqError: pass\n"
        f"print(','.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True)
    return [m for m in result.stdout.strip().split(",") if m]


def test_version_imports_no_project_code(tmp_path: Path) -> None:
    """Issue 14: `mlreq --version` as quick as a bare Python start (the error classes and
    safetext, which cli.py needs at module level, are all it loads of mlreq.projects)."""
    loaded = _loaded_by(["--version"], tmp_path, (*HEAVY, "mlreq.projects.", "mlreq.bank."))
    assert loaded == ["mlreq.bank.errors", "mlreq.projects.errors", "mlreq.projects.safetext"]


def test_show_imports_no_other_command_nor_git_tomlkit_or_textual(tmp_path: Path) -> None:
    """Each command's module, GitPython, tomlkit, openpyxl and textual load only where used."""
    project = tmp_path / "proj"
    subprocess.run([sys.executable, "-m", "mlreq", "new", str(project)], capture_output=True, check=True)

    assert _loaded_by(["show", "data.data-source", "--project", str(project)], tmp_path, HEAVY) == []
