"""`templates check`: everything that can be wrong with a template, said to the reviewer who wrote it.

Per letter type and language: syntax, variables against the declared context (in included partials too),
Word tags split across runs, the sandbox's refusals, every sample rendered under StrictUndefined, files
loaded from outside assets/, the three languages, for decisions the appeal partial and its six mentions, and for
money letters (`contest = true`) the contest partial and its mentions.
Before all that, every symbolic link in letter_templates/ (never read), and for Word templates everything
that would be fetched from outside the document when it is converted (linked pictures, INCLUDETEXT fields …).
Samples are filled by the renderer's own filling (`HtmlTemplates.fill`, `WordSnapshot.fill`), so a sample
the check passes is one the night can fill; each part of a Word letter is also filled on its own, to name
the paragraph a mistake is in.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import traceback
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from lxml import etree
from lxml import html as lxml_html

from correspondence.config import Settings, load_fund
from correspondence.render import templating
from correspondence.render.docx import WordSnapshot, fill_failure
from correspondence.render.html import SnapshotRenderer
from correspondence.render.jobs import Job
from correspondence.render.limits import (
    RenderTooHungry,
    RenderTooLarge,
    RenderTooLong,
    bounded,
    limit,
    memory_limit,
    time_limit,
)
from correspondence.render.templating import HtmlTemplates, NamedLoader
from correspondence.templates import (
    catalog,
    contest_check,
    recovery_check,
    snapshots,
    variables,
    word_links,
    word_tags,
)
from correspondence.templates.appeal_check import missing_mentions
from correspondence.templates.asset_refs import refused_in_stylesheets, refused_urls

LANGUAGE_NAMES = {"nl": "Dutch", "fr": "French", "de": "German"}
EXTENSIONS = {"html": "html", "docx": "docx"}
WORD_TAG_HINT = ("(a {%p … %} tag, which replaces its whole paragraph, must not contain the characters } or % "
                 "before its end: move a {…} list or a % sign into a plain {% set %} in a paragraph of its own)")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    file: str  # relative to letter_templates/
    place: str  # "line 12", "paragraph 12 (…)" or ""
    message: str  # the cause, after 'with sample "…": ' when one sample showed it
    letter_type: str | None = None
    language: str | None = None
    sample: str | None = None  # the sample whose filling showed it
    hint: str | None = None  # how to fix it, where that is known

    def __str__(self) -> str:
        return f"{self.file}{', ' + self.place if self.place else ''}: {self.message}"

    @property
    def cause(self) -> str:
        """The message without its sample: the same words wherever the same mistake is found."""
        return self.message.removeprefix(f'with sample "{self.sample}": ') if self.sample else self.message


@dataclass(frozen=True)
class Unit:
    """One source Jinja parses: a template file or one part of a Word document."""

    file: str
    source: str
    place: Callable[[int | None], str]
    subdoc: str | None = None  # a Word partial: the name the letter prints it by (`{{p appeal }}`)


def _line(line: int | None) -> str:
    return f"line {line}" if line else ""


def samples(templates_dir: Path, letter_type: str) -> dict[str, dict[str, Any]]:
    """The letter type's sample contexts by name; snapshots.UnsafeFile for a linked sample (never read)."""
    folder = templates_dir / letter_type / "samples"
    found = {}
    for path in sorted(folder.glob("*.json")):
        if (content := snapshots.read(templates_dir, path)) is not None:
            found[path.stem] = json.loads(content.decode("utf-8"))
    return found


Progress = Callable[[str], None]


def check(templates_dir: Path, only: str | None = None, services: Collection[str] | None = None,
          languages: Collection[str] = catalog.LANGUAGES, progress: Progress | None = None,
          warnings: bool = True) -> list[Finding]:
    """Every finding of the letter types (or of `only`), in these languages (the findings of no language
    always). `services`: those of the fund profile, by default the configured one's (CORRESPONDENCE_FUND).
    `progress` is told each letter type and language as its check starts ("checking due_notice (3 of 17):
    fr …"); `warnings=False` looks for errors only (and skips the layout trials only warnings come from)."""
    findings = linked_files(templates_dir, only)
    types, wrong_settings = settings_findings(templates_dir, only, services)
    findings += wrong_settings
    chosen = [t for t in types.values() if only in (None, t.name)]
    for number, letter_type in enumerate(chosen, 1):
        def step(language: str, name: str = letter_type.name, number: int = number) -> None:
            if progress is not None:
                progress(f"checking {name} ({number} of {len(chosen)}): {language} …")
        findings.extend(check_type(templates_dir, letter_type, languages, step, warnings))
    return [f for f in _once(findings) if warnings or f.level == "error"]


