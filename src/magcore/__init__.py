"""magcore: the engine under scoring-free employee conversation cycles.

Modelled on Amsterdam's "Mijn Amsterdams Gesprek": two-sided conversations, no assessment score,
records that belong to the employee, and every municipality's choices in a plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from .app.service import Service, open_service
from .clock import Clock, FixedClock, SystemClock
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
from .domain.planning import CoverageReport, DueConversation, add_months, coverage, plan
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
from .events import CommittedBatch, Event
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
from .model.themes import MAG_THEME_IDS, Theme
from .plugins import PluginHost, get_plugin_manager

if TYPE_CHECKING:
    from .access.decision import AccessRequest, Decision, LegalBasis, decide_access
    from .access.gateway import Gateway, Listing
    from .access.reading import ConversationView, GoalView, ReadPolicy, read_conversation
    from .access.regulation import render_policy, render_regulation
    from .access.retention import RetentionProfile
    from .access.statistics_report import participation_report
    from .access.subject_access import subject_access_export
    from .domain.approvals import ApprovePolicy, ApproveRegulation
    from .domain.sharing import GrantSharing, RevokeSharing, SharingChoice
    from .forms import FormDefinition, render_form, render_pdf, render_record
    from .packaged import PackagedPlugin

__version__ = "0.1.0"

# Heavier parts (jsonschema, Jinja2, WeasyPrint) load on first use, so `import magcore` and
# `magcore --help` stay fast.
_LAZY = {
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
    "GrantSharing": "domain.sharing",
    "RevokeSharing": "domain.sharing",
    "SharingChoice": "domain.sharing",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'magcore' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"magcore.{module}"), name)


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
    "Topic",
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
