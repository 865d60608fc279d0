"""Best-effort reading of free-text education and occupation in the 14 languages."""

from __future__ import annotations

import re
from functools import lru_cache

from avatar_data_generator.generation.population.occupations import occupations
from avatar_data_generator.generation.population.rules import EDUCATION, STAGES
from avatar_data_generator.generation.population.tables import table
from avatar_data_generator.generation.population.text import fold, tokens

# Folded keywords per level, checked from the highest level down (so "yuksek lisans", a
# master's, is found before "lisans", a bachelor's, and "on lisans" before both is handled
# by checking short_tertiary phrases first).
_EDU_PATTERNS: tuple[tuple[str, str], ...] = (
    ("short_tertiary", r"associate degree|higher national diploma|\bhnd\b|\bbts\b|\bdut\b|"
     r"tecnico superior|tecnologo|\bon lisans|短大|高専|전문대|大专|专科"),
    ("doctorate", r"\bph\.? ?d\b|doctorate|doctoral|\bdphil\b|\bdr\. ?(rer|phil|ing)\b|"
     r"doktor|promotion|promoviert|doctorat|doctorado|dottorato|doutorado|doutoramento|"
     r"doctoraat|gepromoveerd|doktora|博士|박사|पीएचडी|डॉक्टरेट|دكتوراه"),
    ("master", r"\bmaster|\bm\.? ?sc\b|\bmba\b|\bm\.?a\.?\b|\bmeng\b|magister|\bmgr\b|diplom(?!a)|"
     r"maestria|laurea magistrale|mestrado|mestre|yuksek lisans|staatsexamen|\bmres\b|"
     r"postgraduate|修士|석사|硕士|研究生|स्नातकोत्तर|ماجستير"),
    ("bachelor", r"bachelor|\bb\.? ?sc\b|\bb\.?a\.?\b|\bb\.? ?tech\b|\bbeng\b|\blicence\b|"
     r"licenciatura|grado universitario|graduacao|bacharelado|\blaurea\b|licencjat|\blisans\b|"
     r"college degree|university degree|undergraduate|学士|大学卒|학사|대학교 졸업|本科|"
     r"स्नातक|بكالوريوس|ليسانس"),
    ("post_secondary", r"post-?secondary|vocational|berufsausbildung mit abitur|専門学校|\biti\b|"
     r"policealn"),
    ("upper_secondary", r"high school|secondary school|a[- ]levels?\b|abitur|baccalaureat|"
     r"bachillerato|maturita|matura|ensino medio|ensino secundario|\blise\b|liceum|"
     r"wyksztalcenie srednie|preparatoria|\bhavo\b|\bvwo\b|\bmbo\b|高校|고등학교|高中|ثانوي|"
     r"बारहवीं"),
    ("lower_secondary", r"middle school|\bgcse|realschul|hauptschul|\bbrevet\b|"
     r"secundaria obligatoria|licenza media|\bvmbo\b|gimnazj|ortaokul|中学校|중학교|初中|إعدادي"),
    ("primary", r"primary|elementary|grundschul|primaire|primaria|elementare|basisonderwijs|"
     r"podstawow|ilkokul|小学|초등학교|ابتدائي|प्राथमिक"),
    ("none", r"no formal|no schooling|ohne schulabschluss|sans diplome|sin estudios|"
     r"未上过学|学歴なし|무학|بدون تعليم"),
)  # fmt: skip

