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
