"""Errors that services raise and views turn into messages."""
from __future__ import annotations


class ServiceError(Exception):
    """Base of every expected failure of a use case."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not visible)."""


class CommentsClosed(ServiceError):
    """The article does not take comments."""


class Conflict(ServiceError):
    """Somebody else decided first; carries what they decided."""

    def __init__(self, actor_name: str, status: str, actor_id: int | None = None):
        super().__init__(f"already decided by {actor_name}: {status}")
        self.actor_name = actor_name
        self.status = status
        self.actor_id = actor_id  # None: the screening, or not known


class InvalidTransition(ServiceError):
    """The decision does not apply to the comment's current status."""


class ArticleChanged(ServiceError):
    """Another editor saved the article since this editor opened it; carries the current state."""

    def __init__(self, article):
        super().__init__(f"article {article.id} is at version {article.version}")
        self.article = article


class SlugTaken(ServiceError):
    """The slug asked for belongs to another article."""


class NameTaken(ServiceError):
    """Another category already bears the name asked for."""


class Moved(ServiceError):
    """The slug asked for is a former slug: the article now lives at `slug`."""

    def __init__(self, slug: str):
        super().__init__(slug)
        self.slug = slug


class InvalidImage(ServiceError):
    """The upload is not an image the site accepts (type, size or dimensions); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LastAdmin(ServiceError):
    """The change would leave the site without an active admin."""


class ReplyTargetGone(ServiceError):
    """The comment being answered is not (or no longer) published on this article."""


class NotAllowed(ServiceError):
    """The reader may not do this (not their comment, or its edit window has closed)."""


class ReactionsDisabled(ServiceError):
    """This kind of reaction is turned off on the site."""
