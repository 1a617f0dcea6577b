"""The interface catalogues (blog/translations): every string that takes a number is written out in each of the
language's plural forms, so Arabic never shows an empty or English-shaped count ("1 نتائج"); French punctuation
holds to its word."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUES = Path(__file__).resolve().parents[1] / "blog" / "translations"


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_every_plural_string_has_all_its_forms(language):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalogue = read_po(source, locale=language)
    plurals = [message for message in catalogue if message.id and isinstance(message.id, tuple)]
    assert plurals
    for message in plurals:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(forms) == catalogue.num_plurals and all(forms), (language, message.id)


def test_the_search_counts_its_results_in_arabic(app):
    from flask_babel import ngettext

    with app.test_request_context("/search"):
        counts = [ngettext("%(num)d نتيجة", "%(num)d نتائج", n) for n in (0, 1, 2, 3, 11, 100)]
    assert counts == ["لا نتائج", "نتيجة واحدة", "نتيجتان", "3 نتائج", "11 نتيجة", "100 نتيجة"]
    assert "لا نتائج" in app.test_client().get("/search?q=كلمةلاتوجد").get_data(as_text=True)


def test_french_punctuation_never_starts_a_line():
    """French sets a space before « ; : ! ? » and inside « »: a non-breaking one, or a narrow phone screen puts
    the mark at the start of the next line."""
    with open(CATALOGUES / "fr" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    breakable = [message.id for message in catalogue if message.id for text in
                 (message.string if isinstance(message.string, tuple) else (message.string,))
                 if any(f" {mark}" in text for mark in ";:!?»") or "« " in text]
    assert breakable == []


def test_a_length_limit_agrees_with_its_number_in_arabic(app):
    """"80 حرفا", "5 أحرف", "200 حرف": the noun after a number takes the form Arabic gives that number."""
    from wtforms import Form, StringField

    from blog.forms import _at_most

    said = {}
    for limit in (5, 80, 200):
        class Field(Form):
            text = StringField(validators=[_at_most(limit)])

        with app.test_request_context("/"):
            form = Field(data={"text": "x" * (limit + 1)})
            form.validate()
            said[limit] = form.text.errors
    assert said == {5: ["النص طويل جدا: 5 أحرف على الأكثر."], 80: ["النص طويل جدا: 80 حرفا على الأكثر."],
                    200: ["النص طويل جدا: 200 حرف على الأكثر."]}