_STAGE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("retired", r"retired|retiree|pensioner|ruhestand|rentner|pensionist|\bin pension\b|"
     r"retraite|jubilad|pensione|pensionat|aposentad|reformad|gepensioneerd|emeryt|emekli|"
     r"退職|^元|은퇴|退休|सेवानिवृत्त|متقاعد"),
    ("unemployed", r"unemployed|job ?seeker|looking for work|arbeitslos|arbeitsuchend|chomeu|"
     r"demandeu|desemplead|disoccupat|desempregad|werkloos|werkzoekend|bezrobotn|issiz|"
     r"is ariyor|求職|無職|구직|무직|失业|求职|बेरोज़गार|عاطل|باحث عن عمل|باحثة عن عمل"),
    ("homemaker", r"homemaker|housewife|househusband|stay-at-home|hausfrau|hausmann|au foyer|"
     r"ama de casa|casalinga|dona de casa|huisvrouw|huisman|gospodyni|ev hanimi|主婦|주부|"
     r"家庭主妇|गृहिणी|ربة منزل"),
    ("pupil", r"pupil|school student|sixth.form|schuler|schueler|schoolgirl|schoolboy|eleve|"
     r"lyceen|collegien|scholier|uczen|uczennica|de secundaria|de bachillerato|preparatoria|"
     r"delle medie|delle superiori|ensino medio|ensino secundario|lise ogrencisi|"
     r"ortaokul ogrencisi|中学生|高校生|중학생|고등학생|初中生|高中生|स्कूली|في المدرسة|"
     r"طالب ثانوي|طالبة ثانوي"),
    ("student", r"\bstudent|studentin|etudiant|estudiante universitari|universitari|"
     r"undergrad|大学生|대학생|छात्र|طالب جامعي|طالبة جامعية|ogrenci"),
)  # fmt: skip


# Generic words for jobs (as a language model writes them) -> the table's occupation; where a
# word is ambiguous (pt/en "professor") the less demanding occupation is taken, so that no
# persona is accused of a contradiction it may not have.
_SYNONYMS = {
    "teacher": "secondary_teacher", "schoolteacher": "primary_teacher", "doctor": "physician",
    "physician": "physician", "gp": "physician", "professor": "secondary_teacher",
    "lecturer": "university_lecturer", "researcher": "research_scientist",
    "scientist": "research_scientist", "engineer": "civil_engineer",
    "software engineer": "software_developer", "programmer": "software_developer",
    "developer": "software_developer", "ceo": "chief_executive", "attorney": "lawyer",
    "solicitor": "lawyer", "barrister": "lawyer", "policeman": "police_officer",
    "policewoman": "police_officer", "farmer": "mixed_farmer", "waitress": "waiter",
    "vet": "veterinarian", "designer": "graphic_designer", "mechanic": "car_mechanic",
    "salesman": "sales_representative", "saleswoman": "sales_representative",
    "housekeeper": "domestic_worker", "lehrer": "secondary_teacher",
    "lehrerin": "secondary_teacher", "arzt": "physician", "arztin": "physician",
    "krankenschwester": "nurse", "krankenpfleger": "nurse", "ingenieur": "civil_engineer",
    "ingenieurin": "civil_engineer", "informatiker": "software_developer",
    "informatikerin": "software_developer", "anwalt": "lawyer", "anwaltin": "lawyer",
    "enseignant": "secondary_teacher", "enseignante": "secondary_teacher",
    "professeur": "secondary_teacher", "medecin": "physician", "ingenieure": "civil_engineer",
    "profesor": "secondary_teacher", "profesora": "secondary_teacher",  # codespell:ignore
    "medico": "physician",
    "medica": "physician", "doctora": "physician", "ingeniero": "civil_engineer",
    "ingeniera": "civil_engineer", "maestro": "primary_teacher", "maestra": "primary_teacher",
    "insegnante": "secondary_teacher", "ingegnere": "civil_engineer",
    "professore": "secondary_teacher", "professora": "secondary_teacher",
    "engenheiro": "civil_engineer", "engenheira": "civil_engineer",
    "leraar": "secondary_teacher", "lerares": "secondary_teacher", "docent": "secondary_teacher",
    "arts": "physician", "verpleegster": "nurse", "nauczyciel": "secondary_teacher",
    "nauczycielka": "secondary_teacher", "lekarz": "physician", "lekarka": "physician",
    "inzynier": "civil_engineer", "ogretmen": "secondary_teacher", "doktor": "physician",
    "muhendis": "civil_engineer", "教師": "secondary_teacher", "先生": "secondary_teacher",
    "医師": "physician", "医者": "physician", "エンジニア": "software_developer",
    "会社員": "office_clerk", "교사": "secondary_teacher", "의사": "physician",
    "엔지니어": "software_developer", "회사원": "office_clerk", "教师": "secondary_teacher",
    "老师": "secondary_teacher", "医生": "physician", "工程师": "civil_engineer",
    "程序员": "software_developer", "शिक्षक": "secondary_teacher",
    "शिक्षिका": "secondary_teacher", "डॉक्टर": "physician", "इंजीनियर": "civil_engineer",
    "معلم": "secondary_teacher", "معلمة": "secondary_teacher", "مدرس": "secondary_teacher",
    "مدرسة": "secondary_teacher", "طبيب": "physician", "طبيبة": "physician",
    "مهندس": "civil_engineer", "مهندسة": "civil_engineer",
}  # fmt: skip


