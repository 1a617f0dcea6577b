"""The learned score: how likely a comment is to break a posting rule, from 0 to 1.

A ``Scorer`` is anything with ``score`` and ``score_many``; ``NullScorer`` (always 0) serves sites
without a model and tests, ``LearnedScorer`` is the real one, trained on moderator decisions
(approved = 0, rejected for a rule = 1) and on imported history.

How ``LearnedScorer`` reads a comment (``Featurizer``), all hashed so no vocabulary is stored:
- character n-grams (1-5) of every normalized token, padded with spaces (``char_wb`` style);
- the normalized tokens and pairs of neighbouring tokens; an Arabic-script token also as its core
  under clitics (``والكلب`` → ``كلب``) and as its consonant skeleton (``قحبه`` = ``قاحبه``), so
  spellings of one word share a feature;
- the term lists' evidence: one feature per rule, per rule and severity, and per matched term.
Token features are cached, so a word seen before costs one dictionary look-up.

Two sparse linear models read these features: a logistic regression on binary features weighted
by their naive-Bayes log-count ratio (NB-LR), and a logistic regression on sublinear TF-IDF
character n-grams. A small stacking regression, fitted on out-of-fold scores, combines their
logits with the term-hit counts into a calibrated probability (0.5 = as likely offensive as not).
Scoring a comment is a few array look-ups; no third-party service is ever called.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from .normalize import skeleton
from .types import Hit, Severity

if TYPE_CHECKING:  # pragma: no cover
    from .normalize import Normalized

FORMAT_VERSION = 1
"""Bumped when the saved model's layout changes; older files are refused on load."""

SITE_SOURCE = "site"
"""``Example.source`` of the site's own moderator decisions (the held-out slice comes from these)."""

Analyze = Callable[[str], "tuple[Normalized, Sequence[Hit]]"]
"""Turns a raw comment into its normalized form and its term hits (``Screener.analyze``)."""


@runtime_checkable
class Scorer(Protocol):
    """Contract of a learned score.

    ``score`` returns a probability in [0, 1] that the comment breaks a rule (0.5 = as likely as
    not), given the raw text, its normalization and its rule hits; it never raises on any input.
    ``score_many`` does the same for a batch (same order, same values as one by one).
    ``publish_threshold`` is the score below which a clean comment may auto-publish, or None.
    """

    publish_threshold: float | None

    def score(self, text: str, norm: Normalized, hits: Sequence[Hit]) -> float: ...

    def score_many(self, texts: Sequence[str], norms: Sequence[Normalized],
                   hits: Sequence[Sequence[Hit]]) -> list[float]: ...


class NullScorer:
    """The score of a site without a model: always 0.0 (rules alone decide)."""

    publish_threshold: float | None = None

    def score(self, text: str, norm: Normalized, hits: Sequence[Hit]) -> float:
        """Always 0.0."""
        return 0.0

    def score_many(self, texts: Sequence[str], norms: Sequence[Normalized],
                   hits: Sequence[Sequence[Hit]]) -> list[float]:
        """A 0.0 for every comment."""
        return [0.0] * len(texts)


@dataclass(frozen=True, slots=True)
class Example:
    """One training example: a comment, whether it broke a rule, which rule, and where it came from."""

    text: str
    offensive: int
    rule: str | None = None
    source: str = "import"   # SITE_SOURCE for the site's own decisions, else e.g. the CSV name


# --- features ------------------------------------------------------------------------------------

def _hash(s: str) -> int:
    from sklearn.utils import murmurhash3_32
    return murmurhash3_32(s, seed=0, positive=True)


