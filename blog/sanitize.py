"""The one module that turns untrusted text into HTML (the only importer of bleach)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache, partial
from html import unescape

import bleach
from bleach import html5lib_shim
from bleach.html5lib_shim import Filter
from bleach.linkifier import TLDS, Linker, LinkifyFilter
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

LINK_REL = "nofollow ugc noopener"

# Control characters and the bidi embeddings/overrides/isolates that can reorder what a reader sees. The zero-width
# (non-)joiners are not among them: inside a word they shape a Persian name or an emoji sequence (👨‍👩‍👧); at
# either end of a word, or alone, they go (_LOOSE_JOINERS).
_BIDI_AND_CONTROL = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_SURROGATES = re.compile("[\ud800-\udfff]")
# The bidi embeddings, overrides and isolates, which can show a reader's text in another order than it was written
# (a link's address reversed, say); the marks (LRM, RLM, ALM) stay, as writers of mixed text use them.
_BIDI_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Nothing a reader would see: spaces, controls, direction and zero-width marks (a text of these alone is empty).
_INVISIBLE = re.compile("[\\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u2069\ufeff\ufff9-\ufffb"
                        # Letters drawn as nothing: the combining grapheme joiner, Hangul fillers, Khmer's inherent
                        # vowels, the braille blank.
                        "\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0]*")
_LINE_BREAKS = re.compile("[\t\n\v\f\r\x85\u2028\u2029]")
_LOOSE_JOINERS = re.compile("(?:^|(?<=\\s))[\u200c\u200d]+|[\u200c\u200d]+(?=\\s|$)")


def _set_rel(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href.lower().startswith(("http://", "https://", "mailto:")):
        return None  # refuse to linkify anything else
    attrs[(None, "rel")] = LINK_REL
    attrs[(None, "target")] = "_blank"
    return attrs


# One character of an address's path. A comment is escaped before it is linkified, so the pattern sees its quotes and
# angle brackets as entities: &amp; and &#39; (an apostrophe, as in Côte_d'Ivoire) belong to an address, any other
# entity (&#34;, &lt;, &gt;) ends it as the raw character ends it in bleach's pattern. Brackets only come in pairs
# (below), so that a link written inside parentheses or square brackets leaves the closing one out.
_PATH_CHAR = r"""(?:&amp;|&\#39;|&(?!\#?\w+;)|[^\s{}|\\^`<>"«»&()\[\]])"""
# bleach's address pattern (bleach.linkifier.build_url_re), without its leading "(*" (bleach drops a closing
# parenthesis only when the address holds no opening one, so "(voir https://fr.wikipedia.org/wiki/Fès_(ville))"
# linked the last one too). The path keeps balanced parentheses and square brackets (Fès_(ville), ?a[]=1), stops
# before « and », and does not end with the punctuation that follows an address in a sentence: Latin . , : ; ! ? ' " …
# and the Arabic comma, semicolon, question mark and full stop ("انظر https://example.com/report، وهو مفصل" links
# to /report; so does 'Source : "https://example.com/report".').
_URL_RE = re.compile(
    r"""\b(?<![@.])(?:(?:{0}):/{{0,3}}(?:(?:\w+:)?\w+@)?)?  # http://
    ([\w-]+\.)+(?:{1})(?:\:[0-9]+)?(?!\.\w)\b   # xx.yy.tld(:##)?
    (?:[/?](?:{2}|\({2}*\)|\[{2}*\])*(?<![.,:;!?'"…،؛؟۔]))?  # /path/zz, without the unsafe characters of RFC 3986
    """.format("|".join(sorted(html5lib_shim.allowed_protocols)), "|".join(sorted(TLDS)), _PATH_CHAR),
    re.IGNORECASE | re.VERBOSE | re.UNICODE,
)
_linker = Linker(callbacks=[_set_rel], skip_tags=["pre", "code"], parse_email=False, url_re=_URL_RE)


def clean_text(value: str) -> str:
    """Drop lone surrogates and NUL bytes so that text is safe to store."""
    value = _SURROGATES.sub("", value)
    return value.replace("\x00", "")


def invisible(text: str) -> bool:
    """True for a text with nothing a reader would see (it stops at the first visible character)."""
    return _INVISIBLE.fullmatch(text) is not None


def clean_name(value: str) -> str:
    """A display name without control or bidi-override characters, spaces collapsed."""
    value = unicodedata.normalize("NFC", clean_text(value))
    value = _LINE_BREAKS.sub(" ", value)  # a name pasted over two lines keeps its words apart
    value = _LOOSE_JOINERS.sub("", _BIDI_AND_CONTROL.sub("", value))
    return " ".join(value.split())


# Letters of the Arabic script (its punctuation and digits apart), and Latin letters with their accented forms.
_ARABIC_LETTERS = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff"
                             "\ufe70-\ufefc]")
_LATIN_LETTERS = re.compile("[A-Za-z\u00c0-\u024f]")


# What is no language of the text around it: an address, code between backticks (Markdown).
_NOT_PROSE = re.compile(r"\b(?:https?://|www\.)\S+|`[^`\n]*`", re.IGNORECASE)


def written_in_arabic(text: str) -> bool:
    """True for a text whose letters are mostly Arabic (Darija in Latin letters, French or English are not); its
    addresses and code do not count."""
    prose = _NOT_PROSE.sub(" ", text)
    arabic = len(_ARABIC_LETTERS.findall(prose))
    return arabic > 0 and arabic >= len(_LATIN_LETTERS.findall(prose))


