"""Rule checks: term lists matched on whole normalized tokens and stems, and structural signals.

Terms are indexed in dicts once (``TermIndex``); a comment is matched token by token, never by
substring search, so ``حمار`` does not fire inside ``احمرار`` nor ``con`` inside ``conseil``.
Each token is read in every way people write it:

- Arabic script: the token, and its cores once Arabic clitics are removed (prefixes such as
  ``و ف ب ل ك ال وال بال لل يا``, suffixes such as ``ه ها هم ك كم ي نا ين ون ات``). Non-stem terms
  of three letters or more accept the prefixes only; stem terms accept prefixes and suffixes.
- Latin script: the token as written (digits as Arabizi, for ``darija_latn`` terms), its leetspeak
  reading (``deleet``, for French and English terms), Darija clitics around ``darija_latn`` stems
  and plural/feminine endings around French/English stems; and its Arabizi reading in Arabic
  script (``arabizi_to_arabic``), compared by consonant skeleton with Arabic-script terms.
A token is also looked up ``squeeze``-d (runs of a letter count once) against squeezed terms when
it shows a doubled letter, so stretching never hides a term (``zebiii``, ``كلللب``) while ``as`` is
never ``ass``. ``terms/exceptions.txt`` lists innocent words and phrases that are never hits.

One token is also read in pieces: a run of letters written apart (``join_spaced``) that no term matches
whole. Several words spaced alike join into one run (``ح م ا ر و ك ل ب``), so each piece that could be one
of them is read as a word (``across_words``): three letters or more at either end of the run, four or more
inside it, where a short term would lie in too many innocent words.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from .normalize import (Normalized, Token, arabizi_key, arabizi_to_arabic, deleet, normalize,
                        skeleton_gaps, squeeze)
from .types import Context, Hit, Rule, Settings, Severity, Term

TERMS_DIR = Path(__file__).with_name("terms")
LANG_FILES = ("ar", "darija", "darija_latn", "fr", "en")
ARABIC_SCRIPT_LANGS = frozenset({"ar", "darija"})

AR_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل",
               "يا", "ويا", "يال", "وب", "ول", "فب", "فل", "وك", "ا", "د", "دال", "وا")
AR_SUFFIXES = ("", "ه", "ها", "هم", "هن", "ك", "كم", "كن", "ي", "ني", "نا", "ين", "ون", "ات", "ان",
               "يه", "يات", "يين", "تي", "و", "هوم", "كوم", "ش", "تين", "اتك", "اتهم", "تك", "ته",
               "تها", "تهم", "تكم", "ا")
# Clitics that make a new word too easily on a short core: a two- or three-letter term takes only
# these (ف+خرا is "pride", زب+ون is "customer").
AR_SHORT_PREFIXES = ("", "و", "ال", "وال", "فال", "يا", "يال", "ويا", "بال", "لل", "ل", "ول", "د",
                     "دال", "ا")
AR_SHORT_STEM_SUFFIXES = ("", "ه", "ها", "هم", "ك", "كم", "ي", "ني", "نا", "تك", "ته", "تها", "و")

LAT_PREFIXES = ("", "l", "el", "al", "w", "wl", "wel", "b", "bl", "f", "fl", "ya", "a")
LAT_DARIJA_SUFFIXES = ("", "a", "i", "o", "ou", "k", "ek", "ik", "ak", "ha", "hom", "kom", "na", "in",
                       "ine", "at", "iya", "ia", "ti", "tek", "to", "tou", "tha", "hoom")
LAT_FR_SUFFIXES = ("", "s", "e", "es", "x")
LAT_EN_SUFFIXES = ("", "s", "es")

MIN_SKELETON = 3
MAX_WORD = 64
# Pieces of a spaced-out run read as words (TermIndex.across_words): their least length at an end of the run
# and inside it, and their greatest (a term with its clitics).
EDGE_PIECE, INNER_PIECE, MAX_PIECE = 3, 4, 16
# The longest run read in pieces (a few words), and the most pieces read in one comment: a comment made of
# many long spaced-out runs costs tens of milliseconds at most, not hundreds.
MAX_SPACED_RUN, PIECES_PER_COMMENT = 32, 1500
_NOTHING: tuple[tuple[Term, ...], frozenset[str], frozenset[str]] = ((), frozenset(), frozenset())
ARABIZI_SUFFIXES = frozenset({"", "ي", "ك", "ه", "ها", "هم", "كم", "نا", "ات", "ين", "و"})
_TA_MARBUTA_DROPPED = frozenset({"ات", "ين", "ون", "يات", "ان"})


def parse_terms(lines: Iterable[str], lang: str) -> list[Term]:
    """Parse the term-file format described in ``terms/README.md``."""
    terms: list[Term] = []
    rule, severity, stem_default = Rule.INSULT, Severity.HOLD, False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            term, rule, severity, stem_default = _parse_line(line, lang, rule, severity, stem_default)
        except ValueError as exc:
            raise ValueError(f"{lang} terms, line {number}: {line!r}: {exc}") from None
        if term is not None:
            terms.append(term)
    return terms


def _parse_line(line: str, lang: str, rule: Rule, severity: Severity, stem_default: bool
                ) -> tuple[Term | None, Rule, Severity, bool]:
    """One non-comment line: a directive (returns new defaults) or a term."""
    if line.startswith("@"):
        parts = line[1:].split()
        if not parts or len(parts) > 3 or (len(parts) == 3 and parts[2] != "stem"):
            raise ValueError("expected '@<rule> <severity> [stem]'")
        return (None, Rule(parts[0]), Severity(parts[1]) if len(parts) > 1 else Severity.HOLD,
                len(parts) == 3)
    fields = [f.strip() for f in line.split("\t")]
    text, stem = fields[0], stem_default
    if text.endswith("*"):
        stem, text = True, text[:-1].strip()
    elif text.endswith("="):
        stem, text = False, text[:-1].strip()
    t_rule = Rule(fields[1]) if len(fields) > 1 and fields[1] else rule
    t_sev = Severity(fields[2]) if len(fields) > 2 and fields[2] else severity
    if len(fields) > 3 and fields[3]:
        stem = fields[3] == "stem"
    if not text:
        raise ValueError("empty term")
    term = Term(text=text, rule=t_rule, severity=t_sev, lang=lang, stem=stem)
    return term, rule, severity, stem_default


def load_shipped_exceptions() -> list[str]:
    """Innocent words and phrases that are never hits, from ``terms/exceptions.txt``."""
    path = TERMS_DIR / "exceptions.txt"
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def load_shipped_terms() -> list[Term]:
    """The project's own starter term lists, from ``blog/moderation/terms/*.txt``."""
    terms: list[Term] = []
    for lang in LANG_FILES:
        path = TERMS_DIR / f"{lang}.txt"
        if path.exists():
            terms.extend(parse_terms(path.read_text(encoding="utf-8").splitlines(), lang))
    return terms