def linked_files(templates_dir: Path, only: str | None = None) -> list[Finding]:
    """An error for every symbolic link under letter_templates/ (in another letter type's folder only when
    checking all): the engine never reads through one, and a link to /etc/passwd must not pass the review."""
    found = []
    for file in snapshots.links(templates_dir):
        top = file.split("/")[0]
        own = top if "/" in file and os.path.lexists(templates_dir / top / "letter.toml") else None
        if only is not None and own not in (None, only):
            continue
        found.append(_unsafe(snapshots.UnsafeFile.link(templates_dir, templates_dir / file), own))
    return found


def _once(findings: list[Finding]) -> list[Finding]:
    """Each finding once: a link named by the scan is not named again by each language it stopped."""
    seen: set[tuple[str, str]] = set()
    once = []
    for finding in findings:
        if (finding.level, str(finding)) not in seen:
            seen.add((finding.level, str(finding)))
            once.append(finding)
    return once


def outside_references(templates_dir: Path, letter_type: catalog.LetterType, language: str) -> list[Finding]:
    """An error for each thing a Word template or Word partial would fetch from outside itself when converted
    (a linked picture, an attached template, an INCLUDETEXT field …): only hyperlinks may point out."""
    if letter_type.format != "docx":
        return []
    try:
        files = snapshots.working_copy(templates_dir, letter_type.name, language).files
    except snapshots.UnsafeFile:
        return []  # named by check_template
    found = []
    for file in [f"{letter_type.name}/{language}.docx",
                 *sorted(p for p in files if p.startswith(f"partials/{language}/") and p.endswith(".docx"))]:
        try:
            references = word_links.references(files[file])
        except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
            continue  # a missing or damaged Word file is named by check_template
        found += [Finding("error", file, "", f"points outside the letter: {ref} — LibreOffice would fetch it "
                          "into every letter; only hyperlinks may point out (remove it, or insert the picture "
                          "or text itself)", letter_type.name, language) for ref in references]
    return found


def _unsafe(exc: snapshots.UnsafeFile, letter_type: str, language: str | None = None) -> Finding:
    return Finding("error", exc.file, "", str(exc).removeprefix(exc.file + " "), letter_type, language)


def settings_findings(templates_dir: Path, only: str | None = None, services: Collection[str] | None = None
                      ) -> tuple[dict[str, catalog.LetterType], list[Finding]]:
    """Each letter.toml against what the engine knows (mail class, the fund's services, recipient, languages,
    format): an error per wrong setting, naming file, key and value; and the letter types whose settings are
    right (only those can be checked further)."""
    findings: list[Finding] = []
    if services is None:
        services, unread = _configured_services()
        findings += unread
    types, problems = catalog.scan(templates_dir, services)
    findings += [Finding("error", p.file, "", p.detail, p.file.split("/")[0]) for p in problems
                 if only in (None, p.file.split("/")[0])]
    return {name: t for name, t in types.items() if only in (None, name)}, findings


def _configured_services() -> tuple[Collection[str] | None, list[Finding]]:
    """The services of the configured fund profile; None and a warning when it cannot be read."""
    fund_file = "the fund profile"
    try:
        fund_file = str(Settings.from_env().fund_file)
        return catalog.services_of(load_fund(Path(fund_file))), []
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, [Finding("warning", fund_file, "", f"cannot be read ({type(exc).__name__}): the services "
                              "that letter.toml files name are not checked")]


def of_languages(templates_dir: Path, letter_type: str, languages: Collection[str],
                 warnings: bool = True) -> list[Finding]:
    """The findings of one letter type that concern these languages (or none in particular): what an approval
    of those languages must see, errors first."""
    found = [f for f in check(templates_dir, letter_type, languages=languages, warnings=warnings)
             if f.language is None or f.language in languages]
    return sorted(found, key=lambda f: f.level != "error")


