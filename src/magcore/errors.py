"""Every error magcore raises on purpose, in one hierarchy rooted in :class:`MagcoreError`.

Callers of the public API never see a ``jsonschema``, ``sqlite3``, ``psycopg`` or ``pluggy``
exception: those are wrapped at the boundary with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "AccessDenied",
    "ApprovalMissingError",
    "ConflictError",
    "ConsentError",
    "ContentIntegrityError",
    "DefinitionChangedError",
    "DefinitionError",
    "ExtraMissingError",
    "InputRefused",
    "KeyDestroyedError",
    "KeyProviderError",
    "MagcoreDeprecationWarning",
    "MagcoreError",
    "MagcoreWarning",
    "NotFoundError",
    "PluginError",
    "Problem",
    "RecordInvalidError",
    "ScoringNotAllowedError",
    "StorageError",
    "StorePluginError",
    "TimezoneError",
    "TransitionError",
]


class MagcoreError(Exception):
    """Base of every error magcore raises on purpose."""

    def audit_reason(self) -> str:
        """What an audit line keeps of this error: its class and facts that hold no content.

        An error's message may quote what a caller or a plugin wrote (a field name a form does
        not know, a plugin's crash over a record); the audit log is kept in clear and outlives
        erasure, so it never takes the message. Subclasses add what is safe: ids, states,
        versions, counts, plugin and hook names. Added in 0.3.
        """
        return type(self).__name__


@attrs.frozen
class Problem:
    """One thing wrong with a document: where (a JSON pointer) and what (a readable message)."""

    pointer: str
    message: str
    keyword: str = ""

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class DefinitionError(MagcoreError, ValueError):
    """A cycle, form, theme or workflow definition is inconsistent (raised when it is loaded)."""

    def __init__(self, message: str, *, pointer: str = "", source: str | None = None) -> None:
        self.message = message
        self.pointer = pointer
        self.source = source
        where = f" at {pointer}" if pointer else ""
        origin = f" (from {source})" if source else ""
        super().__init__(f"{message}{where}{origin}")


class DefinitionChangedError(DefinitionError):
    """A cycle or form definition changed but kept its ``id@version``: a change needs a new
    version, so that conversations and approvals keep pointing at what they saw."""


class ScoringNotAllowedError(DefinitionError):
    """A definition or form introduces a rating, grade, rank or score of a person.

    magcore is scoring-free by construction: such a definition is refused, never stored.
    """

    def __init__(self, field: str, reason: str, *, source: str | None = None) -> None:
        self.field = field
        self.reason = reason
        super().__init__(
            f"scoring is not allowed: field {field!r} {reason}", pointer=field, source=source
        )


class RecordInvalidError(MagcoreError, ValueError):
    """A document fails its schema; ``problems`` lists every (JSON pointer, message)."""

    def __init__(self, problems: Sequence[Problem], *, what: str = "record") -> None:
        self.problems = tuple(problems)
        self.what = what
        listed = "; ".join(str(p) for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{what} is invalid: {listed}{more}")

    def audit_reason(self) -> str:
        """The class and how many problems (their pointers and messages may quote input)."""
        count = len(self.problems)
        return f"{type(self).__name__}: {count} problem{'' if count == 1 else 's'}"


class InputRefused(RecordInvalidError):
    """Input breaks the input policy (:mod:`magcore.model.input_policy`): a control or
    bidirectional character, a text too long, an id that is no id, JSON nested too deeply, an
    unknown person. ``problems`` names each field and the reason; nothing was stored."""

    def __init__(self, problems: Sequence[Problem], *, what: str = "input") -> None:
        super().__init__(problems, what=what)


class TransitionError(MagcoreError):
    """An action is not allowed in the conversation's current state, or not by this actor."""

    def __init__(
        self, *, conversation_id: str, state: str, action: str, reason: str | None = None
    ) -> None:
        self.conversation_id = conversation_id
        self.state = state
        self.action = action
        self.reason = reason
        super().__init__(self.in_language("en"))

    def audit_reason(self) -> str:
        return f"{type(self).__name__}: {self.action} in state {self.state}"

    def in_language(self, language: str) -> str:
        """The message in *language* (``nl``; any other is English): the step and the state in
        words people use, and the reason (:mod:`magcore.transition_words`)."""
        from .transition_words import describe_refusal

        return describe_refusal(
            conversation_id=self.conversation_id,
            state=self.state,
            action=self.action,
            reason=self.reason,
            language=language,
        )


