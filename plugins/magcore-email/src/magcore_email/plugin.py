"""The entry-point plugin: sends e-mail with the configuration from environment variables."""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import hookimpl

from .config import EmailConfig
from .notifier import EmailNotifier

__all__ = ["magcore_send_notification"]


@hookimpl
def magcore_send_notification(notification: Any) -> str | None:
    """Deliver *notification* by e-mail, configured by ``MAGCORE_EMAIL_*`` variables."""
    return EmailNotifier(EmailConfig.from_env()).send(notification)
