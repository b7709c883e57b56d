"""Loading and validating the project's content files (YAML).

Content is data written by people, so every loader checks what it reads and fails with a
`ContentError` that names the file, the entry and the problem, instead of letting a typo
surface later as a wrong answer in a conversation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
CATALOGUE_PATH = CONTENT_DIR / "catalogue.yml"
SKILL_PHRASES_PATH = CONTENT_DIR / "skill_synonyms.yml"

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ContentError(ValueError):
    """A content file is malformed; the message names the file, the entry and the problem."""

    def __init__(self, path: Path, entry: str, problem: str) -> None:
        super().__init__(f"{path}: {entry}: {problem}")
        self.path = path
        self.entry = entry
        self.problem = problem


@dataclass(frozen=True)
class FaqTopic:
    id: str
    topic: str

    @property
    def title(self) -> str:
        """The topic as a short button label: 'Which skills ... needs'."""
        return self.topic[:1].upper() + self.topic[1:]


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    covers: str


@dataclass(frozen=True)
class Catalogue:
    faqs: tuple[FaqTopic, ...]
    skills: tuple[Skill, ...]

    def faq(self, faq_id: str) -> FaqTopic | None:
        return next((f for f in self.faqs if f.id == faq_id), None)

    def skill(self, skill_id: str) -> Skill | None:
        return next((s for s in self.skills if s.id == skill_id), None)

    @property
    def skill_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.skills)


@dataclass(frozen=True)
class SkillPhrases:
    """Phrases naming each skill, and phrases that look like a skill but are not one."""

    by_skill: dict[str, tuple[str, ...]]
    not_skills: tuple[str, ...]


# libyaml's parser where PyYAML was built with it (its wheels are): the question bank takes
# about 3 s to parse in pure Python, which every action server process pays as it starts.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning syntax errors into a ContentError naming the file."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise ContentError(path, "(file)", "file not found") from None
    except yaml.YAMLError as error:
        raise ContentError(path, "(file)", f"invalid YAML: {error}") from None


def require_text(path: Path, entry: str, value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, entry, f"'{field}' must be a non-empty string")
    return value.strip()


def _identifier(path: Path, entry: str, value: Any, seen: set[str]) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ContentError(path, entry, f"id {value!r} must be lowercase letters, digits, _")
    if value in seen:
        raise ContentError(path, entry, f"duplicate id {value!r}")
    seen.add(value)
    return value


def require_entries(path: Path, data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ContentError(path, key, "must be a non-empty list")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ContentError(path, f"{key}[{index}]", "must be a mapping")
    return items


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read the fixed FAQ and skill ids (a copy of the product spec's catalogue)."""
    data = read_yaml(path)
    faqs: list[FaqTopic] = []
    seen: set[str] = set()
    for index, item in enumerate(require_entries(path, data, "faq")):
        entry = f"faq[{index}] {item.get('id', '')}".strip()
        faq_id = _identifier(path, entry, item.get("id"), seen)
        faqs.append(FaqTopic(faq_id, require_text(path, entry, item.get("topic"), "topic")))
    skills: list[Skill] = []
    seen = set()
    for index, item in enumerate(require_entries(path, data, "skills")):
        entry = f"skills[{index}] {item.get('id', '')}".strip()
        skill_id = _identifier(path, entry, item.get("id"), seen)
        skills.append(
            Skill(
                skill_id,
                require_text(path, entry, item.get("name"), "name"),
                require_text(path, entry, item.get("covers"), "covers"),
            )
        )
    return Catalogue(tuple(faqs), tuple(skills))


def phrase_list(path: Path, entry: str, value: Any) -> list[str]:
    """A non-empty list of lowercase phrases, spaces normalised; an error about one phrase
    names its place ("skills.programming[3]")."""
    if not isinstance(value, list) or not value:
        raise ContentError(path, entry, "must be a non-empty list of phrases")
    phrases = []
    for number, phrase in enumerate(value, 1):
        where = f"{entry}[{number}]"
        text = " ".join(require_text(path, where, phrase, "phrase").split())
        if text != text.lower():
            raise ContentError(path, where, f"phrase {text!r} must be lowercase")
        phrases.append(text)
    return phrases


def load_skill_phrases(
    catalogue: Catalogue, path: Path = SKILL_PHRASES_PATH
) -> SkillPhrases:
    """Read the skill phrases; each skill also gets its own id and name as phrases."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("skills"), dict):
        raise ContentError(path, "skills", "must be a mapping of skill id to phrases")
    unknown = set(data["skills"]) - set(catalogue.skill_ids)
    if unknown:
        raise ContentError(path, f"skills.{sorted(unknown)[0]}", "not a catalogue skill id")
    owner: dict[str, str] = {}
    by_skill: dict[str, tuple[str, ...]] = {}
    for skill in catalogue.skills:
        entry = f"skills.{skill.id}"
        listed = phrase_list(path, entry, data["skills"].get(skill.id))
        own = [skill.id.replace("_", " "), " ".join(skill.name.lower().split())]
        phrases: list[str] = []
        for phrase in own + listed:
            if owner.get(phrase, skill.id) != skill.id:
                raise ContentError(
                    path, entry, f"phrase {phrase!r} also names skill {owner[phrase]!r}"
                )
            owner[phrase] = skill.id
            if phrase not in phrases:
                phrases.append(phrase)
        by_skill[skill.id] = tuple(phrases)
    not_skills = phrase_list(path, "not_skills", data.get("not_skills"))
    clash = next((p for p in not_skills if p in owner), None)
    if clash:
        raise ContentError(path, "not_skills", f"phrase {clash!r} is also a skill phrase")
    return SkillPhrases(by_skill, tuple(not_skills))


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The project's catalogue, loaded once per process."""
    return load_catalogue()
