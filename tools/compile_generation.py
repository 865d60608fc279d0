"""Compile the generator's hot modules to C with mypyc, in place (`make compiled` runs this).

    python tools/compile_generation.py [--clean]

The sources stay the truth: the compiled modules are built from them, behave the same and give
the same bytes for a seed (tests/generation/test_compiled.py compares both). Python imports an
extension module before a source file of the same name, so a stale one would hide an edit:
this script removes every old one first, and the test suite refuses to run on a stale build.
Without a C compiler the build fails and the pure-Python modules run, slower.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "avatar_data_generator"
GENERATION = PACKAGE / "generation"
# What runs for every persona (sampling, bios) and for every task (validation, realism
# report). Providers that talk HTTP or pydantic, and package __init__ files, stay Python.
COMPILED_DIRS = ("bios", "population")
COMPILED_FILES = (
    "facts.py", "local.py", "graphemes.py", "sanitize.py", "identity.py", "bio_audit.py",
)  # fmt: skip
GROUP = "avatar_data_generator_compiled"  # the shared library's name, instead of a hash


def sources() -> list[Path]:
    """The modules compiled, in a stable order."""
    found = [GENERATION / name for name in COMPILED_FILES]
    for folder in COMPILED_DIRS:
        found += sorted(p for p in (GENERATION / folder).glob("*.py") if p.name != "__init__.py")
    return found


def built() -> list[Path]:
    """Every extension module under the source tree (this build's or an older one's)."""
    return sorted([*PACKAGE.rglob("*.so"), *PACKAGE.rglob("*.pyd"), *SRC.glob(f"{GROUP}*")])


def stale() -> list[str]:
    """Compiled modules older than their source (or without one): they would hide an edit."""
    out = []
    for ext in PACKAGE.rglob("*.so"):
        source = ext.with_name(ext.name.split(".", 1)[0] + ".py")
        if not source.exists() or source.stat().st_mtime > ext.stat().st_mtime:
            out.append(str(ext.relative_to(ROOT)))
    return sorted(out)


def clean() -> None:
    """Remove every compiled module, so the sources run."""
    for path in built():
        path.unlink()


def main(argv: list[str]) -> int:
    """Build the extensions next to their sources."""
    clean()
    if "--clean" in argv:
        return 0
    from mypyc.build import mypycify  # build-time only: requirements/build.lock
    from setuptools import setup

    os.chdir(ROOT)  # mypy reads [tool.mypy] of pyproject.toml, as `make typecheck` does
    paths = [str(p.relative_to(ROOT)) for p in sources()]
    temp = str(ROOT / "build" / "compiled")
    setup(
        name="avatar_data_generator_compiled",
        package_dir={"": "src"},
        ext_modules=mypycify(paths, opt_level="3", group_name=GROUP, target_dir=temp),
        script_args=["--quiet", "build_ext", "--inplace", "--build-temp", temp],
    )
    for path in built():  # the copy keeps the build's times; a module left unchanged is older
        os.utime(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