def check_type(templates_dir: Path, letter_type: catalog.LetterType,
               languages: Collection[str] = catalog.LANGUAGES, step: Progress | None = None,
               warnings: bool = True) -> list[Finding]:
    name = letter_type.name
    printed: dict[str, set[tuple[str, ...]]] = {}  # per language without errors: the values it prints
    findings = []
    data: dict[str, dict[str, Any]] = {}
    try:
        data = samples(templates_dir, name)
    except snapshots.UnsafeFile as exc:
        findings.append(_unsafe(exc, name))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        findings.append(Finding("error", f"{name}/samples", "", f"a sample is not valid JSON: {exc}", name))
    if not data:
        findings.append(Finding("error", f"{name}/samples", "", "no sample data: add at least one "
                                "samples/<name>.json (see the reviewer's guide)", name))
    for language in (x for x in catalog.LANGUAGES if x in languages):
        ext = EXTENSIONS.get(letter_type.format, letter_type.format)
        file = f"{name}/{language}.{ext}"
        if language not in letter_type.languages:
            findings.append(Finding("error", f"{name}/letter.toml", "", f"the letter has no {LANGUAGE_NAMES[language]} "
                                    f"version: every letter type must exist in nl, fr and de", name, language))
        elif not (templates_dir / file).is_file():
            findings.append(Finding("error", file, "", f"the {LANGUAGE_NAMES[language]} template is missing "
                                    f"(letter.toml lists '{language}')", name, language))
        else:
            if step is not None:
                step(language)
            found, used = _check_template(templates_dir, letter_type, language, data, warnings)
            findings.extend(found)
            if used is not None:
                printed[language] = used
            findings.extend(outside_references(templates_dir, letter_type, language))
            if not any(s.get("letter", {}).get("language") == language for s in data.values()):
                findings.append(Finding("warning", f"{name}/samples", "", f"no sample in {LANGUAGE_NAMES[language]}: "
                                        f"the {language} template is only tried with other languages' data", name,
                                        language))
    return findings + _printed_differently(letter_type, printed)


def _printed_differently(letter_type: catalog.LetterType,
                         printed: dict[str, set[tuple[str, ...]]]) -> list[Finding]:
    """A warning for each declared value that some languages print and another does not: the versions should
    say the same. (A value no version prints is simply not needed by this letter: data the rules decide for
    several letter types, which each prints what it needs.)"""
    found = []
    ext = EXTENSIONS.get(letter_type.format, letter_type.format)
    for path, _ in variables.leaves(letter_type.context):
        printing = [x for x in printed if variables.covered(path, printed[x])]
        for language in (x for x in printed if x not in printing) if printing else ():
            shown = " and ".join(LANGUAGE_NAMES[x] for x in printing)
            found.append(Finding(
                "warning", f"{letter_type.name}/{language}.{ext}",
                "", f'"{".".join(path)}" is printed by the {shown} version but not by this one',
                letter_type.name, language,
                hint="the languages should say the same: print it here too, or remove it from the others"))
    return found


def _units(templates_dir: Path, letter_type: catalog.LetterType, language: str) -> list[Unit]:
    """The template's sources; for Word, each part of the letter, then each Word partial of its language
    (the renderer offers `partials/<lang>/<name>.docx` to the letter as the subdocument `<name>`)."""
    file = f"{letter_type.name}/{language}.{EXTENSIONS.get(letter_type.format, letter_type.format)}"
    if letter_type.format != "docx":
        return [Unit(file, (templates_dir / file).read_text(encoding="utf-8"), _line)]
    units = [Unit(file, part.source, part.place) for part in word_tags.parts((templates_dir / file).read_bytes())]
    for partial in sorted((templates_dir / "partials" / language).glob("*.docx")):
        name = partial.relative_to(templates_dir).as_posix()
        units += [Unit(name, part.source, part.place, partial.stem)
                  for part in word_tags.parts(partial.read_bytes()) if part.name == "document"]
    return units


def check_template(templates_dir: Path, letter_type: catalog.LetterType, language: str,
                   data: dict[str, dict[str, Any]], warnings: bool = True) -> list[Finding]:
    return _check_template(templates_dir, letter_type, language, data, warnings)[0]