class ConsentError(MagcoreError):
    """A sharing choice is malformed, or one that does not exist is revoked.

    ``field`` names the field of the sharing command at fault (``to``, ``what``,
    ``purpose``, ``until``, ``conversation``, ``choice``) when the refusal is about one, so
    that a caller can point at it without reading the message (which may quote the value).
    ``None`` otherwise. Added in 0.4.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class ApprovalMissingError(ConsentError):
    """A conversation was requested under a cycle version that a body its regulation names
    (the works council, the executive) has not approved; ``missing`` names those bodies."""

    def __init__(self, message: str, *, cycle: str, missing: Sequence[str]) -> None:
        self.cycle = cycle
        self.missing = tuple(missing)
        super().__init__(message)

    def audit_reason(self) -> str:
        return f"{type(self).__name__}: {self.cycle} lacks {', '.join(self.missing)}"


class AccessDenied(ConsentError, PermissionError):
    """A read was refused by the access policy; ``reason`` says why."""

    def __init__(self, *, actor: str, object_id: str, purpose: str, reason: str) -> None:
        self.actor = actor
        self.object_id = object_id
        self.purpose = purpose
        self.reason = reason
        super().__init__(f"{actor} may not read {object_id} for {purpose!r}: {reason}")

    def audit_reason(self) -> str:
        return f"{type(self).__name__}: {self.purpose}: {self.reason}"


class ConflictError(MagcoreError):
    """Optimistic concurrency: the stream moved on since it was read; nothing was written."""

    def __init__(self, *, stream: str, expected_version: int, actual_version: int) -> None:
        self.stream = stream
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"stream {stream} is at version {actual_version}, expected {expected_version}; "
            "nothing was written"
        )

    def audit_reason(self) -> str:
        return (
            f"{type(self).__name__}: at version {self.actual_version}, "
            f"expected {self.expected_version}"
        )


class NotFoundError(MagcoreError, LookupError):
    """A conversation, person, team, cycle or form does not exist."""


class StorageError(MagcoreError):
    """A store cannot be opened, read or written (bad URL, corrupt file, newer schema...)."""


class KeyDestroyedError(StorageError):
    """Content was encrypted with a data key that has been destroyed (erased): it is unreadable.

    Readers show such content as erased; nothing can bring it back.
    """

    def __init__(self, *, key_id: str, owner: str, destroyed: str | None = None) -> None:
        self.key_id = key_id
        self.owner = owner
        self.destroyed = destroyed
        when = f" on {destroyed}" if destroyed else ""
        super().__init__(
            f"data key {key_id} of {owner} was destroyed{when}: the content it protected is "
            "erased and cannot be read"
        )


class ContentIntegrityError(StorageError):
    """Encrypted content was altered, moved to another record or field, or is not a token."""


class KeyProviderError(StorageError):
    """The key provider cannot give a key: a missing or unsafe key file, an unknown key id..."""


class PluginError(MagcoreError):
    """A plugin failed: it did not import, raised inside a hook, or returned the wrong shape."""

    def __init__(self, *, distribution: str, hook: str | None, reason: str) -> None:
        self.distribution = distribution
        self.hook = hook
        self.reason = reason
        where = f" in hook {hook}" if hook else ""
        super().__init__(f"plugin {distribution!r} failed{where}: {reason}")

    def audit_reason(self) -> str:
        """The class, the plugin and the hook (not the reason: it may quote what the hook saw)."""
        where = f" in {self.hook}" if self.hook else ""
        return f"{type(self).__name__}: {self.distribution}{where}"


class StorePluginError(PluginError, StorageError):
    """A store plugin failed inside ``magcore_open_store``: a PluginError naming the plugin and
    the hook, and a StorageError for callers that catch those when a store cannot be opened.

    Added in 0.2.
    """


class TimezoneError(MagcoreError, ValueError):
    """A ``timezone`` setting names no IANA time zone."""


class ExtraMissingError(MagcoreError, ImportError):
    """A feature needs an optional extra that is not installed; the message names it.

    ``extra`` is the name in ``pip install 'magcore[extra]'``.
    """

    def __init__(self, extra: str, feature: str, missing: Sequence[str]) -> None:
        self.extra = extra
        self.feature = feature
        self.missing = tuple(missing)
        super().__init__(
            f"{feature} needs the optional extra '{extra}' ({', '.join(self.missing)} is not "
            f"installed): pip install 'magcore[{extra}]'"
        )

    def __reduce__(self) -> tuple[type[ExtraMissingError], tuple[object, ...]]:
        """Rebuilt whole from a worker process (a simulation's replication)."""
        return (type(self), (self.extra, self.feature, self.missing))


class MagcoreWarning(UserWarning):
    """Base of magcore's warnings."""


class MagcoreDeprecationWarning(MagcoreWarning, DeprecationWarning):
    """Something a plugin or caller uses will be removed in a later release."""
