"""Offline bios: each persona's facts written up per platform, in any of the 14 languages.

Pure Python and free of Flask and the database. Phrase tables load lazily, once per process;
every draw comes from one `rand()`, so a seed reproduces the same bios.
"""

from __future__ import annotations

from avatar_data_generator.generation.bios.detect import bio_language
from avatar_data_generator.generation.bios.skeleton import skeleton
from avatar_data_generator.generation.bios.spec import (
    PLATFORMS,
    TONES,
    BioSpec,
    resolve_lang,
    tone_key,
)
from avatar_data_generator.generation.bios.writer import write_bios

__all__ = [
    "PLATFORMS",
    "TONES",
    "BioSpec",
    "bio_language",
    "resolve_lang",
    "skeleton",
    "tone_key",
    "write_bios",
]