class Featurizer:
    """Hashed sparse features of a normalized comment and its hits (stateless apart from a cache)."""

    def __init__(self, char_bits: int = 20, word_bits: int = 19, hit_bits: int = 14,
                 char_ngrams: tuple[int, int] = (1, 5), arabizi: bool = False,
                 boost_ngrams: tuple[int, int] | None = None, boost_bits: int = 20,
                 stems: bool = False, skeletons: bool = False) -> None:
        self.char_bits, self.word_bits, self.hit_bits = char_bits, word_bits, hit_bits
        self.char_ngrams = char_ngrams
        self.arabizi = arabizi
        # Arabic-script words also read as their core under clitics and as consonant skeletons
        self.stems = stems
        self.skeletons = skeletons
        # longer n-grams counted a second time in their own block: they weigh more than letters
        self.boost_ngrams = tuple(boost_ngrams) if boost_ngrams else None
        self.boost_bits = boost_bits
        self.n_char = 1 << char_bits
        self.n_boost = (1 << boost_bits) if self.boost_ngrams else 0
        self.n_word = 1 << word_bits
        self.n_hit = 1 << hit_bits
        self.boost_offset = self.n_char
        self.word_offset = self.n_char + self.n_boost
        self.hit_offset = self.word_offset + self.n_word
        self.n_features = self.hit_offset + self.n_hit
        self._cache: dict[str, np.ndarray] = {}
        self._cache_max = 300_000
        from sklearn.utils import murmurhash3_32
        self._mm = murmurhash3_32

    def config(self) -> dict[str, Any]:
        """The parameters that define the feature space (saved with a model)."""
        return {"char_bits": self.char_bits, "word_bits": self.word_bits,
                "hit_bits": self.hit_bits, "char_ngrams": list(self.char_ngrams),
                "arabizi": self.arabizi,
                "boost_ngrams": list(self.boost_ngrams) if self.boost_ngrams else None,
                "boost_bits": self.boost_bits, "stems": self.stems, "skeletons": self.skeletons}

    def _token(self, tok: str) -> np.ndarray:
        """Indices of a token's own features: its char n-grams and the word itself (cached)."""
        feats = self._cache.get(tok)
        if feats is not None:
            return feats
        mm = self._mm
        nc = self.n_char - 1
        lo, hi = self.char_ngrams
        out = []
        words = [tok]
        if self.arabizi and tok and tok[0] < "\u0600" and any(c.isalpha() for c in tok):
            from .normalize import arabizi_to_arabic
            alt = arabizi_to_arabic(tok)
            if alt and alt != tok:
                words.append(alt)
        boost = self.boost_ngrams
        for w in words:
            padded = f" {w[:60]} "
            n_len = len(padded)
            for n in range(lo, hi + 1):
                for i in range(n_len - n + 1):
                    out.append(mm(padded[i:i + n], 0, True) & nc)
            if boost:
                bo, nb = self.boost_offset, self.n_boost - 1
                for n in range(boost[0], boost[1] + 1):
                    for i in range(n_len - n + 1):
                        out.append(bo + (mm("d" + padded[i:i + n], 0, True) & nb))
            out.append(self.word_offset + (mm("w\x00" + w, 0, True) & (self.n_word - 1)))
        if (self.stems or self.skeletons) and tok and "\u0621" <= tok[0] <= "\u064a":
            nw, wo = self.n_word - 1, self.word_offset
            core = arabic_core(tok)
            if self.stems and core != tok:
                out.append(wo + (mm("s\x00" + core, 0, True) & nw))
            if self.skeletons:
                sk = skeleton(core)
                if len(sk) >= 2:
                    out.append(wo + (mm("k\x00" + sk, 0, True) & nw))
        feats = np.asarray(out, dtype=np.int32)
        if len(self._cache) >= self._cache_max:
            self._cache.clear()
        self._cache[tok] = feats
        return feats

    def _pieces(self, norm: Normalized, hits: Sequence[Hit]) -> list[np.ndarray]:
        """Arrays of feature indices of one comment (cached token arrays, pairs, hits)."""
        mm = self._mm
        words = [t.text for t in norm.tokens[:4000]]
        cache = self._cache
        pieces: list[np.ndarray] = []
        for w in words:
            feats = cache.get(w)
            pieces.append(feats if feats is not None else self._token(w))
        nw = self.n_word - 1
        wo = self.word_offset
        extra: list[int] = []
        if len(words) > 1:
            extra = [wo + (mm(f"b\x00{a}\x00{b}", 0, True) & nw) for a, b in zip(words, words[1:])]
        elif not words:
            extra = [wo + (mm("empty\x00", 0, True) & nw)]
        if hits:
            extra.extend(self.hit_indices(hits))
        if extra:
            pieces.append(np.asarray(extra, dtype=np.int32))
        return pieces

    def indices(self, norm: Normalized, hits: Sequence[Hit] = ()) -> np.ndarray:
        """Feature indices of one comment, with repetitions (a count is how often one occurs)."""
        pieces = self._pieces(norm, hits)
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)

    def hit_indices(self, hits: Sequence[Hit]) -> list[int]:
        """Features of the term lists' evidence: any hit, per rule, per rule and severity, per term."""
        if not hits:
            return []
        mm = self._mm
        nh = self.n_hit - 1
        ho = self.hit_offset
        out = [ho + (mm("h\x00any", 0, True) & nh)]
        for h in hits:
            if h.signal:
                continue
            out.append(ho + (mm(f"h\x00r\x00{h.rule.value}", 0, True) & nh))
            out.append(ho + (mm(f"h\x00s\x00{h.rule.value}\x00{h.severity.value}", 0, True) & nh))
            out.append(ho + (mm(f"h\x00t\x00{h.term}", 0, True) & nh))
        return out

    def count_matrix(self, norms: Sequence[Normalized], hits: Sequence[Sequence[Hit]]):
        """A CSR matrix of feature counts (duplicates summed), one row per comment."""
        from scipy import sparse
        pieces: list[np.ndarray] = []
        lens: list[int] = []
        for norm, hs in zip(norms, hits):
            row = self._pieces(norm, hs)
            pieces.extend(row)
            lens.append(sum(len(p) for p in row))
        n = len(lens)
        rows = np.repeat(np.arange(n, dtype=np.int32), lens)
        cols = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        mat = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                                shape=(n, self.n_features))
        mat.sum_duplicates()
        return mat