def written_order(text: str) -> str:
    """A reader's text without the bidi embeddings, overrides and isolates that would show it in another order than
    it was written (readers' and moderators' pages alike)."""
    return _BIDI_REORDERING.sub("", text)


def render_comment(text: str) -> Markup:
    """Escape a comment's raw text, keep its line breaks and make its links clickable; shown in the order it was
    written (no bidi embedding, override or isolate)."""
    text = written_order(clean_text(text)).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip("\n") for p in re.split(r"\n{2,}", text) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        escaped = str(escape(paragraph)).replace("\n", "<br>\n")
        parts.append("<p>" + _linker.linkify(escaped) + "</p>")
    return Markup("\n".join(parts))


def strip_all(html: str) -> str:
    """Remove every tag, keeping the text (for summaries and plain-text output)."""
    return bleach.clean(html, tags=set(), strip=True)


def highlight_hits(text: str, hits: list[dict], labels: dict[str, str] | None = None) -> Markup:
    """Escape a comment's raw text and wrap each hit span in <mark>, naming its rule beside it.

    Spans are [start, end) offsets in the original text; signals, empty, reversed or out-of-range
    spans are ignored and overlapping spans merged, so any stored data renders safely.
    """
    labels = labels or {}
    spans: list[list] = []
    for hit in hits or []:
        if not isinstance(hit, dict) or hit.get("signal"):
            continue
        start, end = hit.get("start"), hit.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        spans.append([start, end, [str(hit.get("rule", ""))]])
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[list] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span[1])
            last[2] += [r for r in span[2] if r not in last[2]]
        else:
            merged.append(span)
    out, pos = [], 0
    for start, end, rules in merged:
        out.append(str(escape(written_order(text[pos:start]))))  # cut at the stored offsets first
        names = " · ".join(str(labels.get(rule, rule)) for rule in rules)
        out.append(
            f'<mark class="hit" data-rule="{escape(" ".join(rules))}">{escape(written_order(text[start:end]))}</mark>'
            f'<small class="hit-rule">{escape(names)}</small>'
        )
        pos = end
    out.append(str(escape(written_order(text[pos:]))))
    return Markup("".join(out).replace("\r\n", "\n").replace("\n", "<br>\n"))
# --- Articles: Markdown written by editors --------------------------------------------------------

ARTICLE_LINK_REL = "nofollow noopener"
ARTICLE_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "blockquote",
    "code", "pre", "img",
})
ARTICLE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title"], "ol": ["start"]}
ARTICLE_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Images only from the site's own uploads (the names blog.services.uploads gives them).
OWN_UPLOAD_RE = re.compile(r"^/uploads/[A-Za-z0-9_-]{8,64}\.(?:jpg|png|webp)$")
# The same written as a full address (copied from the public page): read as its path, so it loads from this site.
_FULL_UPLOAD_RE = re.compile(r"^(?:https?:)?//[^/?#\s]+(/uploads/[A-Za-z0-9_-]{8,64}\.(?:jpg|png|webp))$", re.IGNORECASE)


def _own_upload(src: str) -> str | None:
    """The path of one of the site's uploads that an image's source names, or None for any other image."""
    if OWN_UPLOAD_RE.match(src):
        return src
    full = _FULL_UPLOAD_RE.match(src)
    return full.group(1) if full else None

# Raw HTML in the Markdown goes through to the cleaner below, which keeps only the allow-list.
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


# Elements whose content is code, not text: dropped with their content from the HTML Markdown gives (cosmetic: the
# cleaner below is what keeps them out; this only keeps their source from showing as text). After Markdown, not
# before: in a code span or block, Markdown has escaped them, and they show as the code they are.
_CODE_ELEMENTS = re.compile(
    r"<(script|style|iframe|object|embed|template|noscript|textarea|title|xmp)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _article_rel(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if not href.lower().startswith(("http://", "https://", "mailto:", "/", "#")):
        return None  # unlinkify anything else
    attrs[(None, "rel")] = ARTICLE_LINK_REL
    return attrs


class _OwnImagesOnly(Filter):
    """Drop every image whose source is not one of the site's own uploads (a full address of one becomes its
    path)."""

    def __iter__(self):
        for token in Filter.__iter__(self):
            if token.get("name") == "img" and token["type"] in ("StartTag", "EmptyTag"):
                own = _own_upload(token["data"].get((None, "src"), ""))
                if own is None:
                    continue
                token["data"][(None, "src")] = own
            yield token


_article_cleaner = bleach.Cleaner(
    tags=ARTICLE_TAGS,
    attributes=ARTICLE_ATTRIBUTES,
    protocols=ARTICLE_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_OwnImagesOnly, partial(LinkifyFilter, callbacks=[_article_rel], skip_tags=["pre", "code"], parse_email=False,
                                             url_re=_URL_RE)],
)


_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def foreign_images(markdown: str) -> list[str]:
    """The sources of the images an article's Markdown asks for that render_article drops (any but the site's
    own uploads), each once, in order: for telling the editor, who would otherwise see them vanish."""
    html = _CODE_ELEMENTS.sub("", _markdown.render(clean_text(markdown or "")))  # no <img inside a <script>
    sources = (unescape(next((g for g in found.groups() if g is not None), "")) for found in _IMG_SRC.finditer(html))
    return list(dict.fromkeys(src for src in sources if src and _own_upload(src) is None))


@lru_cache(maxsize=512)
def render_article(markdown: str) -> Markup:
    """An article body in Markdown as allow-listed HTML: no script, handler, style, frame or foreign image."""
    html = _CODE_ELEMENTS.sub("", _markdown.render(clean_text(markdown or "")))
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")  # the page's h1 is the title
    return Markup(_article_cleaner.clean(html))
