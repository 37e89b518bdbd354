"""English translations (locale/en/LC_MESSAGES/django.po and .mo).

The gettext source strings are Simplified Chinese; English is the one translation. These tests
need no database. When one fails because of new or changed strings, refresh the catalogue:

    python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench \
        --ignore=tests --no-location
    # translate the new entries in locale/en/LC_MESSAGES/django.po (and clear "fuzzy")
    python manage.py compilemessages --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
LC_MESSAGES = ROOT / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

#: Placeholders that must survive translation unchanged: %(name)s / %(count)d, %s / %d, {name}.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]{2,}")

#: The directories makemessages is told to skip (see the module docstring).
SKIPPED_DIRS = {".venv", "var", "bench", "tests", "node_modules", "__pycache__"}
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}


# --- A small .po reader (polib is not a dependency) ------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete ``#~`` entries are skipped), header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,"):
                pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
            finish()
            current = Entry(flags=pending_flags, line=number)
            pending_flags = set()
        assert current is not None, f"{path}:{number}: unexpected {keyword!r}"
        plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgstr" or plural_form:
            index = int(plural_form.group(1)) if plural_form else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing"
    entries = read_po(PO_FILE)
    assert entries and entries[0].msgid == "", "the .po file has no header entry"
    return entries


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [e for e in po_entries if e.msgid]


# --- The catalogue ----------------------------------------------------------------------------


def test_catalogue_is_for_english(po_entries):
    header = po_entries[0].translations[0]
    assert "Language: en\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "fuzzy" not in po_entries[0].flags


def test_every_message_is_translated(messages):
    assert len(messages) > 100
    untranslated = [e.msgid for e in messages if not all(t.strip() for t in e.translations)]
    assert not untranslated, f"untranslated: {untranslated}"
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"still marked fuzzy (check the translation, then drop the flag): {fuzzy}"


def test_translations_are_english(messages):
    """No msgstr is a copy of (or still contains) the Chinese source."""
    chinese = [(e.msgid, t) for e in messages for t in e.translations if CJK.search(t)]
    assert not chinese, chinese


def test_placeholders_match(messages):
    wrong = []
    for e in messages:
        for index, text in enumerate(e.translations):
            source = e.msgid if index == 0 or e.msgid_plural is None else e.msgid_plural
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append((e.msgid, text))
    assert not wrong, wrong


def test_python_format_flags(messages):
    """An entry with %-placeholders is flagged python-format, so msgfmt -c checks it too."""
    unflagged = [
        e.msgid
        for e in messages
        if re.search(r"%\([a-z_]+\)[sd]|%[sd]", e.msgid) and "python-format" not in e.flags
    ]
    assert not unflagged, unflagged


def test_mo_matches_po(messages):
    """The committed .mo was compiled from the current .po (users may not have msgfmt)."""
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run compilemessages"
    with MO_FILE.open("rb") as fh:
        mo = gnu_gettext.GNUTranslations(fh)
    stale = []
    for e in messages:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            got = mo._catalog.get(key)
            if got != e.translations[0]:
                stale.append((e.msgid, got))
        else:
            for index, text in e.msgstr.items():
                if mo._catalog.get((key, index)) != text:
                    stale.append((e.msgid, index))
    assert not stale, f"django.mo is out of date (run compilemessages): {stale[:10]}"


def project_sources() -> list[Path]:
    """The project's own .py files, not descending into SKIPPED_DIRS or dot directories
    (walking .venv and var/pgdata only to skip them took seconds)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        found += [Path(folder) / f for f in files if f.endswith(".py")]
    return sorted(found)


def _source_strings() -> dict[str, str]:
    """Every literal the project passes to gettext: {msgid: "file:line"}."""
    found: dict[str, str] = {}
    for path in project_sources():
        relative = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in GETTEXT_FUNCTIONS or not node.args:
                continue
            arg = node.args[-1] if name.startswith("pgettext") else node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, f"{relative}:{node.lineno}")
    return found


def test_catalogue_covers_the_source(messages):
    """Every gettext string in the code has an entry (re-run makemessages after adding text)."""
    known = {e.msgid for e in messages}
    missing = {text: where for text, where in _source_strings().items() if text not in known}
    assert not missing, f"not in django.po (run makemessages, translate): {missing}"