def text_words(text: str) -> tuple[str, ...]:
    """The normalized, squeezed words of a term's text, as tokens are keyed."""
    return tuple(t.text for t in normalize(text).tokens)


def term_words(term: Term) -> tuple[str, ...]:
    """The normalized, squeezed words of a term, as tokens are keyed."""
    return text_words(term.text)


_AR_PREFIX_SET = frozenset(AR_PREFIXES)
_AR_SUFFIX_SET = frozenset(AR_SUFFIXES)
_AR_PREFIX_MAX = max(map(len, AR_PREFIXES))
_AR_SUFFIX_MAX = max(map(len, AR_SUFFIXES))


def _ar_splits(word: str) -> list[tuple[str, str, str]]:
    """(prefix, core, suffix) readings of an Arabic-script word; the core keeps 2+ letters."""
    n = len(word)
    prefixes = [""] + [word[:k] for k in range(1, min(_AR_PREFIX_MAX, n - 2) + 1)
                       if word[:k] in _AR_PREFIX_SET]
    suffixes = [""] + [word[n - k:] for k in range(1, min(_AR_SUFFIX_MAX, n - 2) + 1)
                       if word[n - k:] in _AR_SUFFIX_SET]
    out = []
    for p in prefixes:
        lp = len(p)
        for s in suffixes:
            core = word[lp:n - len(s)]
            if len(core) < 2:
                continue
            out.append((p, core, s))
            if s and core.endswith("ت") and len(core) >= 3:  # ta marbuta before a pronoun: قحبتك
                out.append((p, core[:-1] + "ه", s))
            elif s in _TA_MARBUTA_DROPPED and len(core) >= 3:  # قحبه → قحبات, عاهره → عاهرين
                out.append((p, core + "ه", s))
    return out


