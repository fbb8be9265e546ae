"""Load and validate the content directory, collecting every problem with its `file:line`."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.examples import Example
from bot.core.models import (
    MAX_SNIPPET_CHARS,
    EvidenceFile,
    EvidenceModel,
    QuestionModel,
    QuestionsFile,
    QuizFile,
    QuizItemModel,
    SafetyFile,
    SourceModel,
    SourcesFile,
    TopicModel,
)
from bot.core.text import normalize
from bot.core.yamlio import LocatedYaml, PathKey, YamlSyntaxError, load_located

AUDIENCES = ("patient", "clinician")
MIN_SNIPPETS_PER_AUDIENCE = 2
STALE_AFTER = dt.timedelta(days=365)
ModelT = TypeVar("ModelT", bound=BaseModel)
ItemT = TypeVar("ItemT", bound=BaseModel)
ADVICE_PLACEHOLDER = re.compile(r"\{advice:([a-z0-9_]+(?:,\s*[a-z0-9_]+)*)\}")


@dataclass(frozen=True)
class ContentError:
    """One problem in one file; `str()` is the line a reviewer reads."""

    path: Path
    line: int
    field: str
    message: str
    severity: str = "error"  # "error" stops loading; "warning" is only reported

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {label}{self.field}: {self.message}" if self.field else f"{where}: {label}{self.message}"


class ContentInvalid(Exception):
    """Raised when content has errors; carries all of them, not just the first."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class Content:
    """Validated content, ready for indexing."""

    root: Path
    sources: dict[str, SourceModel]
    topics: tuple[TopicModel, ...]
    safety: SafetyFile
    warnings: tuple[ContentError, ...] = field(default=())
    questions: tuple[LabelledSet, ...] = field(default=())
    questions_loaded: bool = True
    evidence: tuple[Located[EvidenceModel], ...] = field(default=())
    quiz: tuple[Located[QuizItemModel], ...] = field(default=())

    def with_questions(self) -> Content:
        """This content with its labelled questions read and validated (raises ContentInvalid)."""
        if self.questions_loaded:
            return self
        errors: list[ContentError] = []
        questions = _load_questions(self.root, {t.id for t in self.topics}, errors)
        if errors:
            raise ContentInvalid(errors)
        return replace(self, questions=questions, questions_loaded=True)

    def examples(self, *, exclude: str | None = None) -> list[Example]:
        """Training examples: every topic's example questions and every labelled set but `exclude`."""
        topics = sorted(self.topics, key=lambda t: t.id)  # reordering index.yaml must not change the model
        out = [Example(text, topic.id, "search") for topic in topics for text in topic.examples]
        for labelled in self.questions:
            if labelled.name != exclude:
                out += [Example(q.q, q.topic, q.kind) for q in labelled.questions]
        return out


@dataclass(frozen=True)
class Located(Generic[ItemT]):
    """An item from a list file, with where it was written (lint names `file:line`)."""

    item: ItemT
    path: Path
    line: int


@dataclass(frozen=True)
class LabelledSet:
    """One file of labelled questions; its name is the file stem (`holdout3`)."""

    name: str
    path: Path
    questions: tuple[QuestionModel, ...]


def default_content_dir() -> Path:
    """`$BLOODPATCH_CONTENT`, else the `content/` folder beside the `bot` package, else `./content`."""
    env = os.environ.get("BLOODPATCH_CONTENT")
    if env:
        return Path(env)
    beside_package = Path(__file__).resolve().parents[2] / "content"
    if beside_package.is_dir() or not (Path.cwd() / "content").is_dir():
        return beside_package
    return Path.cwd() / "content"


