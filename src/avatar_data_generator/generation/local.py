"""The offline generator: Mimesis locale data, sampled fast and reproducibly with a seed.

Facts are drawn so they agree with each other: the gender from the settings' mix, a first name
of that gender, a surname of that gender where the language has them, a birth date inside the
age range, a city of the country. Bios are composed from short phrases in the settings' tone and
language and stop before each platform's limit.
"""

from __future__ import annotations

import json
import random
import unicodedata
from bisect import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS, gender_weights

MODEL = "local-mimesis-1"

#: Mimesis locale -> (country, nationality) in English.
COUNTRIES: dict[str, tuple[str, str]] = {
    "ar-ae": ("United Arab Emirates", "Emirati"),
    "ar-dz": ("Algeria", "Algerian"),
    "ar-eg": ("Egypt", "Egyptian"),
    "ar-jo": ("Jordan", "Jordanian"),
    "ar-kw": ("Kuwait", "Kuwaiti"),
    "ar-ma": ("Morocco", "Moroccan"),
    "ar-om": ("Oman", "Omani"),
    "ar-qa": ("Qatar", "Qatari"),
    "ar-sa": ("Saudi Arabia", "Saudi"),
    "ar-sy": ("Syria", "Syrian"),
    "ar-tn": ("Tunisia", "Tunisian"),
    "ar-ye": ("Yemen", "Yemeni"),
    "az": ("Azerbaijan", "Azerbaijani"),
    "cs": ("Czech Republic", "Czech"),
    "da": ("Denmark", "Danish"),
    "de": ("Germany", "German"),
    "de-at": ("Austria", "Austrian"),
    "de-ch": ("Switzerland", "Swiss"),
    "el": ("Greece", "Greek"),
    "en": ("United States", "American"),
    "en-au": ("Australia", "Australian"),
    "en-ca": ("Canada", "Canadian"),
    "en-gb": ("United Kingdom", "British"),
    "es": ("Spain", "Spanish"),
    "es-mx": ("Mexico", "Mexican"),
    "et": ("Estonia", "Estonian"),
    "fa": ("Iran", "Iranian"),
    "fi": ("Finland", "Finnish"),
    "fr": ("France", "French"),
    "hr": ("Croatia", "Croatian"),
    "hu": ("Hungary", "Hungarian"),
    "is": ("Iceland", "Icelandic"),
    "it": ("Italy", "Italian"),
    "ja": ("Japan", "Japanese"),
    "kk": ("Kazakhstan", "Kazakh"),
    "ko": ("South Korea", "South Korean"),
    "nl": ("Netherlands", "Dutch"),
    "nl-be": ("Belgium", "Belgian"),
    "no": ("Norway", "Norwegian"),
    "pl": ("Poland", "Polish"),
    "pt": ("Portugal", "Portuguese"),
    "pt-br": ("Brazil", "Brazilian"),
    "ru": ("Russia", "Russian"),
    "sk": ("Slovakia", "Slovak"),
    "sv": ("Sweden", "Swedish"),
    "tr": ("Turkey", "Turkish"),
    "uk": ("Ukraine", "Ukrainian"),
    "zh": ("China", "Chinese"),
}
_COUNTRY_ALIASES = {
    "usa": "en",
    "us": "en",
    "united states of america": "en",
    "america": "en",
    "uk": "en-gb",
    "great britain": "en-gb",
    "england": "en-gb",
    "scotland": "en-gb",
    "wales": "en-gb",
    "britain": "en-gb",
    "korea": "ko",
    "republic of korea": "ko",
    "türkiye": "tr",
    "turkiye": "tr",
    "czechia": "cs",
    "uae": "ar-ae",
    "holland": "nl",
    "deutschland": "de",
    "españa": "es",
    "brasil": "pt-br",
    "méxico": "es-mx",
    "österreich": "de-at",
    "schweiz": "de-ch",
    "suisse": "de-ch",
}
_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdezijklmnoprstufye", strict=True)),
        "ё": "e", "ж": "zh", "\u0445": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
        "ъ": "", "ь": "", "ю": "yu", "я": "ya", "\u0456": "i", "ї": "yi", "є": "ye", "ґ": "g",
        "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "\u04af": "u", "\u04bb": "h",
        **dict(zip("αβγδεζηικλμνξοπρσςτυφω", "abgdeziiklmnxoprsstyfo", strict=True)),
        "θ": "th", "χ": "ch", "ψ": "ps", "ß": "ss", "æ": "ae", "ø": "o", "å": "a",
        "ð": "d", "þ": "th", "ł": "l", "đ": "d", "\u0131": "i",
    }
)  # fmt: skip