def _check_template(templates_dir: Path, letter_type: catalog.LetterType, language: str,
                    data: dict[str, dict[str, Any]], warnings: bool = True
                    ) -> tuple[list[Finding], set[tuple[str, ...]] | None]:
    """The template's findings, and the values it prints (None when it has errors: not to compare)."""
    name = letter_type.name
    try:
        snapshot = snapshots.working_copy(templates_dir, name, language)
    except snapshots.UnsafeFile as exc:
        return [_unsafe(exc, name, language)], None
    texts = templating.texts(snapshot.files)
    env = templating.environment(NamedLoader(texts), snapshot.files)
    tree = variables.declared(templates_dir, letter_type)
    found: list[Finding] = []

    def add(level: str, file: str, place: str, message: str, hint: str | None = None) -> None:
        found.append(Finding(level, file, place, message, name, language, hint=hint))

    try:
        units = _units(templates_dir, letter_type, language)
    except Exception as exc:  # noqa: BLE001 - a damaged Word file is a finding, not a crash
        add("error", f"{name}/{language}.{letter_type.format}", "", f"cannot be opened as a Word document: {exc}")
        return found, None
    tree = {**tree, **{u.subdoc: f"the Word partial {u.file}" for u in units if u.subdoc}}
    errors_before = len(found)
    used: set[tuple[str, ...]] = set()
    includes: set[str] = set()
    parsed: list[tuple[Unit, nodes.Template]] = []
    queue = [u for u in units if not u.subdoc]
    read: set[int] = {id(u) for u in queue}
    split_checked: set[str] = set()
    while queue:
        unit = queue.pop(0)
        if letter_type.format == "docx" and unit.file not in split_checked:
            split_checked.add(unit.file)
            for split in word_tags.split_tags_of(templates_dir / unit.file):
                add("error", unit.file, split.where, split.explain())
        for file, place, ast in _walk(env, unit, texts, add):
            parsed.append((unit, ast)) if file == unit.file else None
            includes.update(_included_names(ast))
            _check_internals(ast, file, place, add)
            _check_filters(env, ast, file, place, add)
            reported: set[tuple[str, ...]] = set()
            for use in variables.uses(ast):
                used.add(use.path)
                if variables.unknown(tree, use.path) is None or use.path in reported:
                    continue
                reported.add(use.path)
                hint = variables.suggestion(tree, use.path)
                add("error", file, place(use.line), f'"{{{{ {".".join(use.path)} }}}}" is not something this letter '
                    f"knows" + (f' — did you mean "{hint}"?' if hint else
                                f" (see: correspondence templates variables {name})"))
        if not queue:  # the letter is read: now the Word partials it prints (and only those)
            queue = [u for u in units if u.subdoc and (u.subdoc,) in used and id(u) not in read]
            read.update(id(u) for u in queue)
    units = [u for u in units if not u.subdoc or (u.subdoc,) in used]
    if len(parsed) < len(units) or len(found) > errors_before:
        return found, None  # syntax or variable errors: rendering the samples would only repeat them
    appeal = [n for n in includes | {p[0] for p in used} if "appeal" in n]
    if letter_type.decision and not appeal:
        add("error", units[0].file, "", f"this decision does not include the appeal partial "
            f"(partials/{language}/appeal.{letter_type.format}): without the six mentions of art. 14 of the "
            "Charter the appeal deadline does not start",
            "put a paragraph holding only `{{p appeal }}` back where the appeal block was"
            if letter_type.format == "docx" else
            f'include it again: {{% include "partials/{language}/appeal.html" %}}')
    contest = any(n.endswith(f"/{language}/contest.html") for n in includes)
    if letter_type.contest and not contest:
        add("error", units[0].file, "", "this letter states an amount (contest = true) but does not include "
            f"the contest partial (partials/{language}/contest.html): its reader would not know how to contest it",
            f"keep the block of partials/{language}/letter.html that includes it (`{{% block contest %}}`), "
            f'or include it again: {{% include "partials/{language}/contest.html" %}}')
    for url, where in refused_in_stylesheets(snapshot):
        add("error", where, "", f'loads "{url}"; letters may only use files of letter_templates/assets/')
    refused: set[str] = set()
    # Without the partial, each sample would only repeat that its mentions are missing.
    fill = _Fill(env, texts, snapshot, letter_type, appeal=bool(appeal), contest=contest)
    for sample, context in data.items():
        result = _render_sample(fill, language, units, sample, context, refused)
        found.extend(result)
        if any("took more than" in f.message for f in result):
            break  # one endless loop is enough to know; the other samples would each wait as long
    errors = any(f.level == "error" for f in found)
    if warnings and letter_type.layout == "once" and letter_type.format == "html" and not errors:
        found.extend(_laid_out_once(snapshot, letter_type, language, data))
    return found, None if errors else used


