"""French, Spanish, Italian and Portuguese: articles, contractions and elision."""

from __future__ import annotations

LANGS = frozenset(("fr", "es", "it", "pt"))

_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")
# French words whose h blocks elision (le hockey, de hip-hop); every other h is mute.
_ASPIRATED = ("hockey", "hip", "hand", "hamburger", "haricot", "hasard", "haut", "héros", "huit")

# Article forms by noun code, then contractions with a preposition.
_FR_ART = {"m": "le ", "f": "la ", "v": "l'", "p": "les "}
_FR_PREP = {
    "de": {"m": "du ", "f": "de la ", "v": "de l'", "p": "des "},
    "a": {"m": "au ", "f": "à la ", "v": "à l'", "p": "aux "},
}
_ES_ART = {"m": "el ", "f": "la ", "mp": "los ", "fp": "las "}
_ES_PREP = {
    "del": {"m": "del ", "f": "de la ", "mp": "de los ", "fp": "de las "},
    "al": {"m": "al ", "f": "a la ", "mp": "a los ", "fp": "a las "},
}
_IT_ART = {"m": "il ", "s": "lo ", "v": "l'", "f": "la ", "mp": "i ", "sp": "gli ", "fp": "le "}
_IT_PREP = {
    "del": {"m": "del ", "s": "dello ", "v": "dell'", "f": "della ", "mp": "dei ", "sp": "degli ",
            "fp": "delle "},
    "al": {"m": "al ", "s": "allo ",  # codespell:ignore allo
           "v": "all'", "f": "alla ", "mp": "ai ", "sp": "agli ",
           "fp": "alle "},  # codespell:ignore alle
    "nel": {"m": "nel ", "s": "nello ", "v": "nell'", "f": "nella ", "mp": "nei ", "sp": "negli ",
            "fp": "nelle "},
}  # fmt: skip
_PT_ART = {"m": "o ", "f": "a ", "mp": "os ", "fp": "as "}
_PT_PREP = {
    "do": {"m": "do ", "f": "da ", "mp": "dos ", "fp": "das "},
    "no": {"m": "no ", "f": "na ", "mp": "nos ", "fp": "nas "},
    "ao": {"m": "ao ", "f": "à ", "mp": "aos ", "fp": "às "},
    "pelo": {"m": "pelo ", "f": "pela ", "mp": "pelos ", "fp": "pelas "},
}
# Portuguese place names said with an article (no Porto, do Rio de Janeiro).
_PT_PLACE_ART = {"Porto": "m", "Rio de Janeiro": "m", "Recife": "m", "Funchal": "m", "Cairo": "m"}


def elides(word: str) -> bool:
    """Whether a French word takes l', d', qu' (a vowel or a mute h first)."""
    low = word.lower()
    if not low:
        return False
    if low[0] == "h":
        return not low.startswith(_ASPIRATED)
    return low[0] in _VOWELS


def job_code(lang: str, title: str, sex: str) -> str | None:
    """The article code of a job title ('l'infirmière', 'lo psicologo', 'la enfermera')."""
    female = sex == "female"
    low = title.lower()
    if lang == "fr":
        return "v" if elides(low) else ("f" if female else "m")
    if lang == "it":
        if low[:1] in _VOWELS:
            return "v"
        if female:
            return "f"
        s_cons = low[:1] == "s" and low[1:2] not in _VOWELS
        return "s" if s_cons or low.startswith(("z", "gn", "ps", "x", "y", "pn")) else "m"
    return "f" if female else "m"


def spanish_and(last: str) -> str:
    """' y ' before a last item, ' e ' before an i- or hi- sound (y Inés, e historia)."""
    low = last.lower()
    if (low[:1] in "ií" or low[:2] in ("hi", "hí")) and low[:3] not in ("hie", "hia", "hio"):
        return " e " + last
    return " y " + last


def _french(mod: str, value: str, code: str | None, proper: bool) -> str:
    if proper:
        if value.startswith(("Le ", "Les ")) and mod in ("de", "a"):
            art = "m" if value.startswith("Le ") else "p"
            return _FR_PREP[mod][art] + value.split(" ", 1)[1]
        if mod in ("de", "d"):
            return ("d'" if elides(value) else "de ") + value
        if mod == "a":
            return "à " + value
        return value
    if mod == "le":
        return _FR_ART.get(code or "", "") + value
    if mod in _FR_PREP and code in _FR_ART:
        return _FR_PREP[mod][code] + value
    if mod in ("de", "d"):
        return ("d'" if elides(value) else "de ") + value
    if mod == "a":
        return "à " + value
    if mod == "qu":
        return ("qu'" if elides(value) else "que ") + value
    raise ValueError(f"unknown French modifier {mod!r}")


def _spanish(mod: str, value: str, code: str | None) -> str:
    if mod == "el":
        return _ES_ART.get(code or "", "") + value
    if mod in _ES_PREP:
        if code in _ES_ART:
            return _ES_PREP[mod][code] + value
        return ("de " if mod == "del" else "a ") + value
    if mod == "de":
        return "de " + value
    raise ValueError(f"unknown Spanish modifier {mod!r}")


def _italian(mod: str, value: str, code: str | None) -> str:
    if mod == "il":
        return _IT_ART.get(code or "", "") + value
    if mod in _IT_PREP:
        if code in _IT_ART:
            return _IT_PREP[mod][code] + value
        return {"del": "di ", "al": "a ", "nel": "in "}[mod] + value
    if mod == "di":
        return "di " + value
    raise ValueError(f"unknown Italian modifier {mod!r}")


def _portuguese(mod: str, value: str, code: str | None, proper: bool) -> str:
    if proper:
        code = _PT_PLACE_ART.get(value)
        if mod in ("de", "do"):
            return _PT_PREP["do"][code] + value if code else "de " + value
        if mod in ("em", "no"):
            return _PT_PREP["no"][code] + value if code else "em " + value
        return value
    if mod == "o":
        return _PT_ART.get(code or "", "") + value
    if mod in _PT_PREP:
        if code in _PT_ART:
            return _PT_PREP[mod][code] + value
        return {"do": "de ", "no": "em ", "ao": "a ", "pelo": "por "}[mod] + value
    if mod == "de":
        return "de " + value
    if mod == "em":
        return "em " + value
    raise ValueError(f"unknown Portuguese modifier {mod!r}")


def modify(lang: str, mod: str, value: str, code: str | None, proper: bool) -> str:
    """A noun with its article or preposition ('du football', 'della cucina', 'no Porto')."""
    if lang == "fr":
        return _french(mod, value, code, proper)
    if lang == "es":
        return _spanish(mod, value, code)
    if lang == "it":
        return _italian(mod, value, code)
    return _portuguese(mod, value, code, proper)