INTERESTS = (
    "hiking", "photography", "cooking", "chess", "cycling", "gardening", "jazz", "yoga",
    "board games", "running", "baking", "travel", "podcasts", "birdwatching", "climbing",
    "painting", "poetry", "coffee", "sci-fi", "football", "basketball", "tennis", "swimming",
    "pottery", "knitting", "vinyl records", "film", "theatre", "volunteering", "coding",
    "astronomy", "history", "languages", "surfing", "skiing", "camping", "fishing", "dance",
    "street food", "architecture", "design", "robotics", "sustainability", "fashion",
    "video games", "karaoke", "meditation", "mountain biking", "sailing", "tea",
)  # fmt: skip
TRAITS = (
    "curious", "patient", "outgoing", "thoughtful", "ambitious", "easygoing", "witty",
    "organised", "creative", "pragmatic", "warm", "analytical", "adventurous", "calm",
    "loyal", "optimistic", "direct", "empathetic", "playful", "reserved", "meticulous",
    "spontaneous", "generous", "determined",
)  # fmt: skip
#: Interests and traits in the bio languages other than English, index for index.
_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": (
        ("Wandern", "Fotografie", "Kochen", "Schach", "Radfahren", "Gärtnern", "Jazz", "Yoga",
         "Brettspiele", "Laufen", "Backen", "Reisen", "Podcasts", "Vogelbeobachtung", "Klettern",
         "Malen", "Lyrik", "Kaffee", "Science-Fiction", "Fußball", "Basketball", "Tennis",
         "Schwimmen", "Töpfern", "Stricken", "Schallplatten", "Film", "Theater", "Ehrenamt",
         "Programmieren", "Astronomie", "Geschichte", "Sprachen", "Surfen", "Skifahren", "Camping",
         "Angeln", "Tanzen", "Streetfood", "Architektur", "Design", "Robotik", "Nachhaltigkeit",
         "Mode", "Videospiele", "Karaoke", "Meditation", "Mountainbiken", "Segeln", "Tee"),
        ("neugierig", "geduldig", "kontaktfreudig", "nachdenklich", "ehrgeizig", "gelassen",
         "witzig", "organisiert", "kreativ", "pragmatisch", "herzlich", "analytisch",
         "abenteuerlustig", "ruhig", "loyal", "optimistisch", "direkt", "einfühlsam", "verspielt",
         "zurückhaltend", "gewissenhaft", "spontan", "großzügig", "entschlossen"),
    ),
    "fr": (
        ("randonnée", "photographie", "cuisine", "échecs", "vélo", "jardinage", "jazz", "yoga",
         "jeux de société", "course à pied", "pâtisserie", "voyages", "podcasts",
         "ornithologie", "escalade", "peinture", "poésie", "café", "science-fiction", "football",
         "basket", "tennis", "natation", "poterie", "tricot", "vinyles", "cinéma", "théâtre",
         "bénévolat", "code", "astronomie", "histoire", "langues", "surf", "ski", "camping",
         "pêche", "danse", "street food", "architecture", "design", "robotique",
         "développement durable", "mode", "jeux vidéo", "karaoké", "méditation", "VTT", "voile",
         "thé"),
        ("curieux", "patient", "sociable", "réfléchi", "ambitieux", "détendu", "drôle",
         "organisé", "créatif", "pragmatique", "chaleureux", "analytique", "aventurier", "calme",
         "loyal", "optimiste", "direct", "empathique", "joueur", "réservé", "minutieux",
         "spontané", "généreux", "déterminé"),
    ),
    "es": (
        ("senderismo", "fotografía", "cocina", "ajedrez", "ciclismo", "jardinería", "jazz", "yoga",
         "juegos de mesa", "correr", "repostería", "viajes", "pódcasts", "observar aves",
         "escalada", "pintura", "poesía", "café", "ciencia ficción", "fútbol", "baloncesto",
         "tenis", "natación", "cerámica", "tejer", "vinilos", "cine", "teatro", "voluntariado",
         "programación", "astronomía", "historia", "idiomas", "surf", "esquí", "acampada", "pesca",
         "baile", "comida callejera", "arquitectura", "diseño", "robótica", "sostenibilidad",
         "moda", "videojuegos", "karaoke", "meditación", "bici de montaña", "vela", "té"),
        ("curioso", "paciente", "extrovertido", "reflexivo", "ambicioso", "tranquilo", "ingenioso",
         "organizado", "creativo", "pragmático", "cálido", "analítico", "aventurero", "sereno",
         "leal", "optimista", "directo", "empático", "juguetón", "reservado", "meticuloso",
         "espontáneo", "generoso", "decidido"),
    ),
}  # fmt: skip
_AND = {"en": "and", "de": "und", "fr": "et", "es": "y"}
EMOJI = ("✨", "🌿", "☕", "📚", "🎧", "🚲", "🌍", "📷", "🎨", "🏃", "🍳", "🎸", "🌊", "⛰", "💡")

