"""Variety is measured: distinct template skeletons per platform, and determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from avatar_data_generator.generation.bios import BioSpec, skeleton
from avatar_data_generator.generation.population import LANGUAGES
from tests.generation.bios.conftest import HOME, bios_of, people

SPEC = BioSpec.make()


def skeletons(lang: str, n: int, spec: BioSpec = SPEC) -> dict[str, int]:
    """Distinct skeletons per platform in the bios of n personas of the language's country."""
    persons = people(HOME[lang], n, seed=5)
    seen: dict[str, set[str]] = defaultdict(set)
    for facts, bios in zip(persons, bios_of(persons, spec), strict=True):
        for platform, bio in bios.items():
            seen[platform].add(skeleton(bio, facts))
    return {p: len(v) for p, v in seen.items()}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_at_least_50_skeletons_per_platform(lang: str) -> None:
    counts = skeletons(lang, 600)
    assert min(counts.values()) >= 50, counts


def test_plain_bios_vary_too() -> None:
    spec = BioSpec.make(emoji=False, hashtags=False, tone="professional")
    counts = skeletons("de", 600, spec)
    assert min(counts.values()) >= 50, counts


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "de", "ja"])
def test_skeletons_in_5000_bios(lang: str) -> None:
    counts = skeletons(lang, 5000)
    assert min(counts.values()) >= 50, counts


def test_skeleton_replaces_the_facts() -> None:
    persons = people("FR", 50)
    for facts, bios in zip(persons, bios_of(persons, SPEC), strict=True):
        for bio in bios.values():
            sk = skeleton(bio, facts)
            assert facts.city not in sk and facts.first_name not in sk
            assert not any(ch.isdigit() for ch in sk)


_SCRIPT = """
import json, random, sys
from avatar_data_generator.generation.bios import BioSpec, write_bios
from tests.generation.bios.conftest import people
rand = random.Random(42).random
out = [write_bios(p, BioSpec.make(), lang, rand) for lang in ("de", "ja", "ar", None)
       for p in people("BR", 30)]
print(json.dumps(out, ensure_ascii=False))
"""


def test_same_seed_same_bios_whatever_the_hash_seed() -> None:
    runs = []
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=True
        )
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert bios_of(people("BR", 5), SPEC) == bios_of(people("BR", 5), SPEC)
