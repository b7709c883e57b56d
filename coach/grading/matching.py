"""Reading an answer word by word: normal forms, phrase matching, negation, bad answers.

The lexical half of the scorer (coach/grading/scoring.py):
- Every word is reduced to a normal form: lowercase, British spellings mapped to American,
  then the lemma from the pipeline's lookup table ("optimised", "optimizing" -> "optimize").
  Notation is split into its symbols' words ("TP/(TP+FP)" -> tp tp fp).
- A phrase is found when all its content words occur within a short window of one sentence,
  in any order; a word also matches a misspelling of it (one edit for words of 5+ letters,
  two for 9+) when the answer's word is not itself English, and a run of phrase words
  matches the same words written together ("k-fold" and "kfold").
- A match preceded closely by a negation in its clause ("not", "n't", "no", "never",
  "without"...) is reported as negated; "not only" and "or not" are not negations.
- A misconception is found only with its words in the phrase's order, inside one clause:
  "slicing returns a copy" is a misconception, "a copy, unlike slicing, ..." is not.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from coach.language.spelling import edit_distance, typo_limit

# Only this much of an answer is read: more than a chat message holds, enough for any
# interview answer, and it keeps scoring time bounded.
MAX_ANSWER_CHARS = 4096
# How many extra words a phrase's words may be spread over, beyond the phrase's length.
PHRASE_SLACK = 3
# How many content words a misconception's words, found in order, may have among them.
ORDERED_EXTRA_WORDS = 1
# How many words before a match a negation in the same clause still applies to.
NEGATION_REACH = 6
NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor", "nothing", "none", "cannot"})  # "n't" -> "not"
NOT_NEGATING_NEXT = frozenset({"only", "just", "merely", "simply"})
# A phrase's words must be in one sentence; a negation reaches to the end of its clause.
SENTENCE_BREAKS = frozenset({".", ";", ":", "!", "?"})
CLAUSE_BREAKS = SENTENCE_BREAKS | {",", "but", "although", "however", "whereas", "while", "unlike"}
# Answers whose content words are at least this much the question's own are copies.
COPY_SHARE = 0.8
# Answers with less than this share of English words are gibberish or another language.
ENGLISH_SHARE = 0.5
OTHER_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")
NORM_CACHE_SIZE = 100_000
# Words a rubric phrase may contain that carry no meaning of their own (as normal forms).
# Narrower than spaCy's stop words, which include meaningful words such as "same" or "less".
FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for from with into onto as than then and or so be it its "
    "this that these those they them their there which who whom what how do have will would "
    "should could can may might must you your we our i my me 're 's 've 'm 'll 'd".split()
)

_BRITISH = ((re.compile(r"isation"), "ization"), (re.compile(r"is(e|ed|es|ing|er|ers)$"), r"iz\1"),
            (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"), (re.compile(r"(?<=[a-z]{3})our$"), "or"),
            (re.compile(r"(?<=[a-z]{3})tre$"), "ter"))
# What spaCy leaves of a verb before "n't": "can't" -> "ca" + "n't", "won't" -> "wo" + "n't".
_CONTRACTED = {"ca": "can", "wo": "will", "sha": "shall"}
_WORD = re.compile(r"\w", re.UNICODE)
_PIECES = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Token:
    text: str
    norm: str  # spelling-normalised lemma
    clause: int  # index of the clause it stands in
    offset: int  # where it starts in the text


class Language:
    """The spaCy tokenizer, lemma table and word lists the scorer needs, loaded once."""

    def __init__(self) -> None:
        from spacy.pipeline import Lemmatizer  # spaCy import is slow; only when scoring

        from coach.language.pipeline import pipeline

        self.nlp = pipeline()
        # The table maps inflected forms (keyed by hash, so look up with .get) to lemmas.
        self.lemmas = cast(Lemmatizer, self.nlp.get_pipe("lemmatizer")).lookups.get_table("lemma_lookup")
        self.stop_words = frozenset(self.nlp.Defaults.stop_words) | {"n't", "'s", "'re", "'ve", "'m", "'ll", "'d"}
        self.english: frozenset[str] = frozenset(self.lemmas.values()) | self.stop_words
        self.foreign_stop_words = self._foreign_stop_words()
        self._norms: dict[str, str] = {}

    def _foreign_stop_words(self) -> frozenset[str]:
        import importlib

        words: set[str] = set()
        for code in OTHER_LANGUAGES:
            words |= importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
        return frozenset(w for w in words if w not in self.english and len(w) > 1)

    def normalise(self, word: str) -> str:
        """The word's normal form (remembered: answers repeat the same few thousand words)."""
        norm = self._norms.get(word)
        if norm is None:
            if len(self._norms) >= NORM_CACHE_SIZE:
                self._norms.clear()  # bounded memory whatever candidates type
            norm = self._norms[word] = self._normal_form(word)
        return norm

    def _normal_form(self, word: str) -> str:
        if len(word) > 1 and word.isupper():
            return word.lower()  # an acronym ("AI", "SMOTE"), not an inflected word
        word = word.lower().replace("’", "'")
        if word in _CONTRACTED:
            return _CONTRACTED[word]
        for pattern, replacement in _BRITISH:
            word = pattern.sub(replacement, word)
        lemma: str = self.lemmas.get(word, word)
        lemma = self.lemmas.get(lemma, lemma)  # "encodings" -> "encoding" -> "encode"
        return lemma if lemma.isalpha() or not word.isalpha() else word  # not "first" -> "1"

    def tokens(self, text: str) -> list[Token]:
        """Words and clause punctuation of the text; notation split into its words, other
        symbols dropped."""
        result: list[Token] = []
        clause = 0
        for token in self.nlp.make_doc(text):
            if token.is_space:
                continue
            lower = token.lower_
            if lower in CLAUSE_BREAKS:
                result.append(Token(token.text, lower, clause, token.idx))
                clause += 1
                continue
            if token.is_punct:
                continue
            if "'" in token.text or "’" in token.text or token.is_alpha:  # "n't", "'s" stay whole
                result.append(Token(token.text, self.normalise(token.text), clause, token.idx))
                continue
            result += [
                Token(piece.group(), self.normalise(piece.group()), clause, token.idx + piece.start())
                for piece in _PIECES.finditer(token.text)
            ]
        return result

    def is_english(self, word: str, jargon: frozenset[str]) -> bool:
        """An English word, or one of the question's own terms ("sklearn", "relu")."""
        return word.lower() in jargon or self.normalise(word) in self.english


