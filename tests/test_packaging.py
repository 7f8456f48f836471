"""The package metadata keeps building with the setuptools a fresh machine downloads.

`make serve` installs the project with pip, which fetches the newest setuptools for the
build. setuptools 77 deprecated the `license = {text = ...}` table (PEP 639) and
announced that builds using it stop being supported in February 2027, so the licence is
an SPDX expression and the build requires a setuptools that reads one.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _config() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def test_licence_is_an_spdx_expression():
    licence = _config()["project"]["license"]
    assert isinstance(licence, str), "a table here is deprecated by setuptools>=77 (PEP 639)"
    assert re.fullmatch(r"[A-Za-z0-9.+-]+(?: (?:AND|OR|WITH) [A-Za-z0-9.+-]+)*", licence)


def test_build_requires_a_setuptools_that_reads_spdx_licences():
    requires = _config()["build-system"]["requires"]
    setuptools = [r for r in requires if re.match(r"setuptools\b", r)]
    assert setuptools, requires
    floor = re.search(r">=\s*(\d+)", setuptools[0])
    assert floor and int(floor.group(1)) >= 77, setuptools[0]
