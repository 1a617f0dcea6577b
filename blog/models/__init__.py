"""The database models."""
from .article import Article, ArticleStatus
from .comment import Comment, CommentStatus
from .reaction import DISLIKE, LIKE, CommentReaction
from .moderation import ActionKind, Ban, ModerationAction, ScreeningTerm, SiteState
from .types import utcnow
from .user import Role, User

__all__ = [
    "ActionKind", "Article", "ArticleStatus", "Ban", "Comment", "CommentReaction", "CommentStatus", "DISLIKE", "LIKE",
    "ModerationAction", "Role", "ScreeningTerm", "SiteState", "User", "utcnow",
]