def _laid_out_once(snapshot: snapshots.Snapshot, letter_type: catalog.LetterType, language: str,
                   data: dict[str, dict[str, Any]]) -> list[Finding]:
    """Warnings for a letter type laid out once per shape (README, "Layout once"): a sample the night would
    lay out on its own, and an affiliate's own data (name, address, references, amounts) that is part of the
    shape, so that every letter needs a layout of its own. Both still print right; they cost time."""
    renderer = SnapshotRenderer(snapshot)
    found: list[Finding] = []
    file = f"{letter_type.name}/{language}.html"
    for sample, context in data.items():
        if renderer.stamper is None:
            break
        context = copy.deepcopy(context)
        context.setdefault("letter", {})["language"] = language
        before = renderer.stamper.outcomes.copy()
        try:
            marked = renderer.fill(Job(sample, letter_type.name, language, snapshot.hash, context))
            renderer.stamped(sample, marked)
        except Exception:  # noqa: BLE001, S112 - rendering errors are reported by the sample check above
            continue
        outcome = next(iter(renderer.stamper.outcomes - before), "stamped")
        if outcome != "stamped":
            found.append(Finding("warning", file, "", f'with sample "{sample}": laid out on its own, not once per '
                                 f'shape ({outcome}); see "Layout once" in the README', letter_type.name,
                                 language, sample))
            continue
        own = _own_data(context)
        likely = renderer.stamper.shapes.peek(marked.with_codes())
        stamped = likely.slots if likely is not None else frozenset()
        shaped = sorted({s.value for i, s in enumerate(marked.slots)
                         if s.kind == "text" and i not in stamped and (s.value in own or "€" in s.value)})
        if shaped:
            found.append(Finding("warning", file, "", f'with sample "{sample}": {", ".join(shaped)} '
                                 "is part of the letter's shape (inside a sentence, a float or an auto-sized table "
                                 'column), so every letter gets a layout of its own; see "Layout once" in the README',
                                 letter_type.name, language, sample))
    return found


def _own_data(context: dict[str, Any]) -> set[str]:
    """The texts that differ from letter to letter: the recipient's and the letter's reference, less any
    that the fund's or the service's data also print (a postcode both share)."""
    return ({str(context.get("letter", {}).get("id", ""))} | _texts(context.get("recipient", {}))) - _texts(
        [context.get("fund", {}), context.get("service", {})])


def _texts(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {t for v in value.values() for t in _texts(v)}
    if isinstance(value, list):
        return {t for v in value for t in _texts(v)}
    return {value} if isinstance(value, str) and len(value) >= 3 else set()


def _walk(env: Environment, unit: Unit, texts: dict[str, str],
          add: Callable[[str, str, str, str], None]) -> Iterator[tuple[str, Callable[[int | None], str], nodes.Template]]:
    """The unit's AST, then the AST of every partial it extends, includes or imports (each once)."""
    todo, seen = [(unit.file, unit.source, unit.place)], set()
    while todo:
        file, source, place = todo.pop(0)
        try:
            with time_limit():  # a template too large to compile in time is an error, not a hang
                ast = env.parse(source, name=file)
        except RenderTooLong:
            add("error", file, "", f"compiling took more than {limit():g} s — a template too large or too deeply "
                "nested?")
            continue
        except TemplateSyntaxError as exc:
            add("error", file, place(exc.lineno), f"the template language is not written correctly: {exc.message} "
                + (WORD_TAG_HINT if "unknown tag '" in str(exc.message) and exc.message.split("'")[1] in
                   ("p", "r", "tr", "tc") else "(every {{ needs its }}, every {% if %} or {% for %} its "
                   "{% endif %} or {% endfor %})"))
            continue
        yield file, place, ast
        for node in ast.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            target = node.template
            names = [target.value] if isinstance(target, nodes.Const) else \
                [i.value for i in target.items] if isinstance(target, (nodes.List, nodes.Tuple)) and all(
                    isinstance(i, nodes.Const) for i in target.items) else None
            if names is None:
                add("error", file, place(node.lineno), "the name of an included file must be written out in full")
                continue
            for included in names:
                if included not in texts:
                    add("error", file, place(node.lineno), f'uses "{included}", which is not a partial of '
                        "letter_templates/ — a template may only include files of partials/")
                elif included not in seen:
                    seen.add(included)
                    todo.append((included, texts[included], _line))


def _included_names(ast: nodes.Template) -> set[str]:
    return {n.template.value for n in ast.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))
            if isinstance(n.template, nodes.Const)}


