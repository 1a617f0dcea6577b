"""The learned score: null scorer, training, persistence, metadata and what training changes."""
from __future__ import annotations

import json

import numpy as np
import pytest

from blog.moderation.normalize import normalize
from blog.moderation.pipeline import Screener
from blog.moderation.scoring import (FORMAT_VERSION, SITE_SOURCE, Example, Featurizer,
                                     LearnedScorer, NullScorer, Scorer, arabic_core,
                                     choose_publish_threshold, load_scorer, read_metadata, train)

# A few dozen hand-written comments (Arabic, Darija in both scripts, French); 1 = offensive.
OFFENSIVE = [
    "انت واحد الحمار ما كتفهم والو",
    "سير تقود يا الحمار ديال الزنقة",
    "هاد الصحافي حمار وجاهل",
    "يا وجه الحمار سكت",
    "الحمار هو اللي كتب هاد المقال",
    "هاد الناس حمير وبهايم",
    "نتا غير بهيمة ومكلخ",
    "اسكت يا مكلخ يا جاهل",
    "الكاتب مكلخ ومايعرفش يكتب",
    "mkellekh nta o 7mar",
    "nta 7mar mafhemti walo",
    "sir t9awed a lbhima",
    "t'es qu'un abruti et un imbécile",
    "espèce d'abruti, ferme-la",
    "cet auteur est un imbécile fini",
    "quel abruti ce journaliste",
    "يا بهيمة شنو هاد الكلام",
    "غير المكلخين اللي كيتيقو هاد الجريدة",
    "الله يلعن اللي كتب هاد الخرا",
    "journaliste abruti et bête",
    "سكت يا حمار يا بهيمة",
    "bhima nta w 7mar",
]
CLEAN = [
    "مقال رائع شكرا للكاتب على هذا المجهود",
    "الله يرحم الوالدين على هاد المعلومات",
    "شكرا على المقال المفيد",
    "تحية للصحافي على هذا التحقيق",
    "merci pour cet article très clair",
    "bravo à l'équipe nationale",
    "très bon reportage, merci",
    "choukran 3la had lma9al",
    "bravo 3lik a khouya",
    "الله يحفظ بلادنا",
    "مبروك للمنتخب الوطني على الفوز",
    "معلومات قيمة نتمنى المزيد",
    "je suis d'accord avec l'auteur",
    "الموضوع مهم بزاف خاص الدولة تهتم بيه",
    "واش كاين شي جديد على هاد القضية",
    "l'article explique bien la situation",
    "هادشي زوين بزاف الله يعطيك الصحة",
    "merci beaucoup pour ces informations",
    "تحليل منطقي ومقنع",
    "bonne continuation à toute l'équipe",
    "نتمنى التوفيق للجميع",
    "سؤال مهم ننتظر الجواب من الوزارة",
]

SMALL = {"folds": 3, "char_bits": 16, "word_bits": 14, "hit_bits": 10, "boost_bits": 14, "max_iter": 200,
         "min_site_holdout": 20}


def _examples(source: str = "import") -> list[Example]:
    return ([Example(t, 1, "insult", source) for t in OFFENSIVE]
            + [Example(t, 0, None, source) for t in CLEAN])


def _analyze_no_terms(text: str):
    """Normalization only: the learned score must work even where the term lists say nothing."""
    return normalize(text), []


@pytest.fixture(scope="module")
def model() -> LearnedScorer:
    return train(_examples(), _analyze_no_terms, params=SMALL, n_jobs=1)


def test_null_scorer_is_zero_and_satisfies_protocol():
    s = NullScorer()
    n = normalize("أي تعليق")
    assert isinstance(s, Scorer)
    assert s.score("أي تعليق", n, []) == 0.0
    assert s.score_many(["a", "b"], [n, n], [[], []]) == [0.0, 0.0]
    assert s.publish_threshold is None


