"""Reasons a person can read, in Arabic, French and English, for every screening decision.

Rule-related reasons carry the rule's code (``insult``, ``religion``, ``incitement``, ``spam``) so
the queue and the audit trail file them under the posting rule; the others carry ``score``,
``pre_moderation``, ``known_author`` or ``clean``.
"""
from __future__ import annotations

from .types import Hit, Reason, Rule, Severity

RULE_NAMES: dict[Rule, tuple[str, str, str]] = {
    # (ar, fr, en): the posting rules in the product's own words
    Rule.INSULT: ("عدم الإساءة أو السب", "pas d'insultes ni d'injures", "no insults or abuse"),
    Rule.RELIGION: ("عدم المساس بالأديان والمقدسات", "pas d'attaques contre la religion",
                    "no attacks on religion"),
    Rule.INCITEMENT: ("عدم التحريض على الكراهية أو العنف", "pas d'incitation à la haine ou à la violence",
                      "no incitement to hatred or violence"),
    Rule.SPAM: ("عدم الإشهار والإغراق", "pas de publicité ni d'envois en masse",
                "no advertising or flooding"),
}

_SEVERITY = {
    Severity.REJECT: ("رفض تلقائي", "rejet automatique", "rejected automatically"),
    Severity.HOLD: ("بانتظار المراجعة", "en attente de modération", "held for a moderator"),
}

MAX_QUOTE = 40


def rule_name(rule: Rule) -> tuple[str, str, str]:
    """The rule's name in Arabic, French and English."""
    return RULE_NAMES[rule]


def _quoted(hit: Hit, text: str | None) -> tuple[str, str | None]:
    """What to show for a term hit: the words as written, and the list entry when it differs (else None)."""
    written = ""
    if text is not None and 0 <= hit.start < hit.end <= len(text):
        written = " ".join(text[hit.start:hit.end].split())[:MAX_QUOTE]
    term = hit.term[:MAX_QUOTE]
    if written and written != term:
        return written, term
    return written or term, None


def term_reason(hit: Hit, text: str | None = None) -> Reason:
    """Why a term hit matters: the word (as written, and the list's entry when it differs), the rule it breaks,
    and what happens to the comment; each language with its own quotation marks."""
    written, term = _quoted(hit, text)
    r_ar, r_fr, r_en = RULE_NAMES[hit.rule]
    s_ar, s_fr, s_en = _SEVERITY[hit.severity]
    listed = (f" ← «{term}»", f" («\u00a0{term}\u00a0» dans la liste)", f" (listed as “{term}”)") if term else ("", "", "")
    return Reason(
        code=hit.rule.value,
        ar=f"كلمة «{written}»{listed[0]} تخالف قاعدة: {r_ar} ({s_ar})",
        fr=f"Le mot «\u00a0{written}\u00a0»{listed[1]} enfreint la règle\u00a0: {r_fr} ({s_fr})",
        en=f"The word “{written}”{listed[2]} breaks the rule: {r_en} ({s_en})",
    )


def signal_reason(hit: Hit) -> Reason:
    """Why a structural signal matters (links, duplicate, flood, banned, or another signal)."""
    r_ar, r_fr, r_en = RULE_NAMES[hit.rule]
    name = hit.term
    if name.startswith("links>"):
        n = name.partition(">")[2]
        ar, fr, en = (f"عدد الروابط يتجاوز {n}", f"plus de {n} liens", f"more than {n} links")
    elif name == "duplicate":
        ar, fr, en = ("تكرار لتعليق حديث", "répète un commentaire récent", "repeats a recent comment")
    elif name == "flood":
        ar, fr, en = ("تعليقات كثيرة في وقت قصير من نفس الكاتب أو العنوان",
                      "trop de commentaires en peu de temps du même auteur ou de la même adresse",
                      "too many comments in a short time from the same author or address")
    elif name == "banned":
        ar, fr, en = ("الكاتب أو العنوان محظور", "auteur ou adresse bannis",
                      "the author or address is banned")
    else:
        ar = fr = en = name
    s_ar, s_fr, s_en = _SEVERITY[hit.severity]
    return Reason(
        code=hit.rule.value,
        ar=f"{ar}، مخالفة لقاعدة: {r_ar} ({s_ar})",
        fr=f"{fr[0].upper()}{fr[1:]}, contraire à la règle\u00a0: {r_fr} ({s_fr})",
        en=f"{en[0].upper()}{en[1:]}, against the rule: {r_en} ({s_en})",
    )


def score_reason(score: float, threshold: float, severity: Severity) -> Reason:
    """Why the learned score alone held or rejected a comment."""
    s_ar, s_fr, s_en = _SEVERITY[severity]
    return Reason(
        code="score",
        ar=f"تقدير النموذج لاحتمال مخالفة القواعد {score:.2f} (العتبة {threshold:.2f}) ({s_ar})",
        fr=f"Le score appris estime la probabilité d'infraction à {score:.2f} "
           f"(seuil {threshold:.2f}) ({s_fr})",
        en=f"The learned score puts the chance of a rule breach at {score:.2f} "
           f"(threshold {threshold:.2f}) ({s_en})",
    )


def uncertain_reason(score: float, threshold: float) -> Reason:
    """Why a clean-by-rules comment with a middling score waits for a moderator."""
    return Reason(
        code="score",
        ar=f"لم تُرصد كلمة مخالفة، لكن تقدير النموذج {score:.2f} لا يسمح بالنشر التلقائي "
           f"(عتبة النشر {threshold:.2f})",
        fr=f"Aucun mot interdit, mais le score appris ({score:.2f}) ne permet pas la publication "
           f"automatique (seuil {threshold:.2f})",
        en=f"No listed word, but the learned score ({score:.2f}) is too high to publish "
           f"automatically (threshold {threshold:.2f})",
    )


def reports_reason(count: int, rule: Rule, hidden: bool) -> Reason:
    """Why readers' reports sent a published comment back to the queue: how many, the rule most of them named,
    and whether it is hidden until a moderator decides."""
    r_ar, r_fr, r_en = RULE_NAMES[rule]
    return Reason(
        code=rule.value,
        ar=f"أبلغ عنه {count} من القراء، أكثرهم بسبب قاعدة: {r_ar}" + (" (أُخفي حتى المراجعة)" if hidden else ""),
        fr=f"Signalé par {count} lecteurs, surtout pour la règle\u00a0: {r_fr}"
           + (" (masqué jusqu'à la modération)" if hidden else ""),
        en=f"Reported by {count} readers, most under the rule: {r_en}" + (" (hidden until reviewed)" if hidden else ""),
    )


PRE_MODERATION = Reason(
    code="pre_moderation",
    ar="الموقع يراجع التعليقات قبل نشرها",
    fr="Le site modère les commentaires avant de les publier",
    en="The site reviews comments before publishing them",
)

KNOWN_AUTHOR = Reason(
    code="known_author",
    ar="تعليق سليم من كاتب سبق قبول تعليقاته، نُشر تلقائيا",
    fr="Commentaire sans infraction d'un auteur déjà approuvé, publié automatiquement",
    en="A clean comment by an author with earlier approved comments, published automatically",
)

CLEAN = Reason(
    code="clean",
    ar="لم تُرصد أي مخالفة لقواعد النشر",
    fr="Aucune infraction aux règles de publication détectée",
    en="No breach of the posting rules detected",
)

__all__ = ["RULE_NAMES", "rule_name", "term_reason", "signal_reason", "score_reason",
           "uncertain_reason", "reports_reason", "PRE_MODERATION", "KNOWN_AUTHOR", "CLEAN"]
