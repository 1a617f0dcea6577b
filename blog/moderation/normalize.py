"""Normalize comment text the way people really write Arabic, Darija and French, keeping a map back.

The pipeline (``normalize``) is a sequence of small, separately testable steps:

1. ``truncate``: only the first ``MAX_CHARS`` (20,000) characters are normalized and matched, so
   the cost is linear and bounded; ``Normalized.truncated`` tells callers that a tail went unread.
2. Per character (one table lookup, cached): lone surrogates become spaces; Unicode NFKC;
   Arabic diacritics, Quranic marks, superscript alef and tatweel are dropped (``strip_diacritics``);
   zero-width, bidi and other invisible controls are dropped (``strip_controls``);
   Persian/Urdu/Maghrebi letter variants become the Arabic letter (``map_lookalikes``), and so do
   Cyrillic and Greek letters that look Latin; Arabic-Indic digits become ASCII (``map_digits``);
   alef, hamza, ya and ta marbuta variants are unified (``unify_letters``):
   ``أ إ آ ٱ ٲ ٳ → ا``, ``ى → ي``, ``ئ → ي``, ``ؤ → و``, ``ة → ه``; a bare ``ء`` is kept at the
   edges of a word and read as ``ي`` inside it (``medial_hamza``: ``رءيس → رييس``).
   Latin is lowercased and French accents folded (``fold_latin``: ``é → e``, ``œ → oe``, ``ß → ss``).
3. Tokens are runs of Arabic letters, or runs of Latin letters, digits and the leet symbols
   ``@ $ ! *`` (leading ``@ ! *`` and trailing ``! * @`` are dropped: mentions and punctuation).
4. ``collapse_stretch``: a letter repeated 3+ times becomes one letter in Arabic (``كلللب → كلب``;
   legitimate doubles such as ``الله`` survive) and two letters in Latin (``coooool → cool``,
   ``connnnard → connard``). Matchers also compare a fully squeezed key (``squeeze``).
5. ``join_spaced``: three or more single-letter tokens of the same script separated only by short
   runs of spaces or symbols are joined into one token (``ك ل ب``, ``c.o.n.n.a.r.d``, ``k-a-l-b``).

Latin tokens keep digits, because a digit means one thing in Arabizi (``3 = ع``, ``7 = ح``,
``9 = ق``) and another in leetspeak (``3 = e``, ``1 = i``). The alternatives are computed on demand:
``deleet(token)`` for French/English leetspeak and ``arabizi_to_arabic(token)`` for Latin-script
Darija; the rule matcher tries every interpretation.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

MAX_CHARS = 20_000
"""Only this many characters of a comment are normalized and matched."""

# --- character classes -----------------------------------------------------------------------

ARABIC_DIACRITICS = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]  # tanween, harakat, shadda, sukun, maddah, hamza marks
    + ["\u0670"]                             # superscript alef
    + [chr(c) for c in range(0x0610, 0x061B)]  # honorific and Quranic signs above letters
    + [chr(c) for c in range(0x06D6, 0x06DD)]  # Quranic annotation marks
    + [chr(c) for c in range(0x06DF, 0x06E5)]
    + ["\u06E7", "\u06E8"]
    + [chr(c) for c in range(0x06EA, 0x06EE)]
    + [chr(c) for c in range(0x08D3, 0x0900) if c != 0x08E2]  # extended Arabic marks
)
TATWEEL = "\u0640"

INVISIBLE_CONTROLS = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]    # zero-width space/joiners, LRM, RLM
    + [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings and overrides
    + [chr(c) for c in range(0x2060, 0x2065)]  # word joiner, invisible operators
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
    + [chr(c) for c in range(0xFE00, 0xFE10)]  # variation selectors
    + ["\uFEFF", "\u00AD", "\u034F", "\u061C", "\u180E", "\u115F", "\u1160", "\u3164", "\uFFA0"]
)

# Letter variants unified to one Arabic letter (the choice is the common one in Arabic NLP).
ARABIC_UNIFY = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ٵ": "ا",
    "ى": "ي", "ئ": "ي", "ؤ": "و", "ٶ": "و", "ة": "ه", "ۀ": "ه", "ۃ": "ه",
}

# Persian, Urdu, Maghrebi and other letters that stand for an Arabic letter in practice.
ARABIC_LOOKALIKES = {
    "ک": "ك", "ڪ": "ك", "ګ": "ك", "گ": "ك", "ڭ": "ك", "ڬ": "ك", "ػ": "ك", "ؼ": "ك",
    "ی": "ي", "ې": "ي", "ۍ": "ي", "ێ": "ي", "ے": "ي", "ۓ": "ي", "ٸ": "ي", "ؽ": "ي", "ؾ": "ي", "ؿ": "ي",
    "ھ": "ه", "ہ": "ه", "ە": "ه", "ۂ": "ه",
    "ڤ": "ف", "ڥ": "ف", "ڢ": "ف", "ڧ": "ق", "ڨ": "ق", "ٯ": "ق",
    "پ": "ب", "ٮ": "ب", "چ": "ج", "ڃ": "ج", "ژ": "ز", "ڒ": "ر", "ڕ": "ر", "ڑ": "ر",
    "ٹ": "ت", "ټ": "ت", "ڈ": "د", "ډ": "د", "ڊ": "د", "ۆ": "و", "ۇ": "و", "ۈ": "و", "ۋ": "و",
    "ۉ": "و", "ۏ": "و", "ڵ": "ل", "ڶ": "ل", "ڷ": "ل", "ں": "ن", "ڻ": "ن", "ڼ": "ن", "ٻ": "ب",
    "ښ": "س", "ڛ": "س", "ڜ": "ش", "ۺ": "ش", "ڝ": "ص", "ڞ": "ض", "ڟ": "ظ", "ڠ": "غ", "ۼ": "غ",
    "ڄ": "ج", "څ": "ح", "ځ": "ح", "ڂ": "ح", "ڇ": "ج", "ڀ": "ب",
}

# Cyrillic and Greek letters that are drawn like Latin ones (after lowercasing).
LATIN_LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ɑ": "a", "ɡ": "g", "ı": "i", "ȷ": "j", "ℓ": "l",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o", "η": "n", "μ": "u",
}

LATIN_SPECIAL = {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ħ": "h", "þ": "th"}

DIGITS = {chr(0x0660 + i): str(i) for i in range(10)}
DIGITS.update({chr(0x06F0 + i): str(i) for i in range(10)})

LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
        "!": "i", "|": "l", "€": "e", "*": ""}

# Arabizi (Latin-script Darija): digraphs first, then single letters and digits.
ARABIZI_DIGRAPHS = (
    ("ch", "ش"), ("sh", "ش"), ("kh", "خ"), ("gh", "غ"), ("dj", "ج"), ("ou", "و"), ("oo", "و"),
    ("ee", "ي"), ("ei", "ي"), ("ai", "ي"), ("ay", "ي"),
)
ARABIZI_LETTERS = {
    "a": "ا", "b": "ب", "c": "ك", "d": "د", "e": "", "f": "ف", "g": "ق", "h": "ه", "i": "ي",
    "j": "ج", "k": "ك", "l": "ل", "m": "م", "n": "ن", "o": "و", "p": "ب", "q": "ق", "r": "ر",
    "s": "س", "t": "ت", "u": "و", "v": "ف", "w": "و", "x": "كس", "y": "ي", "z": "ز",
    "2": "ء", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "غ", "9": "ق",
}

ARABIC_LETTER_RE = "\u0621-\u063A\u0641-\u064A"
_TOKEN_RE = re.compile(rf"[{ARABIC_LETTER_RE}]+|[a-z0-9@$!*]+")
_STRETCH_RE = re.compile(r"([^\W\d_])\1{2,}")
_SQUEEZE_RE = re.compile(r"(\D)\1+")


class Token(NamedTuple):
    """One normalized word; ``start``/``end`` are its span in the ORIGINAL text.

    (A named tuple: a comment makes dozens of these, and a tuple is several times cheaper to build
    than a frozen dataclass.)
    """

    text: str
    start: int
    end: int
    stretched: bool = False   # a letter was repeated 3+ times in the original spelling
    spaced: bool = False      # joined from letters written apart (join_spaced)

    @property
    def is_arabic(self) -> bool:
        """True when the token is written in Arabic script."""
        return bool(self.text) and "\u0621" <= self.text[0] <= "\u064A"


@dataclass(frozen=True)
class Normalized:
    """A normalized comment: the original, its normalized text, the offsets map and the tokens.

    ``offsets[i]`` is the index in ``original`` of the character that produced ``text[i]``.
    """

    original: str
    text: str
    tokens: tuple[Token, ...]
    offsets: Sequence[int] = ()
    truncated: bool = False

    def span_text(self, start: int, end: int) -> str:
        """The original characters of a span."""
        return self.original[start:end]


# --- per-character steps ---------------------------------------------------------------------

def truncate(text: str, limit: int = MAX_CHARS) -> str:
    """Keep the first ``limit`` characters (screening cost stays linear and bounded)."""
    return text if len(text) <= limit else text[:limit]


def strip_diacritics(text: str) -> str:
    """Remove Arabic harakat, tanween, shadda, sukun, superscript alef, Quranic marks and tatweel."""
    return "".join(c for c in text if c not in ARABIC_DIACRITICS and c != TATWEEL)


def strip_controls(text: str) -> str:
    """Remove zero-width characters, bidi controls, soft hyphens and other invisible marks."""
    return "".join(c for c in text if c not in INVISIBLE_CONTROLS)


def unify_letters(text: str) -> str:
    """Unify alef variants to ا, ى/ئ to ي, ؤ to و and ة to ه."""
    return "".join(ARABIC_UNIFY.get(c, c) for c in text)


def map_lookalikes(text: str) -> str:
    """Map Persian/Urdu letters to Arabic ones and Cyrillic/Greek look-alikes to Latin."""
    out = []
    for c in text:
        c = ARABIC_LOOKALIKES.get(c, c)
        low = c.lower() if c.isupper() else c
        out.append(LATIN_LOOKALIKES.get(low, c))
    return "".join(out)


def map_digits(text: str) -> str:
    """Arabic-Indic and Eastern Arabic-Indic digits become ASCII digits."""
    return "".join(DIGITS.get(c, c) for c in text)


def fold_latin(text: str) -> str:
    """Lowercase and drop accents (é → e, ç → c, œ → oe); other scripts are left alone."""
    out = []
    for c in text.lower():
        if c in LATIN_SPECIAL:
            out.append(LATIN_SPECIAL[c])
        elif c < "\u0250" and not c.isascii():
            out.append("".join(d for d in unicodedata.normalize("NFD", c)
                               if not unicodedata.combining(d)))
        else:
            out.append(c)
    return "".join(out)


_CHAR_CACHE: dict[str, str] = {}


def _map_char(ch: str) -> str:
    """Everything that happens to one character, computed once and cached."""
    cached = _CHAR_CACHE.get(ch)
    if cached is not None:
        return cached
    if "\ud800" <= ch <= "\udfff":
        result = " "
    elif ch in INVISIBLE_CONTROLS or ch in ARABIC_DIACRITICS or ch == TATWEEL:
        result = ""
    else:
        parts = []
        for c in unicodedata.normalize("NFKC", ch):
            if c in INVISIBLE_CONTROLS or c in ARABIC_DIACRITICS or c == TATWEEL:
                continue
            if unicodedata.combining(c):
                continue
            c = DIGITS.get(c, c)
            c = ARABIC_UNIFY.get(c, c)
            c = ARABIC_LOOKALIKES.get(c, c)
            c = LATIN_LOOKALIKES.get(c.lower(), c)
            parts.append(fold_latin(c))
        result = "".join(parts)
    if len(_CHAR_CACHE) < 50_000:
        _CHAR_CACHE[ch] = result
        if len(result) == 1:
            _UNIT_TABLE[ord(ch)] = result
            _UNIT_CHARS.add(ch)
    return result


_UNIT_TABLE: dict[int, str] = {}   # characters that map to exactly one character (str.translate)
_UNIT_CHARS: set[str] = set()


def map_chars(text: str) -> tuple[str, Sequence[int]]:
    """Apply every per-character step; return the new text and, per new char, its original index.

    Fast path: when every character maps to exactly one character, ``str.translate`` does the
    work in C and the offsets are the identity.
    """
    chars = set(text)
    if not chars <= _UNIT_CHARS:
        for ch in chars - _UNIT_CHARS:
            _map_char(ch)
        if chars <= _UNIT_CHARS:
            return text.translate(_UNIT_TABLE), range(len(text))
    else:
        return text.translate(_UNIT_TABLE), range(len(text))
    out: list[str] = []
    offsets: list[int] = []
    get = _CHAR_CACHE.get
    for i, ch in enumerate(text):
        m = get(ch)
        if m is None:
            m = _map_char(ch)
        if len(m) == 1:
            out.append(m)
            offsets.append(i)
        elif m:
            out.append(m)
            offsets.extend([i] * len(m))
    return "".join(out), tuple(offsets)


# --- token steps -----------------------------------------------------------------------------

def collapse_stretch(word: str) -> str:
    """Letters repeated 3+ times: one letter in Arabic, two in Latin (``coooool → cool``)."""
    if len(word) < 3:
        return word

    def repl(m: re.Match[str]) -> str:
        c = m.group(1)
        return c if "\u0600" <= c <= "\u06FF" else c + c

    return _STRETCH_RE.sub(repl, word)


def squeeze(word: str) -> str:
    """Every run of the same letter becomes one letter (the key matchers compare)."""
    return _SQUEEZE_RE.sub(r"\1", word)


def deleet(word: str) -> str:
    """French/English leetspeak reading of a Latin token (``s4l0p3 → salope``, ``$ale → sale``)."""
    if word.isalpha():
        return word
    return "".join(LEET.get(c, c) for c in word)


_ARABIZI_KEY_RE = re.compile(r"kh|gh|sh|dj|q")
_ARABIZI_KEY = {"kh": "5", "gh": "8", "sh": "ch", "dj": "j", "q": "9"}


def arabizi_key(word: str) -> str:
    """One spelling for the Arabizi letters Latin-script Darija writes in two ways.

    ``kh``/``5`` → ``5``, ``gh``/``8`` → ``8``, ``q``/``9`` → ``9``, ``sh``/``ch`` → ``ch``,
    ``dj``/``j`` → ``j``: ``khanz`` and ``5anz``, ``qahba`` and ``9ahba`` share a key.
    """
    if not any(c in word for c in "khgsdq"):
        return word
    return _ARABIZI_KEY_RE.sub(lambda m: _ARABIZI_KEY[m.group()], word)


def arabizi_to_arabic(word: str) -> str:
    """Arabic-script reading of a Latin-script Darija token (``9a7ba → قاحبا``, ``chmkar → شمكار``).

    Short vowels are written as in Arabizi (``a → ا``, ``e`` dropped, ``i → ي``, ``o/u → و``), so
    callers compare consonant skeletons (see ``skeleton``). Digits: 2=ء 3=ع 5=خ 6=ط 7=ح 8=غ 9=ق.
    """
    out = []
    i = 0
    n = len(word)
    while i < n:
        pair = word[i:i + 2]
        for src, dst in ARABIZI_DIGRAPHS:
            if pair == src:
                out.append(dst)
                i += 2
                break
        else:
            out.append(ARABIZI_LETTERS.get(word[i], ""))
            i += 1
    return "".join(out)


_SKELETON_DROP = str.maketrans("", "", "اويءى")


def skeleton(arabic: str) -> str:
    """Consonant skeleton of an Arabic-script word: long vowels and hamza dropped, runs squeezed,
    a final ه (ta marbuta) dropped. Used to compare Arabizi readings with Arabic-script terms."""
    s = squeeze(arabic.translate(_SKELETON_DROP))
    if len(s) > 2 and s.endswith("ه"):
        s = s[:-1]
    return s


_VOWELS = frozenset("اويءى")


def skeleton_gaps(arabic: str) -> tuple[str, tuple[frozenset[str], ...]]:
    """Skeleton plus, for each gap between its consonants, the long vowels written there.

    An Arabizi reading matches an Arabic term when the skeletons are equal and every long vowel
    of the term is also written in the same gap of the reading (``zamel`` = ``زامل``, but
    ``lblad`` is not ``بليد``): short vowels are optional, long vowels are not.
    """
    word = squeeze(arabic)
    if len(word) > 2 and word.endswith("ه"):
        word = word[:-1]
    cons: list[str] = []
    gaps: list[set[str]] = [set()]
    for c in word:
        if c in _VOWELS:
            if c != "ء":
                gaps[-1].add(c)
        else:
            cons.append(c)
            gaps.append(set())
    return "".join(cons), tuple(frozenset(g) for g in gaps)


def medial_hamza(word: str) -> str:
    """A bare ء inside an Arabic word stands for ئ and becomes ي (الجزاءر → الجزاير, like الجزائر)."""
    if len(word) < 3:
        return word
    return word[0] + word[1:-1].replace("ء", "ي") + word[-1]


def _clean_latin(word: str) -> str:
    """Drop mention/punctuation leet symbols at the edges of a Latin token."""
    return word.lstrip("@!*").rstrip("!*@")


def tokenize(text: str, offsets: Sequence[int], original: str) -> list[Token]:
    """Cut normalized text into Arabic-letter and Latin/digit tokens with original spans."""
    stretchy = _STRETCH_RE.search(text) is not None
    tokens: list[Token] = []
    n_orig = len(original)
    for m in _TOKEN_RE.finditer(text):
        word = m.group()
        s, e = m.start(), m.end()
        if word[0] < "\u0600":
            stripped = _clean_latin(word)
            if not stripped:
                continue
            lead = word.find(stripped)
            s, e = s + lead, s + lead + len(stripped)
            word = stripped
        start = offsets[s]
        end = offsets[e - 1] + 1
        # extend over characters that normalized away (diacritics, joiners) right after the token
        nxt = offsets[e] if e < len(offsets) else n_orig
        while end < nxt and _map_char(original[end]) == "":
            end += 1
        collapsed = collapse_stretch(word) if stretchy else word
        if "ء" in collapsed[1:-1]:
            collapsed = medial_hamza(collapsed)
            tokens.append(Token(collapsed, start, end, stretchy and collapse_stretch(word) != word))
        else:
            tokens.append(Token(collapsed, start, end, collapsed != word))
    return tokens




def _single(token: Token, original: str) -> bool:
    """True for a token written as one letter (an Arabizi digit counts; not a stretched letter)."""
    if len(token.text) != 1 or ("0" <= token.text <= "9" and token.text not in "235789"):
        return False
    return len("".join(_map_char(c) for c in original[token.start:token.end]).strip()) == 1


def join_spaced(tokens: list[Token], text: str, offsets: Sequence[int], original: str) -> list[Token]:
    """Join 3+ single-letter tokens of one script separated only by short runs of symbols."""
    if len(tokens) < 3 or sum(len(t.text) == 1 for t in tokens) < 3:
        return tokens
    out: list[Token] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if _single(t, original):
            j = i + 1
            arabic = t.is_arabic
            while j < n:
                u = tokens[j]
                if not _single(u, original) or u.is_arabic != arabic:
                    break
                gap = original[tokens[j - 1].end:u.start]
                if not gap or len(gap) > 3 or any(c.isalnum() for c in gap):
                    break
                j += 1
            if j - i >= 3:
                out.append(Token("".join(x.text for x in tokens[i:j]), t.start, tokens[j - 1].end, spaced=True))
                i = j
                continue
        out.append(t)
        i += 1
    return out


def normalize(text: str) -> Normalized:
    """Run the whole normalization; never raises on any ``str`` and runs in linear time."""
    if not isinstance(text, str):
        text = str(text)
    original = text
    clipped = truncate(text)
    norm, offsets = map_chars(clipped)
    tokens = tokenize(norm, offsets, original)
    tokens = join_spaced(tokens, norm, offsets, original)
    return Normalized(original=original, text=norm, tokens=tuple(tokens),
                      offsets=offsets, truncated=len(clipped) < len(original))
