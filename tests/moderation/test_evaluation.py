"""Evaluation functions against small hand-computed examples, and cross-validation end to end."""
from __future__ import annotations

import csv

import pytest

from blog.moderation.evaluation import (cross_validate, examples_from_csv, format_report,
                                        label_of, metrics, read_labelled_csv, roc_auc, script_of)


def test_metrics_hand_computed():
    # labels      1    1    1    0    0    0    0
    y = [1, 1, 1, 0, 0, 0, 0]
    scores = [0.9, 0.6, 0.2, 0.7, 0.1, 0.3, 0.05]
    flagged = [False, False, False, False, False, True, False]
    m = metrics(y, scores, flagged, publish_threshold=0.25)
    # predicted offensive: score >= 0.5 or flagged -> rows 0, 1, 3, 5
    # tp = 2 (rows 0, 1), fp = 2 (rows 3, 5), fn = 1 (row 2), tn = 2 (rows 4, 6)
    assert m["precision"] == pytest.approx(2 / 4)
    assert m["recall"] == pytest.approx(2 / 3)
    f1_pos = 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)
    # clean class: precision tn/(tn+fn) = 2/3, recall tn/(tn+fp) = 2/4
    f1_neg = 2 * (2 / 3) * 0.5 / ((2 / 3) + 0.5)
    assert m["f1"] == pytest.approx(f1_pos)
    assert m["macro_f1"] == pytest.approx((f1_pos + f1_neg) / 2)
    # AUC: pairs (pos, neg) where the positive scores higher:
    # 0.9 beats all 4; 0.6 beats 0.1, 0.3, 0.05 (3); 0.2 beats 0.1, 0.05 (2) -> 9 of 12
    assert m["roc_auc"] == pytest.approx(9 / 12)
    # would publish: not flagged and score < 0.25 -> rows 2 (offensive), 4, 6 (clean)
    assert m["leak_rate"] == pytest.approx(1 / 3)
    assert m["workload_saved"] == pytest.approx(2 / 4)
    assert (m["n"], m["offensive"], m["clean"]) == (7, 3, 4)


def test_roc_auc_ties_count_half_and_one_class_is_none():
    assert roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.4, 0.1]) == pytest.approx((2 + 1.5) / 4)
    assert roc_auc([1, 1], [0.2, 0.3]) is None


def test_metrics_without_threshold_and_edge_cases():
    m = metrics([0, 0], [0.1, 0.2], [False, False], None)
    assert m["leak_rate"] is None and m["workload_saved"] is None
    assert m["precision"] == 0.0 and m["recall"] == 0.0 and m["roc_auc"] is None
    perfect = metrics([1, 0], [0.9, 0.1], [False, False], 0.5)
    assert perfect["macro_f1"] == 1.0 and perfect["leak_rate"] == 0.0
    assert perfect["workload_saved"] == 1.0


def _write(path, rows, header=("source", "text", "offensive")):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_read_labelled_csv_and_examples(tmp_path):
    p = _write(tmp_path / "h.csv", [("x", "يا حمار", "1"), ("x", "multi\nline, «quoted»", "0")])
    rows = read_labelled_csv(p)
    assert [r["text"] for r in rows] == ["يا حمار", "multi\nline, «quoted»"]
    exs = examples_from_csv(p)
    assert [(e.offensive, e.source) for e in exs] == [(1, "h"), (0, "h")]
    p2 = _write(tmp_path / "r.csv", [("a", "1", "insult")], header=("text", "offensive", "rule"))
    assert examples_from_csv(p2, source="import")[0].rule == "insult"
    with pytest.raises(ValueError):
        read_labelled_csv(_write(tmp_path / "bad.csv", [("a",)], header=("body",)))


@pytest.mark.parametrize("value, label", [("1", 1), ("0", 0), ("true", 1), ("False", 0),
                                          (" 1 ", 1)])
def test_label_of(value, label):
    assert label_of({"offensive": value}) == label


def test_script_of():
    assert script_of("nta 7mar wlah") == "latn"
    assert script_of("انت حمار ok") == "arab"


OFF = ["انت حمار", "يا حمار سكت", "حمار وبهيمة", "nta 7mar", "espèce d'abruti", "الكاتب مكلخ",
       "سير يا بهيمة", "quel abruti", "mkellekh", "wa l7mar"]
CLEAN = ["شكرا على المقال", "merci beaucoup", "مقال رائع", "bravo l'équipe", "الله يحفظك",
         "معلومات مفيدة", "très bon article", "choukran bzaf", "تحليل مقنع", "bonne journée"]


def test_cross_validate_end_to_end(tmp_path):
    a = _write(tmp_path / "site_a.csv", [("a", t, 1) for t in OFF] + [("a", t, 0) for t in CLEAN])
    b = _write(tmp_path / "other.csv", [("b", t + " !", 1) for t in OFF]
               + [("b", t + " !", 0) for t in CLEAN])
    params = {"folds": 2, "char_bits": 12, "word_bits": 10, "hit_bits": 8}
    r = cross_validate([a], [b], k=2, params=params)
    assert r["k"] == 2 and len(r["fold_thresholds"]) == 2
    assert set(r["files"]) >= {"site_a"}
    assert r["overall"]["n"] == 20  # only the cross-validated file is measured
    for key in ("precision", "recall", "f1", "macro_f1", "roc_auc", "leak_rate", "workload_saved"):
        assert key in r["overall"]
    text = format_report(r)
    assert "overall" in text and "site_a" in text
