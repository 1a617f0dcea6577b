"""The interface catalogues (blog/translations): every string that takes a number is written out in each of the
language's plural forms, so Arabic never shows an empty or English-shaped count ("1 نتائج"); French punctuation
holds to its word."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import _make_directory_filter, parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "blog" / "translations"


def _catalogue(name: str):
    with open(CATALOGUES / name, "rb") as source:
        return read_po(source)


def _strings_in_the_code() -> set:
    """What `make messages` extracts: its own command's keywords and ignored folders, over the files babel.cfg
    names (pybabel's own code: its command line does no more)."""
    command = (ROOT / "Makefile").read_text()
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(re.findall(r"-k (\S+)", command)))
    ignored = _make_directory_filter(re.search(r"--ignore-dirs='([^']*)'", command)[1].split())
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {message[2] if isinstance(message[2], str) else message[2][:2] for message in
            extract_from_dir(ROOT, method_map, options_map, keywords=keywords, directory_filter=ignored)}


@pytest.mark.parametrize("name", ["messages.pot", *(f"{language}/LC_MESSAGES/messages.po" for language in "ar fr en".split())])
def test_the_catalogues_hold_the_strings_the_code_uses_and_no_others(name):
    """A string missing from a catalogue shows in Arabic on the French page; one the code no longer uses is a
    translator's wasted work. `make messages` keeps them in step; this says when they are not."""
    in_code = _strings_in_the_code()
    listed = {message.id for message in _catalogue(name) if message.id}
    assert (sorted(map(str, in_code - listed)), sorted(map(str, listed - in_code))) == ([], [])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_french_and_english_translate_every_string(language):
    catalogue = _catalogue(f"{language}/LC_MESSAGES/messages.po")
    untranslated = [message.id for message in catalogue if message.id and (message.fuzzy or not all(
        message.string if isinstance(message.string, tuple) else (message.string,)))]
    assert untranslated == []


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