# --- The running translation -----------------------------------------------------------------


def test_domain_error_speaks_both_languages():
    from core.errors import DomainError
    from tenants.divisions import validate_division_code

    with pytest.raises(DomainError) as caught:
        validate_division_code("county", "420500")
    error = caught.value
    assert error.code == "invalid_division_code"

    with translation.override("zh-hans"):
        chinese = error.message
    assert CJK.search(chinese) and "420500" in chinese
    assert error.message_in("zh-hans") == chinese

    english = error.message_in("en")
    assert "420500" in english
    assert LATIN.search(english)
    assert not CJK.search(english), english
    # The tier and the expected shape are lazy parameters: they are English too.
    assert "county government service centre" in english
    assert "6 digits" in english

    data = error.as_dict()
    assert data["message"] == chinese
    assert data["message_en"] == english


def test_message_follows_the_active_language():
    from core.errors import DomainError
    from tenants.divisions import validate_tier

    with pytest.raises(DomainError) as caught:
        validate_tier("province")
    with translation.override("en"):
        assert caught.value.message.startswith("Invalid tier “province”")
    with translation.override("zh-hans"):
        assert caught.value.message.startswith("层级“province”无效")


def test_model_verbose_names_in_english():
    from tenants.divisions import Tier
    from tenants.models import ServiceCentre

    with translation.override("en"):
        assert str(ServiceCentre._meta.verbose_name) == "service centre"
        assert str(ServiceCentre._meta.get_field("name").verbose_name) == "Name"
        assert str(Tier.TOWNSHIP.label) == "township convenience service centre"
        assert str(ServiceCentre._meta.app_config.verbose_name) == "Service network"
    with translation.override("zh-hans"):
        assert str(ServiceCentre._meta.verbose_name) == "服务中心"
        assert str(Tier.TOWNSHIP.label) == "乡镇便民服务中心"


def test_language_names():
    names = dict(settings.LANGUAGES)
    with translation.override("en"):
        assert str(names["zh-hans"]) == "Simplified Chinese"
        assert str(names["en"]) == "English"


#: Chinese text in command modules that is data, not a message: the demo's applicant, agent and
#: case notes (stored in the cases it creates) and the calendar file's note column.
COMMAND_DATA = {
    "王代办",
    "刘桂兰",
    "窗口",
    "经审核，符合条件",
    "超出本级权限，上报",
    "已电话告知，送达证件",
    "调休上班",
}
HAN = re.compile(r"[\u3400-\u9fff]")


def test_commands_and_exports_print_through_gettext():
    """What management commands print and what the assessment workbook says follows the active
    language: no Chinese literal there outside a gettext call (docstrings and help aside)."""
    paths = [*sorted(ROOT.glob("*/management/commands/*.py")), ROOT / "assessment" / "exports.py"]
    untranslated = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in GETTEXT_FUNCTIONS:
                    inside.update(id(n) for n in ast.walk(node))
                for keyword in node.keywords:  # argparse help, Command.help-like keywords
                    if keyword.arg == "help":
                        inside.update(id(n) for n in ast.walk(keyword.value))
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    inside.add(id(first.value))  # a docstring
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "help" for t in node.targets
            ):
                inside.update(id(n) for n in ast.walk(node.value))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and HAN.search(node.value)
                and id(node) not in inside
                and node.value not in COMMAND_DATA
            ):
                untranslated.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not untranslated, "wrap these in gettext:\n" + "\n".join(untranslated)


