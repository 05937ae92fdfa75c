"""magcore: the engine under scoring-free employee conversation cycles.

Modelled on Amsterdam's "Mijn Amsterdams Gesprek": two-sided conversations, no assessment score,
records that belong to the employee, and every municipality's choices in a plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from .errors import (
    AccessDenied,
    ApprovalMissingError,
    ConflictError,
    ConsentError,
    DefinitionChangedError,
    DefinitionError,
    InputRefused,
    MagcoreError,
    NotFoundError,
    PluginError,
    Problem,
    RecordInvalidError,
    ScoringNotAllowedError,
    StorageError,
    TransitionError,
)

if TYPE_CHECKING:
    from .access.decision import AccessRequest, Decision, LegalBasis, decide_access
    from .access.gateway import Gateway, Listing
    from .access.profiles import ProfileView
    from .access.reading import ConversationView, GoalView, ReadPolicy, read_conversation
    from .access.regulation import render_policy, render_regulation
    from .access.retention import RetentionProfile
    from .access.statistics_report import participation_report
    from .access.subject_access import subject_access_export
    from .app.profiles import ProfileOverview
    from .app.service import Service, open_service
    from .clock import Clock, FixedClock, SystemClock
    from .domain.approvals import ApprovePolicy, ApproveRegulation
    from .domain.conversation import (
        AddDissent,
        AddPrivateNote,
        AddResponse,
        Cancel,
        ConfirmRecord,
        Conversation,
        DraftRecord,
        MarkHeld,
        MarkNotHeld,
        NotHeldReason,
        PublishPreparation,
        RaiseTopic,
        RegisterPaper,
        RequestConversation,
        Reschedule,
        SavePreparation,
        Schedule,
        State,
        UpdateAgreement,
        apply,
        decide,
        replay,
        visible_preparation,
    )
    from .domain.goals import CloseGoal, Goal, GoalStatus, LinkConversation, NoteProgress, SetGoal
    from .domain.planning import (
        CoverageReport,
        DueConversation,
        add_months,
        coverage,
        outstanding,
        plan,
    )
    from .domain.sharing import GrantSharing, RevokeSharing, SharingChoice
    from .events import CommittedBatch, Event
    from .forms import FormDefinition, render_form, render_pdf, render_record
    from .hookspecs import hookimpl, hookspec
    from .model.cycle import (
        Applicability,
        Cadence,
        CadenceKind,
        ConversationKind,
        CycleDefinition,
        MonthEnd,
        ParticipantRole,
        Pattern,
        Recording,
    )
    from .model.organisation import Assignment, Organisation, Person, Role, Team
    from .model.records import (
        Agreement,
        AgreementOwner,
        AgreementStatus,
        Dissent,
        Participant,
        Preparation,
        PrivateNote,
        RecordRevision,
        Response,
        Topic,
    )
    from .model.scoring import check_definition, check_schema
    from .model.text import Text
    from .model.themes import MAG_THEME_IDS, Theme, ThemeTopic, TopicKind
    from .packaged import PackagedPlugin
    from .plugins import PluginHost, get_plugin_manager

__version__ = "0.1.0"

# Every public name but the errors loads on first use (PEP 562), so `import magcore` costs
# little and `magcore --help` or a read command loads only the layers it uses: the service and
# its domain with the first `magcore.Service`, the form engine (jsonschema) with the first
# `magcore.FormDefinition`, Jinja2 and WeasyPrint with the first rendering.
_LAZY = {
    "Service": "app.service",
    "open_service": "app.service",
    "Clock": "clock",
    "FixedClock": "clock",
    "SystemClock": "clock",
    "AddDissent": "domain.conversation",
    "AddPrivateNote": "domain.conversation",
    "AddResponse": "domain.conversation",
    "Cancel": "domain.conversation",
    "ConfirmRecord": "domain.conversation",
    "Conversation": "domain.conversation",
    "DraftRecord": "domain.conversation",
    "MarkHeld": "domain.conversation",
    "MarkNotHeld": "domain.conversation",
    "NotHeldReason": "domain.conversation",
    "PublishPreparation": "domain.conversation",
    "RaiseTopic": "domain.conversation",
    "RegisterPaper": "domain.conversation",
    "RequestConversation": "domain.conversation",
    "Reschedule": "domain.conversation",
    "SavePreparation": "domain.conversation",
    "Schedule": "domain.conversation",
    "State": "domain.conversation",
    "UpdateAgreement": "domain.conversation",
    "apply": "domain.conversation",
    "decide": "domain.conversation",
    "replay": "domain.conversation",
    "visible_preparation": "domain.conversation",
    "CloseGoal": "domain.goals",
    "Goal": "domain.goals",
    "GoalStatus": "domain.goals",
    "LinkConversation": "domain.goals",
    "NoteProgress": "domain.goals",
    "SetGoal": "domain.goals",
    "CoverageReport": "domain.planning",
    "DueConversation": "domain.planning",
    "add_months": "domain.planning",
    "coverage": "domain.planning",
    "outstanding": "domain.planning",
    "plan": "domain.planning",
    "CommittedBatch": "events",
    "Event": "events",
    "hookimpl": "hookspecs",
    "hookspec": "hookspecs",
    "Applicability": "model.cycle",
    "Cadence": "model.cycle",
    "CadenceKind": "model.cycle",
    "ConversationKind": "model.cycle",
    "CycleDefinition": "model.cycle",
    "MonthEnd": "model.cycle",
    "ParticipantRole": "model.cycle",
    "Pattern": "model.cycle",
    "Recording": "model.cycle",
    "Assignment": "model.organisation",
    "Organisation": "model.organisation",
    "Person": "model.organisation",
    "Role": "model.organisation",
    "Team": "model.organisation",
    "Agreement": "model.records",
    "AgreementOwner": "model.records",
    "AgreementStatus": "model.records",
    "Dissent": "model.records",
    "Participant": "model.records",
    "Preparation": "model.records",
    "PrivateNote": "model.records",
    "RecordRevision": "model.records",
    "Response": "model.records",
    "Topic": "model.records",
    "check_definition": "model.scoring",
    "check_schema": "model.scoring",
    "Text": "model.text",
    "MAG_THEME_IDS": "model.themes",
    "Theme": "model.themes",
    "ThemeTopic": "model.themes",
    "TopicKind": "model.themes",
    "PluginHost": "plugins",
    "get_plugin_manager": "plugins",
    "AccessRequest": "access.decision",
    "Decision": "access.decision",
    "LegalBasis": "access.decision",
    "decide_access": "access.decision",
    "participation_report": "access.statistics_report",
    "FormDefinition": "forms",
    "render_form": "forms",
    "render_pdf": "forms",
    "render_record": "forms",
    "PackagedPlugin": "packaged",
    "ApproveRegulation": "domain.approvals",
    "ApprovePolicy": "domain.approvals",  # the old name of ApproveRegulation
    "render_regulation": "access.regulation",
    "render_policy": "access.regulation",  # the old name of render_regulation
    "RetentionProfile": "access.retention",
    "subject_access_export": "access.subject_access",
    "ReadPolicy": "access.reading",
    "read_conversation": "access.reading",
    "ConversationView": "access.reading",
    "GoalView": "access.reading",
    "Gateway": "access.gateway",
    "Listing": "access.gateway",
    "ProfileView": "access.profiles",
    "ProfileOverview": "app.profiles",
    "GrantSharing": "domain.sharing",
    "RevokeSharing": "domain.sharing",
    "SharingChoice": "domain.sharing",
}


def __dir__() -> list[str]:
    """The loaded names and every public one (completion and ``help()`` see the lazy ones)."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    import importlib
    import importlib.util

    module = _LAZY.get(name)
    if module is None:
        # `import magcore; magcore.domain.planning` worked while the package imported its
        # layers eagerly: a subpackage is still found on first use.
        if name.startswith("_") or importlib.util.find_spec(f"magcore.{name}") is None:
            raise AttributeError(f"module 'magcore' has no attribute {name!r}")
        return importlib.import_module(f"magcore.{name}")
    value = getattr(importlib.import_module(f"magcore.{module}"), name)
    globals()[name] = value  # the next use is a plain attribute
    return value


