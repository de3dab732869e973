"""orchestra installed the way users install it: a wheel built from the project, holding every
file read at run time, installed into a fresh virtual environment outside the checkout, and run
from an empty folder (no models/ beside it, no source tree to fall back on)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

RUN_TIME = ("orchestra", "models")  # folders whose files the installed program reads


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the project (the checkout stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", *RUN_TIME):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(src)], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("orchestra-*.whl")
    return built


def test_the_wheel_carries_every_file_read_at_run_time(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    expected = {f"orchestra/{p.relative_to(ROOT / 'orchestra').as_posix()}"
                for p in (ROOT / "orchestra").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    expected |= {f"orchestra/models/{p.name}" for p in (ROOT / "models").glob("*.toml")}
    assert expected - names == set()
    assert {"orchestra/models/balanced.toml", "orchestra/report/templates/blueprint.html.j2"
            } <= names


def test_the_wheel_in_a_fresh_environment_works_from_an_empty_folder(wheel, tmp_path):
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    program = str(bindir / "orchestra")

    def orchestra(*args: str) -> subprocess.CompletedProcess:
        clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return subprocess.run([program, *args], cwd=empty, capture_output=True, text=True,
                              timeout=600, check=False, env=clean)

    version = orchestra("--version")
    assert version.returncode == 0 and "0.3.0" in version.stdout
    listed = orchestra("profiles")
    assert listed.returncode == 0 and "balanced" in listed.stdout and "(bundled)" in listed.stdout
    assert orchestra("example", "bank.xlsx").returncode == 0
    planned = orchestra("plan", "bank.xlsx", "--time-limit", "10", "-o", "plan.xlsx")
    assert planned.returncode in (0, 1), planned.stderr
    assert "profile    balanced" in planned.stdout
    assert orchestra("template", "input.xlsx").returncode == 0
    assert sorted(p.name for p in empty.iterdir()) == ["bank.xlsx", "input.xlsx", "plan.xlsx"]
    # The program ran from the wheel, not from this checkout.
    where = subprocess.run([str(python), "-c", "import orchestra; print(orchestra.__file__)"],
                           cwd=empty, capture_output=True, text=True, check=True)
    assert str(ROOT) not in where.stdout
