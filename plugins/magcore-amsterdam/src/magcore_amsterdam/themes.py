"""MAG's six themes as conversation cards, with short prompts in plain Dutch (B1) and English.

The theme ids follow magcore's :data:`~magcore.model.themes.MAG_THEME_IDS`. The prompts were
written for this project; they are not the texts of the published card set. Vitality is marked
``special_category``: what someone says about their health stays theirs unless they share it.
"""

from __future__ import annotations

from magcore.model.themes import Theme

__all__ = ["ALL", "THEMES_JSON"]

#: The themes as plain data (the same shape a cycle definition's ``themes`` list takes).
THEMES_JSON: tuple[dict[str, object], ...] = (
    {
        "id": "social_safety",
        "title": {"nl": "Sociale veiligheid", "en": "Social safety"},
        "prompts": [
            {
                "nl": "Voel je je veilig in je team?",
                "en": "Do you feel safe in your team?",
            },
            {
                "nl": "Kun je zeggen wat je denkt, ook als je het ergens niet mee eens bent?",
                "en": "Can you say what you think, also when you disagree?",
            },
            {
                "nl": "Weet je bij wie je terecht kunt als er iets niet goed gaat?",
                "en": "Do you know who to go to when something is wrong?",
            },
        ],
    },
    {
        "id": "vitality",
        "title": {"nl": "Vitaliteit", "en": "Vitality"},
        "special_category": True,
        "prompts": [
            {
                "nl": "Hoeveel energie geeft je werk je op dit moment?",
                "en": "How much energy does your work give you right now?",
            },
            {
                "nl": "Is je werk goed te combineren met je leven thuis?",
                "en": "Does your work fit well with your life at home?",
            },
            {
                "nl": "Wat helpt jou om fit en gezond aan het werk te blijven?",
                "en": "What helps you stay fit and healthy at work?",
            },
        ],
    },
    {
        "id": "performing",
        "title": {"nl": "Presteren en functioneren", "en": "Performing"},
        "prompts": [
            {
                "nl": "Waar ben je trots op in je werk van het afgelopen jaar?",
                "en": "What in your work of the past year are you proud of?",
            },
            {
                "nl": "Wat gaat goed, en wat kan makkelijker?",
                "en": "What goes well, and what could be easier?",
            },
            {
                "nl": "Wat heb je van je leidinggevende nodig om je werk goed te doen?",
                "en": "What do you need from your manager to do your work well?",
            },
        ],
    },
    {
        "id": "career_and_mobility",
        "title": {"nl": "Loopbaan en flexibiliteit", "en": "Career and mobility"},
        "prompts": [
            {
                "nl": "Waar zie je jezelf over een paar jaar?",
                "en": "Where do you see yourself in a few years?",
            },
            {
                "nl": "Wil je iets anders gaan doen, binnen of buiten je team?",
                "en": "Would you like to do something else, in or outside your team?",
            },
            {
                "nl": "Welke stap kun je dit jaar zetten?",
                "en": "What step can you take this year?",
            },
        ],
    },
    {
        "id": "learning_and_development",
        "title": {"nl": "Leren en ontwikkelen", "en": "Learning and development"},
        "prompts": [
            {
                "nl": "Wat wil je dit jaar leren?",
                "en": "What do you want to learn this year?",
            },
            {
                "nl": "Hoe leer jij het liefst: met een cursus, van collega's of door te doen?",
                "en": "How do you like to learn best: a course, from colleagues, or by doing?",
            },
            {
                "nl": "Wie of wat kan je daarbij helpen?",
                "en": "Who or what can help you with that?",
            },
        ],
    },
    {
        "id": "joker",
        "title": {"nl": "Joker", "en": "Joker"},
        "prompts": [
            {
                "nl": "Waar wil jij het nog over hebben?",
                "en": "What else would you like to talk about?",
            },
            {
                "nl": "Is er iets dat je al langer wilt zeggen?",
                "en": "Is there something you have wanted to say for a while?",
            },
        ],
    },
)

#: The six themes as :class:`~magcore.model.themes.Theme` values, in card order.
ALL: tuple[Theme, ...] = tuple(
    Theme(
        id=str(data["id"]),
        title=data["title"],  # type: ignore[arg-type]
        prompts=data["prompts"],
        special_category=bool(data.get("special_category", False)),
    )
    for data in THEMES_JSON
)
