"""The one sanitizing module: comments escaped, links safe, names cleaned."""
from __future__ import annotations

import pytest

from blog.sanitize import clean_name, clean_text, render_comment


def test_markup_is_escaped_and_line_breaks_kept():
    html = str(render_comment('سطر أول <script>alert(1)</script>\nسطر ثان\n\nفقرة <b onmouseover="x()">ب</b>'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b " not in html and "&lt;b onmouseover" in html
    assert html.count("<p>") == 2 and "<br>" in html


def test_links_are_clickable_with_a_safe_rel():
    html = str(render_comment("المصدر: https://example.org/a?b=1&c=2 و www.example.com"))
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener"' in html
    assert 'href="http://www.example.com"' in html


@pytest.mark.parametrize("payload", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
                                     "vbscript:msgbox", '"><img src=x onerror=alert(1)>'])
def test_dangerous_urls_are_never_links(payload):
    html = str(render_comment(payload))
    assert "<a " not in html and "<img" not in html


def test_names_lose_control_and_bidi_characters():
    assert clean_name("  Ali\u202e\u2066 gnp.exe\u200f \x00\x07 ") == "Ali gnp.exe"
    assert clean_name("\u202e\u202d") == ""
    assert clean_name("سعيد   الإدريسي") == "سعيد الإدريسي"


def test_names_keep_the_joiners_inside_a_word_and_nowhere_else():
    family, persian = "👨\u200d👩\u200d👧", "می\u200cخواهم"
    assert clean_name(family) == family and clean_name(persian) == persian  # they shape what the reader sees
    assert clean_name(" \u200cعلي\u200c ") == "علي" and clean_name("x \u200d y") == "x y"
    assert clean_name("\u200d\u200c\u200d") == ""  # alone they are no name


def test_lone_surrogates_and_nul_are_dropped():
    assert clean_text("a\ud800b\x00c") == "abc"


def test_foreign_images_are_the_ones_render_article_drops():
    from blog.sanitize import foreign_images, render_article

    text = ("![a](https://t.example/p.png?a=1&b=2) <img src='//evil.example/x.gif'> <IMG SRC=http://u.example/v.jpg>"
            " ![](/uploads/abcdefgh12.jpg) `<img src=\"http://code.example/x\">`\n\n    <img src=\"http://indented.example\">"
            "\n\n![again](https://t.example/p.png?a=1&b=2) <img src=\"\">")
    assert foreign_images(text) == ["https://t.example/p.png?a=1&b=2", "//evil.example/x.gif", "http://u.example/v.jpg"]
    html = str(render_article(text))
    assert html.count("<img") == 1 and 'src="/uploads/abcdefgh12.jpg"' in html
    assert foreign_images("") == [] and foreign_images("![](/uploads/abcdefgh12.jpg)") == []


def test_a_full_address_of_the_sites_own_upload_is_read_as_its_path():
    """An editor copies an image's address from the public page: it loads from this site, whatever host it
    names; anything else under another host's /uploads/ is still foreign."""
    from blog.sanitize import foreign_images, render_article

    text = ("![a](http://127.0.0.1:5000/uploads/abcdefgh12.jpg) <img src=\"HTTPS://majlis.example/uploads/abcdefgh12.webp\">"
            " ![b](https://evil.example/uploads/abcdefgh12.jpg?track=1) ![c](javascript://x/uploads/abcdefgh12.jpg)")
    html = str(render_article(text))
    assert html.count('<img src="/uploads/abcdefgh12.jpg"') == 1 and '<img src="/uploads/abcdefgh12.webp">' in html
    assert "evil.example" not in html and html.count("<img") == 2  # (the javascript: one stays text, no image)
    assert foreign_images(text) == ["https://evil.example/uploads/abcdefgh12.jpg?track=1"]


@pytest.mark.parametrize("text, link, after", [
    ("قرأت التقرير على https://example.com/report، وهو مفصل", "https://example.com/report", "، وهو"),
    ("هل رأيتم https://example.com/faq؟", "https://example.com/faq", "؟"),
    ("انظروا https://example.com/a؛ ثم", "https://example.com/a", "؛ ثم"),
    ("رابط «https://example.com/b» هنا", "https://example.com/b", "» هنا"),
    ("https://ar.wikipedia.org/wiki/فاس،.", "https://ar.wikipedia.org/wiki/فاس", "،."),
])
def test_arabic_punctuation_after_a_link_is_not_part_of_it(text, link, after):
    html = str(render_comment(text))
    assert f'href="{link}"' in html and f"{link}</a>{after}" in html, html


@pytest.mark.parametrize("text, link, after", [
    ('Source : "https://www.mapexpress.ma/argan" (voir', "https://www.mapexpress.ma/argan", "&#34; (voir"),
    ("(voir aussi https://fr.wikipedia.org/wiki/Arganier).", "https://fr.wikipedia.org/wiki/Arganier", ")."),
    ("[https://x.ma/a]", "https://x.ma/a", "]"),
    ("'https://x.ma/a'", "https://x.ma/a", "&#39;"),
    ("https://x.ma/a! Bravo", "https://x.ma/a", "! Bravo"),
    ("Vu https://x.ma/a ? Oui", "https://x.ma/a", " ? Oui"),
    ("https://x.ma/a? Oui", "https://x.ma/a", "? Oui"),
    ("https://x.ma/a: la suite", "https://x.ma/a", ": la suite"),
    ("https://x.ma/a; la suite", "https://x.ma/a", "; la suite"),
    ("https://x.ma/a… etc.", "https://x.ma/a", "… etc."),
    ("https://x.ma/a<b>", "https://x.ma/a", "&lt;b&gt;"),
    # Brackets that the address opens are its own; the extra closing one is the sentence's.
    ("(https://fr.wikipedia.org/wiki/Fès_(ville)).", "https://fr.wikipedia.org/wiki/Fès_(ville)", ")."),
    ("(voir https://fr.wikipedia.org/wiki/Fès_(ville)).", "https://fr.wikipedia.org/wiki/Fès_(ville)", ")."),
    ("https://x.ma/f?a[]=1&b=2.", "https://x.ma/f?a[]=1&amp;b=2", "."),
    # Inside an address, an apostrophe, a query's & and a question mark still belong to it.
    ("https://fr.wikipedia.org/wiki/Côte_d'Ivoire!", "https://fr.wikipedia.org/wiki/Côte_d&#39;Ivoire", "!"),
    ("https://x.ma/s?q=1&r=2!", "https://x.ma/s?q=1&amp;r=2", "!"),
])
def test_latin_punctuation_quotes_and_unpaired_brackets_after_a_link_are_not_part_of_it(text, link, after):
    html = str(render_comment(text))
    assert f'href="{link}"' in html and f"{link}</a>{after}" in html, html


def test_an_article_s_bare_links_leave_the_sentence_s_punctuation_out():
    from blog.sanitize import render_article

    html = str(render_article('Source : "https://www.mapexpress.ma/argan", [https://x.ma/a] et '
                              "(https://fr.wikipedia.org/wiki/Fès_(ville)) ! https://x.ma/b?c=1&d=2!"))
    assert 'href="https://www.mapexpress.ma/argan"' in html and "https://www.mapexpress.ma/argan</a>&quot;," in html
    assert "https://x.ma/a</a>]" in html
    assert 'href="https://fr.wikipedia.org/wiki/Fès_(ville)"' in html and "Fès_(ville)</a>) !" in html
    assert 'href="https://x.ma/b?c=1&amp;d=2"' in html and "d=2</a>!" in html, html


def test_code_in_an_article_shows_the_tags_it_holds_and_a_real_script_still_goes():
    from blog.sanitize import render_article

    html = str(render_article("```html\n<script>alert(1)</script>\n<title>x</title>\n```\n\n"
                              "inline `<title>مرحبا</title>` here\n\n<script>alert(2)</script>\n\nafter"))
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;\n&lt;title&gt;x&lt;/title&gt;\n</code>" in html
    assert "<code>&lt;title&gt;مرحبا&lt;/title&gt;</code>" in html
    assert "alert(2)" not in html and "<script" not in html and "<p>after</p>" in html


def test_a_comment_is_shown_in_the_order_it_was_written():
    """Embeddings, overrides and isolates go (they could show a link's address reversed); the marks stay."""
    html = str(render_comment("انظر \u202ehttps://example.com/gpj.exe\u202c و\u2067abc\u2069 ثم\u200f ok\u200e"))
    assert not any(c in html for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert 'href="https://example.com/gpj.exe"' in html and "\u200f" in html and "\u200e" in html