def _field_name(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validate(model: type[ModelT], doc: LocatedYaml, errors: list[ContentError]) -> ModelT | None:
    for loc, line in doc.duplicate_keys:
        errors.append(ContentError(doc.path, line, _field_name(loc), "duplicate key (the later one would win)"))
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc: PathKey = tuple(err["loc"])
            message = err["msg"]
            if err["type"] == "string_too_long":
                message = f"too long ({len(str(err['input']))} characters, limit {err['ctx']['max_length']})"
            elif err["type"] == "extra_forbidden":
                message = "unknown field (check the spelling)"
            errors.append(ContentError(doc.path, doc.line_of(loc), _field_name(loc), message))
        return None


def _load_file(path: Path, errors: list[ContentError]) -> LocatedYaml | None:
    if not path.is_file():
        errors.append(ContentError(path, 1, "", "file is missing"))
        return None
    try:
        return load_located(path)
    except YamlSyntaxError as exc:
        errors.append(ContentError(path, exc.line, "", exc.message))
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(ContentError(path, 1, "", f"cannot read file: {exc}"))
    return None


def load_content(root: Path | None = None, *, today: dt.date | None = None, questions: bool = True) -> Content:
    """Load every content file; raise ContentInvalid listing all errors if any.

    `questions=False` skips the labelled questions (thousands of lines the bot needs
    only to retrain); `Content.with_questions()` reads them when they are needed.
    """
    root = Path(root) if root is not None else default_content_dir()
    today = today or dt.date.today()
    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    if not root.is_dir():
        raise ContentInvalid([ContentError(root, 1, "", "content directory not found")])

    sources_doc = _load_file(root / "sources.yaml", errors)
    sources_file = _validate(SourcesFile, sources_doc, errors) if sources_doc else None
    sources: dict[str, SourceModel] = {}
    if sources_file and sources_doc:
        for index, source in enumerate(sources_file.sources):
            if source.id in sources:
                line = sources_doc.line_of(("sources", index, "id"))
                errors.append(
                    ContentError(sources_doc.path, line, f"sources[{index}].id", f"duplicate source id {source.id!r}")
                )
            sources[source.id] = source

    safety_doc = _load_file(root / "safety.yaml", errors)
    safety = _validate(SafetyFile, safety_doc, errors) if safety_doc else None
    if safety and safety_doc:
        _check_safety(safety, safety_doc, errors)
    topics, topic_docs = _load_topics(root, errors)
    if safety is not None:
        topics = [_expand_advice(t, topic_docs[t.id], safety, errors) for t in topics]
    _check_topics(topics, topic_docs, sources if sources_file else None, errors, warnings, today)
    topics = _ordered(root, topics, errors, warnings)
    topic_ids = {t.id for t in topics}
    labelled = _load_questions(root, topic_ids, errors) if questions else ()
    evidence = _load_list(root / "evidence", EvidenceFile, "evidence", errors)
    quiz = _load_list(root / "quiz", QuizFile, "items", errors)
    _check_quiz(quiz, topic_ids, set(sources), errors)
    for located in evidence:
        if sources_file and located.item.source not in sources:
            errors.append(
                ContentError(located.path, located.line, "source", f"unknown source id {located.item.source!r}")
            )
    errors = _fold_follow_ons(root, topic_ids, errors)

    if errors or safety is None:
        raise ContentInvalid(errors + warnings)
    return Content(
        root, sources, tuple(topics), safety, tuple(warnings), labelled, questions, tuple(evidence), tuple(quiz)
    )


def advice_sentence(safety: SafetyFile, advice_ids: str) -> str | None:
    """The one wording of "if you have X, do Y" that topics and the urgent answer share.

    `advice_ids` is one id or several joined by commas (all of one tier): the symptoms become
    bullets under one action line, so a long list stays readable. None for an unknown id or mixed tiers.
    """
    entries = [safety.advice.get(i.strip()) for i in advice_ids.split(",")]
    tiers = {e.tier for e in entries if e is not None}
    if None in entries or len(tiers) != 1:
        return None
    action = safety.actions.get(tiers.pop())
    if action is None:
        return None
    symptoms = [
        s for e in entries if e is not None for s in ([e.symptoms] if isinstance(e.symptoms, str) else e.symptoms)
    ]
    return f"If you have any of the following, {action}" + "".join(f"\n- {s}" for s in symptoms) + "\n"


def _expand_advice(topic: TopicModel, doc: LocatedYaml, safety: SafetyFile, errors: list[ContentError]) -> TopicModel:
    """Replace `{advice:ID[,ID...]}` in snippets with safety.yaml's wording, so triage wording has one source."""
    snippets = list(topic.snippets)
    for index, snippet in enumerate(snippets):
        if "{advice:" not in snippet.text:
            continue

        def sentence(match: re.Match[str], index: int = index) -> str:
            text = advice_sentence(safety, match.group(1))
            if text is None:
                line = doc.line_of(("snippets", index, "text"))
                where = f"snippets[{index}].text"
                problem = f"unknown advice id or mixed tiers in {match.group(1)!r} (see safety.yaml advice)"
                errors.append(ContentError(doc.path, line, where, problem))
                return match.group(0)
            return "\n" + text

        expanded = ADVICE_PLACEHOLDER.sub(sentence, snippet.text).strip()
        if len(expanded) > MAX_SNIPPET_CHARS:
            line = doc.line_of(("snippets", index, "text"))
            problem = f"too long with its advice filled in ({len(expanded)} characters, limit {MAX_SNIPPET_CHARS})"
            errors.append(ContentError(doc.path, line, f"snippets[{index}].text", problem))
        snippets[index] = snippet.model_copy(update={"text": expanded})
    return topic.model_copy(update={"snippets": snippets})


def _load_list(folder: Path, model: type[BaseModel], key: str, errors: list[ContentError]) -> list[Located]:
    """Every `folder/*.yaml` holding `key: [...]`, each item with its file and line."""
    out: list[Located] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        doc = _load_file(path, errors)
        parsed = _validate(model, doc, errors) if doc else None
        if parsed is None or doc is None:
            continue
        for index, item in enumerate(getattr(parsed, key)):
            out.append(Located(item, path, doc.line_of((key, index))))
    return out


def _check_quiz(
    quiz: list[Located[QuizItemModel]], topic_ids: set[str], source_ids: set[str], errors: list[ContentError]
) -> None:
    seen: dict[str, Located[QuizItemModel]] = {}
    for located in quiz:
        item, path, line = located.item, located.path, located.line
        problems = []
        if item.id in seen:
            problems.append(
                ("id", f"duplicate quiz id {item.id!r} (also {seen[item.id].path.name}:{seen[item.id].line})")
            )
        seen.setdefault(item.id, located)
        if item.topic not in topic_ids:
            problems.append(("topic", f"unknown topic id {item.topic!r}"))
        if item.source not in source_ids:
            problems.append(("source", f"unknown source id {item.source!r} (not in sources.yaml)"))
        if item.answer >= len(item.options):
            problems.append(("answer", f"answer {item.answer} but only {len(item.options)} options (0-based)"))
        if len({normalize(o) for o in item.options}) != len(item.options):
            problems.append(("options", "two options are the same"))
        errors.extend(ContentError(path, line, f"{item.id}.{name}", message) for name, message in problems)


def _load_questions(root: Path, topic_ids: set[str], errors: list[ContentError]) -> tuple[LabelledSet, ...]:
    """Labelled questions: a list per file; each label must name a real topic and fit its kind."""
    sets: list[LabelledSet] = []
    for path in sorted((root / "questions").glob("*.yaml")):
        doc = _load_file(path, errors)
        if doc is None:
            continue
        wrapped = LocatedYaml(doc.path, {"questions": doc.data}, {("questions", *k): v for k, v in doc.lines.items()})
        parsed = _validate(QuestionsFile, wrapped, errors)
        if parsed is None:
            continue
        seen: dict[str, int] = {}
        for index, item in enumerate(parsed.questions):
            line = doc.line_of((index,))
            where = f"[{index}]"
            needs_topic = item.kind in ("search", "same_day")
            if item.topic is not None and item.topic not in topic_ids:
                errors.append(ContentError(path, line, f"{where}.topic", f"unknown topic id {item.topic!r}"))
            elif needs_topic and item.topic is None:
                errors.append(ContentError(path, line, f"{where}.topic", f"a {item.kind} question needs a topic"))
            elif item.kind in ("crisis", "out_of_scope") and item.topic is not None:
                errors.append(ContentError(path, line, f"{where}.topic", f"a {item.kind} question has no topic (null)"))
            elif item.kind == "red_flag" and item.topic not in (None, "red_flags"):
                errors.append(ContentError(path, line, f"{where}.topic", "a red_flag question's topic is red_flags"))
            key = " ".join(item.q.lower().split())
            if key in seen:
                errors.append(ContentError(path, line, f"{where}.q", f"same question as item [{seen[key]}]"))
            seen[key] = index
        sets.append(LabelledSet(path.stem, path, tuple(parsed.questions)))
    return tuple(sets)


def _load_topics(root: Path, errors: list[ContentError]) -> tuple[list[TopicModel], dict[str, LocatedYaml]]:
    topic_dir = root / "topics"
    paths = sorted(topic_dir.glob("*.yaml")) if topic_dir.is_dir() else []
    if not paths:
        errors.append(ContentError(topic_dir, 1, "", "no topic files (*.yaml) found"))
    topics: list[TopicModel] = []
    docs: dict[str, LocatedYaml] = {}
    for path in paths:
        doc = _load_file(path, errors)
        topic = _validate(TopicModel, doc, errors) if doc else None
        if topic is None or doc is None:
            continue
        if topic.id != path.stem:
            errors.append(
                ContentError(
                    path,
                    doc.line_of(("id",)),
                    "id",
                    f"id {topic.id!r} must match the file name {path.stem!r}",
                )
            )
        if topic.id in docs:
            errors.append(ContentError(path, doc.line_of(("id",)), "id", f"duplicate topic id {topic.id!r}"))
        docs[topic.id] = doc
        topics.append(topic)
    return topics, docs


def _check_topics(
    topics: list[TopicModel],
    docs: dict[str, LocatedYaml],
    sources: dict[str, SourceModel] | None,
    errors: list[ContentError],
    warnings: list[ContentError],
    today: dt.date,
) -> None:
    ids = {t.id for t in topics}
    names: dict[str, str] = {}  # normalized name -> owning topic id
    for topic in topics:
        for name in {topic.id, topic.command or topic.id}:
            names.setdefault(normalize(name.replace("_", " ")), topic.id)
    for topic in topics:
        doc = docs[topic.id]
        path = doc.path
        seen_here: set[str] = set()
        for index, alias in enumerate(topic.aliases):
            key = normalize(alias)
            owner = names.setdefault(key, topic.id)
            if key in seen_here or owner != topic.id:
                where = "this topic" if owner == topic.id else f"topic {owner!r}"
                errors.append(
                    ContentError(
                        path,
                        doc.line_of(("aliases", index)),
                        f"aliases[{index}]",
                        f"duplicate alias {alias!r} (also in {where})",
                    )
                )
            seen_here.add(key)
        for index, rel in enumerate(topic.related):
            if rel not in ids or rel == topic.id:
                problem = "a topic cannot be related to itself" if rel == topic.id else f"unknown topic id {rel!r}"
                errors.append(ContentError(path, doc.line_of(("related", index)), f"related[{index}]", problem))
        for audience in ("patient", "clinician"):
            count = sum(1 for s in topic.snippets if s.audience == audience)
            if count < MIN_SNIPPETS_PER_AUDIENCE:
                errors.append(
                    ContentError(
                        path,
                        doc.line_of(("snippets",)),
                        "snippets",
                        f"missing audience {audience!r}: {count} snippet(s), need at least {MIN_SNIPPETS_PER_AUDIENCE}",
                    )
                )
        if sources is not None:
            for index, snippet in enumerate(topic.snippets):
                if snippet.source not in sources:
                    errors.append(
                        ContentError(
                            path,
                            doc.line_of(("snippets", index, "source")),
                            f"snippets[{index}].source",
                            f"unknown source id {snippet.source!r} (not in sources.yaml)",
                        )
                    )
        if today - topic.reviewed > STALE_AFTER:
            warnings.append(
                ContentError(
                    path,
                    doc.line_of(("reviewed",)),
                    "reviewed",
                    f"last reviewed {topic.reviewed.isoformat()}, over 12 months ago",
                    "warning",
                )
            )
        elif topic.reviewed > today:
            errors.append(ContentError(path, doc.line_of(("reviewed",)), "reviewed", "date is in the future"))


def _check_safety(safety: SafetyFile, doc: LocatedYaml, errors: list[ContentError]) -> None:
    concepts = safety.red_flags.concepts
    for index, rule in enumerate(safety.red_flags.rules):
        for g_index, group in enumerate(rule.all):
            for c_index, concept in enumerate(group):
                if concept not in concepts:
                    loc = ("red_flags", "rules", index, "all", g_index, c_index)
                    errors.append(
                        ContentError(doc.path, doc.line_of(loc), _field_name(loc), f"unknown concept {concept!r}")
                    )
    for key in ("asking_about", "happening_now", "resolved", "still_now"):
        for index, pattern in enumerate(getattr(safety.red_flags, key)):
            try:
                re.compile(pattern)
            except re.error as exc:
                loc = ("red_flags", key, index)
                errors.append(ContentError(doc.path, doc.line_of(loc), _field_name(loc), f"invalid regex: {exc}"))
    for name, terms in concepts.items():
        for index, term in enumerate(terms):
            if term.startswith("re:"):
                try:
                    re.compile(term[3:])
                except re.error as exc:
                    loc = ("red_flags", "concepts", name, index)
                    errors.append(ContentError(doc.path, doc.line_of(loc), _field_name(loc), f"invalid regex: {exc}"))


_NAMES_TOPIC = re.compile(r"(?:unknown topic id|no topic file for) '([a-z0-9_]+)'")


def _fold_follow_ons(root: Path, loaded: set[str], errors: list[ContentError]) -> list[ContentError]:
    """One broken topic file makes every mention of its id an "unknown topic" error elsewhere.
    Report the cause once, with a count of the follow-on errors it hides."""
    broken = {e.path.stem for e in errors if e.path.parent == root / "topics" and e.path.stem not in loaded}
    kept: list[ContentError] = []
    hidden: dict[str, int] = {}
    for error in errors:
        named = _NAMES_TOPIC.search(error.message)
        if named and named.group(1) in broken:
            hidden[named.group(1)] = hidden.get(named.group(1), 0) + 1
        else:
            kept.append(error)
    for topic_id, count in sorted(hidden.items()):
        kept.append(
            ContentError(
                root / "topics" / f"{topic_id}.yaml",
                1,
                "",
                f"{count} follow-on error(s) hidden: other files name topic {topic_id!r}, which failed to load "
                "(fix the error(s) above first)",
                severity="warning",
            )
        )
    return kept


def _ordered(
    root: Path, topics: list[TopicModel], errors: list[ContentError], warnings: list[ContentError]
) -> list[TopicModel]:
    """Order topics as `index.yaml` lists them (the order users see); unlisted ones go last."""
    index_path = root / "index.yaml"
    if not index_path.is_file():
        return sorted(topics, key=lambda t: t.id)
    doc = _load_file(index_path, errors)
    order = doc.data.get("topics", []) if doc and isinstance(doc.data, dict) else []
    by_id = {t.id: t for t in topics}
    for i, topic_id in enumerate(order):
        if topic_id not in by_id and doc:
            errors.append(
                ContentError(index_path, doc.line_of(("topics", i)), f"topics[{i}]", f"no topic file for {topic_id!r}")
            )
    ranked = [by_id[t] for t in order if t in by_id]
    unlisted = sorted((t for t in topics if t.id not in set(order)), key=lambda t: t.id)
    for topic in unlisted:
        warnings.append(
            ContentError(
                index_path,
                1,
                "topics",
                f"topic {topic.id!r} (topics/{topic.id}.yaml) is not listed here, so it is shown last",
                severity="warning",
            )
        )
    return ranked + unlisted
