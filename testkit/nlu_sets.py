"""Evaluation sets of candidate messages, and how the trained model is judged on them.

The held-out sets (tests/data/nlu_heldout*.yml, checked by `make test`) and the development set
(bench/data/nlu_dev.yml, for choosing settings: `make bench-nlu-dev`) have one format:
`faq` (topic id -> messages), `drill` (text and skill id), `out_of_scope` and
`out_of_scope_near_domain` (messages). Each message is judged by what the candidate would
get: an FAQ message counts only when coach.content.faq.decide answers it with the right topic
straight away ("Did you mean" is not a hit; an answer on another topic is wrong), a drill
request when it is start_drill with the right skill id first, an out-of-scope message when it
gets neither an FAQ answer nor any other action.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from coach.content.faq import Answer, decide

KINDS = ("faq", "drill", "out_of_scope", "out_of_scope_near_domain")


class Parser(Protocol):
    async def parse_message(self, message: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class NluSet:
    faq: dict[str, list[str]]
    drill: list[tuple[str, str]]  # (text, skill id)
    out_of_scope: list[str]
    near_domain: list[str]  # out of scope too, but close to the assistant's job

    @property
    def kept_out(self) -> list[str]:
        """Every message that should get neither an FAQ answer nor a drill."""
        return self.out_of_scope + self.near_domain

    def messages(self) -> list[str]:
        return [t for texts in self.faq.values() for t in texts] + [t for t, _ in self.drill] + self.kept_out


def training_messages(nlu_folder: Path) -> set[str]:
    """The training examples of data/nlu, lower-cased, to check that a set stays apart from them."""
    training: set[str] = set()
    for path in nlu_folder.glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            training |= {line[2:].strip().lower() for line in block.get("examples", "").splitlines()
                         if line.startswith("- ")}
    return training


def load(path: Path) -> NluSet:
    """The set in `path`, checked: an error names the file and the entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) != set(KINDS):
        raise ValueError(f"{path}: expected exactly the keys {', '.join(KINDS)}")

    def texts(where: str, values: Any) -> list[str]:
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise ValueError(f"{path}: {where} must be a list of non-empty messages")
        return values

    faq = {str(topic): texts(f"faq/{topic}", messages) for topic, messages in data["faq"].items()}
    drill = []
    for number, item in enumerate(data["drill"], 1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not isinstance(item.get("skill"), str):
            raise ValueError(f"{path}: drill entry {number} needs a text and a skill")
        drill.append((item["text"], item["skill"]))
    return NluSet(faq, drill, texts("out_of_scope", data["out_of_scope"]),
                  texts("out_of_scope_near_domain", data["out_of_scope_near_domain"]))


@dataclass
class Score:
    """Hits of one kind of message, with the misses spelt out."""

    total: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # FAQ only: answered with another topic

    @property
    def accuracy(self) -> float:
        return 1 - len(self.misses) / self.total if self.total else 0.0

    def report(self, title: str) -> str:
        lines = [f"{title}: {self.accuracy:.3f} ({self.total - len(self.misses)}/{self.total})"]
        return "\n".join(lines + [f"  miss: {miss}" for miss in self.misses])


async def faq_score(agent: Parser, nlu_set: NluSet) -> Score:
    score = Score()
    for faq_id, texts in nlu_set.faq.items():
        for text in texts:
            score.total += 1
            decision = decide(await agent.parse_message(text))
            if decision != Answer(faq_id):
                score.misses.append(f"{text!r}: expected {faq_id}, got {decision}")
                if isinstance(decision, Answer):
                    score.wrong.append(text)
    return score


async def drill_score(agent: Parser, nlu_set: NluSet) -> Score:
    score = Score(total=len(nlu_set.drill))
    for text, skill in nlu_set.drill:
        parse = await agent.parse_message(text)
        skills = [e["value"] for e in parse["entities"] if e["entity"] == "skill"]
        intent = parse["intent"]["name"]
        if intent != "start_drill" or not skills or skills[0] != skill:
            score.misses.append(f"{text!r}: expected {skill}, got {intent} {skills}")
    return score


async def out_of_scope_score(agent: Parser, nlu_set: NluSet) -> Score:
    score = Score(total=len(nlu_set.kept_out))
    for text in nlu_set.kept_out:
        parse = await agent.parse_message(text)
        intent = parse["intent"]["name"]
        decision = decide(parse) if intent == "faq" else None
        if isinstance(decision, Answer) or intent not in ("out_of_scope", "nlu_fallback", "faq"):
            score.misses.append(f"{text!r}: got {intent} {decision or ''}")
    return score
