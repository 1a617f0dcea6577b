"""The database models."""
from .article import Article, ArticleStatus
from .comment import Comment, CommentStatus
from .moderation import ActionKind, Ban, CommentReport, ModerationAction, ScreeningTerm, SiteState
from .types import utcnow
from .user import Role, User

__all__ = [
    "ActionKind", "Article", "ArticleStatus", "Ban", "Comment", "CommentReport", "CommentStatus",
    "ModerationAction", "Role", "ScreeningTerm", "SiteState", "User", "utcnow",
]
