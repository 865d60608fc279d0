"""write_bios: one person's bios for the enabled platforms, in a language, from one rand()."""

from __future__ import annotations

from avatar_data_generator.generation.bios import decor
from avatar_data_generator.generation.bios.fitting import BAR, SENT, fit, fits, prepare
from avatar_data_generator.generation.bios.person import Person, person
from avatar_data_generator.generation.bios.platforms import Read, Tags, build
from avatar_data_generator.generation.bios.recipes import TAGS, Plan, plan
from avatar_data_generator.generation.bios.spec import BioSpec, resolve_lang
from avatar_data_generator.generation.population import PersonFacts
from avatar_data_generator.generation.population.draw import Rand

_LINKEDIN_EMOJI_TONES = frozenset(("casual", "witty"))
_DRAWN = -1  # emoji style drawn per bio: 1 (one per line, 60 %) or 2 (after the first line)
# Per platform of a spec: (platform, limit, emoji style or _DRAWN, fewest tags, tag span, the
# product of the counts a build draws before the core: see platforms.build).
Program = tuple[tuple[str, int, int, int, int, int], ...]
_PROGRAMS: dict[BioSpec, Program] = {}
_LAST: list[tuple[BioSpec, Program, tuple[str, ...]]] = []  # a batch passes one spec throughout
_NONE = Tags([])


def _program(spec: BioSpec) -> Program:
    """What each platform of a spec draws besides its lines (cached per spec)."""
    got = _PROGRAMS.get(spec)
    if got is not None:
        return got
    out = []
    pool = len(decor.tone_emoji(spec.tone))
    for platform, limit in spec.platforms:
        style = 0
        if spec.emoji:
            if platform == "linkedin":
                style = 2 if spec.tone in _LINKEDIN_EMOJI_TONES else 0
            elif platform in ("instagram", "tiktok"):
                style = _DRAWN
            else:
                style = 2
        low, high = TAGS[platform] if spec.hashtags else (0, -1)
        span = high - low + 1
        extra = (5 if style == _DRAWN else 1) * (span if span > 0 else 1) * pool
        out.append((platform, limit, style, low, span, extra))
    if len(_PROGRAMS) > 1024:
        _PROGRAMS.clear()
    got = _PROGRAMS[spec] = tuple(out)
    return got


def _plans(p: Person, tone: str, platforms: tuple[str, ...]) -> tuple[Plan, ...]:
    """The compiled recipes of each platform for this kind of person (cached per lexicon)."""
    lex = p.lex
    memo = (platforms, p.stage, tone, p.family, p.lacks)
    got: tuple[Plan, ...] | None = lex.plansets.get(memo)
    if got is None:
        got = lex.plansets[memo] = tuple(
            plan(lex, platform, p.stage, tone, p.family, p.lacks) for platform in platforms
        )
    return got


def _smallest(p: Person, limit: int, done: list[str], offset: int) -> str:
    """The last resort for tiny limits: a role, a place, an interest or a greeting."""
    s = p.slots
    words = [s["Job"], s["Stage"], s["city"], s["I1"], *(t for t, _ in p.lex.usable("min", 0))]
    fitting = [w for w in words if fits(w, limit)]
    for k in range(len(fitting)):
        w = fitting[(k + offset) % len(fitting)]
        if not decor.taken(decor.reader_key(w), done):
            return w
    return min(fitting or words, key=len) if fitting else ""


def _rescue(
    step: tuple[str, int, int, int, int, int], recipes: Plan, p: Person, pool: tuple[str, ...],
    rand: Rand, seen: Read, done: list[str], tags: Tags,
) -> str:  # fmt: skip
    """A bio whose lines were too long even without the others: the core alone (a template of
    it other bios do not read like), another draw, or the smallest thing that fits."""
    platform, limit, style_of, low, span, extra = step
    keys = [decor.reader_key(b) for b in done]
    mode = SENT if platform in ("x", "facebook") else BAR
    for attempt in range(2):
        if attempt:
            text = build(recipes, p, pool, rand, seen, style_of, span, low, extra, tags, limit)
            if text is not None:
                return text
        core, core_emoji, style, ntags = seen.failed
        for template, _ in core:
            alone, joiner = prepare(p.lex, mode, [template.format_map(p.slots)], " | ")
            text = fit(p.lex, mode, alone, [core_emoji], [0], joiner, style, tags.tags[:ntags],
                       limit)  # fmt: skip
            if text is not None and not decor.taken(decor.reader_key(text), keys):
                return text
    return _smallest(p, limit, keys, len(done))


def write_bios(facts: PersonFacts, spec: BioSpec, lang: str | None, rand: Rand) -> dict[str, str]:
    """Bios for `spec.platforms` in `lang` (a tag such as 'de' or 'pt-BR'; None: the persona's).

    Every draw comes from `rand`, so the same sequence gives the same bios. Distinct cores keep
    bios apart; the bios themselves are compared only on the rare paths that replace the core.
    """
    last = _LAST[0] if _LAST else None  # read once: worker threads replace it concurrently
    if last is not None and last[0] is spec:
        program, platforms = last[1], last[2]
    else:
        program = _program(spec)
        platforms = tuple(step[0] for step in program)
        _LAST[:] = [(spec, program, platforms)]
    tag = resolve_lang(lang, facts.language, facts.country_code)
    p = person(facts, tag, rand)
    pool = decor.tone_emoji(spec.tone)
    seen = Read()  # the cores already written, as a reader compares them
    tags = Tags(p.tags) if spec.hashtags else _NONE
    lead = tags.led_by(p.field_tag) if spec.hashtags and p.field_tag is not None else tags
    out: dict[str, str] = {}
    done: list[str] = []
    for step, recipes in zip(program, _plans(p, spec.tone, platforms), strict=True):
        platform, limit, style, low, span, extra = step
        these = lead if platform == "linkedin" else tags  # LinkedIn: the field's tag first
        text = build(recipes, p, pool, rand, seen, style, span, low, extra, these, limit)
        if text is None:
            text = _rescue(step, recipes, p, pool, rand, seen, done, these)
        out[platform] = text
        done.append(text)
    return out
