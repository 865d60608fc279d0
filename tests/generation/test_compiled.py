"""The compiled generator (tools/compile_generation.py) and its Python sources give the same
people, bios and realism reports for the same seeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import avatar_data_generator
from avatar_data_generator.generation import local

SRC = Path(avatar_data_generator.__file__).resolve().parents[1]

# Run in a fresh interpreter: prints which file the local provider came from and the JSON of
# seeded batches (several languages, a country mix, small and default age ranges) with their
# realism reports. With argv[1] == "sources", extension modules under src/ are not imported.
PROGRAM = """
import importlib.machinery as m, json, sys
if sys.argv[1] == "sources":
    hook = m.FileFinder.path_hook((m.SourceFileLoader, m.SOURCE_SUFFIXES))
    def only_sources(path, src=sys.argv[2]):
        if path.startswith(src):
            return hook(path)
        raise ImportError(path)
    sys.path_hooks.insert(0, only_sources)
    sys.path_importer_cache.clear()
from datetime import date
from avatar_data_generator.generation import local
from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import default_bio_settings
from avatar_data_generator.generation.population.realism import realism_report
out = []
mixed = {**default_bio_settings(), "countries": ["Japan", "Brazil", "Nigeria", "Poland"]}
for locale, settings, seed, ages in (
    ("en", default_bio_settings(), 7, (18, 80)), ("de", default_bio_settings(), 8, (13, 90)),
    ("ja", default_bio_settings(), 9, (18, 30)), ("en", mixed, 10, (60, 90)),
):
    settings = {**settings, "age_min": ages[0], "age_max": ages[1]}
    request = BatchRequest("t", 0, 60, locale, settings, seed=seed)
    items = local.LocalProvider({}).generate(request).items
    out.append([items, realism_report(items, ages[0], ages[1], date(2026, 12, 1))])
print(json.dumps({"file": local.__file__, "out": out}, sort_keys=True, default=str))
"""


def _run(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode, str(SRC)], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


@pytest.mark.skipif(
    local.__file__ is None or local.__file__.endswith(".py"),
    reason="the generator is not compiled here (COMPILE=0 or no C compiler): nothing to compare",
)
def test_compiled_and_source_modules_give_the_same_bytes() -> None:
    compiled, sources = _run("compiled"), _run("sources")
    assert str(compiled["file"]).endswith(".so")
    assert str(sources["file"]).endswith(".py")
    assert len(json.dumps(compiled["out"])) > 100_000  # 240 personas with their bios and reports
    assert compiled["out"] == sources["out"]


@pytest.mark.skipif(
    local.__file__ is None or local.__file__.endswith(".py"),
    reason="the generator is not compiled here: no build to go stale",
)
def test_an_edited_source_makes_its_build_stale() -> None:
    """An edit after the build (a newer source) is what the suite refuses to run on."""
    import os

    from tools.compile_generation import stale

    source = Path(local.__file__).with_name("local.py")
    before = source.stat()
    assert stale() == []
    try:
        later = Path(str(local.__file__)).stat().st_mtime + 60  # saved after the build
        os.utime(source, (before.st_atime, later))
        assert [Path(p).name for p in stale()] == [Path(str(local.__file__)).name]
    finally:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert stale() == []
