"""The example plugin: everything it adds is data, handed to magcore through hooks."""

from magcore import Theme, hookimpl

CHECK_IN = {
    "id": "example-check-in",
    "version": 1,
    "name": {"nl": "Halfjaarlijkse check-in", "en": "Half-yearly check-in"},
    "themes": [
        {
            "id": "workload",
            "title": {"nl": "Werkdruk", "en": "Workload"},
            "prompts": [
                {"nl": "Hoe druk is je werk nu?", "en": "How busy is your work now?"},
                {"nl": "Wat kan er af?", "en": "What could be taken off your plate?"},
            ],
        }
    ],
    "kinds": [
        {
            "id": "check-in",
            "name": {"nl": "Check-in", "en": "Check-in"},
            "pattern": "employee_manager",
            "cadence": {"kind": "interval", "every_months": 6, "anchor": "01-01"},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": ["workload"],
        }
    ],
}

QUIET_REMINDER = {
    "id": "example-quiet-reminder",
    "name": {"nl": "Al lang geen gesprek", "en": "No conversation for a while"},
    "trigger": {"type": "quiet", "days": 120},
    "actions": [{"do": "ask_for_conversation", "to": "employee"}],
}


@hookimpl
def magcore_register_cycles(register):
    register(CHECK_IN)


@hookimpl
def magcore_register_themes(register):
    register(Theme(id="workload", title={"nl": "Werkdruk", "en": "Workload"}))


@hookimpl
def magcore_register_workflows(register):
    register(QUIET_REMINDER)
