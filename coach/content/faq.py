"""FAQ answers: which answer to give for a parsed message, and the answers' content checks.

The NLU's ResponseSelector ranks the FAQ topics; this module decides what the candidate
gets: the answer when the match is clear, "Did you mean ...?" with the top topics when it
is not, or nothing from the FAQ at all when the message is not an FAQ question. Wrong
answers cost more than a clarifying question, so the thresholds lean towards asking.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.content.catalogue import ROOT, Catalogue, ContentError, catalogue, read_yaml
from coach.contract import DRILL_INTENT, FALLBACK_INTENT, FAQ_INTENT, SKILL_ENTITY, TOPIC_ENTITY

FAQ_ANSWERS_PATH = ROOT / "data" / "responses" / "faq.yml"

# A ResponseSelector match at least this confident is answered straight away... (Chosen on
# the development set, `make bench-nlu-dev`: at 0.4 rather than 0.5, 3 points more FAQ
# questions answered right straight away, no more wrong answers or out-of-scope ones.)
ANSWER_CONFIDENCE = 0.4
# ...unless the runner-up is within this margin, then the candidate is asked to choose.
# (0.1 rather than 0.15 since the classifiers train on fixed batches, config.yml: 2 more of
# the development set's 215 FAQ questions answered right straight away, none wrong.)
AMBIGUITY_MARGIN = 0.1
# A long message spreads the confidence thin over every topic; its best topic is still
# answered when it is at least this confident and this many times as confident as the
# runner-up. (Chosen on the development set: 5 more of its 215 FAQ questions answered right
# straight away, one more wrong; the same from 0.1 to 0.2 and from 2 to 2.5.)
LEAD_CONFIDENCE = 0.2
LEAD_RATIO = 2.5
# Topics below this confidence are never offered as "Did you mean ...?".
SUGGEST_CONFIDENCE = 0.05
MAX_SUGGESTIONS = 3

MIN_SENTENCES, MAX_SENTENCES = 2, 6
MAX_ANSWER_CHARS = 700
# In response YAML, payload braces are doubled ({{ }}) to escape Rasa's slot templates.
_DRILL_PAYLOAD = re.compile(rf"^/{DRILL_INTENT}(?:\{{(\{{.*\}})\}})?$")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass(frozen=True)
class FaqAnswer:
    faq_id: str
    text: str
    offered_skill: str | None  # the skill its drill button starts, None for a general drill


@dataclass(frozen=True)
class Answer:
    faq_id: str


@dataclass(frozen=True)
class Suggest:
    faq_ids: tuple[str, ...]


@dataclass(frozen=True)
class NotUnderstood:
    pass


Decision = Answer | Suggest | NotUnderstood


def count_sentences(text: str) -> int:
    """Sentences end with . ! or ? followed by a space or the end (so 8.81 is one number)."""
    return len(_SENTENCE_END.findall(text.strip()))


def _drill_skill(path: Path, entry: str, payload: Any, catalogue_: Catalogue) -> str | None:
    match = _DRILL_PAYLOAD.match(payload) if isinstance(payload, str) else None
    if not match:
        raise ContentError(path, entry, f"button payload {payload!r} must be /{DRILL_INTENT} or "
                           f'/{DRILL_INTENT}{{{{"{SKILL_ENTITY}": "<id>"}}}}')
    if not match.group(1):
        return None
    try:
        skill = json.loads(match.group(1)).get(SKILL_ENTITY)
    except (json.JSONDecodeError, AttributeError):
        raise ContentError(path, entry, f"button payload {payload!r} is not valid JSON") from None
    if not isinstance(skill, str) or catalogue_.skill(skill) is None:
        raise ContentError(path, entry, f"button payload names unknown skill {skill!r}")
    return skill


def load_faq_answers(
    catalogue_: Catalogue, path: Path = FAQ_ANSWERS_PATH
) -> dict[str, FaqAnswer]:
    """Read and check the FAQ answers: one per catalogue topic, phone-sized, one drill button."""
    data = read_yaml(path)
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(responses, dict):
        raise ContentError(path, "responses", "must be a mapping of response names")
    answers: dict[str, FaqAnswer] = {}
    for name, variants in responses.items():
        faq_id = str(name).removeprefix("utter_faq/")
        if name == faq_id or catalogue_.faq(faq_id) is None:
            raise ContentError(path, str(name), "not utter_faq/<id> of a catalogue FAQ")
        if not isinstance(variants, list) or len(variants) != 1:
            raise ContentError(path, name, "must have exactly one response variant")
        variant = variants[0]
        text = variant.get("text") if isinstance(variant, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ContentError(path, name, "missing text")
        sentences = count_sentences(text)
        if not MIN_SENTENCES <= sentences <= MAX_SENTENCES:
            raise ContentError(path, name, f"has {sentences} sentences, wants 2 to 6")
        if len(text) > MAX_ANSWER_CHARS:
            raise ContentError(path, name, f"is {len(text)} characters, over {MAX_ANSWER_CHARS}")
        buttons = variant.get("buttons")
        if not isinstance(buttons, list) or len(buttons) != 1:
            raise ContentError(path, name, "must offer exactly one drill button")
        button = buttons[0]
        if not isinstance(button, dict) or not str(button.get("title", "")).strip():
            raise ContentError(path, name, "button needs a title")
        skill = _drill_skill(path, name, button.get("payload"), catalogue_)
        answers[faq_id] = FaqAnswer(faq_id, text.strip(), skill)
    missing = [faq.id for faq in catalogue_.faqs if faq.id not in answers]
    if missing:
        raise ContentError(path, f"utter_faq/{missing[0]}", "catalogue FAQ has no answer")
    return answers


@lru_cache(maxsize=1)
def faq_answers() -> dict[str, FaqAnswer]:
    """The project's FAQ answers, loaded and checked once per process."""
    return load_faq_answers(catalogue())