def _check_filters(env: Environment, ast: nodes.Template, file: str, place: Callable[[int | None], str],
                   add: Callable[..., None]) -> None:
    """An error for every filter and test the environment does not have, all at once (Jinja itself stops at
    the first, and only when the template is compiled), with the closest name it does have."""
    for kind, node_type, known in (("filter", nodes.Filter, env.filters), ("test", nodes.Test, env.tests)):
        for node in ast.find_all(node_type):
            if node.name not in known:
                close = difflib.get_close_matches(node.name, sorted(known), n=1, cutoff=0.6)
                add("error", file, place(node.lineno), f"unknown {kind} `{node.name}`" + (
                    f": did you mean `{close[0]}`?" if close else ""), None if close else
                    f'the {kind}s a letter may use: see "Editing" and "Facts in words" in the README\'s '
                    "reviewer's guide")


def _check_internals(ast: nodes.Template, file: str, place: Callable[[int | None], str],
                     add: Callable[[str, str, str, str], None]) -> None:
    for node in ast.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            add("error", file, place(node.lineno), f'"{node.attr}" reaches into the program\'s internals, which '
                "templates may not do (the sandbox refuses it and the night would hold the letter)")


@dataclass
class _Fill:
    """How the samples of one template are filled: the renderer's own filling for the letter (HTML or Word),
    and for Word each part on its own as well, so a mistake is found in its paragraph."""

    env: Environment  # the check's environment, for the parts of a Word letter
    texts: dict[str, str]
    snapshot: snapshots.Snapshot
    letter_type: catalog.LetterType
    appeal: bool = True  # the letter includes the appeal partial: its mentions are looked for in each sample
    contest: bool = True  # the same for the contest partial
    html: HtmlTemplates | None = None
    word: WordSnapshot | None = None

    def __post_init__(self) -> None:
        if self.letter_type.format == "docx":
            self.word = WordSnapshot(self.snapshot)
        else:
            self.html = HtmlTemplates(self.snapshot.files)