#: language -> tone -> headline templates; {o} occupation, {c} city, {i} first interest.
_HEADLINES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "friendly": ("Hi, I'm {f}! {o} in {c}.", "{o} from {c} who loves {i}."),
        "professional": ("{o} based in {c}.", "{o} | {c}"),
        "playful": ("{o} by day, {i} fanatic by night.", "Part-time {i} addict, full-time {o}."),
        "inspirational": ("Building a better {c}, one day at a time.", "{o} chasing big dreams."),
        "casual": ("{o}. {c}. {i}.", "just a {o} into {i}"),
        "witty": ("{o}. Opinions mine, typos too.", "Professional {o}, amateur {i} critic."),
    },
    "de": {
        "friendly": ("Hallo, ich bin {f}! {o} in {c}.", "{o} aus {c}, liebt {i}."),
        "professional": ("{o} mit Sitz in {c}.", "{o} | {c}"),
        "playful": ("Tagsüber {o}, nachts {i}-Fan.", "{o} mit Hang zu {i}."),
        "inspirational": ("Jeden Tag ein bisschen besser.", "{o} mit großen Träumen."),
        "casual": ("{o}. {c}. {i}.", "einfach {o} und {i}"),
        "witty": ("{o}. Meinungen meine, Tippfehler auch.", "Profi-{o}, Hobby-{i}-Kritiker."),
    },
    "fr": {
        "friendly": ("Salut, moi c'est {f} ! {o} à {c}.", "{o} de {c}, fan de {i}."),
        "professional": ("{o} basé·e à {c}.", "{o} | {c}"),
        "playful": ("{o} le jour, fan de {i} la nuit.", "{o} accro à {i}."),
        "inspirational": ("Un pas après l'autre.", "{o} aux grands rêves."),
        "casual": ("{o}. {c}. {i}.", "juste un·e {o} qui aime {i}"),
        "witty": ("{o}. Avis perso, fautes aussi.", "{o} pro, critique de {i} amateur."),
    },
    "es": {
        "friendly": ("¡Hola, soy {f}! {o} en {c}.", "{o} de {c}, amante de {i}."),
        "professional": ("{o} en {c}.", "{o} | {c}"),
        "playful": ("{o} de día, fan de {i} de noche.", "{o} adicto al {i}."),
        "inspirational": ("Paso a paso, cada día mejor.", "{o} con grandes sueños."),
        "casual": ("{o}. {c}. {i}.", "solo un {o} que ama {i}"),
        "witty": ("{o}. Opiniones mías, erratas también.", "{o} profesional, crítico de {i}."),
    },
}
_INTO = {"en": "Into {a}, {b} and {d}.", "de": "Mag {a}, {b} und {d}.",
         "fr": "J'aime {a}, {b} et {d}.", "es": "Me gusta {a}, {b} y {d}."}  # fmt: skip
_TONE_ALIASES = {"humorous": "witty", "funny": "witty", "formal": "professional",
                 "warm": "friendly", "fun": "playful", "motivational": "inspirational",
                 "relaxed": "casual"}  # fmt: skip


def _ascii(name: str) -> str:
    """A lower-case ASCII handle part: transliterate Cyrillic/Greek, drop accents and the rest."""
    folded = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLIT))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


@dataclass(frozen=True)
class Place:
    """Everything sampled for people of one locale: names (with ASCII forms), cities, jobs."""

    locale: str
    country: str
    nationality: str
    female: tuple[tuple[str, str], ...]
    male: tuple[tuple[str, str], ...]
    surnames_female: tuple[tuple[str, str], ...]
    surnames_male: tuple[tuple[str, str], ...]
    cities: tuple[str, ...]
    occupations: tuple[str, ...]
    degrees: tuple[str, ...]
    universities: tuple[str, ...]