__all__ = [
    "MAG_THEME_IDS",
    "AccessDenied",
    "AccessRequest",
    "AddDissent",
    "AddPrivateNote",
    "AddResponse",
    "Agreement",
    "AgreementOwner",
    "AgreementStatus",
    "Applicability",
    "ApprovalMissingError",
    "ApprovePolicy",
    "ApproveRegulation",
    "Assignment",
    "Cadence",
    "CadenceKind",
    "Cancel",
    "Clock",
    "CloseGoal",
    "CommittedBatch",
    "ConfirmRecord",
    "ConflictError",
    "ConsentError",
    "Conversation",
    "ConversationKind",
    "ConversationView",
    "CoverageReport",
    "CycleDefinition",
    "Decision",
    "DefinitionChangedError",
    "DefinitionError",
    "Dissent",
    "DraftRecord",
    "DueConversation",
    "Event",
    "FixedClock",
    "FormDefinition",
    "Gateway",
    "Goal",
    "GoalStatus",
    "GoalView",
    "GrantSharing",
    "InputRefused",
    "LegalBasis",
    "LinkConversation",
    "Listing",
    "MagcoreError",
    "MarkHeld",
    "MarkNotHeld",
    "MonthEnd",
    "NotFoundError",
    "NotHeldReason",
    "NoteProgress",
    "Organisation",
    "PackagedPlugin",
    "Participant",
    "ParticipantRole",
    "Pattern",
    "Person",
    "PluginError",
    "PluginHost",
    "Preparation",
    "PrivateNote",
    "Problem",
    "ProfileOverview",
    "ProfileView",
    "PublishPreparation",
    "RaiseTopic",
    "ReadPolicy",
    "RecordInvalidError",
    "RecordRevision",
    "Recording",
    "RegisterPaper",
    "RequestConversation",
    "Reschedule",
    "Response",
    "RetentionProfile",
    "RevokeSharing",
    "Role",
    "SavePreparation",
    "Schedule",
    "ScoringNotAllowedError",
    "Service",
    "SetGoal",
    "SharingChoice",
    "State",
    "StorageError",
    "SystemClock",
    "Team",
    "Text",
    "Theme",
    "ThemeTopic",
    "Topic",
    "TopicKind",
    "TransitionError",
    "UpdateAgreement",
    "__version__",
    "add_months",
    "apply",
    "check_definition",
    "check_schema",
    "coverage",
    "decide",
    "decide_access",
    "errors",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "open_service",
    "outstanding",
    "participation_report",
    "plan",
    "read_conversation",
    "render_form",
    "render_pdf",
    "render_policy",
    "render_record",
    "render_regulation",
    "replay",
    "subject_access_export",
    "visible_preparation",
]
