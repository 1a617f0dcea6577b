"""Named signals sent by services; subscribers are connected in create_app."""
from blinker import Namespace

_signals = Namespace()

comment_submitted = _signals.signal("comment-submitted")
comment_decided = _signals.signal("comment-decided")
terms_changed = _signals.signal("terms-changed")
# Sent by the editors' services after an article's visible content changed (edit, publication,
# unpublication, comments opened or closed), and by the privacy service after an erasure blanked names its
# comments showed, once the transaction is committed:
#     signals.article_changed.send(current_app._get_current_object(), article=article, old_slug=None)
# Pass old_slug when the slug itself changed. The page cache drops every cached page of the article.
article_changed = _signals.signal("article-changed")
comment_reported = _signals.signal("comment-reported")
article_saved = _signals.signal("article-saved")
comment_edited = _signals.signal("comment-edited")
comment_withdrawn = _signals.signal("comment-withdrawn")
