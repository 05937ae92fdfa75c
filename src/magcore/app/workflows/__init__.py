"""Workflows: definitions, triggers and the runner."""

from __future__ import annotations

from .definitions import (
    PERFORMED,
    ActionKind,
    Condition,
    Trigger,
    TriggerKind,
    Workflow,
    WorkflowAction,
    load_workflow,
    workflow_stream,
)
from .runner import (
    Notification,
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