_CORE_PREFIXES = ("وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال", "و", "ف", "ب", "ل")
_CORE_SUFFIXES = ("هوم", "كوم", "هم", "كم", "ها", "نا", "ني", "ه", "ك", "ي")


def arabic_core(word: str) -> str:
    """One clitic-free reading of an Arabic-script word: the longest article or conjunction
    prefix and the longest pronoun suffix removed, as long as three letters remain."""
    for p in _CORE_PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 3:
            word = word[len(p):]
            break
    for sfx in _CORE_SUFFIXES:
        if word.endswith(sfx) and len(word) - len(sfx) >= 3:
            return word[:-len(sfx)]
    return word


# --- the linear parts -----------------------------------------------------------------------------

@dataclass
class LinearPart:
    """One sparse linear model folded into two dense vectors over the feature space.

    z = intercept + (T(x) . num) / sqrt(T(x)^2 . den), where T is ``binary`` (x > 0) or ``logtf``
    (1 + log count); ``den`` holds the squared per-feature scales (NB ratios or IDF weights), so
    the L2 normalization of the training features is reproduced exactly.
    """

    transform: str          # "binary" or "logtf"
    num: np.ndarray         # float32, n_features
    den: np.ndarray         # float32, n_features
    intercept: float

    def decision_rows(self, counts) -> np.ndarray:
        """Logits for a CSR matrix of counts."""
        x = counts.copy()
        if self.transform == "binary":
            x.data = np.ones_like(x.data)
            sq = x
        else:
            x.data = 1.0 + np.log(np.maximum(x.data, 1.0))
            sq = x.multiply(x).tocsr()
        num = x @ self.num
        den = np.sqrt(np.maximum(sq @ self.den, 1e-12))
        return self.intercept + np.asarray(num, dtype=np.float64) / den

    def decision_one(self, idx: np.ndarray, cnt: np.ndarray) -> float:
        """Logit for one comment given its unique feature indices and counts."""
        if self.transform == "binary":
            x = np.ones(len(idx), dtype=np.float64)
        else:
            x = 1.0 + np.log(np.maximum(cnt.astype(np.float64), 1.0))
        num = float(np.dot(x, self.num[idx]))
        den = math.sqrt(max(float(np.dot(x * x, self.den[idx])), 1e-12))
        return self.intercept + num / den


