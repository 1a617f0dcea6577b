"""Measuring the screening: quality figures, labelled CSV files and cross-validation (pure Python).

"Would be published" means what post-moderation would do with a comment: no rule hit and a
learned score below the auto-publish threshold. The leak rate is the share of offensive comments
that would be published; the workload saved is the share of clean comments that would be.
"""
from __future__ import annotations

import csv
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .scoring import Example


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def roc_auc(y_true: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (ties count half); None when only one class is present."""
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    n_pos = int((y == 1).sum())
    n_neg = int(len(y) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    from scipy.stats import rankdata
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def metrics(y_true: Sequence[int], scores: Sequence[float], flagged: Sequence[bool],
            publish_threshold: float | None, *, score_threshold: float = 0.5) -> dict[str, Any]:
    """Quality of a screening run against labels.

    A comment is predicted offensive when a rule flagged it or its score is at least
    ``score_threshold`` (0.5: more likely offensive than not). Returns precision, recall and F1
    of the offensive class, macro-F1 (mean of both classes' F1), ROC AUC of the learned score
    alone (None when only one class is present), and, at ``publish_threshold``, the leak
    rate (offensive that would be published) and the workload saved (clean that would be).
    """
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    f = np.asarray(flagged, dtype=bool) if len(flagged) else np.zeros(len(y), dtype=bool)
    pred = f | (s >= score_threshold)
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    npv = tn / (tn + fn) if tn + fn else 0.0
    spec = tn / (tn + fp) if tn + fp else 0.0
    f1_pos = _f1(precision, recall)
    f1_neg = _f1(npv, spec)
    out: dict[str, Any] = {
        "n": int(len(y)), "offensive": int((y == 1).sum()), "clean": int((y == 0).sum()),
        "precision": precision, "recall": recall, "f1": f1_pos,
        "macro_f1": (f1_pos + f1_neg) / 2,
        "roc_auc": roc_auc(y, s),
        "publish_threshold": publish_threshold,
    }
    if publish_threshold is not None:
        published = ~f & (s < publish_threshold)
        n_off = int((y == 1).sum())
        n_clean = int((y == 0).sum())
        out["leak_rate"] = int((published & (y == 1)).sum()) / n_off if n_off else 0.0
        out["workload_saved"] = int((published & (y == 0)).sum()) / n_clean if n_clean else 0.0
    else:
        out["leak_rate"] = None
        out["workload_saved"] = None
    return out


def read_labelled_csv(path: str | Path, *, require_label: bool = True) -> list[dict[str, str]]:
    """Rows of a CSV with a ``text`` column (and ``offensive`` 0/1 unless not required)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        if "text" not in cols:
            raise ValueError(f"{path}: no 'text' column")
        if require_label and "offensive" not in cols:
            raise ValueError(f"{path}: no 'offensive' column")
        return [dict(row) for row in reader]


def label_of(row: dict[str, str]) -> int:
    """The 0/1 label of a CSV row (``offensive`` column: 1/0, true/false, yes/no)."""
    v = (row.get("offensive") or "").strip().lower()
    if v in ("1", "true", "yes", "y", "offensive"):
        return 1
    if v in ("0", "false", "no", "n", "clean", ""):
        return 0
    raise ValueError(f"bad offensive label {v!r}")


def examples_from_csv(path: str | Path, source: str | None = None) -> list[Example]:
    """Training examples from a CSV with columns ``text,offensive[,rule]``."""
    src = source or Path(path).stem
    out = []
    for row in read_labelled_csv(path):
        rule = (row.get("rule") or "").strip() or None
        out.append(Example(text=row.get("text") or "", offensive=label_of(row), rule=rule,
                           source=src))
    return out


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")


def script_of(text: str) -> str:
    """``latn`` when a comment has more Latin than Arabic letters, else ``arab``."""
    return "latn" if len(_LATIN.findall(text)) > len(_ARABIC.findall(text)) else "arab"


@dataclass
class Scored:
    """Screening output for labelled comments (same order as the input)."""

    y: np.ndarray
    scores: np.ndarray
    flagged: np.ndarray


def _report(y, s, f, t, mask=None) -> dict[str, Any]:
    if mask is not None:
        y, s, f = y[mask], s[mask], f[mask]
    return metrics(y, s, f, t)


def cross_validate(files_cv: Sequence[str | Path], files_train_always: Sequence[str | Path] = (),
                   *, k: int = 5, seed: int = 0, screener_factory: Callable[..., Any] | None = None,
                   params: dict[str, Any] | None = None, n_jobs: int | None = None,
                   progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """k-fold cross-validation of the learned score with the rules.

    The rows of ``files_cv`` are split in k stratified folds (by file and label); each fold is
    screened by a model trained on the other folds plus every row of ``files_train_always``, with
    the auto-publish threshold chosen on that training data only. Returns metrics per file, for
    the Latin- and Arabic-script rows of each file, and overall, with each fold's threshold.
    """
    from sklearn.model_selection import StratifiedKFold

    from .pipeline import Screener
    from .scoring import fit_scorer

    say = progress or (lambda msg: None)
    make = screener_factory or Screener.default
    base = make()
    cv_ex: list[Example] = []
    for p in files_cv:
        cv_ex.extend(examples_from_csv(p))
    always_ex: list[Example] = []
    for p in files_train_always:
        always_ex.extend(examples_from_csv(p))
    say(f"analyzing {len(cv_ex) + len(always_ex)} comments")
    cv_an = [base.analyze(e.text) for e in cv_ex]
    al_an = [base.analyze(e.text) for e in always_ex]
    y = np.asarray([e.offensive for e in cv_ex], dtype=np.int64)
    y_al = np.asarray([e.offensive for e in always_ex], dtype=np.int64)
    src = np.asarray([e.source for e in cv_ex])
    strat = np.char.add(src.astype(str), y.astype(str))
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    scores = np.zeros(len(y))
    flagged = np.asarray([any(not h.signal for h in a[1]) for a in cv_an], dtype=bool)
    thresholds = np.zeros(len(y))
    fold_t: list[float] = []
    for i, (tr, te) in enumerate(skf.split(np.zeros(len(y)), strat)):
        say(f"fold {i + 1}/{k}: training on {len(tr) + len(always_ex)}, testing on {len(te)}")
        norms = [cv_an[j][0] for j in tr] + [a[0] for a in al_an]
        hits = [list(cv_an[j][1]) for j in tr] + [list(a[1]) for a in al_an]
        yy = np.concatenate([y[tr], y_al])
        ss = [cv_ex[j].source for j in tr] + [e.source for e in always_ex]
        model, _ = fit_scorer(norms, hits, yy, ss, params=params, n_jobs=n_jobs)
        te_hits = [list(cv_an[j][1]) for j in te]
        scores[te] = model.score_many([cv_ex[j].text for j in te], [cv_an[j][0] for j in te],
                                      te_hits)
        thresholds[te] = model.publish_threshold
        fold_t.append(float(model.publish_threshold))
    # per-row thresholds: each comment is judged at its own fold's threshold
    published = ~flagged & (scores < thresholds)
    scripts = np.asarray([script_of(e.text) for e in cv_ex])

    def rep(mask) -> dict[str, Any]:
        m = metrics(y[mask], scores[mask], flagged[mask], None)
        n_off = int((y[mask] == 1).sum())
        n_clean = int((y[mask] == 0).sum())
        m["leak_rate"] = (int((published[mask] & (y[mask] == 1)).sum()) / n_off) if n_off else 0.0
        m["workload_saved"] = ((int((published[mask] & (y[mask] == 0)).sum()) / n_clean)
                               if n_clean else 0.0)
        m["publish_threshold"] = float(np.mean(thresholds[mask])) if mask.any() else None
        return m

    result: dict[str, Any] = {"k": k, "seed": seed, "fold_thresholds": fold_t, "files": {},
                              "overall": rep(np.ones(len(y), dtype=bool))}
    for name in dict.fromkeys(src.tolist()):
        fm = src == name
        result["files"][name] = rep(fm)
        for script in ("latn", "arab"):
            sm = fm & (scripts == script)
            if sm.sum() >= 20 and len(np.unique(y[sm])) == 2:
                result["files"][f"{name} [{script}]"] = rep(sm)
    return result


def format_report(result: dict[str, dict[str, Any]] | dict[str, Any]) -> str:
    """A plain-text table of metrics dicts (``{name: metrics}`` or a ``cross_validate`` result)."""
    if "overall" in result and "files" in result:
        rows = dict(result["files"])
        rows["overall"] = result["overall"]
    else:
        rows = result
    head = (f"{'set':34} {'n':>6} {'prec':>6} {'recall':>6} {'F1':>6} {'macroF1':>7} "
            f"{'AUC':>6} {'leak':>6} {'saved':>6}")
    lines = [head]

    def fmt(v: Any) -> str:
        return "  -   " if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:6.3f}"

    for name, m in rows.items():
        lines.append(f"{name[:34]:34} {m['n']:6d} {fmt(m['precision'])} {fmt(m['recall'])} "
                     f"{fmt(m['f1'])} {fmt(m['macro_f1'])} {fmt(m['roc_auc'])} "
                     f"{fmt(m.get('leak_rate'))} {fmt(m.get('workload_saved'))}")
    return "\n".join(lines)


__all__ = ["metrics", "roc_auc", "read_labelled_csv", "label_of", "examples_from_csv",
           "cross_validate", "format_report", "script_of"]
