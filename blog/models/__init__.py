"""The database models."""
from .article import Article, ArticleStatus
from .comment import Comment, CommentStatus
from .moderation import ActionKind, Ban, CommentReport, ModerationAction, ScreeningTerm, SiteState
from .reaction import DISLIKE, LIKE, CommentReaction
from .types import utcnow
from .user import Role, User

__all__ = [
    "ActionKind", "Article", "ArticleStatus", "Ban", "Comment", "CommentReaction", "CommentReport", "CommentStatus",
    "DISLIKE", "LIKE",
    "ModerationAction", "Role", "ScreeningTerm", "SiteState", "User", "utcnow",
]