def _fit_part(X, y: np.ndarray, w: np.ndarray, kind: str, C: float, n_char: int,
              word_offset: int | None = None, max_iter: int = 2000) -> LinearPart:
    """Fit one base model (``nb``: NB-weighted binary LR; ``tfidf``: sublinear TF-IDF char LR)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    n_features = X.shape[1]
    if kind == "nbword":  # NB-LR on the word and term-hit features only
        X = X.tocsr().copy()
        X.data[X.indices < (n_char if word_offset is None else word_offset)] = 0
        X.eliminate_zeros()
        kind = "nb"
    if kind == "nb":
        xb = X.copy()
        xb.data = np.ones_like(xb.data, dtype=np.float64)
        pos = np.asarray(xb[y == 1].T @ w[y == 1]).ravel() + 1.0
        neg = np.asarray(xb[y == 0].T @ w[y == 0]).ravel() + 1.0
        r = np.log((pos / pos.sum()) / (neg / neg.sum()))
        scale = r
        transform = "binary"
        xt = xb
    else:
        xt = X[:, :n_char].tocsr().astype(np.float64)
        xt.data = 1.0 + np.log(np.maximum(xt.data, 1.0))
        df = np.bincount(xt.indices, minlength=n_char).astype(np.float64)
        n = xt.shape[0]
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        scale = np.zeros(n_features)
        scale[:n_char] = idf
        transform = "logtf"
        xt = sparse.hstack([xt, sparse.csr_matrix((n, n_features - n_char))]).tocsr()
    xs = xt @ sparse.diags(scale)
    norms = np.sqrt(np.asarray(xs.multiply(xs).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    xs = sparse.diags(1.0 / norms) @ xs
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    clf = LogisticRegression(C=C, max_iter=max_iter, tol=1e-4)
    xs = xs.tocsr()
    # fit on the columns that occur: same solution, far less work for the solver
    used = np.unique(xs.indices)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(xs[:, used], y, sample_weight=w)
    coef = np.zeros(n_features)
    coef[used] = clf.coef_.ravel()
    return LinearPart(transform=transform, num=(coef * scale).astype(np.float32),
                      den=(scale * scale).astype(np.float32), intercept=float(clf.intercept_[0]))


def stack_extras(norm: Normalized) -> tuple[float, float]:
    """Shape of a comment for the stacker: log(1 + number of tokens) and the share of Latin tokens."""
    toks = norm.tokens
    n = len(toks)
    if not n:
        return 0.0, 0.0
    latin = sum(1 for t in toks if t.text and t.text[0] < "\u0600")
    return math.log1p(n), latin / n


def stack_matrix(zs: Sequence[np.ndarray], norms: Sequence[Normalized],
                 hits: Sequence[Sequence[Hit]]) -> np.ndarray:
    """The stacker's inputs: base logits, term-hit counts, shape, and logit × shape interactions."""
    n = len(norms)
    Z = np.column_stack([np.asarray(z, dtype=np.float64).reshape(n) for z in zs])
    hs = np.asarray([hit_summary(h) for h in hits], dtype=np.float64).reshape(n, 3)
    ex = np.asarray([stack_extras(m) for m in norms], dtype=np.float64).reshape(n, 2)
    return np.column_stack([Z, hs, ex, Z * ex[:, :1], Z * ex[:, 1:]])


def hit_summary(hits: Sequence[Hit]) -> list[float]:
    """The stacker's view of the term lists: counts of reject and hold term hits, and any hit."""
    n_rej = sum(1 for h in hits if not h.signal and h.severity is Severity.REJECT)
    n_hold = sum(1 for h in hits if not h.signal and h.severity is Severity.HOLD)
    return [math.log1p(n_rej), math.log1p(n_hold), 1.0 if (n_rej or n_hold) else 0.0]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


# --- the learned scorer ---------------------------------------------------------------------------

DEFAULT_PARAMS: dict[str, Any] = {
    "parts": [["nb", 4.0], ["tfidf", 10.0], ["nbword", 4.0]],
    "folds": 5,
    "leak_target": 0.02,
    "holdout": 0.2,
    "min_site_holdout": 100,
    "source_balance": "sqrt",
    "seed": 0,
    "char_bits": 20,
    "word_bits": 19,
    "hit_bits": 14,
    "boost_ngrams": None,        # e.g. (3, 6): count 3-6-grams twice (measured: no gain, slower)
    "boost_bits": 20,
    "stems": True,               # Arabic-script words also as their core under clitics
    "skeletons": True,           # ... and as consonant skeletons (see Featurizer)
    "arabizi": False,            # Latin Darija also read in Arabic script (measured: saved fell)
    "max_iter": 2000,
}


