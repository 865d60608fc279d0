"""The lockfiles in requirements/ pin every dependency of pyproject.toml, within its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def wanted(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(spec) for spec in names]


@pytest.mark.parametrize(("lock", "extra"), [("run.lock", None), ("dev.lock", "dev")])
def test_every_dependency_is_pinned_within_its_range(lock: str, extra: str | None) -> None:
    pinned = pins(lock)
    stale = [
        f"{req} (locked: {pinned.get(canonicalize_name(req.name))})"
        for req in wanted(extra)
        if canonicalize_name(req.name) not in pinned
        or pinned[canonicalize_name(req.name)] not in req.specifier
    ]
    assert not stale, f"run `make lock`: {lock} does not satisfy {stale}"
    assert "--hash=sha256:" in (ROOT / "requirements" / lock).read_text()