@lru_cache(maxsize=1)
def language() -> Language:
    return Language()


@lru_cache(maxsize=8192)
def phrase_words(phrase: str) -> tuple[str, ...]:
    """A rubric phrase as normal forms, function words dropped unless nothing else is left
    (a capital "I" stays: in "Type I" it is a numeral)."""
    tokens = [t for t in language().tokens(phrase) if t.norm not in CLAUSE_BREAKS]
    content = [t.norm for t in tokens if t.norm not in FUNCTION_WORDS or t.text.isupper()]
    return tuple(content or [t.norm for t in tokens])


@dataclass(frozen=True)
class Found:
    """Where a phrase stands in the answer, and whether a negation governs it."""

    start: int
    end: int
    negated: bool


class Answer:
    """An answer prepared for matching: its tokens and, per normal form, where it occurs."""

    def __init__(self, text: str, language_: Language, jargon: frozenset[str]) -> None:
        self.language = language_
        self.jargon = jargon
        self.source = text
        self.tokens = language_.tokens(text)
        self.positions: dict[str, list[int]] = {}
        for index, token in enumerate(self.tokens):
            self.positions.setdefault(token.norm, []).append(index)
        self.unknown = [
            (index, token.norm)
            for index, token in enumerate(self.tokens)
            if token.norm.isalpha() and not language_.is_english(token.text, jargon)
        ]
        self.negations = frozenset(i for i in range(len(self.tokens)) if self._negates(i))
        self._where: dict[str, tuple[int, ...]] = {}

    def where(self, word: str) -> tuple[int, ...]:
        """Positions of a phrase word: exact normal form, or a misspelling of it. Remembered
        per word: every key point's phrases, misconceptions and reversals ask for the same
        words, and the typo scan is the costly part."""
        found = self._where.get(word)
        if found is None:
            limit = typo_limit(word)
            typos = [i for i, norm in self.unknown if edit_distance(norm, word, limit) <= limit] if limit else []
            found = self._where[word] = (*self.positions.get(word, ()), *typos)
        return found

    def find(self, words: tuple[str, ...], accept: Callable[[int], bool] | None = None) -> Found | None:
        """The first span holding all the words close together, in any order, within one
        sentence, starting where `accept` allows; a span that is not negated is preferred."""
        spans = [(i, i) for i in self.where("".join(words))] if len(words) > 1 else []
        spans += _windows([self.where(word) for word in words], len(words) - 1 + PHRASE_SLACK)
        first: Found | None = None
        width = len(words) - 1 + PHRASE_SLACK
        for start, end in sorted(spans):
            stop = self._end_holding_repeats(words, start, end, start + width)
            if stop is None or self._break_inside(start, stop, SENTENCE_BREAKS) or (accept and not accept(start)):
                continue
            found = Found(start, stop, self.negated(start, stop) and not self._negation_in(words))
            if not found.negated:
                return found
            first = first or found
        return first

    def _end_holding_repeats(self, words: tuple[str, ...], start: int, end: int, limit: int) -> int | None:
        """A word the phrase repeats ("first in first out", "one by one") must stand as often
        in the span: the span's end, moved on as far as `limit` if need be, or None."""
        repeated = {w for w in words if words.count(w) > 1}
        for stop in range(end, min(limit, len(self.tokens) - 1) + 1):
            if all(sum(1 for i in range(start, stop + 1) if self.tokens[i].norm == w) >= words.count(w)
                   for w in repeated):
                return stop
        return None

    @staticmethod
    def _negation_in(words: tuple[str, ...]) -> bool:
        """A phrase that states a negative ("can't be changed") is not negated by its own word."""
        return any(w in NEGATIONS for w in words)

    def find_in_order(self, words: tuple[str, ...]) -> Found | None:
        """The words in this order, close together inside one clause, with no negation
        before or among them, and at most ORDERED_EXTRA_WORDS other content words among
        them: "rank is the number of rows" is not found in "rank is the number of linearly
        independent rows"."""
        for start in self.where(words[0]) if words else ():
            index, ok = start, True
            for word in words[1:]:
                following = [p for p in self.where(word) if index < p <= index + 1 + PHRASE_SLACK]
                if not following:
                    ok = False
                    break
                index = following[0]
            extra = sum(1 for t in self.tokens[start:index + 1] if t.norm not in FUNCTION_WORDS and t.norm not in words)
            if ok and extra <= ORDERED_EXTRA_WORDS and not self._break_inside(start, index, CLAUSE_BREAKS) and (
                self._negation_in(words) or not self.negated(start, index)
            ):
                return Found(start, index, False)
        return None

    def clause_texts(self) -> dict[int, str]:
        """Each clause as the candidate typed it, by clause number."""
        bounds: dict[int, tuple[int, int]] = {}
        for index, token in enumerate(self.tokens):
            first, _ = bounds.get(token.clause, (index, index))
            bounds[token.clause] = (first, index)
        return {clause: self.text(first, last) for clause, (first, last) in bounds.items()}

    def text(self, start: int, end: int) -> str:
        """The candidate's own words from token `start` to token `end`, as typed."""
        last = self.tokens[end]
        return self.source[self.tokens[start].offset : last.offset + len(last.text)]

    def _break_inside(self, start: int, end: int, breaks: frozenset[str]) -> bool:
        return any(self.tokens[i].norm in breaks for i in range(start, end + 1))

    def _negates(self, index: int) -> bool:
        """Whether the token is a negation: "not", "n't", "never"... but not "not only" or
        "whether or not"."""
        if self.tokens[index].norm not in NEGATIONS:
            return False
        if index and self.tokens[index - 1].norm == "or":
            return False
        following = self.tokens[index + 1].norm if index + 1 < len(self.tokens) else ""
        return following not in NOT_NEGATING_NEXT

    def negated(self, start: int, end: int | None = None) -> bool:
        """Whether a negation stands inside the span or up to NEGATION_REACH words before
        it in the same clause."""
        for index in range(start - 1, max(-1, start - 1 - NEGATION_REACH), -1):
            if self.tokens[index].norm in CLAUSE_BREAKS:
                break
            if index in self.negations:
                return True
        return any(i in self.negations for i in range(start, (start if end is None else end) + 1))