class LearnedScorer:
    """The learned score: hashed features, base linear models and a stacker (see module doc)."""

    def __init__(self, featurizer: Featurizer, parts: list[LinearPart], stack_coef: np.ndarray,
                 stack_intercept: float, metadata: dict[str, Any]) -> None:
        self.featurizer = featurizer
        self.parts = parts
        self.stack_coef = np.asarray(stack_coef, dtype=np.float64)
        self.stack_intercept = float(stack_intercept)
        self.metadata = metadata

    @property
    def publish_threshold(self) -> float | None:
        """Score below which a clean comment may auto-publish (chosen at training), or None."""
        return self.metadata.get("publish_threshold")

    # -- scoring ---------------------------------------------------------------------------------

    def score(self, text: str, norm: Normalized, hits: Sequence[Hit]) -> float:
        """Probability that the comment breaks a rule."""
        idx, cnt = np.unique(self.featurizer.indices(norm, hits), return_counts=True)
        zs = [np.asarray([p.decision_one(idx, cnt)]) for p in self.parts]
        feats = stack_matrix(zs, [norm], [hits])[0]
        return float(_sigmoid(self.stack_intercept + float(feats @ self.stack_coef)))

    def score_many(self, texts: Sequence[str], norms: Sequence[Normalized],
                   hits: Sequence[Sequence[Hit]]) -> list[float]:
        """Probabilities for a batch (features built once, one sparse product per base model)."""
        if not norms:
            return []
        X = self.featurizer.count_matrix(norms, hits)
        S = stack_matrix([p.decision_rows(X) for p in self.parts], norms, hits)
        return _sigmoid(S @ self.stack_coef + self.stack_intercept).tolist()

    # -- persistence -----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to ``path`` (joblib) and its metadata beside it (``path`` + ``.json``)."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "format_version": FORMAT_VERSION,
            "featurizer": self.featurizer.config(),
            "parts": [{"transform": p.transform, "num": p.num, "den": p.den,
                       "intercept": p.intercept} for p in self.parts],
            "stack_coef": self.stack_coef,
            "stack_intercept": self.stack_intercept,
            "metadata": self.metadata,
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        os.close(fd)
        try:
            joblib.dump(state, tmp, compress=3)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        meta_path = metadata_path(path)
        meta_path.write_text(json.dumps(self.metadata, ensure_ascii=False, indent=2),
                             encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LearnedScorer:
        """Read a model written by ``save``; raises ``ValueError`` on an unknown format version."""
        import joblib

        state = joblib.load(Path(path))
        if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported model format in {path}")
        fcfg = dict(state["featurizer"])
        fcfg["char_ngrams"] = tuple(fcfg["char_ngrams"])
        if fcfg.get("boost_ngrams"):
            fcfg["boost_ngrams"] = tuple(fcfg["boost_ngrams"])
        parts = [LinearPart(transform=p["transform"], num=np.asarray(p["num"], dtype=np.float32),
                            den=np.asarray(p["den"], dtype=np.float32),
                            intercept=float(p["intercept"])) for p in state["parts"]]
        return cls(Featurizer(**fcfg), parts, state["stack_coef"], state["stack_intercept"],
                   state["metadata"])


def metadata_path(model_path: str | os.PathLike[str]) -> Path:
    """Where the JSON metadata of a saved model lives."""
    p = Path(model_path)
    return p.with_name(p.name + ".json")


def read_metadata(model_path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The metadata of a saved model, without loading its weights (None if absent)."""
    p = metadata_path(model_path)
    if not p.exists():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


def load_scorer(path: str | os.PathLike[str] | None) -> Scorer:
    """The scorer saved at ``path``, or a ``NullScorer`` when there is no model file."""
    if path is None or not Path(path).exists():
        return NullScorer()
    return LearnedScorer.load(path)


# --- training -------------------------------------------------------------------------------------

def choose_publish_threshold(y: Sequence[int], scores: Sequence[float], flagged: Sequence[bool],
                             leak_target: float = 0.02) -> float:
    """Largest threshold t such that at most ``leak_target`` of offensive comments would publish.

    A comment would publish when it is not flagged by a rule and its score is below t.
    """
    y = np.asarray(y)
    s = np.asarray(scores, dtype=np.float64)
    f = np.asarray(flagged, dtype=bool)
    n_off = int((y == 1).sum())
    if n_off == 0:
        return 0.5
    allowed = int(math.floor(leak_target * n_off + 1e-9))
    cand = np.sort(s[(y == 1) & ~f])
    if allowed >= len(cand):
        return 1.0
    t = float(cand[allowed])  # publishing s < t leaks at most `allowed` offensive comments
    return t


def default_jobs(n_jobs: int | None = None) -> int:
    """Worker processes for training: as asked, else two (or one on a single-core machine)."""
    if n_jobs is not None:
        return max(1, int(n_jobs))
    return max(1, min(2, os.cpu_count() or 1))


def _source_weights(sources: Sequence[str], mode: str) -> np.ndarray:
    counts = Counter(sources)
    if mode == "sqrt":
        w = np.asarray([1.0 / math.sqrt(counts[s]) for s in sources])
    elif mode == "equal":
        w = np.asarray([1.0 / counts[s] for s in sources])
    else:
        w = np.ones(len(sources))
    return w * (len(w) / w.sum()) if len(w) else w


def _stratified_folds(y: np.ndarray, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold
    k = max(2, min(k, int(np.bincount(y, minlength=2).min())))
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y))


def _fit_stack(X, y: np.ndarray, w: np.ndarray, norms: Sequence[Normalized],
               hits: Sequence[Sequence[Hit]], params: dict[str, Any], n_jobs: int | None):
    """Out-of-fold base logits, the stacker fitted on them, and the base models refitted on all."""
    from joblib import Parallel, delayed
    from sklearn.linear_model import LogisticRegression

    n_char = 1 << int(params.get("char_bits", 20))
    word_offset = int(params.get("word_offset", n_char))
    max_iter = int(params.get("max_iter", 2000))
    specs = [(kind, float(C)) for kind, C in params["parts"]]
    folds = _stratified_folds(y, int(params["folds"]), int(params["seed"]))
    jobs = [(kind, C, tr, te) for kind, C in specs for tr, te in folds]
    jobs += [(kind, C, None, None) for kind, C in specs]

    def run(kind, C, tr, te):
        if tr is None:
            return _fit_part(X, y, w, kind, C, n_char, word_offset, max_iter)
        part = _fit_part(X[tr], y[tr], w[tr], kind, C, n_char, word_offset, max_iter)
        return te, part.decision_rows(X[te])

    results = Parallel(n_jobs=default_jobs(n_jobs))(delayed(run)(*j) for j in jobs)
    n_oof = len(specs) * len(folds)
    oof = np.zeros((len(y), len(specs)))
    for j, res in enumerate(results[:n_oof]):
        te, z = res
        oof[te, j // len(folds)] = z
    parts: list[LinearPart] = list(results[n_oof:])
    Z = stack_matrix([oof[:, j] for j in range(len(specs))], norms, hits)
    stack = LogisticRegression(C=1.0, max_iter=5000).fit(Z, y, sample_weight=w)
    oof_p = stack.predict_proba(Z)[:, 1]
    return parts, stack.coef_.ravel(), float(stack.intercept_[0]), oof_p


def _flagged(hits: Sequence[Sequence[Hit]]) -> np.ndarray:
    return np.asarray([any(not h.signal for h in hs) for hs in hits], dtype=bool)


def fit_scorer(norms: Sequence[Normalized], hits: Sequence[Sequence[Hit]], y: Sequence[int],
               sources: Sequence[str] | None = None, *, params: dict[str, Any] | None = None,
               n_jobs: int | None = None, featurizer: Featurizer | None = None) -> tuple[LearnedScorer, np.ndarray]:
    """Fit a scorer on analyzed comments; returns it and its out-of-fold training scores.

    The publish threshold is chosen on the out-of-fold scores (at most ``leak_target`` of the
    offensive training comments would auto-publish). No held-out measurement here: see ``train``.
    """
    prm = {**DEFAULT_PARAMS, **(params or {})}
    fz = featurizer or Featurizer(char_bits=int(prm["char_bits"]), word_bits=int(prm["word_bits"]),
                                  hit_bits=int(prm["hit_bits"]), boost_ngrams=prm["boost_ngrams"],
                                  boost_bits=int(prm["boost_bits"]), stems=bool(prm["stems"]),
                                  skeletons=bool(prm["skeletons"]), arabizi=bool(prm["arabizi"]))
    prm.update(char_bits=fz.char_bits, word_bits=fz.word_bits, hit_bits=fz.hit_bits,
               word_offset=fz.word_offset)
    y_arr = np.asarray(y, dtype=np.int64)
    if len(np.unique(y_arr)) < 2:
        raise ValueError("training needs both offensive and clean examples")
    src = list(sources) if sources is not None else ["import"] * len(y_arr)
    w = _source_weights(src, prm["source_balance"])
    X = fz.count_matrix(norms, hits)
    parts, coef, intercept, oof_p = _fit_stack(X, y_arr, w, norms, hits, prm, n_jobs)
    threshold = choose_publish_threshold(y_arr, oof_p, _flagged(hits), prm["leak_target"])
    meta = {"format_version": FORMAT_VERSION, "publish_threshold": threshold,
            "leak_target": prm["leak_target"], "params": {k: v for k, v in prm.items()}}
    return LearnedScorer(fz, parts, coef, intercept, meta), oof_p


def train(examples: Iterable[Example], analyze: Analyze, *, params: dict[str, Any] | None = None,
          n_jobs: int | None = None,
          progress: Callable[[str], None] | None = None) -> LearnedScorer:
    """Train the learned score from examples (site decisions and imported history).

    When the site has enough decisions of its own (``Example.source == SITE_SOURCE``), a
    stratified slice of them (20 %) is held out, a model is fitted on the rest and measured on
    it; then the final model is refitted on everything. The metadata records the counts of
    examples by source and label, the held-out quality (or why there is none), the
    cross-validated quality on the training data and the auto-publish threshold.
    """
    from .evaluation import metrics

    prm = {**DEFAULT_PARAMS, **(params or {})}
    say = progress or (lambda msg: None)
    exs = [e for e in examples if isinstance(e.text, str)]
    say(f"analyzing {len(exs)} comments")
    analyzed = [analyze(e.text) for e in exs]
    norms = [a[0] for a in analyzed]
    hits = [list(a[1]) for a in analyzed]
    y = np.asarray([1 if e.offensive else 0 for e in exs], dtype=np.int64)
    sources = [e.source for e in exs]

    holdout: dict[str, Any] | None = None
    holdout_note = ""
    site = np.asarray([s == SITE_SOURCE for s in sources])
    n_site = int(site.sum())
    site_pos = int(y[site].sum())
    if n_site >= prm["min_site_holdout"] and min(site_pos, n_site - site_pos) >= 10:
        from sklearn.model_selection import train_test_split
        site_idx = np.flatnonzero(site)
        _, held = train_test_split(site_idx, test_size=prm["holdout"], stratify=y[site_idx],
                                   random_state=prm["seed"])
        keep = np.setdiff1d(np.arange(len(y)), held)
        say(f"measuring on {len(held)} held-out site decisions")
        model, _ = fit_scorer([norms[i] for i in keep], [hits[i] for i in keep], y[keep],
                              [sources[i] for i in keep], params=prm, n_jobs=n_jobs)
        held_hits = [hits[i] for i in held]
        scores = model.score_many([exs[i].text for i in held], [norms[i] for i in held], held_hits)
        holdout = metrics(y[held], scores, _flagged(held_hits), model.publish_threshold)
        holdout["n"] = int(len(held))
    else:
        holdout_note = (f"not enough site decisions to hold out ({n_site}; need "
                        f"{prm['min_site_holdout']} with 10 of each label)")

    say(f"fitting on {len(y)} comments")
    model, oof_p = fit_scorer(norms, hits, y, sources, params=prm, n_jobs=n_jobs)
    by_source: dict[str, dict[str, int]] = {}
    for s, label in zip(sources, y):
        d = by_source.setdefault(s, {"offensive": 0, "clean": 0})
        d["offensive" if label else "clean"] += 1
    model.metadata.update({
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "examples": {"total": int(len(y)), "offensive": int(y.sum()),
                     "clean": int(len(y) - y.sum()), "by_source": by_source},
        "rules": dict(Counter(e.rule for e in exs if e.offensive and e.rule)),
        "holdout": holdout,
        "holdout_note": holdout_note,
        "cross_validated": metrics(y, oof_p, _flagged(hits), model.publish_threshold),
    })
    return model


__all__ = ["Scorer", "NullScorer", "LearnedScorer", "Example", "Featurizer", "LinearPart",
           "train", "fit_scorer", "load_scorer", "read_metadata", "metadata_path",
           "choose_publish_threshold", "SITE_SOURCE", "FORMAT_VERSION"]
