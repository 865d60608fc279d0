"""Bio settings as the writer needs them: platforms and limits, tone, emoji, hashtags, language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from avatar_data_generator.generation.population import LANGUAGES
from avatar_data_generator.generation.population.text import fold

PLATFORMS = ("x", "instagram", "tiktok", "linkedin", "facebook")
TONES = ("friendly", "professional", "casual", "witty", "inspirational")
DEFAULT_LIMITS = {"x": 160, "instagram": 150, "tiktok": 80, "linkedin": 220, "facebook": 101}

# Folded keywords per tone, in the 14 languages and common synonyms; matched as substrings, so
# stems ("profession", "motiv") catch the inflected forms.
_TONE_WORDS: dict[str, tuple[str, ...]] = {
    "professional": (
        "profession", "formal", "serious", "business", "corporate", "expert", "seriös", "sachlich",
        "geschaft", "profesional", "serio", "formel", "serieux", "professionale", "zakelijk",
        "profesjonaln", "formaln", "rzeczow", "profesyonel", "resmi", "ciddi", "プロ", "ビジネス",
        "フォーマル", "丁寧", "真面目", "전문", "비즈니스", "격식", "专业", "正式", "商务", "职业",
        "पेशेवर", "औपचारिक", "व्यावसायिक", "مهني", "احتراف", "رسمي",
    ),
    "witty": (
        "witty", "wit", "humor", "humour", "funny", "fun", "playful", "sarcas", "ironic", "cheeky",
        "joke", "witzig", "lustig", "spaß", "spass", "ironisch", "verspielt", "ingenios", "gracios",
        "divertid", "bromist", "chistos", "engraçad", "engracad", "drole", "humoris", "spirituel",
        "marrant", "ludique", "spirito", "divertent", "scherzos", "grappig", "geestig", "speels",
        "dowcipn", "zabawn", "zartobliw", "komik", "esprili", "eğlenceli", "eglenceli", "mizah",
        "ユーモア", "面白", "おもしろ", "ウィット", "재치", "유머", "재미", "幽默", "风趣", "搞笑",
        "有趣", "मज़ेदार", "मजेदार", "विनोद", "हास्य", "فكاه", "مرح", "ساخر", "ظريف",
    ),
    "inspirational": (
        "inspir", "motivat", "uplift", "empower", "positive", "aspiration", "motivier", "ermutig",
        "motivador", "inspirador", "motivant", "motivante", "motiverend", "inspirerend", "motyw",
        "inspiruj", "ilham", "motive", "ilhamverici", "感動", "前向き", "やる気", "励ま", "영감",
        "동기", "긍정", "励志", "激励", "鼓舞", "正能量", "启发", "प्रेरण", "प्रेरक", "ملهم",
        "تحفيز", "إلهام", "الهام",
    ),
    "casual": (
        "casual", "relax", "chill", "laid", "informal", "easygoing", "locker", "lassig", "entspann",
        "leger", "informell", "desenfadad", "relajad", "descontraid", "decontract", "cool",
        "rilassat", "informale", "ontspann", "luzn", "swobodn", "niezobowiaz", "rahat",
        "gundelik", "カジュアル", "気軽", "ゆる", "くだけ", "캐주얼", "편안", "가벼운", "随意",
        "轻松", "休闲", "随性", "अनौपचार", "सहज", "कैज़ुअल", "عفوي", "غير رسمي", "بسيط",
    ),
    "friendly": (
        "friend", "warm", "kind", "welcom", "nice", "freundlich", "herzlich", "nett", "amable",
        "amigable", "cercan", "simpatic", "amical", "chaleur", "sympa", "amichevol", "cordial",
        "vriendelijk", "hartelijk", "przyjazn", "serdeczn", "milu", "samimi", "dostça", "dostca",
        "sıcak", "sicak", "cana yakın", "フレンドリー", "親しみ", "優し",
        "友好", "亲切", "友善", "热情",
        "친근", "다정", "친절", "मैत्री", "दोस्ताना", "मिलनसार", "ودود", "لطيف", "ودي",
    ),
}  # fmt: skip


@lru_cache(maxsize=1024)
def tone_key(text: str | None) -> str:
    """The tone a free-text setting names ('Witzig', 'formal', '专业'), else 'friendly'."""
    folded = fold(text or "")
    if not folded:
        return "friendly"
    best, at = "friendly", len(folded) + 1
    for tone, words in _TONE_WORDS.items():
        for word in words:
            i = folded.find(fold(word))
            if 0 <= i < at:
                best, at = tone, i
    return best


@lru_cache(maxsize=1024)
def resolve_lang(tag: str | None, own_lang: str = "en", own_country: str = "") -> str:
    """The bio language tag ('pt-BR', 'de'): a setting's tag, else the persona's own language.

    A bare language that is the persona's own takes the persona's country as its variant.
    """
    text = (tag or "").strip().replace("_", "-")
    if not text:
        base, region = own_lang, own_country
    else:
        parts = text.split("-")
        base = parts[0].lower()
        region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
        if base not in LANGUAGES:
            base, region = own_lang, own_country
        elif not region and base == own_lang:
            region = own_country
    if base not in LANGUAGES:
        base = "en"
    return f"{base}-{region}" if region else base


@dataclass(frozen=True, slots=True)
class BioSpec:
    """The settings that shape bios; `platforms` keeps (platform, limit) in canonical order."""

    platforms: tuple[tuple[str, int], ...] = tuple(DEFAULT_LIMITS.items())
    tone: str = "friendly"
    emoji: bool = True
    hashtags: bool = True

    @classmethod
    def make(
        cls,
        platforms: Mapping[str, int] | None = None,
        tone: str | None = "friendly",
        emoji: bool = True,
        hashtags: bool = True,
    ) -> BioSpec:
        """A spec from loose values: unknown platforms ignored, tone recognised."""
        chosen = DEFAULT_LIMITS if platforms is None else platforms
        pairs = tuple((p, int(chosen[p])) for p in PLATFORMS if p in chosen)
        return cls(pairs, tone_key(tone), bool(emoji), bool(hashtags))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> BioSpec:
        """A spec from validated bio settings (`platforms`, `tone`, `emoji`, `hashtags`)."""
        s = settings or {}
        platforms = s.get("platforms")
        return cls.make(
            platforms if isinstance(platforms, Mapping) else None,
            s.get("tone"),
            s.get("emoji", True),
            s.get("hashtags", True),
        )