def test_learned_scorer_satisfies_protocol_and_returns_probabilities(model):
    assert isinstance(model, Scorer)
    texts = ["كلام عادي", "", "x" * 5000]
    norms = [normalize(t) for t in texts]
    scores = model.score_many(texts, norms, [[], [], []])
    assert len(scores) == 3
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_score_of_similar_comments_follows_the_training_labels(model):
    bad = "هاد الوزير حمار و مكلخ"
    good = "شكرا على هاد المقال الرائع"
    s_bad = model.score(bad, normalize(bad), [])
    s_good = model.score(good, normalize(good), [])
    assert s_bad > 0.5 > s_good
    lat_bad, lat_good = "nta 7mar o bhima", "merci pour l'article"
    assert (model.score(lat_bad, normalize(lat_bad), [])
            > model.score(lat_good, normalize(lat_good), []))


def test_score_and_score_many_agree(model):
    texts = ["يا حمار", "merci bravo", "choukran bzaf", "abruti"]
    norms = [normalize(t) for t in texts]
    one = [model.score(t, n, []) for t, n in zip(texts, norms)]
    many = model.score_many(texts, norms, [[] for _ in texts])
    assert np.allclose(one, many, atol=1e-6)


def test_new_site_decisions_raise_the_score_of_a_similar_comment():
    """A word the moderators keep rejecting (here a made-up one) becomes a signal after learning."""
    new_word = "زعطوط"
    before = train(_examples(), _analyze_no_terms, params=SMALL, n_jobs=1)
    decisions = [Example(f"{new_word} {t}", 1, "insult", SITE_SOURCE) for t in
                 ("هاد الكاتب", "نتا", "هادو كاملين", "سير فحالك", "الوزير", "غير سكت")]
    decisions += [Example(t, 0, None, SITE_SOURCE) for t in ("هاد الكاتب مزيان", "نتا معاك الحق",
                                                             "الوزير دار مزيان")]
    after = train(_examples() + decisions, _analyze_no_terms, params=SMALL, n_jobs=1)
    probe = f"شوف هاد {new_word}"
    n = normalize(probe)
    assert after.score(probe, n, []) > before.score(probe, n, []) + 0.05


def test_term_hits_are_features(model):
    """With the shipped term lists, training uses rule hits; a hit raises the score."""
    screener = Screener.default()
    m = train(_examples(), screener.analyze, params=SMALL, n_jobs=1)
    text = "انت حمار"
    norm, hits = screener.analyze(text)
    assert hits, "the shipped lists should name this insult"
    assert m.score(text, norm, hits) > m.score(text, norm, [])


def test_save_load_round_trip_and_metadata(model, tmp_path):
    path = model.save(tmp_path / "instance" / "screening-model.joblib")
    loaded = LearnedScorer.load(path)
    texts = ["يا حمار", "merci", ""]
    norms = [normalize(t) for t in texts]
    assert np.allclose(loaded.score_many(texts, norms, [[], [], []]),
                       model.score_many(texts, norms, [[], [], []]))
    assert isinstance(load_scorer(path), LearnedScorer)
    assert isinstance(load_scorer(tmp_path / "missing.joblib"), NullScorer)
    meta = read_metadata(path)
    assert meta == json.loads(json.dumps(model.metadata))
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["trained_at"]
    ex = meta["examples"]
    assert ex["total"] == len(OFFENSIVE) + len(CLEAN)
    assert ex["by_source"]["import"] == {"offensive": len(OFFENSIVE), "clean": len(CLEAN)}
    assert 0.0 <= meta["publish_threshold"] <= 1.0
    assert loaded.publish_threshold == meta["publish_threshold"]
    assert meta["holdout"] is None and "not enough site decisions" in meta["holdout_note"]
    cv = meta["cross_validated"]
    assert {"macro_f1", "roc_auc", "leak_rate", "workload_saved"} <= set(cv)


def test_load_refuses_another_format(model, tmp_path):
    import joblib
    path = tmp_path / "m.joblib"
    joblib.dump({"format_version": 999}, path)
    with pytest.raises(ValueError):
        LearnedScorer.load(path)