def _windows(positions: list[tuple[int, ...]], width: int) -> list[tuple[int, int]]:
    """Every shortest span (at most `width` apart) holding a position of each word: a
    sliding window over all positions in order, linear in the answer's length."""
    if not all(positions):
        return []
    events = sorted((position, word) for word, found in enumerate(positions) for position in found)
    counts = [0] * len(positions)
    missing, left, spans = len(positions), 0, []
    for position, word in events:
        counts[word] += 1
        missing -= counts[word] == 1
        while missing == 0:
            start, first = events[left]
            if position - start <= width:
                spans.append((start, position))
            counts[first] -= 1
            missing += counts[first] == 0
            left += 1
    return spans


@lru_cache(maxsize=1024)
def _prompt_words(prompt: str) -> frozenset[str]:
    return frozenset(t.norm for t in language().tokens(prompt))


def answer_problem(answer: Answer, prompt: str, text: str) -> str | None:
    """Why the answer cannot be scored on its merits, if it cannot."""
    lang = answer.language
    words = [t for t in answer.tokens if _WORD.search(t.text)]
    if not words:
        return "empty"
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, "")) < len(letters) / 2:
        return "language"
    content = {t.norm for t in words if t.norm not in lang.stop_words}
    if len(content) <= 1:
        return "one_word"
    english = sum(1 for t in words if lang.is_english(t.text, answer.jargon) or t.text.isdigit())
    if english < len(words) * ENGLISH_SHARE:
        foreign = sum(1 for t in words if t.text.lower() in lang.foreign_stop_words)
        return "language" if foreign >= 2 else "gibberish"
    asked = _prompt_words(prompt)
    if sum(1 for word in content if word in asked) >= COPY_SHARE * len(content):
        return "copy"
    return None