def _dataset(locale: str, name: str) -> dict[str, Any]:
    """A Mimesis dataset with gaps filled from the base language, then English."""
    root = files("mimesis") / "datasets"
    merged: dict[str, Any] = {}
    for code in dict.fromkeys(["en", locale.split("-")[0], locale]):
        path = root / code / f"{name}.json"
        if path.is_file():
            merged.update(json.loads(path.read_text("utf-8")))
    return merged


def _names(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for value in values:
        value = " ".join(str(value).split())
        if value:
            out.append((value, _ascii(value)))
    return tuple(out)


@lru_cache(maxsize=64)
def place_for(locale: str) -> Place:
    """The sampling data of one Mimesis locale, loaded once per process."""
    person = _dataset(locale, "person")
    address = _dataset(locale, "address")
    surnames = person["surnames"]
    if isinstance(surnames, dict):
        female_s, male_s = surnames.get("female") or [], surnames.get("male") or []
    else:
        female_s = male_s = surnames
    country, nationality = COUNTRIES.get(locale, ("United States", "American"))
    return Place(
        locale=locale,
        country=country,
        nationality=nationality,
        female=_names(person["names"]["female"]),
        male=_names(person["names"]["male"]),
        surnames_female=_names(female_s),
        surnames_male=_names(male_s),
        cities=tuple(c.strip() for c in address["city"] if c.strip()),
        occupations=tuple(o.strip() for o in person["occupation"] if o.strip()),
        degrees=tuple(person["academic_degree"]),
        universities=tuple(u.strip() for u in person["university"] if u.strip()),
    )


def resolve_locale(tag: str | None) -> str:
    """The Mimesis locale for a language tag such as en, en-GB, pt_BR or de-DE."""
    code = (tag or "en").strip().lower().replace("_", "-")
    if code in COUNTRIES:
        return code
    base = code.split("-")[0]
    return base if base in COUNTRIES else "en"


def locale_of_country(name: str) -> str | None:
    """The Mimesis locale of a country named in English (or a common alias), if known."""
    key = name.strip().casefold()
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    for code, (country, _) in COUNTRIES.items():
        if country.casefold() == key:
            return code
    return None


@dataclass(frozen=True)
class _Home:
    place: Place
    country: str
    nationality: str


@lru_cache(maxsize=256)
def _homes(locale: str, countries: tuple[str, ...]) -> tuple[_Home, ...]:
    """Where personas live: the settings' countries (unknown ones keep the locale's data)."""
    if not countries:
        place = place_for(locale)
        return (_Home(place, place.country, place.nationality),)
    homes = []
    for country in countries:
        code = locale_of_country(country)
        if code is not None:
            place = place_for(code)
            homes.append(_Home(place, place.country, place.nationality))
        else:
            homes.append(_Home(place_for(locale), country, country))
    return tuple(homes)


def _birth_range(age_min: int, age_max: int, today: date) -> tuple[int, int]:
    """Ordinal days of the earliest and latest birth dates giving an age in the range."""

    def years_ago(n: int) -> date:
        try:
            return today.replace(year=today.year - n)
        except ValueError:  # 29 February
            return today.replace(year=today.year - n, day=28)

    earliest = years_ago(age_max + 1) + timedelta(days=1)
    latest = years_ago(age_min)
    return earliest.toordinal(), latest.toordinal()


def _fit(pieces: Sequence[str], limit: int) -> str:
    """Join pieces with spaces, skipping any that would pass `limit` code points.

    A code point count is never below the grapheme count, so the result is within the limit.
    """
    out = ""
    for piece in pieces:
        candidate = f"{out} {piece}" if out else piece
        if len(candidate) <= limit:
            out = candidate
    return out


class LocalProvider:
    """Personas sampled locally; no network. Same seed and settings, same bytes (same day)."""

    name = "local"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        # Nothing to open: locale data loads lazily and is cached per process.
        self.settings = settings

    def provenance(self) -> dict[str, Any]:
        """Identify this generator."""
        return {"provider": self.name, "model": MODEL, "prompt_version": "local-1"}

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """Sample `request.count` complete personas."""
        return ProviderResponse(items=self.sample(request), model=MODEL)

    def sample(self, request: BatchRequest, today: date | None = None) -> list[dict[str, Any]]:
        """The personas of one batch as plain dicts."""
        s = request.bio_settings or {}
        rng = random.Random(request.seed)
        r = rng.random
        today = today or date.today()
        homes = _homes(resolve_locale(request.locale), tuple(s.get("countries") or ()))
        weights = gender_weights(s) or [("female", 0.5), ("male", 0.5)]
        cumulative, total = [], 0.0
        for _, w in weights:
            total += w
            cumulative.append(total)
        cumulative[-1] = 1.0
        genders = [g for g, _ in weights]
        lo, hi = _birth_range(int(s.get("age_min", 18)), int(s.get("age_max", 70)), today)
        span = hi - lo + 1
        platforms = s.get("platforms")
        limits = list((platforms if isinstance(platforms, dict) else PLATFORM_LIMITS).items())
        language = str(s.get("language") or "en").lower().replace("_", "-").split("-")[0]
        lang = language if language in _HEADLINES else "en"
        tone = str(s.get("tone") or "friendly").strip().lower()
        tone = _TONE_ALIASES.get(tone, tone)
        headlines = _HEADLINES[lang].get(tone) or _HEADLINES[lang]["friendly"]
        into = _INTO[lang]
        interest_words, trait_words = _WORDS.get(lang, (INTERESTS, TRAITS))
        and_word = _AND[lang]
        emoji_ok, tags_ok = bool(s.get("emoji", True)), bool(s.get("hashtags", True))
        n_home, n_interest, n_trait = len(homes), len(INTERESTS), len(TRAITS)
        fromordinal = date.fromordinal
        out: list[dict[str, Any]] = []
        for _ in range(request.count):
            home = homes[int(r() * n_home)] if n_home > 1 else homes[0]
            place = home.place
            gender = genders[bisect(cumulative, r())] if len(genders) > 1 else genders[0]
            if gender == "female" or (gender == "non-binary" and r() < 0.5):
                firsts, lasts = place.female, place.surnames_female
            else:
                firsts, lasts = place.male, place.surnames_male
            first, first_a = firsts[int(r() * len(firsts))]
            last, last_a = lasts[int(r() * len(lasts))]
            dob = fromordinal(lo + int(r() * span))
            city = place.cities[int(r() * len(place.cities))]
            occupation = place.occupations[int(r() * len(place.occupations))]
            i0 = int(r() * n_interest)
            interests = [interest_words[i0],
                         interest_words[(i0 + 1 + int(r() * 16)) % n_interest],
                         interest_words[(i0 + 17 + int(r() * 16)) % n_interest]]  # fmt: skip
            t0 = int(r() * n_trait)
            trait_a = trait_words[t0]
            trait_b = trait_words[(t0 + 1 + int(r() * (n_trait - 1))) % n_trait]
            if first_a and last_a:
                number = 10 + int(r() * 9990)
                handle = f"{first_a}{'._'[int(r() * 2)]}{last_a}{number}"
                email = f"{first_a}.{last_a}{number}@example.com"
            else:  # a script without a transliteration here: a longer number keeps them apart
                number = 100000 + int(r() * 9900000)
                handle = f"{first_a or last_a or 'user'}{number}"
                email = f"{handle}@example.com"
            headline = headlines[int(r() * len(headlines))].format(
                f=first, o=occupation, c=city, i=interests[0]
            )
            about = into.format(a=interests[0], b=interests[1], d=interests[2])
            mood = f"{trait_a.capitalize()}, {trait_b}."
            pieces = [headline, about, mood]
            if emoji_ok:
                pieces.append(EMOJI[int(r() * len(EMOJI))])
            if tags_ok:
                pieces.append(
                    " ".join("#" + t.replace(" ", "").replace("-", "") for t in interests[:2])
                )
            bios = {}
            for platform, limit in limits:
                if platform == "linkedin":
                    bios[platform] = _fit([headline, about, mood], limit)
                elif platform == "tiktok":
                    bios[platform] = _fit([pieces[0], *pieces[3:], about], limit)
                else:
                    bios[platform] = _fit(pieces, limit)
            out.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "gender": gender,
                    "date_of_birth": dob.isoformat(),
                    "country": home.country,
                    "city": city,
                    "nationality": home.nationality,
                    "occupation": occupation,
                    "education": (
                        f"{place.degrees[int(r() * len(place.degrees))]}, "
                        f"{place.universities[int(r() * len(place.universities))]}"
                    ),
                    "interests": interests,
                    "personality": f"{trait_a} {and_word} {trait_b}",
                    "username": handle,
                    "email": email,
                    "bios": bios,
                }
            )
        return out
