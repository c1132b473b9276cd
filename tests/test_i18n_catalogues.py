"""Every area's Chinese catalogue is complete and agrees with the others.

Flask-Babel merges the catalogues, so one English message translated two ways
in two areas would show the wrong Chinese in one of them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalogues() -> list[Path]:
    return sorted(ROOT.glob("safety/**/translations/zh_Hans_CN/LC_MESSAGES/messages.po"))


def _messages(path: Path):  # noqa: ANN202
    with path.open("rb") as f:
        catalogue = read_po(f)
    for message in catalogue:
        if message.id:
            yield message


def test_there_is_a_core_catalogue():
    assert ROOT / "safety/translations/zh_Hans_CN/LC_MESSAGES/messages.po" in _catalogues()


def test_every_message_is_translated_and_not_fuzzy():
    missing = []
    for path in _catalogues():
        for message in _messages(path):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or message.fuzzy:
                missing.append(f"{path.relative_to(ROOT)}: {message.id!r}")
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_no_message_is_translated_two_ways():
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in _catalogues():
        for message in _messages(path):
            key = message.id if isinstance(message.id, str) else message.id[0]
            value = message.string if isinstance(message.string, str) else message.string[0]
            seen[key][value].append(str(path.relative_to(ROOT).parts[1]))
    conflicts = {k: dict(v) for k, v in seen.items() if len(v) > 1}
    assert not conflicts, f"translated differently by area: {conflicts}"


def test_no_catalogue_is_marked_fuzzy_as_a_whole():
    """pybabel skips a catalogue whose header is fuzzy: none of it would show."""
    fuzzy = []
    for path in _catalogues():
        with path.open("rb") as f:
            if read_po(f).fuzzy:
                fuzzy.append(str(path.relative_to(ROOT)))
    assert not fuzzy, "fuzzy catalogues (pybabel compile skips them): " + ", ".join(fuzzy)


def test_every_message_in_the_code_is_in_a_catalogue():
    """A message marked in the code or a template but in no catalogue shows in English."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    known = set()
    for path in _catalogues():
        for message in _messages(path):
            known.add(message.id if isinstance(message.id, str) else message.id[0])
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    missing = set()
    for folder in ("safety", "templates"):
        for name, line, message, _c, _x in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=keywords
        ):
            key = message if isinstance(message, str) else message[0]
            if key and key not in known:
                missing.add(f"{folder}/{name}:{line}: {key!r}")
    assert not missing, "in no catalogue:\n" + "\n".join(sorted(missing))
