"""Readable Latin slugs for Arabic, French and English titles (pure Python, no Flask)."""
from __future__ import annotations

import re
import secrets
import unicodedata

SLUG_MAX = 80
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# A simple, readable transliteration (Moroccan press habits: ش → ch, ج → j, ة → a).
_ARABIC_TO_LATIN = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h",
    "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "ch", "ص": "s", "ض": "d", "ط": "t",
    "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "ة": "a", "ى": "a", "ء": "", "ئ": "e", "ؤ": "o", "ڤ": "v", "پ": "p", "گ": "g", "ڭ": "g", "چ": "tch",
}
_VOWEL_LIKE = {"و": ("w", "ou"), "ي": ("y", "i")}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
_DIACRITICS = re.compile("[\u064B-\u065F\u0670\u0640]")


def transliterate(text: str) -> str:
    """Arabic letters to Latin (و/ي as consonants at a word's start, as vowels inside), accents dropped."""
    text = _DIACRITICS.sub("", unicodedata.normalize("NFC", text or ""))
    out: list[str] = []
    previous = " "
    for ch in text:
        if ch in _VOWEL_LIKE:
            consonant, vowel = _VOWEL_LIKE[ch]
            out.append(consonant if not previous.isalpha() else vowel)
        elif ch in _ARABIC_TO_LATIN:
            out.append(_ARABIC_TO_LATIN[ch])
        else:
            out.append(_DIGITS.get(ch, ch))
        previous = ch
    folded = unicodedata.normalize("NFKD", "".join(out))
    return "".join(c for c in folded if not unicodedata.combining(c))


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """A lowercase Latin slug of the title, cut at a word boundary; empty when nothing is left."""
    words = re.findall(r"[a-z0-9]+", transliterate(title).lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or (words[0][:max_length] if words else "")


def short_id() -> str:
    """A short random slug for titles with nothing to transliterate."""
    return "a-" + secrets.token_hex(4)


# Tatweel, harakat, dagger alef: how a word is drawn, not which word it is.
NAME_MARKS = "\u0640" + "".join(map(chr, range(0x064B, 0x0653))) + "\u0670"
_NAME_MARKS = re.compile(f"[{NAME_MARKS}]")


def name_key(name: str) -> str:
    """A category's or tag's name as its spellings compare: one case, no tatweel or harakat ("Maroc" and "MAROC",
    "مغرب" and "مـغرب" are one tag)."""
    return _NAME_MARKS.sub("", unicodedata.normalize("NFKC", name)).casefold()
