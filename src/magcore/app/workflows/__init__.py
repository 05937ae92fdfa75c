"""Workflows: definitions, triggers and the runner."""

from __future__ import annotations

from ...domain.workflows import (
    PERFORMED,
    ActionKind,
    Condition,
    Notification,
    Trigger,
    TriggerKind,
    Workflow,
    WorkflowAction,
    load_workflow,
    workflow_stream,
)
from .runner import (
    RunReport,
    contributed_workflows,
    run_workflows,
)
from .triggers import (
    DueAction,
    due_actions,
)

__all__ = [
    "PERFORMED",
    "ActionKind",
    "Condition",
    "DueAction",
    "Notification",
    "RunReport",
    "Trigger",
    "TriggerKind",
    "Workflow",
    "WorkflowAction",
    "contributed_workflows",
    "due_actions",
    "load_workflow",
    "run_workflows",
    "workflow_stream",
]
