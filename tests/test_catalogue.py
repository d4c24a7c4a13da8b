"""The Chinese catalogue is complete, and stays complete as strings are added.

zh-hans is the default language: an English string that reaches a cadre's
phone untranslated is a bug. These tests fail when the committed catalogue has
an untranslated or fuzzy entry, when a placeholder was lost in translation,
and (where gettext's tools are installed, as .ci/run installs them) when the
source holds a string that `make catalogue` would add but nobody translated.
"""

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# %(name)s, %d, %(seconds).1f … ; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdfirxXeEgGc%]")

# Never copied into the extraction tree: environments, data, caches, the
# catalogue itself and the keys in .env.
NOT_SOURCE = (".venv", "venv", "var", ".git", "locale", "node_modules", "__pycache__")
NOT_SOURCE += (".pytest_cache", ".ruff_cache", ".env", "*.mo", "*.pyc")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def translation_of(entry):
    return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr


def placeholders(text):
    return {p for p in PLACEHOLDER.findall(text or "") if p != "%%"}


def test_the_header_names_the_language_and_its_single_plural_form(catalogue):
    assert catalogue.metadata["Language"] == "zh_Hans"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert not catalogue.metadata_is_fuzzy


def test_every_entry_is_translated(catalogue):
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not translation_of(e).strip()]
    assert untranslated == [], "translate these in locale/zh_Hans/LC_MESSAGES/django.po"


def test_no_entry_is_fuzzy(catalogue):
    # gettext skips fuzzy entries when compiling: the page would show English.
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_plural_entries_have_exactly_one_form(catalogue):
    wrong = [e.msgid for e in catalogue if e.msgid_plural and set(e.msgstr_plural) != {0}]
    assert wrong == []


def test_translations_keep_their_placeholders(catalogue):
    # A lost %(name)s drops the value; an invented one raises KeyError at render time.
    wrong = [
        (e.msgid, translation_of(e))
        for e in catalogue
        if "python-format" in e.flags
        and placeholders(translation_of(e)) != placeholders(e.msgid) | placeholders(e.msgid_plural)
    ]
    assert wrong == []


def test_translations_are_chinese(catalogue):
    # An entry "translated" by copying the English source is untranslated all the same.
    def has_words(text):
        return re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", text))

    copied = [
        e.msgid
        for e in catalogue
        if has_words(e.msgid) and not re.search(r"[\u4e00-\u9fff]", translation_of(e))
    ]
    assert copied == []


def makemessages_ignore_patterns():
    """The -i patterns of `make catalogue`, so that this test extracts what it extracts."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = next((line for line in makefile.splitlines() if "makemessages" in line), "")
    return re.findall(r"""-i\s+["']?([^"'\s]+)""", recipe)


def extraction_env(tmp_path):
    """Settings that import without the developer's .env and touch nothing outside tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="catalogue-test-only",
        ID_NUMBER_ENCRYPTION_KEY=base64.urlsafe_b64encode(b"\0" * 32).decode(),
        ID_NUMBER_HASH_KEY="catalogue-test-only",
        VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge")),
    reason="gettext's xgettext is not installed (.ci/run installs Debian's gettext)",
)
def test_every_string_in_the_source_is_in_the_catalogue(catalogue, tmp_path):
    # makemessages writes into the locale directory of the tree it runs in, so
    # it runs in a copy of the source: the committed catalogue stays untouched.
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    (tree / "locale").mkdir()
    command = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location"]
    for pattern in makemessages_ignore_patterns():
        command += ["-i", pattern]
    result = subprocess.run(
        command,
        cwd=tree,
        env=extraction_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

    extracted = polib.pofile(str(tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(extracted) > 0
    committed = {key(e): e for e in catalogue if not e.obsolete}
    missing = [e.msgid for e in extracted if key(e) not in committed]
    assert missing == [], "run `make catalogue` and translate the new entries"
    plural_changed = [
        e.msgid
        for e in extracted
        if (committed[key(e)].msgid_plural or "") != (e.msgid_plural or "")
    ]
    assert plural_changed == [], "run `make catalogue`: these entries changed their plural form"


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", [None, "zh-CN,zh;q=0.9", "zh-Hans-CN"])
def test_the_login_page_is_in_chinese(client, accept_language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = client.get(reverse("login"), **headers)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in page
    assert "登录" in page
    assert "民情通" in page
    assert "Log in" not in page