def faq_for_skill(skill_id: str) -> str | None:
    """The FAQ answer that explains a skill: the first one whose drill button offers it."""
    return next((a.faq_id for a in faq_answers().values() if a.offered_skill == skill_id), None)


def _ranking(parse: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The FAQ topics as the ResponseSelector ranked them, best first."""
    selector = (parse.get("response_selector") or {}).get(FAQ_INTENT) or {}
    ranking = []
    for item in selector.get("ranking") or []:
        key = str(item.get("intent_response_key", ""))
        faq_id = key.removeprefix(FAQ_INTENT + "/")
        if key != faq_id and catalogue().faq(faq_id):
            ranking.append((faq_id, float(item.get("confidence") or 0.0)))
    return sorted(ranking, key=lambda pair: pair[1], reverse=True)


def top_intent(parse: Mapping[str, Any]) -> tuple[str | None, float]:
    """The message's intent and the NLU's confidence in it; for a fallback (the NLU unsure,
    which only says "not sure"), the best other intent of the ranking."""
    intent = parse.get("intent") or {}
    if intent.get("name") == FALLBACK_INTENT:
        intent = next((i for i in parse.get("intent_ranking") or [] if i.get("name") != FALLBACK_INTENT), {})
    name = intent.get("name")
    return (str(name) if name is not None else None), float(intent.get("confidence") or 0.0)


def decide(parse: Mapping[str, Any]) -> Decision:
    """What to reply to a message the NLU classified as an FAQ or as a fallback."""
    for entity in parse.get("entities") or []:
        if entity.get("entity") == TOPIC_ENTITY and catalogue().faq(str(entity.get("value"))):
            return Answer(str(entity["value"]))
    intent = (parse.get("intent") or {}).get("name")
    if intent not in (FAQ_INTENT, FALLBACK_INTENT):
        return NotUnderstood()
    if intent == FALLBACK_INTENT and top_intent(parse)[0] != FAQ_INTENT:
        return NotUnderstood()
    ranking = _ranking(parse)
    if not ranking:
        return NotUnderstood()
    best_id, best = ranking[0]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    clear = best >= ANSWER_CONFIDENCE and best - runner_up >= AMBIGUITY_MARGIN
    leading = best >= LEAD_CONFIDENCE and best >= LEAD_RATIO * runner_up
    if intent == FAQ_INTENT and (clear or leading):
        return Answer(best_id)
    candidates = [faq_id for faq_id, conf in ranking if conf >= SUGGEST_CONFIDENCE]
    if len(candidates) < 2:
        candidates = [faq_id for faq_id, _ in ranking[:2]]
    return Suggest(tuple(candidates[:MAX_SUGGESTIONS]))
