"""The contract between the processes: its names are the Rasa domain's, its payloads come back
from the wire as they were sent, and anything else parses to None."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.constants import DEFAULT_INTENTS

from coach import contract
from coach.contract import ChartSkill, DataDeleted, DataExport, ProgressChart, Quiz, parse_payload

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
# The packages that send or read what the contract names (testkit and bench play candidates,
# who type payloads such as "/delete_data" on purpose).
PACKAGES = ("coach", "actions", "rasa_plugins", "bot", "tools")


def names(suffix: str) -> dict[str, str]:
    """The contract's constants whose name ends with `suffix`, by name."""
    return {name: value for name, value in vars(contract).items() if name.endswith(suffix) and isinstance(value, str)}


def domain_names(section: str) -> set[str]:
    return {item if isinstance(item, str) else next(iter(item)) for item in DOMAIN[section]}


def test_every_intent_of_the_contract_is_in_the_domain_or_is_rasas_own():
    intents = names("_INTENT")
    assert len(intents) >= 10
    assert {name: value for name, value in intents.items()
            if value not in domain_names("intents") and value not in DEFAULT_INTENTS} == {}


def test_the_contract_names_exactly_the_entities_of_the_domain():
    assert set(names("_ENTITY").values()) == domain_names("entities")


def test_the_contract_names_exactly_the_slots_of_the_domain():
    assert set(names("_SLOT").values()) == set(DOMAIN["slots"])


def test_no_module_spells_a_slot_name_or_an_intent_payload_itself():
    """Everything else imports the names: a slot name, or a payload of an intent ("/affirm"),
    written out as a string elsewhere is a second definition to keep in step."""
    slots = set(names("_SLOT").values())
    payloads = tuple(f"/{intent}" for intent in names("_INTENT").values())
    spelled = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "coach" / "contract.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                        node.value in slots or node.value.startswith(payloads)):
                    spelled.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert spelled == []


QUIZ = Quiz("statistics.zero_correlation", "Two variables have a correlation of 0. What follows?",
            ("They are independent.", "No linear relationship."), 1, "Correlation is linear only.", ("A", "B"))
PAYLOADS = [
    QUIZ,
    ProgressChart("Mastery per skill (0-100)", (ChartSkill("statistics", "Statistics", 57, 2),
                                                ChartSkill("ai_ethics", "AI ethics", None, 0))),
    ProgressChart("Mastery per skill (0-100)", ()),
    DataExport("my-interview-practice.json", {"sender_id": "42", "attempts": [{"answer": "Zoë's answer", "score": None}]}),
    DataDeleted(),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_payloads_come_back_from_the_wire_as_they_were_sent(payload):
    wire = json.loads(json.dumps(payload.to_json()))
    assert wire["type"] == type(payload).TYPE
    assert parse_payload(wire) == payload


def test_the_wire_format_of_each_payload():
    assert QUIZ.to_json() == {
        "type": "quiz", "question_id": "statistics.zero_correlation",
        "question": "Two variables have a correlation of 0. What follows?",
        "options": ["They are independent.", "No linear relationship."], "correct_option_id": 1,
        "explanation": "Correlation is linear only.", "answer_payloads": ["A", "B"],
    }
    assert PAYLOADS[1].to_json() == {"type": "progress_chart", "title": "Mastery per skill (0-100)", "skills": [
        {"id": "statistics", "name": "Statistics", "mastery": 57, "attempts": 2, "due_today": 0, "due_week": 0,
         "retention": None},
        {"id": "ai_ethics", "name": "AI ethics", "mastery": None, "attempts": 0, "due_today": 0, "due_week": 0,
         "retention": None},
    ], "target_retention": 90}
    # a chart from an assistant before due counts and retention reads with none
    old = {"type": "progress_chart", "title": "t", "skills": [{"id": "s", "name": "S", "mastery": 5, "attempts": 1}]}
    assert ProgressChart.from_json(old) == ProgressChart("t", (ChartSkill("s", "S", 5, 1),))
    assert DataExport("a.json", {"x": 1}).to_json() == {"type": "data_export", "filename": "a.json", "data": {"x": 1}}
    assert DataDeleted().to_json() == {"type": "data_deleted"}


def changed(payload: dict, **changes: object) -> dict:
    return {key: value for key, value in {**payload, **changes}.items() if value is not ...}


QUIZ_JSON = QUIZ.to_json()
CHART_JSON = PAYLOADS[1].to_json()
EXPORT_JSON = PAYLOADS[3].to_json()


@pytest.mark.parametrize("data", [
    None, "quiz", ["quiz"], {}, {"type": None}, {"type": 3}, {"type": "confetti"}, {"type": "Quiz"},
    changed(QUIZ_JSON, question_id=...), changed(QUIZ_JSON, question=None), changed(QUIZ_JSON, explanation=None),
    changed(QUIZ_JSON, options="AB"), changed(QUIZ_JSON, options=["x", 2]), changed(QUIZ_JSON, answer_payloads=["A"]),
    changed(QUIZ_JSON, options=["only"], answer_payloads=["A"], correct_option_id=0),
    changed(QUIZ_JSON, correct_option_id=2), changed(QUIZ_JSON, correct_option_id=-1),
    changed(QUIZ_JSON, correct_option_id="1"), changed(QUIZ_JSON, correct_option_id=True),
    changed(CHART_JSON, title=...), changed(CHART_JSON, skills={"statistics": 57}),
    changed(CHART_JSON, skills=[{"id": "statistics", "name": "Statistics", "mastery": "57", "attempts": 2}]),
    changed(CHART_JSON, skills=[{"id": "statistics", "name": "Statistics", "mastery": 57}]),
    changed(CHART_JSON, skills=["statistics"]),
    changed(EXPORT_JSON, filename=...), changed(EXPORT_JSON, filename=" "), changed(EXPORT_JSON, data=[1, 2]),
], ids=repr)
def test_anything_else_parses_to_none(data):
    assert parse_payload(data) is None
