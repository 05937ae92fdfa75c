"""The words, phrases and shapes the scoring guard (:mod:`magcore.model.scoring`) reads as a
score, a grade, a level or a judgement of the person, and the units a quantity may carry.

Data only: the rules that apply them are in :mod:`magcore.model.scoring`, and the reasons for
each list are in the comments next to it.
"""

from __future__ import annotations

import re

__all__ = ["UNITS"]

#: Units a number may carry: quantities about time and counts, never about a person's worth.
UNITS = frozenset(
    {"minutes", "hours", "days", "weeks", "months", "years", "count", "year", "euro", "fte"}
)

_WHOLE_WORDS = frozenset(
    {
        "score",
        "scores",
        "scored",
        "scoring",
        "rating",
        "ratings",
        "rate",
        "rated",
        "grade",
        "grades",
        "graded",
        "grading",
        "rank",
        "ranks",
        "ranked",
        "ranking",
        "rankings",
        "stars",
        "star",
        "points",
        "appraisal",
        "appraisals",
        "oordeel",
        "eindoordeel",
        "waardering",
        "sterren",
        "punten",
        "cijfer",
        "cijfers",
        "stanine",
        "percentile",
        "percentiel",
        "ninebox",
        "nine-box",
        "9box",
        "9-box",
        "beoordeling",
        "beoordelingen",
        "kpi",
        "kpis",
        # Frisian
        "beoardieling",
        "beoardielingen",
        "sifer",
        "sifers",
        "skoare",
        "skoares",
    }
)
# Multi-word terms that rate how well a person performs, matched in the name with its separators
# removed ("prestatie-indicator", "Functioneringsniveau"). "functioneringsgesprek" stays allowed.
_SQUASHED_PARTS = (
    "functioneringsniveau",
    "prestatieniveau",
    "prestatieindicator",
    "performanceindicator",
    "performancelevel",
    # A level on a competence, a talent or a profile places the person on a scale: the
    # competence or talent itself is a topic to talk about, its level is a rating.
    "competencelevel",
    "competentieniveau",
    "competencyniveau",
    "competencylevel",
    "skilllevel",
    "vaardigheidsniveau",
    "talentlevel",
    "talentniveau",
    "beheersingsniveau",
    "proficiency",
    "masterylevel",
    "profilelevel",
    "profielniveau",
    "groeiniveau",
    "growthlevel",
)
# Dutch compounds are written as one word: "beoordelingsscore", "functioneringscijfer".
_COMPOUND_PARTS = ("score", "beoordel", "cijfer", "eindoordeel")

