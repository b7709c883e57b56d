"""Is a message about one employer's hiring, pay or interviews? Then it is out of scope.

The assistant knows the ML engineer role in general (the source documents); how Amazon's
loop works or what Meta pays is in neither document and changes by team and year, so such a
question gets a decline that offers the general answer instead, never the general answer as
if it were the company's. A bag-of-words classifier cannot tell "how much does Amazon pay
ML engineers?" from the salary question it resembles, so this is a rule over the word lists
of content/employers.yml: one employer named outside a product phrase (several named are
examples of a kind, such as cloud vendors), with a hiring word or after "at" ("engineers at
Netflix").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.content.catalogue import CONTENT_DIR, ContentError, phrase_list, read_yaml

EMPLOYERS_PATH = CONTENT_DIR / "employers.yml"
_KEYS = ("employers", "products", "hiring_words")
# A question is short: past this many characters a message is an answer or a story, and
# reading further would only cost time (the action server reads every message it is sent).
MAX_CHARS = 1_000


@dataclass(frozen=True)
class Employer:
    """An employer named in a message: as the candidate wrote it, and where."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class EmployerWords:
    employers: tuple[str, ...]
    products: tuple[str, ...]
    hiring_words: tuple[str, ...]

    def employer_asked_about(self, text: str) -> Employer | None:
        """The one employer a message asks about as an employer, or None. Its name is as the
        candidate wrote it, capitalised when written all lowercase."""
        text = text[:MAX_CHARS]
        words = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
        in_products = {i for start, end in _spans(text, words, self.products) for i in range(start, end)}
        named = [(start, end) for start, end in _spans(text, words, self.employers)
                 if in_products.isdisjoint(range(start, end))]
        if len({tuple(w for w, _, _ in words[start:end]) for start, end in named}) != 1:
            return None  # none, or several: "cloud experience from Amazon, Microsoft or Google"
        start, end = named[0]
        working_there = start > 0 and words[start - 1][0] == "at"  # "engineers at Netflix"
        if not working_there and not _spans(text, words, self.hiring_words):
            return None
        first, last = words[start][1], words[end - 1][2]
        name = " ".join(text[first:last].split())
        return Employer(name.title() if name == name.lower() else name, first, last)


_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8)
def _by_first_word(phrases: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The phrases as tuples of words, by their first word."""
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        split = tuple(_WORD.findall(phrase))
        grouped.setdefault(split[0], []).append(split)
    return {first: tuple(group) for first, group in grouped.items()}


def _spans(text: str, words: list[tuple[str, int, int]], phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the phrases occur, as (first word, past the last word) indexes into `words`, in
    order. Words joined by a hyphen make another word ("meta-learning"): no phrase is cut
    from one."""
    by_first = _by_first_word(phrases)
    found = []
    for start, (word, _, _) in enumerate(words):
        for phrase in by_first.get(word, ()):
            end = start + len(phrase)
            if end > len(words) or any(words[start + k][0] != phrase[k] for k in range(1, len(phrase))):
                continue
            before, after = words[start][1], words[end - 1][2]
            if text[before - 1:before] != "-" and text[after:after + 1] != "-":
                found.append((start, end))
    return found


def load_employer_words(path: Path = EMPLOYERS_PATH) -> EmployerWords:
    """The three word lists, checked: non-empty lists of distinct lowercase phrases, matched
    word by word (a word is a run of letters and digits: "booking.com" is two)."""
    data = read_yaml(path)
    if not isinstance(data, dict) or set(data) != set(_KEYS):
        raise ContentError(path, "(file)", f"expected exactly the keys {', '.join(_KEYS)}")
    lists: list[tuple[str, ...]] = []
    for key in _KEYS:
        phrases = phrase_list(path, key, data[key])
        twice = next((number for number, phrase in enumerate(phrases, 1) if phrase in phrases[:number - 1]), None)
        if twice is not None:
            raise ContentError(path, f"{key}[{twice}]", f"phrase {phrases[twice - 1]!r} is listed twice")
        lists.append(tuple(phrases))
    return EmployerWords(*lists)


@lru_cache(maxsize=1)
def employer_words() -> EmployerWords:
    """The project's lists, loaded and checked once per process."""
    return load_employer_words()
