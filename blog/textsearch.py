"""Words for the article search index, normalized like the screening engine (pure Python, no Flask).

Both the index and the query go through the same steps, so that hamza forms (أ إ آ → ا), ta marbuta,
alef maqsura, diacritics, tatweel and Arabic-Indic digits never decide whether an article is found:
``blog.moderation.normalize.map_chars`` per character, then words, then a light stemmer that drops
the article and the clitics glued to it (``والمكتبة`` → ``مكتبه``). Each word is indexed as written
(normalized) and as stemmed; a query word matches any indexed word that starts with its stem, or with the word
as written: a word whose own letters begin with alef-lam (``إلكترونية``, normalized ``الكترونيه``) is no
article plus a word, and is found where the text has it with the article (``الإلكترونية``, whose stem it is).
A word with a one-letter particle glued to it (``بأكادير``) and a hamza on a seat (``المسؤول``, ``المسئول``) are
indexed in their other forms too (below).
"""
from __future__ import annotations

import re

from .moderation.normalize import ARABIC_LETTER_RE, map_chars

TERM_MAX = 64
QUERY_MAX_WORDS = 8
_WORD_RE = re.compile(rf"[{ARABIC_LETTER_RE}]+|[a-z0-9]+")
# The definite article with the particles that attach to it, longest first.
_ARTICLE_PREFIXES = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "لل", "ال")


def words(text: str) -> list[str]:
    """The normalized words of a text, in order."""
    normalized, _offsets = map_chars(text or "")
    return _WORD_RE.findall(normalized)


def stem(word: str) -> str:
    """Drop a leading definite article (and a particle before it) when at least two letters remain."""
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


# Endings a query word loses to be found in its other number: the feminine ending (ة, normalized ه) and the
# feminine plural (ات): "تعاونية" finds "تعاونيات", and "تعاونيات" "تعاونية", each read as a prefix.
_NUMBER_ENDINGS = ("ات", "ه")


def _without_number(word: str) -> str:
    """The word without a feminine or feminine-plural ending, when at least three letters remain."""
    for ending in _NUMBER_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word


# One-letter particles glued to a word with no article ("بأكادير", "لفرنسا", "وأكادير"), read off when at least four
# letters remain (short words keep their first letter). A query word also looks for the word without one. The index
# holds a text's word without one too, marked: a query word of four letters or more, with or without a particle,
# finds it ("أكادير" and "وأكادير" find "بأكادير"); a shorter one does not ("زار" does not find every "وزارة").
_PROCLITICS = ("و", "ف", "ب", "ل", "ك")
_READ_OFF = "~"  # never in a word


def _without_proclitic(word: str) -> str | None:
    if word[:1] in _PROCLITICS and len(word) - 1 >= 4:
        return word[1:]
    return None


# Hamza on a seat is written on waw or on ya for the same word ("المسؤول", "المسئول"; "شؤون", "شئون"), and the
# normalizer makes the one و and the other ي: a text holding either is indexed as written and in the other spelling.
_OTHER_SEAT = (str.maketrans("ؤ", "ئ"), str.maketrans("ئ", "ؤ"))


def _spellings(text: str) -> list[str]:
    """The text, and where it writes a hamza on a seat, the text with each seat written as the other."""
    if "ؤ" not in text and "ئ" not in text:
        return [text]
    return [text, *(text.translate(other) for other in _OTHER_SEAT)]


def index_terms(*texts: str) -> set[str]:
    """Every term to index for these texts, cut to the column's length: each word (in each spelling of its hamza
    seats), its stem, and the word without a one-letter particle glued to it ("بأكادير" is found by "أكادير")."""
    terms: set[str] = set()
    for text in texts:
        for spelling in _spellings(text or ""):
            for word in words(spelling):
                stemmed = stem(word)
                terms.add(word[:TERM_MAX])
                terms.add(stemmed[:TERM_MAX])
                if stemmed == word and (bare := _without_proclitic(word)):
                    terms.add((_READ_OFF + bare)[:TERM_MAX])
    return terms


def article_terms(title: str, lead: str, body: str, slug: str) -> set[str]:
    """An article's index terms: its texts, and the words of its address (Latin place names such as "fes" are often
    written only there)."""
    return index_terms(title, lead, body, slug.replace("-", " "))


def whole_words(query: str) -> list[tuple[str, ...]]:
    """Each query word's forms as whole words of the index (not as prefixes): the word as written and its stem, with
    and without a one-letter particle glued to it. Where a text holds them, it holds the word itself ("fes"), not only
    a longer one beginning with it ("festival")."""
    seen: list[tuple[str, ...]] = []
    for word in words(query):
        stemmed = stem(word)
        forms = tuple(dict.fromkeys(form[:TERM_MAX] for form in (word, stemmed)))
        bare = _without_proclitic(stemmed) if stemmed == word else None
        if bare:
            forms += (bare[:TERM_MAX], (_READ_OFF + bare)[:TERM_MAX])
        if forms not in seen:
            seen.append(forms)
    return seen[:QUERY_MAX_WORDS]


def query_terms(query: str) -> list[tuple[str, ...]]:
    """What a search looks for, word by word (every word must match, at most QUERY_MAX_WORDS): each word's
    stem without a feminine or plural ending (the index is not stemmed for them: the query's prefix reaches both
    numbers), the word as written where it differs, the word without a one-letter particle glued to it, and these
    among the text's words that had one (any one of them as a prefix of an indexed term)."""
    seen: list[tuple[str, ...]] = []
    for word in words(query):
        stemmed, written = _without_number(stem(word))[:TERM_MAX], _without_number(word)[:TERM_MAX]
        ways = (stemmed,) if written.startswith(stemmed) else (stemmed, written)
        bare = _without_proclitic(stemmed) if stemmed == written else None  # (an article already gone: none)
        if bare:
            ways += (bare,)
        ways += tuple((_READ_OFF + form)[:TERM_MAX] for form in (stemmed, bare) if form and len(form) >= 4)
        if ways not in seen:
            seen.append(ways)
    return seen[:QUERY_MAX_WORDS]