def test_site_decisions_are_held_out_and_measured():
    exs = _examples(SITE_SOURCE) + _examples("history.csv")
    m = train(exs, _analyze_no_terms, params=SMALL, n_jobs=1)
    hold = m.metadata["holdout"]
    assert hold is not None
    assert hold["n"] == round(0.2 * len(_examples()))
    assert {"macro_f1", "roc_auc", "leak_rate", "workload_saved", "precision"} <= set(hold)
    assert set(m.metadata["examples"]["by_source"]) == {SITE_SOURCE, "history.csv"}


def test_training_needs_both_labels():
    with pytest.raises(ValueError):
        train([Example(t, 0) for t in CLEAN], _analyze_no_terms, params=SMALL, n_jobs=1)


@pytest.mark.parametrize("y, scores, flagged, expected", [
    # 4 offensive comments; 2% of 4 rounds down to 0 leaks: t is the lowest unflagged offensive score
    ([1, 1, 1, 1, 0, 0], [0.9, 0.3, 0.6, 0.8, 0.1, 0.2], [False] * 6, 0.3),
    # the lowest offensive is caught by a rule, so the next one bounds the threshold
    ([1, 1, 1, 1, 0, 0], [0.9, 0.3, 0.6, 0.8, 0.1, 0.2], [False, True, False, False, False, False], 0.6),
    # every offensive comment flagged: any score may publish
    ([1, 0], [0.9, 0.1], [True, False], 1.0),
])
def test_choose_publish_threshold(y, scores, flagged, expected):
    assert choose_publish_threshold(y, scores, flagged, 0.02) == pytest.approx(expected)


def test_choose_publish_threshold_allows_the_target_share():
    y = [1] * 100 + [0] * 10
    scores = [i / 100 for i in range(100)] + [0.0] * 10
    # 2 of 100 offensive may publish: those scored 0.00 and 0.01
    assert choose_publish_threshold(y, scores, [False] * 110, 0.02) == pytest.approx(0.02)


def test_featurizer_is_deterministic_and_bounded():
    f1, f2 = Featurizer(char_bits=12, word_bits=10, hit_bits=8), Featurizer(char_bits=12,
                                                                            word_bits=10, hit_bits=8)
    n = normalize("يا حمار merci 3lik")
    assert f1.indices(n).tolist() == f2.indices(n).tolist()
    assert max(f1.indices(n)) < f1.n_features
    X = f1.count_matrix([n, normalize("")], [[], []])
    assert X.shape == (2, f1.n_features)
    assert X[1].nnz == 1  # the empty comment has only its "empty" marker


@pytest.mark.parametrize("word, core", [
    ("والكلب", "كلب"), ("بالحمار", "حمار"), ("حمارهم", "حمار"), ("كلابكم", "كلاب"),
    ("زامل", "زامل"),    # nothing to strip
    ("وجه", "وجه"),      # a clitic is never stripped below three letters
])
def test_arabic_core_strips_one_prefix_and_one_suffix(word, core):
    assert arabic_core(word) == core


def test_stems_and_skeletons_share_a_feature_across_spellings():
    plain = Featurizer(char_bits=12, word_bits=12, hit_bits=8)
    rich = Featurizer(char_bits=12, word_bits=12, hit_bits=8, stems=True, skeletons=True)

    def words(fz, text):
        return {int(i) for i in fz.indices(normalize(text)) if fz.word_offset <= i < fz.hit_offset}

    # "the donkey", "their donkey": one stem; "قحبه" and "قاحبه": one consonant skeleton
    assert not words(plain, "الحمار") & words(plain, "حمارهم")
    assert words(rich, "الحمار") & words(rich, "حمارهم")
    assert words(rich, "قحبه") & words(rich, "قاحبه")
    assert not words(rich, "كذاب") & words(rich, "كتاب")  # a different word stays apart
    # Latin-script words get no extra features
    assert words(rich, "merci") == words(plain, "merci")
