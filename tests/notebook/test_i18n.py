"""The one table of user-interface text: every key in every language, same placeholders."""

from __future__ import annotations

import re
import string

import pytest

from vnb.notebook import i18n


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_in_both_languages():
    assert set(i18n.LANGUAGES) == {"en", "ru"}
    assert set(i18n.TEXT["en"]) == set(i18n.TEXT["ru"])
    for key, en in i18n.TEXT["en"].items():
        ru = i18n.TEXT["ru"][key]
        assert en.strip() and ru.strip(), key
        assert fields(en) == fields(ru), key


def test_russian_is_russian():
    cyrillic = re.compile("[а-яА-ЯёЁ]")
    plain = [k for k, v in i18n.TEXT["ru"].items() if not cyrillic.search(v)]
    assert plain == [], "untranslated Russian entries"


def test_text_formats_and_switches():
    try:
        assert i18n.text("refused", message="x") == "Refused: x"
        i18n.set_language("ru")
        assert i18n.text("refused", message="x") == "Отклонено: x"
        assert i18n.labels()["cancel"] == "Отмена"
    finally:
        i18n.set_language("en")
    assert i18n.text("no such key") == "no such key"


def test_every_key_the_front_end_asks_for_exists():
    from pathlib import Path

    folder = Path(__file__).parents[2] / "widgets"
    js = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.js")))
    asked = set(re.findall(r'\bL\("([a-z_.]+)"', js))  # this.L(…), this.ed.L(…), ed.L(…)
    asked |= set(re.findall(r'button\("vnb-[a-z-]+", "([a-z_]+)"', js))
    toggles = re.findall(r'toggle\("[a-z]+", "vnb-track-[a-z]+", "([a-z_]+)", "([a-z_]+)"', js)
    asked |= {key for pair in toggles for key in pair}
    assert asked, "the patterns above no longer match editor.js"
    assert asked <= set(i18n.TEXT["en"]), asked - set(i18n.TEXT["en"])


@pytest.mark.parametrize("language", ["en", "ru"])
def test_magic_help_names_every_command(language):
    help_text = i18n.TEXT[language]["magic_help"]
    for command in ("render", "doctor", "editor", "language"):
        assert f"%vnb {command}" in help_text
