"""What the templates say about one person: slot values, what they lack, family, role emoji."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from avatar_data_generator.generation.bios import decor, romance
from avatar_data_generator.generation.bios.lexicon import NEEDS, Lexicon, lexicon, shared
from avatar_data_generator.generation.bios.recipes import PREFIX, SUFFIX
from avatar_data_generator.generation.bios.slots import MEMO_MAX, Slots
from avatar_data_generator.generation.population import (
    PersonFacts,
    education_label,
    interest_name,
    life_stage_label,
    occupation_title,
    trait_words,
)
from avatar_data_generator.generation.population.draw import Rand, bisect_floats
from avatar_data_generator.generation.population.text import fold

_SHOWN_EDUCATION = frozenset(
    ("upper_secondary", "post_secondary", "short_tertiary", "bachelor", "master", "doctorate")
)
_TERTIARY = frozenset(("short_tertiary", "bachelor", "master", "doctorate"))
_WORKED = frozenset(("employed", "retired_job"))
_ITEMS = ("i1", "i2", "i3")
_LISTED = (("i1", "i2"), ("i1", "i2", "i3"))
_NO_FIELD, _NO_SUBJECT, _NO_YEARS = NEEDS["field"], NEEDS["subject"], NEEDS["years"]
_NO_EDU, _NO_REGION, _NO_PARENT = NEEDS["edu"], NEEDS["region"], NEEDS["parent"]
_ROLE_SLOTS = frozenset(("job", "stage", "field"))
_S0, _S1, _S2 = (SUFFIX + str(k) for k in range(3))
_P0, _P1, _P2 = (PREFIX + str(k) for k in range(3))


# init=False: mypyc compiles a written __init__ and leaves a dataclass's generated one to
# Python (five times as slow for each object, one per persona).
@dataclass(slots=True, init=False)
class Person:
    """One person as the bio writer sees them."""

    lex: Lexicon
    sex: str
    slots: Slots
    stage: str  # a key of lexicon.STAGE_KEYS
    lacks: int
    family: str | None
    keys: tuple[str, ...]  # interest keys, the mentioned ones first
    field: str | None
    marks: tuple[str, str, str]  # emoji of the role, the first interest, the family line
    tags: list[str]  # hashtags of the first three interests
    field_tag: str | None  # the field's hashtag (LinkedIn), if the person has a field
    saves: tuple[int, int, int]  # what each of `marks` takes off the length (one grapheme)

    def __init__(
        self,
        lex: Lexicon,
        sex: str,
        slots: Slots,
        stage: str,
        lacks: int,
        family: str | None,
        keys: tuple[str, ...],
        field: str | None,
        marks: tuple[str, str, str],
        tags: list[str],
        field_tag: str | None,
        saves: tuple[int, int, int],
    ) -> None:
        self.lex = lex
        self.sex = sex
        self.slots = slots
        self.stage = stage
        self.lacks = lacks
        self.family = family
        self.keys = keys
        self.field = field
        self.marks = marks
        self.tags = tags
        self.field_tag = field_tag
        self.saves = saves


def _tags(tag: str, keys: tuple[str, ...]) -> list[str]:
    """The hashtags of up to three interests (a memo of a person's three was rarely hit: their
    orders and mixes hardly recur; decor.interest_tag keeps each one)."""
    return [t for t in (decor.interest_tag(k, tag) for k in keys) if t]


@lru_cache(maxsize=1)
def _field_of() -> dict[str, str]:
    """Occupation key -> field key."""
    return {occ: f for f, occs in shared()["field_of"].items() for occ in occs}


@lru_cache(maxsize=4096)
def _echoes(field: str, job: str) -> bool:
    """Whether a job title already names its field ('marketing specialist', 'marketing')."""
    return fold(field)[:5] in fold(job)


def _years(facts: PersonFacts, stage: str) -> int:
    """Years in work (0 when not worth saying), rounded down to fives from ten."""
    start = 24 if facts.education_level in _TERTIARY else 19
    end = min(facts.age, 65) if stage == "retired_job" else facts.age
    years = end - start
    if years < 2 or stage not in _WORKED:
        return 0
    return years - years % 5 if years >= 10 else years


_FAMILIES: dict[tuple[int, str, bool], tuple[tuple[float, ...], tuple[str, ...]]] = {}


def _family_table(age: int, stage: str, pets: bool) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """The family lines that fit an age and stage, with their cumulative chances."""
    memo = (age, stage, pets)
    got = _FAMILIES.get(memo)
    if got is not None:
        return got
    options: list[tuple[str, float]] = []
    if stage not in ("pupil", "student"):
        if 24 <= age <= 42:
            options.append(("baby", 0.1))
        if 27 <= age <= 62:
            options.append(("kids", 0.55 if stage == "homemaker" else 0.3))
        if age >= 58:
            options.append(("grandkids", 0.45))
        if stage == "homemaker":
            options.append(("home", 0.25))
    if pets:
        options.append(("pets", 0.4))
    cum, run = [], 0.0
    for _, weight in options:
        run += weight
        cum.append(run)
    got = _FAMILIES[memo] = (tuple(cum), tuple(name for name, _ in options))
    return got


def _subject(keys: tuple[str, ...], rand: Rand) -> str:
    """A study subject, often one that matches an interest."""
    table = shared()
    aligned = [table["subject_of"][k] for k in keys if k in table["subject_of"]]
    u = rand()
    if aligned and u < 0.5:
        return str(aligned[int(u * 2 * len(aligned))])
    subjects = table["subjects"]
    return str(subjects[int(rand() * len(subjects))])


def forms(lex: Lexicon, slot: str, value: str, code: str | None) -> dict[str, str]:
    """A slot's value with every form the templates ask for it by, their reader keys and the
    ends of sentences after them ('city', 'city@a', '~city', '\x02city'), made once per value
    (cached per lexicon)."""
    memo = (slot, value, code)
    got: dict[str, str] | None = lex.forms.get(memo)
    if got is not None:
        return got
    made = Slots(lex.lang, {slot: code}, (), lex.end)
    made[slot] = value
    for name in lex.groups.get(slot, ()):
        try:
            made[name]
        except (ValueError, KeyError):
            continue  # left to fail (or not) where a template asks for it
    for name in list(made):
        made["~" + name]
    if len(lex.forms) >= MEMO_MAX:
        lex.forms.clear()
    got = lex.forms[memo] = dict(made)
    return got


Role = tuple[str | None, str | None, str, dict[str, str], dict[str, str | None], str | None]


@lru_cache(maxsize=65536)
def _role(tag: str, sex: str, occupation_key: str, life_stage: str, stage: str, age: int) -> Role:
    """Field key and name, the role's emoji, and the job, stage and field slots (in all their
    forms) with their article codes, of one kind of person (cached: few kinds)."""
    lex = lexicon(tag, sex)
    lang = lex.lang
    label = life_stage_label(life_stage, tag, sex, age)
    job = occupation_title(occupation_key, tag, sex) if stage in _WORKED else label
    code = romance.job_code(lang, job, sex) if lang in romance.LANGS else None
    field = _field_of().get(occupation_key)
    name = field_code = None
    if field is not None and field in lex.fields and not _echoes(lex.fields[field][0], job):
        name, field_code = lex.fields[field]
    else:
        field = None
    emoji = shared()["emoji"]
    if field is not None and stage == "employed":
        role = emoji["field"].get(field, "")
    else:
        role = emoji["stage"].get("retired" if stage == "retired_job" else stage, "")
    codes: dict[str, str | None] = {"job": code}
    slots = {**forms(lex, "job", job, code), **forms(lex, "stage", label, None)}
    if name is not None:
        slots.update(forms(lex, "field", name, field_code))
        codes["field"] = field_code
    field_tag = decor.word_tag(name, lang) if name is not None else None
    return field, name, role, slots, codes, field_tag


def person(facts: PersonFacts, tag: str, rand: Rand) -> Person:
    """Draw what the bios of one person will mention (interest order, family, subject)."""
    sex = facts.sex
    lex = lexicon(tag, sex)
    lang = lex.lang
    own = lang == facts.language
    stage = facts.life_stage
    if stage == "retired" and facts.occupation_key != "retired":
        stage = "retired_job"
    keys = facts.interest_keys
    # One uniform: the first interest mentioned, then from what is left (uniform, independent)
    # whether lists name two or three, then the family line.
    x = rand() * len(keys)
    start = int(x)
    x = (x - start) * 2
    listed = _LISTED[int(x)]
    keys = keys[start:] + keys[:start]
    cum, names = _family_table(facts.age, stage, "pets" in keys)
    i = bisect_floats(cum, x - int(x))
    family = names[i] if i < len(names) else None
    age = facts.age if facts.life_stage == "pupil" else 30  # only a pupil's word depends on age
    field, field_name, role, role_slots, role_codes, field_tag = _role(
        tag, sex, facts.occupation_key, facts.life_stage, stage, age
    )
    codes = role_codes.copy()
    slots = Slots(lang, codes, listed, lex.end)
    slots.update(role_slots)
    articles = lex.articles
    interests = facts.interests[start:] + facts.interests[:start] if own else ()
    items = lex.groups.get("i2") and len(keys)  # whether i2 and i3 have forms of their own
    for i, key in enumerate(keys[:3]):
        slot = _ITEMS[i]
        name = interests[i] if own else interest_name(key, tag)
        code = codes[slot] = articles.get(key)
        if i == 0 or items:
            slots.update(forms(lex, slot, name, code))
        else:
            slots[slot] = name
    lacks = 0 if field_name is not None else _NO_FIELD
    if stage == "student":
        subject, code = lex.subjects[_subject(keys, rand)]
        codes["subject"] = code
        slots.update(forms(lex, "subject", subject, code))
    else:
        lacks |= _NO_SUBJECT
    years = _years(facts, stage)
    if years:
        slots["years"] = slots["~years"] = str(years)  # digits read as they are
    else:
        lacks |= _NO_YEARS
    if facts.education_level in _SHOWN_EDUCATION and stage != "pupil":
        slots.update(forms(lex, "edu", education_label(facts.education_level, tag), None))
    else:
        lacks |= _NO_EDU
    city, region = facts.city, facts.region
    slots.update(forms(lex, "city", city, None))
    if region and region not in city and city not in region:
        slots.update(forms(lex, "region", region, None))
    else:
        lacks |= _NO_REGION
    slots["name"] = facts.first_name
    if 20 <= facts.age <= 55:
        slots["parent"] = ""
    else:
        lacks |= _NO_PARENT
    trait = facts.personality if own else trait_words(facts.big_five, tag, sex)
    slots.update(forms(lex, "trait", trait, None))
    likes = decor.interest_emoji(keys[0])
    home = decor.family_emoji(family, sex) if family else ""
    # The emoji as the recipes' slots write them: after (s) or before (p) a line.
    esp = lex.esp
    slots[_S0], slots[_P0] = (esp + role, role + esp) if role else ("", "")
    slots[_S1], slots[_P1] = (esp + likes, likes + esp) if likes else ("", "")
    slots[_S2], slots[_P2] = (esp + home, home + esp) if home else ("", "")
    saves = (len(role) - 1 if role else 0, len(likes) - 1 if likes else 0,
             len(home) - 1 if home else 0)  # fmt: skip
    return Person(
        lex, sex, slots, stage, lacks, family, keys, field, (role, likes, home),
        _tags(tag, keys[:3]), field_tag, saves,
    )  # fmt: skip
