"""The database models."""
from .article import Article, ArticleRevision, ArticleSlug, ArticleStatus, ArticleTerm, Category, Tag, article_tags
from .comment import Comment, CommentStatus
from .moderation import ActionKind, Ban, CommentReport, ModerationAction, ScreeningTerm, SiteState
from .reaction import DISLIKE, LIKE, CommentReaction
from .privacy import PrivacyKind, PrivacyRequest
from .types import utcnow
from .user import Role, StaffSession, User, UserRole

__all__ = [
    "ActionKind", "Article", "ArticleRevision", "ArticleSlug", "ArticleStatus", "ArticleTerm", "Ban", "Category",
    "Comment", "CommentReaction", "CommentReport", "CommentStatus", "DISLIKE", "LIKE", "Tag", "article_tags",
    "ModerationAction", "PrivacyKind", "PrivacyRequest", "Role", "ScreeningTerm", "SiteState", "StaffSession", "User", "UserRole",
    "utcnow",
]