@lru_cache(maxsize=1)
def _edu_regex() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((level, re.compile(fold(pat))) for level, pat in _EDU_PATTERNS)


@lru_cache(maxsize=1)
def _stage_regex() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((stage, re.compile(fold(pat))) for stage, pat in _STAGE_PATTERNS)


@lru_cache(maxsize=1)
def _education_labels() -> dict[str, str]:
    """Folded label (every language) -> level."""
    out: dict[str, str] = {}
    for labels in table("labels")["education"].values():
        for level, text in zip(EDUCATION, labels, strict=True):
            out.setdefault(fold(text), level)
    return out


@lru_cache(maxsize=65536)
def education_level(text: str) -> str | None:
    """The ISCED level a free-text education names, or None when it cannot be told."""
    key = fold(text)
    if not key:
        return None
    exact = _education_labels().get(key)
    if exact:
        return exact
    for level, pattern in _edu_regex():
        if pattern.search(key):
            return level
    return None


@lru_cache(maxsize=1)
def _titles() -> tuple[dict[str, str], int, tuple[tuple[str, str], ...]]:
    """(folded title -> key for every language and form, longest title in words, CJK titles)."""
    out: dict[str, str] = {_key(k): v for k, v in _SYNONYMS.items()}
    cjk: list[tuple[str, str]] = [(fold(k), v) for k, v in _SYNONYMS.items() if _CJK.search(k)]
    for occ in occupations():
        for lang, forms in occ.titles.items():
            for form in forms:
                out.setdefault(_key(form), occ.key)
                if lang.split("-")[0] in ("ja", "ko", "zh"):
                    cjk.append((fold(form).replace(" ", ""), occ.key))
    for stage, by_lang in table("labels")["stages"].items():
        for labels in by_lang.values():
            for label in labels if isinstance(labels, list) else [labels]:
                out.setdefault(_key(label), "pupil" if stage == "pupil_upper" else stage)
    longest = max(len(t.split(" ")) for t in out)
    cjk.sort(key=lambda t: -len(t[0]))
    return out, longest, tuple(cjk)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _key(text: str) -> str:
    """Folded words joined by single spaces (the lookup key of a title)."""
    return " ".join(tokens(text))


@lru_cache(maxsize=65536)
def occupation_key(text: str) -> str | None:
    """The occupation key (or life-stage key) a free-text occupation names, or None."""
    words = tokens(text)
    if not words:
        return None
    key = " ".join(words)
    titles, longest, cjk = _titles()
    if key in titles:
        return titles[key]
    best: tuple[int, str] | None = None
    stage: str | None = None
    for n in range(min(longest, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            found = titles.get(" ".join(words[i : i + n]))
            if found in STAGES:
                stage = stage or found
            elif found and (best is None or n > best[0]):
                best = (n, found)
        if best:
            break
    if best is None and _CJK.search(key):
        squeezed = key.replace(" ", "")
        best = next(((len(t), k) for t, k in cjk if len(t) >= 2 and t in squeezed), None)
    return best[1] if best else stage


@lru_cache(maxsize=65536)
def stage_words(text: str) -> str | None:
    """The life stage a free-text occupation states (retired, student, ...), or None."""
    key = fold(text)
    exact = _titles()[0].get(_key(text))
    if exact in STAGES:
        return exact
    for stage, pattern in _stage_regex():
        if pattern.search(key):
            return stage
    return None


def is_stage(key: str | None) -> bool:
    """Whether an occupation key is a life stage rather than a job."""
    return key in STAGES