_GRADE_WORDS = frozenset(
    {
        "onvoldoende",
        "voldoende",
        "ruim voldoende",
        "goed",
        "zeer goed",
        "uitstekend",
        "matig",
        "slecht",
        "zwak",
        "sterk",
        "excellent",
        "very good",
        "good",
        "fair",
        "poor",
        "bad",
        "satisfactory",
        "unsatisfactory",
        "insufficient",
        "sufficient",
        "outstanding",
        "meets expectations",
        "exceeds expectations",
        "below expectations",
        "above expectations",
        "voldoet",
        "voldoet niet",
        "voldoet ruim",
        "boven verwachting",
        "onder verwachting",
        "naar verwachting",
        "low performer",
        "high performer",
        "top performer",
        # Frisian
        "foldwaande",
        "\u00fbnfoldwaande",
        "rom foldwaande",
        "tige goed",
        "treflik",
        "matich",
        "swak",
        "boppe ferwachting",
        "\u00fbnder ferwachting",
        "neffens ferwachting",
        "b\u00easte",
        "b\u00east",
        "gewoan",
        "min",
        # more grades in words (Dutch, English, German), satisfaction and verdict scales
        "uitmuntend",
        "prima",
        "twijfelachtig",
        "onder de maat",
        "boven de maat",
        "op niveau",
        "stellar",
        "solid",
        "weak",
        "mediocre",
        "sehr gut",
        "gut",
        "befriedigend",
        "ausreichend",
        "mangelhaft",
        "ungen\u00fcgend",
        "zeer tevreden",
        "tevreden",
        "ontevreden",
        "zeer ontevreden",
        "very satisfied",
        "satisfied",
        "dissatisfied",
        "very dissatisfied",
        "positief",
        "negatief",
        "neutraal",
        "positive",
        "negative",
        "neutral",
        # French, Spanish, Italian and Portuguese marks, in plain letters: an option is also
        # read without its accents ("très bien" as "tres bien", "evaluación" as "evaluacion")
        "tres bien",
        "bien",
        "assez bien",
        "passable",
        "insuffisant",
        "tres insuffisant",
        "satisfaisant",
        "insatisfaisant",
        "mauvais",
        "tres bon",
        "bon",
        "moyen",
        "faible",
        "excelente",
        "muy bien",
        "muy bueno",
        "bueno",
        "regular",
        "malo",
        "muy malo",
        "deficiente",
        "suficiente",
        "insuficiente",
        "notable",
        "sobresaliente",
        "aprobado",
        "suspenso",
        "ottimo",
        "buono",
        "discreto",
        "sufficiente",
        "insufficiente",
        "scarso",
        "otimo",
        "bom",
        "razoavel",
        "fraco",
    }
)
# Phrases that grade how well a person performs even as the only option offered.
_STRONG_GRADES = frozenset(
    {
        "onvoldoende",
        "ruim voldoende",
        "unsatisfactory",
        "meets expectations",
        "exceeds expectations",
        "below expectations",
        "above expectations",
        "voldoet niet",
        "voldoet ruim",
        "boven verwachting",
        "onder verwachting",
        "naar verwachting",
        "conform verwachting",
        "volgens verwachting",
        "low performer",
        "high performer",
        "top performer",
        "\u00fbnfoldwaande",
        "rom foldwaande",
        "boppe ferwachting",
        "\u00fbnder ferwachting",
        "neffens ferwachting",
        "onder de maat",
        "boven de maat",
    }
)
# Ordered levels of mastery: two or more of them as a choice place a person on a scale (of a
# competence, a talent, a profile), however kindly worded.
_LEVEL_WORDS = frozenset(
    {
        "beginner",
        "beginnend",
        "starter",
        "gevorderd",
        "gevorderde",
        "ervaren",
        "expert",
        "meester",
        "novice",
        "intermediate",
        "advanced",
        "proficient",
        "master",
        "onbekwaam",
        "bekwaam",
        "vakbekwaam",
        "zeer bekwaam",
        "onbewust onbekwaam",
        "bewust onbekwaam",
        "bewust bekwaam",
        "onbewust bekwaam",
        "in ontwikkeling",
        "ontwikkeld",
        "developing",
        "competent",
        "niveau 1",
        "niveau 2",
        "niveau 3",
        "level 1",
        "level 2",
        "level 3",
    }
)
# A judgement of how well a person performs or whether they are fit for something (rule 4):
# whole words (or the start of a Dutch compound, see _JUDGEMENT_PARTS) in a name or a text.
_JUDGEMENT_WORDS = frozenset(
    {
        "promoveerbaar",
        "geschiktheid",
        "ongeschikt",
        "ongeschiktheid",
        "disfunctioneren",
        "disfunctioneert",
        "onderpresteren",
        "onderpresteert",
        "ondermaats",
        "beoordelingsgesprek",
        "performer",
        "performers",
        "underperform",
        "underperforms",
        "underperformer",
        "underperforming",
        "appraisal",
        "appraisals",
        "rating",
        "ratings",
        "suitability",
        "unsuitable",
        "promotable",
        "promotability",
    }
)
# Dutch and English compounds: "prestatiegesprek", "performancereview", "geschiktheidstoets".
_JUDGEMENT_PARTS = ("prestatie", "performance", "underperform", "geschiktheid", "ongeschikt")
# ... in a text people read, where "prestaties" and "promotie" are things to talk about ("Wat
# was je mooiste prestatie?", "Wil je promotie maken?"), only the compounds that name a review.
_JUDGEMENT_TEXT_PARTS = (
    "prestatiegesprek",
    "prestatiebeoordeling",
    "prestatiemeting",
    "performancereview",
    "performancebeoordeling",
    "underperform",
    "geschiktheid",
    "ongeschikt",
)
# Phrases of several words that judge the person ("functioneert naar behoren"). In a name
# (``functioneert_naar_behoren``) all of them; in a text people read only those about the
# person: "Werkt je apparatuur naar behoren?" is an ordinary question.
_JUDGEMENT_PHRASES = (
    "functioneert naar behoren",
    "functioneer je naar behoren",
    "functioneert de medewerker naar behoren",
    "naar behoren functioneert",
    "naar behoren functioneren",
    "presteert naar behoren",
    "geschikt voor promotie",
    "geschikt voor de functie",
    "geschikt voor deze functie",
    "ready for promotion",
    "eligible for promotion",
    "klaar voor promotie",
    "toe aan promotie",
    "in aanmerking voor promotie",
    "prestaties van de medewerker",
    "prestatie van de medewerker",
    "performance review",
    "performance appraisal",
    "performance rating",
    "job performance",
    "your performance",
    "their performance",
    "his performance",
    "her performance",
    "employee s performance",
    "employees performance",
    "employee performance",
    "performance of the employee",
    "voldoet de medewerker",
    "voldoet aan de eisen",
    "voldoet aan de functie",
    "meets the requirements",
    "meet the requirements",
    "meet the job requirements",
    "meets the job requirements",
    # pay that follows from the conversation turns it into an appraisal
    "periodiek toekennen",
    "periodiek toegekend",
    "extra periodiek",
    "extra periodieken",
    "voor geleverde resultaten",
    "grant the yearly step",
    "yearly step",
    "annual increment",
    "performance bonus",
    "for results delivered",
)
_JUDGEMENT_NAME_PHRASES = (
    *_JUDGEMENT_PHRASES,
    "naar behoren",
    "niet geschikt",
    "up to standard",
    "up to the mark",
)
# Words that judge the person as the name of a field or an option, but name a topic to talk
# about in a text: "Presteren en functioneren" is one of MAG's themes, a field `functioneren`
# with a choice of answers rates how the person functions.
_JUDGEMENT_NAME_WORDS = frozenset(
    {
        "functioneert",
        "performance",
        "performances",
        "functioneren",
        "functionering",
        "presteert",
        "geschikt",
        "suitable",
        "performs",
        "prestatie",
        "prestaties",
        "promotie",
        "promoties",
        "promotion",
        "promotions",
    }
)
# An ordered scale of amount (rule 3): two or more of these as the options place the person
# (their potential, their effort) low or high; a wish is asked in words instead.
_INTENSITY = frozenset(
    {
        "zeer laag",
        "laag",
        "midden",
        "middel",
        "gemiddeld",
        "middenmoot",
        "bovengemiddeld",
        "ondergemiddeld",
        "boven gemiddeld",
        "onder gemiddeld",
        "hoog",
        "zeer hoog",
        "very low",
        "low",
        "medium",
        "mid",
        "average",
        "above average",
        "below average",
        "high",
        "very high",
    }
)
# Numbers written as words, with a school mark's + or - ("zes-", "acht+"): a scale in words.
_NUMBER_WORD = re.compile(
    r"^(?:een|\u00e9\u00e9n|twee|drie|vier|vijf|zes|zeven|acht|negen|tien"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)\s*[+-]?$"
)
# Roman numerals I to X (lower-cased as the options are read): three or more are a scale.
_ROMAN = re.compile(r"^(?:i{1,3}|iv|vi{0,3}|ix|x)$")
# Letters as grades, lower-cased: "a", "b+", "c-"; and people sorted by letter ("A-speler").
_LETTER = re.compile(r"^[a-f][+-]?$")
_LETTER_PLAYER = re.compile(
    r"^[a-f]\s*-?\s*(?:speler|spelers|player|players|kandidaat|medewerker)$"
)
# A place in a ranking: "Top 10%", "Onderste 10 %", "bottom 5%".
_RANK_SHARE = re.compile(
    r"\b(?:top|bottom|onderste|bovenste|beste|slechtste|laagste|hoogste)\s*\d+\s*%"
)
# A label that names what a count counts: "Hoeveel ...?", "Aantal ...", "How many ...?".
_COUNTING = re.compile(r"\b(?:hoeveel|aantal|how many|number of|keer|times|per)\b", re.IGNORECASE)
# A question of degree: "Hoe gemotiveerd ben je?", "In hoeverre ...", "How motivated are you?"
# (not "Hoe vaak", "Hoe lang", "How many", "How often": those count).
_DEGREE_QUESTION = re.compile(
    r"\bhoe (?!vaak|lang|veel|laat|oud|ver|groot|klein|snel)\w+ "
    r"(?:ben|voel|vind|is|was|zijn|waren|word|wordt)\b"
    r"|\bin hoeverre\b|\bde mate (?:van|waarin)\b|\bto what extent\b"
    r"|\bhow (?!many|much|often|long|far|old|big|large|soon)\w+ "
    r"(?:are|is|was|were|do|did|does|feel|would)\b"
    r"|\bhow much do you agree\b",
    re.IGNORECASE,
)
# Ordered judgement scales in other clothes (rule 3): two or more of one set as the options.
_TRAFFIC_LIGHTS = frozenset(
    {
        "rood",
        "oranje",
        "geel",
        "groen",
        "red",
        "amber",
        "orange",
        "yellow",
        "green",
        "\U0001f534",
        "\U0001f7e0",
        "\U0001f7e1",
        "\U0001f7e2",
        "\U0001f7e5",
        "\U0001f7e7",
        "\U0001f7e8",
        "\U0001f7e9",
    }
)
_MEDALS = frozenset(
    {
        "brons",
        "zilver",
        "goud",
        "platina",
        "bronze",
        "silver",
        "gold",
        "platinum",
        "\U0001f947",
        "\U0001f948",
        "\U0001f949",
    }
)
_PLUS_MINUS = re.compile(r"^(?:[+\-\u2212\u2013\u00b1]{1,3}|\+/-|-/\+|\+-|-\+)$")
_NEUTRAL_MIDDLE = frozenset({"0", "o", "+/-", "-/+", "\u00b1"})
# Emoji faces and thumbs (a variation selector may follow), and text emoticons :-) :( :|
_FACE = re.compile(
    r"^(?:[\U0001f600-\U0001f64f\U0001f910-\U0001f92f\U0001f970-\U0001f97a"
    r"\U0001f44d\U0001f44e\u2639\u263a]\ufe0f?)+$"
    r"|^[:;=8][-']?[()\[\]dp|/\\]$"
)
# A label that pins numbers to words, as the ends of a scale do: "1 = slecht", "10: excellent"
# (after a colon only a grade: "Stap 1: kijk terug", "CAO art. 3: scholing" pin nothing).
_ANCHOR = re.compile(
    r"\b\d+\s*=\s*[^\W\d]|\b\d+\s*:\s*(?:"
    + "|".join(re.escape(w) for w in sorted(_GRADE_WORDS, key=len, reverse=True))
    + r")\b",
    re.UNICODE | re.IGNORECASE,
)
# How satisfied or how good: a number asked this way is a scale of quality, whatever its unit.
_QUALITY_QUESTIONS = (
    "hoe tevreden",
    "hoe goed",
    "hoe blij",
    "how satisfied",
    "how good",
    "how well",
    "how happy",
)
# (A grade word alone says nothing here: "Hoeveel uur scholing is voor jou voldoende?",
# "Number of bad weather days" count; a number pinned to a grade is an anchor, above.)
_QUALITY_PHRASES = _QUALITY_QUESTIONS
# A pattern made only of digits, digit classes, decimal marks, anchors, groups, alternatives and
# repetitions admits only numbers: "^(10|[1-9])$", "^\\d{1,2}$", "^[1-5]([.,]5)?$".
_DIGIT_PATTERN = re.compile(
    r"^(?:\^|\$|\\d|\d|\\[.,]|,|\[(?:\d(?:-\d)?|\\d|\\?[.,])+\]"
    r"|\{\d+(?:,\d*)?\}|[?*+|()]|\(\?:)+$"
)
_STARS = re.compile(r"^([\u2605\u2606\u2b50*]+|\d+\s*(ster|sterren|star|stars))$")
_NUMBERED = re.compile(r"^\d+([.,]\d+)?\s*(\(|[-\u2013:=]|$)")
# A label that asks for a number on a scale: "Tevredenheid (1-5)", "op een schaal van 1 tot 10".
_SCALE_LABEL = re.compile(
    r"\(\s*\d+\s*[-\u2013]\s*\d+\s*\)"
    r"|\b(schaal|scale)\s+(van\s+|of\s+|from\s+)?\d+\s*([-\u2013]|tot|to)\s*\d+",
    re.IGNORECASE,
)
_LETTER_GRADE = re.compile(r"^[A-F][+-]?$")
_NUMERIC_TEXT = re.compile(r"^\s*\d+([.,]\d+)?\s*$")
_SCALE_WIDGETS = frozenset({"scale", "slider", "likert", "stars", "rating", "range", "score"})
_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