_LAT_PREFIX_SET = frozenset(LAT_PREFIXES)
_LAT_SUFFIX_SET = frozenset(LAT_DARIJA_SUFFIXES + LAT_FR_SUFFIXES + LAT_EN_SUFFIXES)
_LAT_PREFIX_MAX = max(map(len, LAT_PREFIXES))
_LAT_SUFFIX_MAX = max(map(len, _LAT_SUFFIX_SET))


def _lat_splits(word: str) -> list[tuple[str, str, str]]:
    """(prefix, core, suffix) readings of a Latin word for Darija/French/English stems."""
    n = len(word)
    prefixes = [""] + [word[:k] for k in range(1, min(_LAT_PREFIX_MAX, n - 3) + 1)
                       if word[:k] in _LAT_PREFIX_SET]
    suffixes = [""] + [word[n - k:] for k in range(1, min(_LAT_SUFFIX_MAX, n - 3) + 1)
                       if word[n - k:] in _LAT_SUFFIX_SET]
    out = []
    for p in prefixes:
        for s in suffixes:
            core = word[len(p):n - len(s)]
            if len(core) >= 3:
                out.append((p, core, s))
    return out


class TermIndex:
    """Dictionary index of terms; ``match`` returns every hit in a normalized comment.

    Terms are keyed by their normalized words as written (``_exact``/``_stem``) and by their
    squeezed words (``_sq_exact``/``_sq_stem``). A token is looked up as written, and squeezed only
    when it has a doubled letter: ``zebii`` finds ``zebi`` and ``connnard`` finds ``connard``, but
    ``as`` never finds ``ass``. ``version`` is a stable fingerprint of the indexed terms (same
    terms, same version, in any process).
    """

    def __init__(self, terms: Iterable[Term], arabizi: bool = True,
                 exceptions: Iterable[str] | None = None) -> None:
        """Index ``terms``; ``exceptions`` are innocent words and phrases that are never hits
        (None: the shipped ``terms/exceptions.txt``; pass ``()`` for none)."""
        self.terms = [t for t in terms if t.enabled]
        self.arabizi = arabizi
        self._never: set[str] = set()
        self._never_multi: dict[str, list[tuple[str, ...]]] = {}
        for phrase in load_shipped_exceptions() if exceptions is None else exceptions:
            words = text_words(phrase)
            if len(words) == 1:
                self._never.add(words[0])
            elif words:
                self._never_multi.setdefault(words[0], []).append(words[1:])
        self._exact: dict[str, list[Term]] = {}
        self._stem: dict[str, list[Term]] = {}
        self._sq_exact: dict[str, list[Term]] = {}
        self._sq_stem: dict[str, list[Term]] = {}
        self._skel: dict[str, list[tuple[tuple[frozenset[str], ...], Term, int]]] = {}
        self._multi: dict[str, list[tuple[tuple[tuple[str, str], ...], Term]]] = {}
        self._az_exact: dict[str, list[Term]] = {}   # darija_latn terms by Arabizi key (5 = kh)
        self._az_stem: dict[str, list[Term]] = {}
        for term in self.terms:
            words = term_words(term)
            if not words:
                continue
            if len(words) > 1:
                if term.lang == "darija_latn":
                    words = tuple(arabizi_key(w) for w in words)
                rest = tuple((w, squeeze(w)) for w in words[1:])
                for first in {words[0], squeeze(words[0])}:
                    self._multi.setdefault(first, []).append((rest, term))
                continue
            word = words[0]
            (self._stem if term.stem else self._exact).setdefault(word, []).append(term)
            (self._sq_stem if term.stem else self._sq_exact).setdefault(squeeze(word), []).append(term)
            if term.lang == "darija_latn":
                (self._az_stem if term.stem else self._az_exact).setdefault(
                    squeeze(arabizi_key(word)), []).append(term)
            if term.lang in ARABIC_SCRIPT_LANGS:
                sk, gaps = skeleton_gaps(word)
                if len(sk) >= MIN_SKELETON:
                    self._skel.setdefault(sk, []).append((gaps, term, len(word)))
        digest = hashlib.sha1()
        for row in sorted((t.text, t.rule.value, t.severity.value, t.lang, str(t.stem))
                          for t in self.terms):
            digest.update("\t".join(row).encode("utf-8", "surrogatepass") + b"\n")
        self.version = digest.hexdigest()[:12]
        self._cache: dict[str, tuple[tuple[Term, ...], frozenset[str], frozenset[str]]] = {}

    # -- per-word analysis (cached) --------------------------------------------------------

    def _analyze(self, word: str, stretched: bool = False
                 ) -> tuple[tuple[Term, ...], frozenset[str], frozenset[str]]:
        """Single-word terms a token is, plus its keys for multi-word terms (exact, stemmed)."""
        cache_key = word + "\x00" if stretched else word
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        if len(word) > MAX_WORD:  # no term is that long; keeps time and the cache bounded
            return _NOTHING
        found: list[Term] = []
        keys: set[str] = set()
        cores: set[str] = set()
        sq = squeeze(word)
        arabic = "\u0621" <= word[0] <= "\u064A"
        if arabic:
            # Arabic writes a doubled letter once (with a shadda), so the squeezed word is the word;
            # squeezing also undoes stretching that collapsed onto a legitimate double (الله).
            keys.add(word)
            self._arabic_lookup(sq, self._sq_exact, self._sq_stem, found, keys, cores)
        else:
            # a squeezed Latin reading finds single-word terms ("zebii" is "zebi") but only gives
            # multi-word keys when the token was visibly stretched ("salle" is not "sale")
            spare: set[str] = set()
            sq_keys, sq_cores = (keys, cores) if stretched else (spare, spare)
            self._latin_lookup(word, self._exact, self._stem, found, keys, cores, leet=False)
            if sq != word:
                self._latin_lookup(sq, self._sq_exact, self._sq_stem, found, sq_keys, sq_cores,
                                   leet=False)
            if not word.isalpha():
                leet = deleet(word)
                if leet and leet != word:
                    self._latin_lookup(leet, self._exact, self._stem, found, keys, cores, leet=True)
                    sq_leet = squeeze(leet)
                    if sq_leet != leet:
                        self._latin_lookup(sq_leet, self._sq_exact, self._sq_stem, found, sq_keys,
                                           sq_cores, leet=True)
            # one Arabizi spelling for Darija terms: "5ra" is "khra", "9ahba" is "qahba"
            az = squeeze(arabizi_key(sq))
            unused: set[str] = set()
            self._latin_lookup(az, self._az_exact, self._az_stem, found, unused, unused, leet=False)
            keys.add(arabizi_key(word))
            if self.arabizi and any(c.isalpha() for c in word):
                found.extend(self._arabizi_hits(sq))
        if stretched and not arabic:  # "salle" is not "sale", but "saaale" is (Arabic: squeezed)
            keys.update([squeeze(k) for k in keys])
            cores.update([squeeze(c) for c in cores])
        result = (tuple(dict.fromkeys(found)), frozenset(keys), frozenset(cores))
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[cache_key] = result
        return result

    @staticmethod
    def _arabic_lookup(word: str, exact: dict, stem: dict, found: list, keys: set, cores: set) -> None:
        """Arabic-script token: whole word, prefix-stripped word, and stems under clitics."""
        keys.add(word)
        found.extend(exact.get(word, ()))
        found.extend(stem.get(word, ()))
        for p, core, s in _ar_splits(word):
            cores.add(core)
            if not s:
                keys.add(core)
                if len(core) >= 4 or (len(core) == 3 and p in AR_SHORT_PREFIXES):
                    found.extend(t for t in exact.get(core, ()) if t.lang in ARABIC_SCRIPT_LANGS)
            for t in stem.get(core, ()):
                if t.lang not in ARABIC_SCRIPT_LANGS:
                    continue
                if len(core) > 3 or (s in AR_SHORT_STEM_SUFFIXES and p in AR_SHORT_PREFIXES):
                    found.append(t)

    @staticmethod
    def _latin_lookup(word: str, exact: dict, stem: dict, found: list, keys: set, cores: set,
                      leet: bool) -> None:
        """Latin token (as written, or its leetspeak reading): whole word and stems."""
        langs = ("fr", "en") if leet else ("fr", "en", "darija_latn")
        keys.add(word)
        found.extend(t for t in exact.get(word, ()) if t.lang in langs)
        found.extend(t for t in stem.get(word, ()) if t.lang in langs)
        for p, core, s in _lat_splits(word):
            if not p and not s:
                continue
            cores.add(core)
            if not s:
                keys.add(core)
            for t in stem.get(core, ()):
                if t.lang == "darija_latn" and not leet:
                    if s in LAT_DARIJA_SUFFIXES:
                        found.append(t)
                elif not p and ((t.lang == "fr" and s in LAT_FR_SUFFIXES)
                                 or (t.lang == "en" and s in LAT_EN_SUFFIXES)):
                    found.append(t)
            if p and not s and not leet:
                found.extend(t for t in exact.get(core, ()) if t.lang == "darija_latn")

    def _arabizi_hits(self, word: str) -> list[Term]:
        """Arabic-script terms matching the Arabizi reading of a Latin token (see ``skeleton_gaps``)."""
        arabic = arabizi_to_arabic(word)
        if len(arabic) < 3:
            return []
        found: list[Term] = []
        # a Latin word without Arabizi digits may well be French or English ("agreed" reads قريد):
        # then only terms of four letters or more are compared
        short_ok = any(c in "235789" for c in word)
        for p, core, s in [("", arabic, "")] + _ar_splits(arabic):
            if s not in ARABIZI_SUFFIXES or arabic[len(p):len(arabic) - len(s)] != core:
                continue  # Arabizi readings are loose already: plain clitics only
            sk, gaps = skeleton_gaps(core)
            if len(sk) < MIN_SKELETON:
                continue
            for t_gaps, term, t_len in self._skel.get(sk, ()):
                if s and not term.stem:
                    continue
                if t_len < 4 and not short_ok:
                    continue
                if all(tg <= rg for tg, rg in zip(t_gaps, gaps)):
                    found.append(term)
        return found

    # -- matching ----------------------------------------------------------------------------

    def match(self, norm: Normalized) -> list[Hit]:
        """Every term hit in the comment, with rule, term, severity and span in the original."""
        hits: list[Hit] = []
        seen: set[tuple[str, Rule, int, int]] = set()
        tokens = norm.tokens
        analyses = [self._analyze(t.text, t.stretched) for t in tokens]
        multi = self._multi
        never = self._never
        budget = PIECES_PER_COMMENT
        for i, (tok, (found, keys, cores)) in enumerate(zip(tokens, analyses)):
            if tok.text in never:
                continue
            for term in found:
                self._add(hits, seen, term, tok.start, tok.end)
            if tok.spaced and not found and budget > 0:  # a guess at where the words were: a human decides
                terms, read = self.across_words(tok.text)
                budget -= read
                for term in terms:
                    self._add(hits, seen, term, tok.start, tok.end, Severity.HOLD)
            if not multi:
                continue
            for key in keys:
                for rest, term in multi.get(key, ()):
                    end = self._match_rest(rest, term, tokens, analyses, i + 1)
                    if end is not None:
                        self._add(hits, seen, term, tok.start, end)
        if hits and self._never_multi:
            hits = self._drop_exceptions(hits, tokens)
        return hits

    def across_words(self, run: str) -> tuple[tuple[Term, ...], int]:
        """Single-word terms read in the pieces of a run of spaced-out letters (see the module's docstring), and
        the number of pieces read.

        Each piece is analysed as a token is (clitics, stems, Arabizi), and kept in the same cache; a run longer
        than MAX_SPACED_RUN letters is not read (at most about 400 pieces per run)."""
        n = len(run)
        if n > MAX_SPACED_RUN:
            return (), 0
        found: list[Term] = []
        read = 0
        for start in range(n):
            for end in range(start + EDGE_PIECE, min(n, start + MAX_PIECE) + 1):
                inner = 0 < start and end < n
                if (end - start < INNER_PIECE and inner) or end - start == n:
                    continue
                found.extend(self._analyze(run[start:end])[0])
                read += 1
        return tuple(dict.fromkeys(found)), read

    def _drop_exceptions(self, hits: list[Hit], tokens: tuple[Token, ...]) -> list[Hit]:
        """Remove hits that lie inside an innocent phrase (``الكلاب الضاله``, ``chili con carne``)."""
        spans = []
        n = len(tokens)
        for i, tok in enumerate(tokens):
            for rest in self._never_multi.get(tok.text, ()):
                j = i + 1 + len(rest)
                if j <= n and all(tokens[i + 1 + k].text == w for k, w in enumerate(rest)):
                    spans.append((tok.start, tokens[j - 1].end))
        if not spans:
            return hits
        return [h for h in hits if not any(s <= h.start and h.end <= e for s, e in spans)]

    @staticmethod
    def _match_rest(rest: tuple[tuple[str, str], ...], term: Term, tokens: tuple[Token, ...],
                    analyses: list, j: int) -> int | None:
        """End offset when the words after the first match tokens from index ``j``."""
        if j + len(rest) > len(tokens):
            return None
        for k, word in enumerate(rest):
            _, keys, cores = analyses[j + k]
            last = k == len(rest) - 1
            if not keys.isdisjoint(word) or (last and term.stem and not cores.isdisjoint(word)):
                continue
            return None
        return tokens[j + len(rest) - 1].end

    @staticmethod
    def _add(hits: list[Hit], seen: set, term: Term, start: int, end: int, severity: Severity | None = None
             ) -> None:
        key = (term.text, term.rule, start, end)
        if key not in seen:
            seen.add(key)
            hits.append(Hit(rule=term.rule, term=term.text, severity=severity or term.severity,
                            start=start, end=end))

    def match_text(self, text: str) -> list[Hit]:
        """Normalize then match (convenience for callers holding raw text)."""
        return self.match(normalize(text))


