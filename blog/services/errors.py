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

    def __init__(self, actor_name: str, status: str):
        super().__init__(f"already decided by {actor_name}: {status}")
        self.actor_name = actor_name
        self.status = status


class InvalidTransition(ServiceError):
    """The decision does not apply to the comment's current status."""


class ReplyTargetGone(ServiceError):
    """The comment being answered is not (or no longer) published on this article."""


class NotAllowed(ServiceError):
    """The reader may not do this (not their comment, or its edit window has closed)."""


class ReactionsDisabled(ServiceError):
    """This kind of reaction is turned off on the site."""