def _render_sample(fill: _Fill, language: str, units: list[Unit], sample: str, context: dict[str, Any],
                   refused: set[str]) -> list[Finding]:
    letter_type, snapshot = fill.letter_type, fill.snapshot
    context = copy.deepcopy(context)
    context.setdefault("letter", {})["language"] = language
    job = Job(sample, letter_type.name, language, snapshot.hash, copy.deepcopy(context))
    found = []
    html = ""
    # HTML: the letter, as the night fills it. Word: first each part on its own (the partials before the letter
    # that prints them), so that a mistake is named by its paragraph; then the letter as the night fills it.
    for unit in sorted(units, key=lambda u: u.subdoc is None):
        def add(where: str, message: str, file: str = unit.file) -> None:
            found.append(Finding("error", file, where, f'with sample "{sample}": {message}', letter_type.name,
                                 language, sample))
        try:
            if fill.html is not None:
                html = fill.html.fill(letter_type.name, language, job.context).html()
            elif unit.subdoc:
                rendered = _fill_part(fill.env, unit, fill.texts, context)
                context[unit.subdoc] = word_tags.as_paragraphs(word_tags.rendered_text(rendered))
            else:
                _fill_part(fill.env, unit, fill.texts, context)
        except (UndefinedError, SecurityError, TemplateNotFound, TemplateError, RenderTooLong, OverflowError,
                RenderTooLarge, RenderTooHungry) as exc:
            file, line = _where(exc, unit.file)
            where = unit.place(line) if file == unit.file else f"in {file}, line {line}"
            add(where, _explain(exc))
        except Exception as exc:  # noqa: BLE001 - any failure of a sample is a finding
            file, line = _where(exc, unit.file)
            where = (unit.place(line) if file == unit.file else f"in {file}, line {line}") if line else ""
            add(where, f"a value of the sample cannot be printed here ({type(exc).__name__}: {exc}) — in a "
                'sample, dates are written as "2026-12-31", amounts as "1545.75" (in quotes), counts as '
                "numbers")
    if found:
        return found
    if fill.word is not None:
        try:
            filled = fill.word.fill(job)
        except Exception as exc:  # noqa: BLE001 - any failure of a sample is a finding
            return [Finding("error", units[0].file, "", f'with sample "{sample}": {fill_failure(exc)}',
                            letter_type.name, language, sample)]
        text = word_tags.document_text(filled)
    else:
        text = templating_text(html)
        for url, what in refused_urls(html, snapshot):
            if url in refused:
                continue
            refused.add(url)
            found.append(Finding("error", units[0].file, "", f'with sample "{sample}": the letter loads "{url}" '
                                 f"({what}); letters may only use files of letter_templates/assets/", letter_type.name,
                                 language, sample))
    if letter_type.contest and fill.contest:
        for missing in _missing_contest(text, language, job.context):
            found.append(Finding("error", units[0].file, "", f'with sample "{sample}": the contest block lacks '
                                 f"{missing}", letter_type.name, language, sample))
    if letter_type.decision and fill.appeal:
        for missing in _missing_mentions(text, language, job.context):
            found.append(Finding("error", units[0].file, "", f'with sample "{sample}": the appeal text lacks {missing}',
                                 letter_type.name, language, sample))
    if letter_type.recovery:
        for missing in _missing_recovery(text, language, job.context, snapshot.files):
            found.append(Finding("error", units[0].file, "", f'with sample "{sample}": the recovery decision lacks '
                                 f"{missing} (Charter art. 15)", letter_type.name, language, sample))
    return found


def _fill_part(env: Environment, unit: Unit, texts: dict[str, str], context: dict[str, Any]) -> str:
    """One part of a Word letter (or one Word partial) filled on its own, within the night's limits."""
    with time_limit(), memory_limit():  # compiling too: both within the limits of the night
        try:
            template = env.get_template(unit.file) if unit.file in texts else env.from_string(unit.source)
        except RenderTooLong:
            raise RenderTooLong(f"compiling took more than {limit():g} s — a template too large or too "
                                "deeply nested?") from None
        return bounded(template.generate(context))


def templating_text(html: str) -> str:
    return lxml_html.fromstring(html).text_content() if html.strip() else ""


def _missing_mentions(text: str, language: str, context: dict[str, Any]) -> list[str]:
    try:
        return missing_mentions(text, language, context)
    except KeyError as exc:
        return [f"the value {exc} that the appeal mentions need"]


def _missing_recovery(text: str, language: str, context: dict[str, Any], files: dict[str, bytes]) -> list[str]:
    mentions = recovery_check.mentions_in(files)
    if mentions is None:
        return [f"{recovery_check.MENTIONS_FILE}, the list of its mentions"]
    try:
        return [what for _, what in recovery_check.missing(text, language, context, mentions)]
    except (KeyError, TypeError, ArithmeticError) as exc:
        return [f"the value {exc} that the recovery mentions need"]


def _missing_contest(text: str, language: str, context: dict[str, Any]) -> list[str]:
    try:
        return [what for _, what in contest_check.missing(text, language, context)]
    except KeyError as exc:
        return [f"the value {exc} that the contest mentions need"]


def _where(exc: BaseException, default: str) -> tuple[str, int | None]:
    if isinstance(exc, TemplateSyntaxError):
        return exc.name or default, exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(".py")]
    if not frames:
        return default, getattr(exc, "lineno", None)
    file = frames[-1].filename
    return (default if file == "<template>" else file), frames[-1].lineno


def _explain(exc: BaseException) -> str:
    if isinstance(exc, SecurityError):
        return f"refused by the sandbox ({exc}): templates may only print the letter's data"
    if isinstance(exc, TemplateNotFound):
        return f'"{exc.name}" is not a partial of letter_templates/'
    if isinstance(exc, UndefinedError):
        return f"the sample has no value for what this line prints ({exc.message})"
    if isinstance(exc, OverflowError):
        return f"{exc} — loops are limited"
    return str(exc)