_default_index: TermIndex | None = None


def default_index() -> TermIndex:
    """A process-wide index of the shipped term lists (built on first use)."""
    global _default_index
    if _default_index is None:
        _default_index = TermIndex(load_shipped_terms())
    return _default_index


# --- structural signals ------------------------------------------------------------------------

_URL_OR_RUN_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+|[a-z0-9][a-z0-9.-]*")
LINK_TLDS = frozenset(
    "com net org info biz io co ma fr me ly xyz site online shop top club app link tk ru de uk us "
    "tv cc ws gg to be ch es it dz tn eg sa ae qa".split())


def count_links(text: str) -> int:
    """Number of URLs and bare domain names in the text (linear time, no backtracking)."""
    count = 0
    for m in _URL_OR_RUN_RE.finditer(text[:100_000].lower()):
        run = m.group()
        if run.startswith(("http", "www.")) and ("://" in run or run.startswith("www.")):
            count += 1
            continue
        labels = run.strip(".-").split(".")
        if (len(labels) >= 2 and labels[-1] in LINK_TLDS
                and all(0 < len(label) <= 63 for label in labels)):
            count += 1
    return count


def structural_hits(text: str, context: Context, settings: Settings) -> list[Hit]:
    """Spam signals from the comment's shape and circumstances (links, duplicate, flood, ban)."""
    hits: list[Hit] = []
    links = count_links(text or "")
    if links > settings.max_links:
        hits.append(Hit(rule=Rule.SPAM, term=f"links>{settings.max_links}", severity=Severity.HOLD,
                        signal=True))
    if context.recent_duplicate:
        hits.append(Hit(rule=Rule.SPAM, term="duplicate", severity=Severity.HOLD, signal=True))
    if context.recent_count_author > settings.flood_limit:
        hits.append(Hit(rule=Rule.SPAM, term="flood", severity=Severity.HOLD, signal=True))
    if context.banned:
        hits.append(Hit(rule=Rule.SPAM, term="banned", severity=Severity.REJECT, signal=True))
    return hits


__all__ = ["TermIndex", "load_shipped_terms", "load_shipped_exceptions", "parse_terms", "structural_hits", "count_links",
           "default_index", "term_words"]