@pytest.mark.parametrize(("value", "ok"), [("en", True), ("zh-hans", True), ("fr", False)])
def test_language_code_from_the_environment(value, ok):
    """``LANGUAGE_CODE`` sets the default language (commands, API requests that name none);
    a language without a catalogue is refused at start-up, not silently ignored."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "LANGUAGE_CODE": value,
        # Settings only: a server address that is never contacted, so no embedded start.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
        "SECRET_KEY": "test-only",
        "PERSONAL_DATA_KEYS": "test:dGVzdC1vbmx5LW5vdC1zZWNyZXQtMzItYnl0ZXMhISE=",
        "MESSAGES_SIGNING_KEYS": "test:dGVzdC1vbmx5LXNpZ25pbmcta2V5LTE2Yg==",
    }
    code = "import core.settings as s; print(s.LANGUAGE_CODE)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    if ok:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == value
    else:
        assert done.returncode != 0
        assert "LANGUAGE_CODE='fr'" in done.stderr and "zh-hans, en" in done.stderr


def test_coded_errors_are_raised_with_translatable_messages():
    """A coded error (``DomainError`` and its kinds) speaks both languages only if its message
    went through gettext: no plain Chinese literal as the message anywhere in the project."""
    import core.errors

    kinds = {
        name
        for name, value in vars(core.errors).items()
        if isinstance(value, type) and issubclass(value, core.errors.DomainError)
    }
    plain = []
    for path in project_sources():
        relative = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            message = node.args[0]
            texts = (
                [message.value]
                if isinstance(message, ast.Constant) and isinstance(message.value, str)
                else [v.value for v in message.values if isinstance(v, ast.Constant)]
                if isinstance(message, ast.JoinedStr)
                else []
            )
            if name in kinds and any(HAN.search(str(t)) for t in texts):
                plain.append(f"{relative}:{node.lineno}")
    assert not plain, f"wrap the message in gettext_lazy: {plain}"


# --- Templates ---------------------------------------------------------------------------------

#: Han text a template may show untranslated: the language switch names Chinese in Chinese.
TEMPLATE_DATA = {"中文"}


def _template_paths() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.glob("*/templates/**/*.html"))
        if not (SKIPPED_DIRS & set(path.relative_to(ROOT).parts))
    ]


def _template_messages(path: Path) -> tuple[set[str], list[str]]:
    """The msgids a template's translate/blocktranslate tags ask for, and any Han text it shows
    outside them."""
    from django.template.base import Lexer, TokenType
    from django.utils.text import smart_split

    msgids: set[str] = set()
    stray: list[str] = []
    block: list[str] | None = None  # inside a blocktranslate: the msgid being built
    for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
        content = token.contents
        if token.token_type == TokenType.BLOCK:
            bits = list(smart_split(content))
            if bits[0] in ("translate", "trans") and len(bits) > 1:
                msgids.add(ast.literal_eval(bits[1]) if bits[1][0] in "\"'" else bits[1])
            elif bits[0] in ("blocktranslate", "blocktrans"):
                block = []
            elif bits[0] == "plural" and block is not None:
                msgids.add("".join(block))
                block = []
            elif bits[0] in ("endblocktranslate", "endblocktrans") and block is not None:
                msgids.add("".join(block))
                block = None
        elif block is not None:
            if token.token_type == TokenType.TEXT:
                block.append(content.replace("%", "%%"))
            elif token.token_type == TokenType.VAR:
                block.append(f"%({content.split('|')[0].strip()})s")
        elif token.token_type == TokenType.TEXT:
            for text in re.findall(r"[\u3400-\u9fff]+", content):
                if text not in TEMPLATE_DATA:
                    stray.append(text)
    return msgids, stray


def test_templates_speak_through_the_catalogue(messages):
    """Every string a template translates is in django.po, and no template shows Chinese
    outside a translate tag (it would stay Chinese in English)."""
    known = {e.msgid for e in messages} | {e.msgid_plural for e in messages if e.msgid_plural}
    missing, untranslated = [], []
    for path in _template_paths():
        msgids, stray = _template_messages(path)
        relative = path.relative_to(ROOT)
        missing += [f"{relative}: {m!r}" for m in sorted(msgids - known)]
        untranslated += [f"{relative}: {t!r}" for t in stray]
    assert not missing, "not in django.po (run makemessages, translate):\n" + "\n".join(missing)
    assert not untranslated, "wrap in {% translate %}:\n" + "\n".join(untranslated)


def test_the_template_guard_finds_what_it_should(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "登记簿" %}</h1><p>未翻译</p>'
        "{% blocktranslate with days=n %}剩 {{ days }} 个工作日{% endblocktranslate %}",
        encoding="utf-8",
    )
    msgids, stray = _template_messages(page)
    assert msgids == {"登记簿", "剩 %(days)s 个工作日"}
    assert stray == ["未翻译"]
