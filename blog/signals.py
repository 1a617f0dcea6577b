"""Named signals sent by services; subscribers are connected in create_app."""
from blinker import Namespace

_signals = Namespace()

comment_submitted = _signals.signal("comment-submitted")
comment_decided = _signals.signal("comment-decided")
terms_changed = _signals.signal("terms-changed")
comment_reported = _signals.signal("comment-reported")
comment_edited = _signals.signal("comment-edited")
comment_withdrawn = _signals.signal("comment-withdrawn")
