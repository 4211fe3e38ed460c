"""The interface's languages: which ones, their names and direction, and the compiled catalogues.

The catalogues are `casework/translations/<lang>/LC_MESSAGES/messages.po` (written by
translators from `pybabel extract -F babel.cfg`). Their `.mo` files are never committed: they
are compiled by `casework i18n compile` and, on start, whenever one is missing or older than
its `.po` (so a fresh `pip install -e .` serves translated pages at once). When the package's
directory is read-only (an installed wheel), they are compiled into the instance directory.

Pure: Babel only, nothing else of casework (the factory and the CLI import it).
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger("casework.i18n")

#: Supported interface languages, English (the source language) first.
LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "ar")
#: Each language's name in that language (what the switcher shows).
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ar": "العربية",
}
RTL_LANGUAGES = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
#: The cookie that remembers a switcher choice (also for signed-out visitors; the session is
#: cleared on sign-in and sign-out, this cookie is not).
COOKIE = "casework_language"
COOKIE_MAX_AGE = 365 * 24 * 3600
#: Where the catalogues live (the package's own directory).
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def supported(code: object) -> str | None:
    """The code if it is a supported language, else None (never trusts its input)."""
    if isinstance(code, str) and code in LANGUAGES:
        return code
    return None


def direction(code: str) -> str:
    return "rtl" if code in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class Catalogue:
    language: str
    po: Path
    mo: Path

    @property
    def stale(self) -> bool:
        """The .mo is missing or older than its .po."""
        try:
            return self.mo.stat().st_mtime < self.po.stat().st_mtime
        except FileNotFoundError:
            return True


class CompileError(Exception):
    """A catalogue could not be read or written (the message names the file, not its text)."""


def catalogues(source: Path = TRANSLATIONS, target: Path | None = None) -> list[Catalogue]:
    """Each supported language's catalogue in `source`, with where its .mo goes (`target`,
    default beside the .po)."""
    found = []
    for language in LANGUAGES:
        po = source / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            mo = (target or source) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            found.append(Catalogue(language, po, mo))
    return found


def compile_catalogue(catalogue: Catalogue) -> int:
    """Compile one .po into its .mo (atomically: a reader sees the old or the new file);
    fuzzy entries are left out, as gettext does. Returns the number of translated messages."""
    try:
        with catalogue.po.open("rb") as fileobj:
            catalog = read_po(fileobj, locale=catalogue.language, domain=DOMAIN)
    except (OSError, ValueError, SyntaxError) as exc:
        raise CompileError(f"cannot read {catalogue.po}: {type(exc).__name__}: {exc}") from None
    translated = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
    catalogue.mo.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".messages-", suffix=".mo", dir=catalogue.mo.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, catalogue.mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return translated


def compile_all(
    source: Path = TRANSLATIONS, target: Path | None = None, *, force: bool = False
) -> list[tuple[Catalogue, int]]:
    """Compile every catalogue whose .mo is stale (or all, with force)."""
    done = []
    for catalogue in catalogues(source, target):
        if force or catalogue.stale:
            done.append((catalogue, compile_catalogue(catalogue)))
    return done


def ensure_compiled(fallback: Path | None = None, source: Path = TRANSLATIONS) -> list[Path]:
    """On start: compile stale catalogues beside their .po, or into `fallback` (the instance
    directory's `translations`) when the package's directory cannot be written. Returns the
    translation directories for Flask-Babel, the fresher last (a later directory's messages
    win). A catalogue that cannot be compiled is logged and served in English; start goes on."""
    directories = [source]
    try:
        compile_all(source)
    except CompileError as exc:
        log.warning("a translation catalogue was not compiled: %s", exc)
    except OSError as exc:
        if fallback is None:
            log.warning("translation catalogues not compiled (%s)", type(exc).__name__)
            return directories
        try:
            compile_all(source, fallback)
            directories.append(fallback)
        except (CompileError, OSError) as fallback_exc:
            log.warning("translation catalogues not compiled: %s", fallback_exc)
    return directories
