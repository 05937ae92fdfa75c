"""E-mail notifications for magcore: a notifier plugin built on the standard library's smtplib.

Install it next to magcore and configure it with environment variables (see
:meth:`EmailConfig.from_env`), or register an :class:`EmailNotifier` with your own
:class:`EmailConfig` when you embed magcore. Addresses come from a directory that you provide
(a mapping or a function from person id to address), never from conversation data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import EmailConfig

if TYPE_CHECKING:
    from .notifier import EmailNotifier, render, render_invitation

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # the notifier (smtplib, ssl, email.mime) loads on first use: magcore imports this package
    # with its entry point on every command
    if name in ("EmailNotifier", "render", "render_invitation"):
        from . import notifier

        return getattr(notifier, name)
    raise AttributeError(f"module 'magcore_email' has no attribute {name!r}")


__all__ = ["EmailConfig", "EmailNotifier", "__version__", "render", "render_invitation"]
