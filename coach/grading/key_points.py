"""What the scorer looks for in an answer to an open question, and the wrong claims that
contradict it.

The key points are the rubric's concepts or, for a question with only a prompt and a model
answer, the model answer's sentences. Besides the misconceptions a rubric lists, each key
point has reversals made from its phrases: one word swapped for its opposite
(content/opposites.yml: "reduces variance" -> "increases variance"), and, on a question
that compares two things, the two swapped ("bagging reduces variance" -> "boosting
reduces variance").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from coach.content.catalogue import CONTENT_DIR, ContentError, read_yaml
from coach.content.question_bank import OpenQuestion
from coach.grading.matching import language

OPPOSITES_PATH = CONTENT_DIR / "opposites.yml"
# Phrases shorter than this are not reversed: their swaps too often say something true.
REVERSIBLE_WORDS = 3


@dataclass(frozen=True)
class KeyPoint:
    """What the scorer looks for: a rubric concept, or a sentence of the model answer."""

    label: str
    weight: int
    phrases: tuple[str, ...]
    misconceptions: tuple[str, ...] = ()
    from_reference: bool = False
    compared: tuple[str, str] | None = None  # the two things the question compares

    @cached_property
    def subject(self) -> str | None:
        """Which of the compared things the point is about, when it names just one of them
        ("bagging reduces variance" is about bagging)."""
        if not self.compared:
            return None
        named = {thing for thing in self.compared if any(mentions(t, thing) for t in (self.label, *self.phrases))}
        return named.pop() if len(named) == 1 else None

    @cached_property
    def other(self) -> str | None:
        """The compared thing the point is not about, when it is about one of them."""
        if not self.subject or not self.compared:
            return None
        return self.compared[1] if self.subject == self.compared[0] else self.compared[0]

    @cached_property
    def reversals(self) -> tuple[str, ...]:
        """The point's phrases reversed (opposite words) or with the compared things swapped."""
        texts = (self.label, *self.phrases)
        swapped = tuple(s for t in texts for s in swaps(t, self.compared)) if self.compared else ()
        return tuple(r for phrase in texts for r in reversals(phrase)) + swapped


@lru_cache(maxsize=1)
def opposites() -> dict[str, tuple[str, ...]]:
    """Each word of content/opposites.yml with the words that reverse it."""
    data = read_yaml(OPPOSITES_PATH)
    result: dict[str, list[str]] = {}
    pairs = data.get("pairs") if isinstance(data, dict) else None
    for index, pair in enumerate(pairs if isinstance(pairs, list) else []):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(w, str) and w == w.lower().strip() and w
                                                                   for w in pair) and pair[0] != pair[1]):
            raise ContentError(OPPOSITES_PATH, f"pairs[{index}]", "must be two different lowercase words")
        result.setdefault(pair[0], []).append(pair[1])
        result.setdefault(pair[1], []).append(pair[0])
    if not result:
        raise ContentError(OPPOSITES_PATH, "pairs", "must be a non-empty list of word pairs")
    return {word: tuple(others) for word, others in result.items()}


@lru_cache(maxsize=8192)
def reversals(phrase: str) -> tuple[str, ...]:
    """The phrase with one word at a time swapped for its opposite, inflected alike
    ("reduces" -> "increases"); none for phrases under REVERSIBLE_WORDS words, whose swaps
    too often say something else that is true."""
    tokens = language().tokens(phrase)
    if len(tokens) < REVERSIBLE_WORDS:
        return ()
    swapped = []
    for token in tokens:
        for other in opposites().get(token.text.lower(), opposites().get(token.norm, ())):
            word = _inflect_like(token.text.lower(), token.norm, other)
            word = word if _has_vector(word) else other  # never a made-up word
            swapped.append(phrase[: token.offset] + word + phrase[token.offset + len(token.text):])
    return tuple(swapped)


def _inflect_like(text: str, norm: str, other: str) -> str:
    """`other` with the ending that turns `norm` into `text` ("reduce" -> "reducing")."""
    if text == other or not norm or text == norm or other in opposites().get(text, ()):
        return other
    if text.startswith(norm):
        ending = text[len(norm):]
        return (other[:-1] if other.endswith("e") and ending[:1] in ("e", "i") else other) + ending
    if norm.endswith("e") and text.startswith(norm[:-1]):
        return (other[:-1] if other.endswith("e") else other) + text[len(norm) - 1:]
    return other


