"""Every user-visible string of the pages is marked for translation, and the layout is ready
for right-to-left languages."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from casework import create_app, i18n
from casework.auth.models import User
from tests.helpers import csrf_from, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CSS = Path(__file__).resolve().parents[2] / "casework" / "static" / "casework.css"

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
# What may stand outside _(): punctuation, numbers, symbols and entities.
NEUTRAL = re.compile(r"^[\s\W\d_·—–…]*$|^&[a-z]+;$")


ATTRIBUTE = re.compile(r'\b(?:placeholder|title|aria-label|alt|value)="([^"]*)"')


def visible_text(source: str) -> list[str]:
    source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
    without_jinja = JINJA.sub(" ", source)
    text = TAG.sub("\n", without_jinja)
    found = [t.strip() for t in text.splitlines() if t.strip() and not NEUTRAL.match(t.strip())]
    # Attributes people read (placeholders, tooltips, labels for screen readers, buttons).
    for tag in TAG.findall(JINJA.sub("", source)):
        if 'type="hidden"' in tag:
            continue
        found += [v for v in ATTRIBUTE.findall(tag) if v.strip() and not NEUTRAL.match(v)]
    return found


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_unmarked_text_in_templates(template):
    assert visible_text(template.read_text()) == []


def test_the_check_catches_unmarked_text():
    assert visible_text("<p>{{ _('Fine') }}</p><p>Not marked</p>") == ["Not marked"]
    assert visible_text('<input placeholder="Type here">') == ["Type here"]
    assert visible_text("<input placeholder=\"{{ _('Marked') }}\">") == []


def test_stylesheet_uses_direction_neutral_properties():
    css = CSS.read_text()
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|float:\s*(?:left|right)",
        css,
    )
    assert physical == []


# --- catalogues (issue 14) --------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("es", "fr", "ar")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


@functools.cache
def fresh_template() -> Catalog:
    """The catalogue template extracted now (Babel's API over babel.cfg), as `pybabel extract
    -F babel.cfg` makes it: nothing committed is trusted."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    template = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], context=context)
    return template


def catalogue(language: str) -> Catalog:
    with (ROOT / "casework" / "translations" / language / "LC_MESSAGES" / "messages.po").open(
        "rb"
    ) as fileobj:
        return read_po(fileobj, locale=language)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def catalogue_problems(template: Catalog, translation: Catalog) -> list[str]:
    """Every message of the template missing, untranslated or fuzzy in the translation, or
    whose placeholders differ from the English one's."""
    problems = []
    for message in template:
        if not message.id:
            continue
        ident = message.id[0] if isinstance(message.id, tuple | list) else message.id
        found = translation.get(message.id, message.context)
        if found is None:
            problems.append(f"missing: {ident!r}")
            continue
        strings = found.string if isinstance(found.string, tuple | list) else (found.string,)
        if found.fuzzy:
            problems.append(f"fuzzy: {ident!r}")
        if not strings or not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {ident!r}")
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        wanted = {p for i in ids for p in PLACEHOLDER.findall(i)}
        for s in strings:
            # A plural form may leave the number out ("one case"), never invent or rename one.
            got = set(PLACEHOLDER.findall(s))
            if got - wanted or (len(strings) == 1 and got != wanted):
                problems.append(
                    f"placeholders differ: {ident!r}: {sorted(got)} != {sorted(wanted)}"
                )
                break
    return problems


@pytest.mark.once
@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_translates_every_message(language):
    """The gate: every message of the pages and the code, extracted fresh, is translated (not
    fuzzy) with the same %(placeholders)s."""
    problems = catalogue_problems(fresh_template(), catalogue(language))
    assert problems == [], f"{len(problems)} problems in {language}: " + "; ".join(problems[:40])


def test_the_catalogue_check_catches_each_problem():
    template = Catalog()
    for msgid in ("Fine", "Missing", "Empty", "Fuzzy", "Hello %(name)s"):
        template.add(msgid)
    template.add(("%(num)d case", "%(num)d cases"))
    translation = Catalog(locale="fr")
    translation.add("Fine", "Bien")
    translation.add("Empty", "")
    translation.add("Fuzzy", "Flou", flags=["fuzzy"])
    translation.add("Hello %(name)s", "Bonjour %(nom)s")
    translation.add(("%(num)d case", "%(num)d cases"), ("un dossier", "%(num)d dossiers"))
    assert catalogue_problems(template, translation) == [
        "missing: 'Missing'",
        "untranslated: 'Empty'",
        "fuzzy: 'Fuzzy'",
        "placeholders differ: 'Hello %(name)s': ['nom'] != ['name']",
    ]


def test_extraction_finds_lazy_strings_of_the_code():
    """babel.cfg names the lazy keyword (_l): the navigation's labels are in the template."""
    ids = {m.id for m in fresh_template()}
    assert "Two-step sign-in" in ids  # a navigation label, only ever written as _l("...")
    assert "Sign in" in ids


# --- compiling ----------------------------------------------------------------------------------


def _write_po(path: Path, entries: dict[str, str], fuzzy: tuple[str, ...] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=path.parent.parent.name)
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr, flags=["fuzzy"] if msgid in fuzzy else [])
    with path.open("wb") as out:
        write_po(out, catalog)


def _load(directory: Path, language: str) -> Translations:
    return Translations.load(str(directory), [language])


def test_compile_writes_mo_files_that_gettext_reads_leaving_fuzzy_ones_out(tmp_path):
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    _write_po(po, {"Sign in": "Se connecter", "Case": "Dossier?"}, fuzzy=("Case",))
    done = i18n.compile_all(tmp_path)
    assert [(c.language, n) for c, n in done] == [("fr", 1)]
    translations = _load(tmp_path, "fr")
    assert translations.gettext("Sign in") == "Se connecter"
    assert translations.gettext("Case") == "Case"


def test_compile_redoes_only_stale_catalogues(tmp_path):
    po = tmp_path / "es" / "LC_MESSAGES" / "messages.po"
    _write_po(po, {"Sign in": "Entrar"})
    assert len(i18n.compile_all(tmp_path)) == 1
    assert i18n.compile_all(tmp_path) == []  # up to date
    _write_po(po, {"Sign in": "Iniciar sesión"})
    later = po.stat().st_mtime + 10
    os.utime(po, (later, later))
    assert len(i18n.compile_all(tmp_path)) == 1
    assert _load(tmp_path, "es").gettext("Sign in") == "Iniciar sesión"


def test_start_compiles_into_the_instance_when_the_package_is_read_only(tmp_path, monkeypatch):
    source = tmp_path / "package"
    _write_po(source / "ar" / "LC_MESSAGES" / "messages.po", {"Sign in": "تسجيل الدخول"})
    fallback = tmp_path / "instance" / "translations"
    real = i18n.compile_catalogue

    def read_only(catalogue):
        if catalogue.mo.is_relative_to(source):
            raise PermissionError("read-only")
        return real(catalogue)

    monkeypatch.setattr(i18n, "compile_catalogue", read_only)
    directories = i18n.ensure_compiled(fallback, source=source)
    assert directories == [source, fallback]
    assert _load(fallback, "ar").gettext("Sign in") == "تسجيل الدخول"


def test_the_app_serves_compiled_catalogues_from_the_package(settings, database):
    """The catalogues live in casework/translations (where the translators write them), and
    the factory compiles them on start: none missing or stale afterwards."""
    app = create_app(settings, database=database)
    assert str(i18n.TRANSLATIONS) in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    for language in TRANSLATED:
        po = ROOT / "casework" / "translations" / language / "LC_MESSAGES" / "messages.po"
        assert po.is_file(), language
    built = [c for c in i18n.catalogues() if c.language in TRANSLATED]
    assert [c.language for c in built] == list(TRANSLATED)
    assert not any(c.stale for c in built)


def test_no_compiled_catalogue_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo", "*.pot"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked == []
    ignored = subprocess.run(
        ["git", "check-ignore", "casework/translations/fr/LC_MESSAGES/messages.mo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.returncode == 0


def test_cli_compiles_the_catalogues(cli):
    result = cli("i18n", "compile", "--force")
    assert result.exit_code == 0, result.output
    for language in TRANSLATED:
        assert f"{language}: " in result.output


# --- choosing the language -----------------------------------------------------------------------

HTML_TAG = re.compile(r"<html\b[^>]*>")


def translated(language: str, msgid: str) -> str:
    """The catalogue's translation (the test's expectation comes from the translators' file)."""
    message = catalogue(language).get(msgid)
    assert message is not None and message.string and not message.fuzzy, (language, msgid)
    assert message.string != msgid
    return message.string


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "no heading"
    return match.group(1).strip()


def html_attributes(html: str) -> dict[str, str]:
    tag = HTML_TAG.search(html)
    assert tag
    return dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0)))


def page(browser, url: str, language: str | None = None, status: int = 200) -> str:
    headers = {"Accept-Language": language} if language else {}
    resp = browser.get(url, headers=headers)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def switch(browser, language: str, next_url: str = "/login", **extra: str):
    token = csrf_from(page(browser, next_url))
    return browser.post(
        "/language", data={"csrf_token": token, "language": language, "next": next_url, **extra}
    )


def user_language(database, user) -> str | None:
    with database.session() as s:
        return s.get(User, user.id).language


@pytest.mark.parametrize(
    ("header", "language", "direction"),
    [
        ("es-MX,es;q=0.9", "es", "ltr"),
        ("fr-FR", "fr", "ltr"),
        ("ar", "ar", "rtl"),
        ("de-DE,fr;q=0.5", "fr", "ltr"),
        ("de-DE", "en", "ltr"),
    ],
)
def test_accept_language_chooses_a_signed_out_page_language(client, header, language, direction):
    html = page(client, "/login", header)
    assert html_attributes(html)["lang"] == language
    assert html_attributes(html)["dir"] == direction
    expected = "Sign in" if language == "en" else translated(language, "Sign in")
    assert h1(html) == expected


def test_every_page_has_a_switcher_naming_each_language_in_itself(client, login, make_user):
    html = page(client, "/login", "ar")
    form = re.search(r'<form[^>]*action="/language"[^>]*>.*?</form>', html, re.S)
    assert form, "no language switcher on the sign-in page"
    buttons = re.findall(
        r'<button[^>]*name="language" value="(\w+)" lang="(\w+)"[^>]*>([^<]*)</button>',
        form.group(0),
    )
    assert [(v, lang, name) for v, lang, name in buttons] == [
        ("en", "en", "English"),
        ("es", "es", "Español"),
        ("fr", "fr", "Français"),
        ("ar", "ar", "العربية"),
    ]
    assert 'value="ar" lang="ar" dir="rtl" aria-current="true"' in form.group(0)
    assert login(make_user("focal_point")).status_code == 302
    assert 'action="/language"' in page(client, "/cases")


def test_a_signed_out_switch_is_remembered_over_accept_language(client):
    resp = switch(client, "fr", "/login?next=/cases")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=/cases"
    cookie = resp.headers["Set-Cookie"]
    assert "casework_language=fr" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = page(client, "/login", "es")
    assert html_attributes(html)["lang"] == "fr"
    assert h1(html) == translated("fr", "Sign in")


def test_a_switch_of_a_signed_in_user_is_saved_to_their_profile(
    app, client, login, make_user, database
):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    assert user_language(database, user) is None
    assert switch(client, "ar", "/cases").headers["Location"] == "/cases"
    assert user_language(database, user) == "ar"
    # Another browser, set to Spanish and without the cookie: the profile's language wins.
    other = app.test_client()
    sign_in(other, user)
    html = page(other, "/cases", "es")
    assert (html_attributes(html)["lang"], html_attributes(html)["dir"]) == ("ar", "rtl")


def test_the_switch_refuses_an_unknown_language_and_a_foreign_next(
    client, login, make_user, database
):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    resp = switch(client, "xx", "/cases")
    assert resp.status_code == 422
    assert "casework_language" not in resp.headers.get("Set-Cookie", "")
    assert user_language(database, user) is None
    resp = switch(client, "es", "/cases", next="https://elsewhere.example/")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_the_switch_needs_the_csrf_token(client):
    page(client, "/login")
    resp = client.post("/language", data={"language": "fr", "next": "/login"})
    assert resp.status_code == 400
    assert "casework_language" not in resp.headers.get("Set-Cookie", "")


def test_the_profile_setting_is_reached_from_the_navigation_and_persisted(
    client, login, make_user, database
):
    user = make_user("family_liaison")
    assert login(user).status_code == 302
    home = page(client, "/", "fr")
    assert 'href="/account/language"' in home
    html = page(client, "/account/language", "fr")
    assert re.search(
        r'<option[^>]*value="ar"[^>]*lang="ar"|<option[^>]*lang="ar"[^>]*value="ar"', html
    )
    resp = client.post("/account/language", data={"csrf_token": csrf_from(html), "language": "ar"})
    assert resp.status_code == 302
    assert user_language(database, user) == "ar"
    html = page(client, "/account/language", "fr")
    assert (html_attributes(html)["lang"], html_attributes(html)["dir"]) == ("ar", "rtl")
    assert h1(html) == translated("ar", "Language")
    assert re.search(
        r'<option[^>]*selected[^>]*value="ar"|<option[^>]*value="ar"[^>]*selected', html
    )
    # Back to the browser's language: the setting is cleared, and so is the switcher's cookie.
    resp = client.post("/account/language", data={"csrf_token": csrf_from(html), "language": ""})
    assert resp.status_code == 302
    assert user_language(database, user) is None
    assert html_attributes(page(client, "/account/language", "fr"))["lang"] == "fr"


def test_the_profile_refuses_an_unknown_language(client, login, make_user, database):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    html = page(client, "/account/language")
    resp = client.post("/account/language", data={"csrf_token": csrf_from(html), "language": "xx"})
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    assert user_language(database, user) is None


# --- no English left on a translated page ---------------------------------------------------------

WORD = re.compile(r"[^\W\d_]{2,}")
SKIPPED_ELEMENTS = {"script", "style", "template"}
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
EMAIL = re.compile(r"\S+@\S+")


class VisibleText(HTMLParser):
    """The text a reader sees (and hears: labels, placeholders, button values) in the page's
    own language: what sits in an element of another `lang` (the switcher's language names)
    is that language's, not the page's."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = [("", language)]
        self.language = language
        self.texts: list[str] = []

    def _ours(self) -> bool:
        return self.stack[-1][1] == self.language and self.stack[-1][0] not in SKIPPED_ELEMENTS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = (values.get("lang") or self.stack[-1][1]).split("-")[0]
        if tag in SKIPPED_ELEMENTS:
            lang = "-"
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, lang))
        if lang != self.language:
            return
        self.texts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            self.texts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._ours() and data.strip():
            self.texts.append(data)


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", text))}


@functools.cache
def english_words() -> frozenset[str]:
    """Words of the English catalogue, and of the English names of countries and languages
    (CLDR's and pycountry's: a picker or a page that falls back to them shows English)."""
    import pycountry

    found: set[str] = set()
    for message in fresh_template():
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            found |= words(msgid or "")
    english = Locale.parse("en")
    names = list(english.languages.values()) + list(english.territories.values())
    names += [c.name for c in pycountry.countries]
    for name in names:
        found |= words(name)
    return frozenset(found)


@functools.cache
def translation_words(language: str) -> frozenset[str]:
    found: set[str] = set()
    for message in catalogue(language):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for s in strings:
            found |= words(s or "")
    return frozenset(found)


@functools.cache
def locale_words(language: str) -> frozenset[str]:
    """Words of the names of languages and countries in `language` (Unicode CLDR, as Babel
    gives them to the pickers): French "same du Nord" is the Sami language, not English."""
    locale = Locale.parse(language)
    found: set[str] = set()
    for name in list(locale.languages.values()) + list(locale.territories.values()):
        found |= words(name)
    return frozenset(found)


def english_left(html: str, language: str, seeded: list[str]) -> list[str]:
    """Words of the English catalogue on the page that no translation of `language` uses (a
    word the translators kept, e.g. an acronym, is not English left), after the values the
    test seeded (names, places, e-mails) are taken out."""
    parser = VisibleText(language)
    parser.feed(html)
    left = []
    for text in parser.texts:
        for value in sorted(seeded, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
        text = EMAIL.sub(" ", text)
        for word in sorted(words(text)):
            if (
                word in english_words()
                and word not in translation_words(language)
                and word not in locale_words(language)
            ):
                left.append(f"{word} (in {text.strip()[:60]!r})")
    return left


def test_the_english_check_catches_english_and_spares_names_and_other_languages():
    html = (
        '<html lang="fr"><title>Dossiers</title><p>Se connecter</p><p>Sign in</p>'
        '<button lang="en">English</button><input type="submit" value="Save">'
        "<p>Ana <bdi>ana@example.org</bdi> Chalatenango</p><script>var case = 1;</script></html>"
    )
    left = english_left(html, "fr", seeded=["Ana", "Chalatenango"])
    assert [w.split()[0] for w in left] == ["in", "sign", "save"]


@pytest.fixture
def world(app, api, make_user, database):
    """A case with everything filled in, a relative, and a user of each role the pages need;
    the values seeded are returned so that they are not mistaken for English."""
    from tests.cases.conftest import FULL_CASE
    from tests.families.helpers import relative_body

    focal = api("focal_point")
    liaison = api("family_liaison")
    case = focal.post("/cases", json=FULL_CASE)
    assert case.status_code == 201, case.json
    reference = case.json["reference"]
    relative = liaison.post(f"/cases/{reference}/relatives", json=relative_body())
    assert relative.status_code == 201, relative.json
    users = {
        "focal_point": focal.user,
        "family_liaison": liaison.user,
        "admin": make_user("admin"),
    }
    seeded = [reference]
    for value in list(FULL_CASE.values()) + list(relative_body().values()):
        if isinstance(value, str):
            seeded.append(value)
        elif isinstance(value, list):
            seeded += [v for v in value if isinstance(v, str)]
            for item in value:
                if isinstance(item, dict):
                    seeded += [v for v in item.values() if isinstance(v, str)]
    with database.session() as s:
        seeded += [s.get(User, u.id).organisation.name for u in users.values()]
    # A look-alike case (the case page lists it with the fields that agree) speaking a language
    # CLDR has no name for (North Levantine Arabic, "apc").
    twin = {k: FULL_CASE[k] for k in ("given_names", "family_names", "nationality", "sex")}
    resp = focal.post("/cases", json=twin | {"languages": ["ar", "apc"]})
    assert resp.status_code == 201, resp.json
    seeded.append(resp.json["reference"])
    return {
        "users": users,
        "reference": reference,
        "relative": relative.json["id"],
        "twin": resp.json["reference"],
        "seeded": seeded,
    }


PAGES = [
    (None, "/login"),
    ("focal_point", "/"),
    ("focal_point", "/cases"),
    ("focal_point", "/cases/{reference}"),
    ("focal_point", "/cases/{twin}"),
    ("focal_point", "/cases/new"),
    ("focal_point", "/audit"),  # a 403 page
    ("family_liaison", "/relatives/{relative}"),
    ("family_liaison", "/worklist"),
    ("admin", "/admin/users"),
    ("family_liaison", "/account/language"),
]


@pytest.mark.parametrize("language", TRANSLATED)
def test_translated_pages_show_no_english(app, world, database, language):
    """Each page, in the user's language (their profile's setting), shows no word of the
    English catalogue that the language's catalogue does not use."""
    found = {}
    for role, url in PAGES:
        browser = app.test_client()
        if role is not None:
            user = world["users"][role]
            with database.session() as s:
                s.get(User, user.id).language = language
            assert sign_in(browser, user).status_code == 302
        html = page(browser, url.format(**world), language, 403 if url == "/audit" else 200)
        assert html_attributes(html)["lang"] == language
        left = english_left(html, language, world["seeded"])
        if left:
            found[url] = left
    assert not found, "English left:\n" + "\n".join(
        f"{url}: {'; '.join(left)}" for url, left in found.items()
    )


#: Snake-case codes (roles, field names) and a language code CLDR has no name for: a page shows
#: their labels and names instead.
RAW_CODE = re.compile(r"(?<![\w@.])(?:[a-z]+(?:_[a-z]+)+|apc)(?![\w@])")


@pytest.mark.parametrize("language", TRANSLATED)
def test_translated_pages_show_labels_not_codes(app, world, database, language):
    """Role codes in the navigation, the duplicates' agreeing fields and language codes are
    shown by their labels and names (the English check misses them: "focal" is also Spanish)."""
    found = {}
    for role, url in PAGES:
        browser = app.test_client()
        if role is not None:
            user = world["users"][role]
            with database.session() as s:
                s.get(User, user.id).language = language
            assert sign_in(browser, user).status_code == 302
        html = page(browser, url.format(**world), language, 403 if url == "/audit" else 200)
        parser = VisibleText(language)
        parser.feed(html)
        codes = sorted({m for text in parser.texts for m in RAW_CODE.findall(text)})
        if codes:
            found[url] = codes
    assert not found, found


# --- names, e-mails and references keep their own direction -------------------------------------


def test_values_inside_translated_text_are_isolated_and_inputs_take_their_own_direction(
    app, world, database
):
    """In Arabic, a reference or an e-mail inside a translated sentence sits in <bdi> (its
    punctuation stays with it), and text inputs (names, e-mails, notes) get dir="auto"."""
    user = world["users"]["focal_point"]
    with database.session() as s:
        s.get(User, user.id).language = "ar"
        email = s.get(User, user.id).email
    browser = app.test_client()
    assert sign_in(browser, user).status_code == 302
    reference = world["reference"]
    detail = page(browser, f"/cases/{reference}")
    assert re.search(rf"<bdi\b[^>]*>{reference}</bdi>", h1(detail))
    assert re.search(rf"<bdi\b[^>]*>{re.escape(email)}</bdi>", page(browser, "/"))
    edit = page(browser, f"/cases/{reference}/edit")
    given = re.search(r'<input[^>]*id="given_names"[^>]*>', edit)
    assert given and 'dir="auto"' in given.group(0)
    notes = re.findall(r"<textarea[^>]*>", edit)
    assert notes and all('dir="auto"' in t for t in notes)
    login_page = page(app.test_client(), "/login", "ar")
    address = re.search(r'<input[^>]*id="email"[^>]*>', login_page)
    assert address and 'dir="auto"' in address.group(0)