# "between/compare/contrast A and B <end>" and "does A differ from B <end>", A and B as short
# as they can be. Linear time (issue 11), where the one pattern these replace was cubic
# ("compare x and x and ..." retried B after every "and", for every keyword):
# - A is found in a lookahead, which Python never backtracks into, and taken with (?P=a):
#   if B finds no end after A's first "and", it finds none after a later one either;
# - for the same reason only the first keyword of a line can match, so `^(?:(?!KEYWORD).)*`
#   skips to it and a line is tried once (MULTILINE: from each line start; `.` never
#   crosses a line, as A and B never did).
# Each pattern finds its leftmost match, and _comparison takes the earlier one, at "at".
_COMPARE_WORD, _AND = r"(?:between|compare|contrast) ", r" (?:and|with|to|versus|vs\.?) "
_DIFFER_WORD, _DIFFER_FROM = r"(?:does|do|is|are) ", " differ from "
_COMPARE = re.compile(
    rf"^(?:(?!{_COMPARE_WORD}).)*(?P<at>{_COMPARE_WORD})(?:the )?(?=(?P<a>.+?){_AND})(?P=a){_AND}(?P<b>.+?)"
    r"(?:[?,.;:]| in | for | when | and (?:how|when|why|what|which|where))",
    re.IGNORECASE | re.MULTILINE,
)
_DIFFER = re.compile(
    rf"^(?:(?!{_DIFFER_WORD}).)*(?P<at>{_DIFFER_WORD})(?=(?P<a>.+?){_DIFFER_FROM})(?P=a){_DIFFER_FROM}(?P<b>.+?)"
    r"(?:[?,.;:]| in | for | when | and )",
    re.IGNORECASE | re.MULTILINE,
)
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
MAX_COMPARED_WORDS = 4


def _comparison(prompt: str) -> tuple[str, str] | None:
    """The two sides of the prompt's first comparison, as written."""
    found = [m for m in (_COMPARE.search(prompt), _DIFFER.search(prompt)) if m]
    match = min(found, key=lambda m: m.start("at"), default=None)
    return (match["a"], match["b"]) if match else None


@lru_cache(maxsize=1024)
def compared_things(prompt: str) -> tuple[str, str] | None:
    """The two things a comparison prompt compares ("bagging", "boosting"), each cut to as
    many words as the shorter one ("L1", "L2" from "L1 and L2 regularization")."""
    sides = _comparison(prompt)
    if not sides:
        return None
    first, second = (_ARTICLE.sub("", side).split() for side in sides)
    size = min(len(first), len(second))
    first, second = first[:size], second[:size]
    terms = (" ".join(first), " ".join(second))
    if size > MAX_COMPARED_WORDS or any("," in t for t in terms) or terms[0].lower() == terms[1].lower():
        return None
    return terms


# A compared thing as a whole word: "supervised" is not named in "semi-supervised" or
# "unsupervised"; its plural is ("lists").
_BEFORE, _AFTER = r"(?<![\w-])", r"(?=(?:e?s)?(?![\w-]))"


@lru_cache(maxsize=256)
def _term(thing: str) -> re.Pattern[str]:
    return re.compile(rf"{_BEFORE}{re.escape(thing)}{_AFTER}", re.IGNORECASE)


def mentions(text: str, thing: str) -> bool:
    """Whether the text names the thing (or its plural)."""
    return bool(_term(thing).search(text))


@lru_cache(maxsize=8192)
def swaps(phrase: str, compared: tuple[str, str]) -> tuple[str, ...]:
    """The phrase with the two compared things swapped, if it names either."""
    first, second = compared
    pattern = re.compile(rf"{_BEFORE}({re.escape(first)}|{re.escape(second)}){_AFTER}", re.IGNORECASE)
    swapped = pattern.sub(lambda m: second if m.group(1).lower() == first.lower() else first, phrase)
    return (swapped,) if swapped != phrase else ()


@lru_cache(maxsize=1024)
def key_points(question: OpenQuestion) -> tuple[KeyPoint, ...]:
    """The rubric's concepts, or the model answer's sentences when there is no rubric."""
    if question.rubric:
        compared = compared_things(question.prompt)
        return tuple(KeyPoint(c.label, c.weight, c.phrases, c.misconceptions, compared=compared) for c in question.rubric)
    return reference_points(question.model_answer)


@lru_cache(maxsize=1024)
def reference_points(reference: str) -> tuple[KeyPoint, ...]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+", reference) if len(p.split()) >= 3]
    parts = parts or [reference.strip()]
    return tuple(KeyPoint(part.rstrip(".;!?"), 1, (part,), from_reference=True) for part in parts)


def _has_vector(word: str) -> bool:
    from coach.grading.semantic import text_vectors  # the vectors load with the pipeline

    return text_vectors().has(word)
