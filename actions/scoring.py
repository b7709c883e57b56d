"""Scoring a candidate's free-text answer against an open question's rubric.

How an answer is scored, deterministically:
1. Degenerate answers score 0 with advice: empty, a single word, a copy of the question,
   gibberish (most words are not English words), or another language (non-Latin script,
   or mostly another language's function words).
2. The answer is tokenised with the project's spaCy pipeline and every word is reduced to
   a normal form: lowercase, British spellings mapped to American ones, then the lemma
   from the pipeline's lookup table ("optimised" and "optimizing" both become "optimize").
   Rubric phrases get the same treatment; their stop words are dropped, so a phrase is a
   small bag of content words.
3. A phrase is found when all its words occur within a short window of one sentence of
   the answer, in any order. A word also matches a misspelt answer word (one edit for words of 5+ letters,
   two for 9+) when the answer word is not itself an English word, and a run of phrase
   words matches the same words written together ("k-fold" and "kfold").
4. A match preceded closely by a negation in the same clause ("not", "n't", "no",
   "never", "without"...) does not count; "not only" and "or not" are not negations.
5. A concept is covered when any of its phrases is found; the score is the covered share
   of the rubric's weights, 0-100.

Authors calibrate rubrics with:
    python -m actions.scoring --question ID --answer TEXT
    python -m actions.scoring --jsonl FILE      (one {"question", "answer"} object per line)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from actions.question_bank import QUESTIONS_DIR, OpenQuestion, load_skill_file

# Only this much of an answer is read: more than a chat message holds, enough for any
# interview answer, and it keeps scoring time bounded.
MAX_ANSWER_CHARS = 4096
# How many extra words a phrase's words may be spread over, beyond the phrase's length.
PHRASE_SLACK = 3
# How many words before a match a negation still applies to.
NEGATION_REACH = 3
NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor", "nothing", "none"})
NOT_NEGATING_NEXT = frozenset({"only", "just", "merely", "simply"})
# A phrase's words must be in one sentence; a negation reaches to the end of its clause.
SENTENCE_BREAKS = frozenset({".", ";", ":", "!", "?"})
CLAUSE_BREAKS = SENTENCE_BREAKS | {",", "but", "although", "however", "whereas", "while"}
# Answers whose content words are at least this much the question's own are copies.
COPY_SHARE = 0.8
# Answers with less than this share of English words are gibberish or another language.
ENGLISH_SHARE = 0.5
OTHER_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")
# Words a rubric phrase may contain that carry no meaning of their own (as normal forms).
# Narrower than spaCy's stop words, which include meaningful words such as "same" or "less".
FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for from with into onto as than then and or so be it its "
    "this that these those they them their there which who whom what how do have will would "
    "should could can may might must you your we our i my me".split()
)

_BRITISH = ((re.compile(r"isation"), "ization"), (re.compile(r"is(e|ed|es|ing|er|ers)$"), r"iz\1"),
            (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"), (re.compile(r"our$"), "or"),
            (re.compile(r"tre$"), "ter"))
_WORD = re.compile(r"\w", re.UNICODE)

ADVICE = {
    "empty": "I didn't get an answer. Write a few sentences, or say \"hint\" or \"skip\".",
    "one_word": "One word can't show what you know. Explain it in two or three sentences, "
    "as you would to an interviewer.",
    "copy": "That repeats the question. Answer it in your own words: what it is, why it "
    "matters, an example.",
    "gibberish": "I couldn't read that as an answer. Try again in plain sentences, or say "
    "\"hint\".",
    "language": "I can only score answers in English. Please answer in English.",
}


@dataclass(frozen=True)
class Score:
    """The result for one answer: 0-100, the rubric concepts covered and missed, and for a
    degenerate answer what was wrong with it and what to do instead."""

    score: int
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    problem: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # concept -> words that matched

    @property
    def advice(self) -> str | None:
        return ADVICE.get(self.problem) if self.problem else None

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "problem": self.problem,
            "advice": self.advice,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class _Token:
    text: str
    norm: str  # spelling-normalised lemma


class _Language:
    """The spaCy tokenizer, lemma table and word lists the scorer needs, loaded once."""

    def __init__(self) -> None:
        from actions.language import pipeline  # spaCy import is slow; only when scoring

        self.nlp = pipeline()
        # The table maps inflected forms (keyed by hash, so look up with .get) to lemmas.
        self.lemmas = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self.stop_words = frozenset(self.nlp.Defaults.stop_words) | {"n't", "'s", "'re", "'ve", "'m", "'ll", "'d"}
        self.english = frozenset(self.lemmas.values()) | self.stop_words
        self.foreign_stop_words = self._foreign_stop_words()

    def _foreign_stop_words(self) -> frozenset[str]:
        import importlib

        words: set[str] = set()
        for code in OTHER_LANGUAGES:
            words |= importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
        return frozenset(w for w in words if w not in self.english and len(w) > 1)

    def normalise(self, word: str) -> str:
        word = word.lower().replace("’", "'")
        for pattern, replacement in _BRITISH:
            word = pattern.sub(replacement, word)
        lemma = self.lemmas.get(word, word)
        return self.lemmas.get(lemma, lemma)  # "encodings" -> "encoding" -> "encode"

    def tokens(self, text: str) -> list[_Token]:
        """Words and clause punctuation of the text; hyphens and other symbols dropped."""
        result = []
        for token in self.nlp.make_doc(text):
            if token.is_space or (token.is_punct and token.text not in CLAUSE_BREAKS):
                continue
            result.append(_Token(token.text, self.normalise(token.text)))
        return result

    def is_english(self, word: str, jargon: frozenset[str]) -> bool:
        """An English word, or one of the question's own terms ("sklearn", "relu")."""
        return word.lower() in jargon or self.normalise(word) in self.english


@lru_cache(maxsize=1024)
def _jargon(question: OpenQuestion) -> frozenset[str]:
    """The words of a question's own texts, which count as English in its answers."""
    texts = [question.prompt, question.model_answer, question.hint]
    texts += [phrase for concept in question.rubric for phrase in concept.phrases]
    return frozenset(re.findall(r"\w+", " ".join(texts).lower()))


@lru_cache(maxsize=1)
def _language() -> _Language:
    return _Language()


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (swaps count once), stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _typo_limit(word: str) -> int:
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


class _Answer:
    """An answer prepared for matching: its tokens and, per normal form, where it occurs."""

    def __init__(self, text: str, language: _Language, jargon: frozenset[str]) -> None:
        self.language = language
        self.jargon = jargon
        self.tokens = language.tokens(text)
        self.positions: dict[str, list[int]] = {}
        for index, token in enumerate(self.tokens):
            self.positions.setdefault(token.norm, []).append(index)
        self.unknown = [
            (index, token.norm)
            for index, token in enumerate(self.tokens)
            if token.norm.isalpha() and not language.is_english(token.text, jargon)
        ]

    def where(self, word: str) -> list[int]:
        """Positions of a phrase word: exact normal form, or a misspelling of it."""
        found = list(self.positions.get(word, ()))
        limit = _typo_limit(word)
        if limit:
            found += [i for i, norm in self.unknown if _edit_distance(norm, word, limit) <= limit]
        return found

    def find(self, words: tuple[str, ...]) -> tuple[int, int] | None:
        """The first span holding all the words close together, in any order, not negated."""
        spans = [(i, i) for i in self.where("".join(words))] if len(words) > 1 else []
        spans += _windows([self.where(word) for word in words], len(words) - 1 + PHRASE_SLACK)
        for span in sorted(spans):
            if not self._sentence_break_inside(span) and not self._negated(span[0]):
                return span
        return None

    def _sentence_break_inside(self, span: tuple[int, int]) -> bool:
        return any(self.tokens[i].norm in SENTENCE_BREAKS for i in range(span[0], span[1] + 1))

    def _negated(self, start: int) -> bool:
        for index in range(start - 1, max(-1, start - 1 - NEGATION_REACH), -1):
            norm = self.tokens[index].norm
            if norm in CLAUSE_BREAKS:
                return False
            if norm in NEGATIONS and not (index and self.tokens[index - 1].norm == "or"):  # "whether or not"
                following = self.tokens[index + 1].norm if index + 1 < len(self.tokens) else ""
                return following not in NOT_NEGATING_NEXT
        return False


def _windows(positions: list[list[int]], width: int) -> list[tuple[int, int]]:
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


@lru_cache(maxsize=4096)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A rubric phrase as normal forms, function words dropped unless nothing else is left."""
    words = [t.norm for t in _language().tokens(phrase) if t.norm not in CLAUSE_BREAKS]
    content = [w for w in words if w not in FUNCTION_WORDS]
    return tuple(content or words)


def _problem(answer: _Answer, question: OpenQuestion, text: str) -> str | None:
    """Why the answer cannot be scored on its merits, if it cannot."""
    language = answer.language
    words = [t for t in answer.tokens if _WORD.search(t.text)]
    if not words:
        return "empty"
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, "")) < len(letters) / 2:
        return "language"
    content = {t.norm for t in words if t.norm not in language.stop_words}
    if len(content) <= 1:
        return "one_word"
    english = sum(1 for t in words if language.is_english(t.text, answer.jargon) or t.text.isdigit())
    if english < len(words) * ENGLISH_SHARE:
        foreign = sum(1 for t in words if t.text.lower() in language.foreign_stop_words)
        return "language" if foreign >= 2 else "gibberish"
    prompt = {t.norm for t in language.tokens(question.prompt)}
    if sum(1 for word in content if word in prompt) >= COPY_SHARE * len(content):
        return "copy"
    return None


def score_answer(question: OpenQuestion, text: str) -> Score:
    """Score a free-text answer to an open question (see the module docstring for how)."""
    text = (text or "")[:MAX_ANSWER_CHARS]
    answer = _Answer(text, _language(), _jargon(question))
    problem = _problem(answer, question, text)
    labels = tuple(concept.label for concept in question.rubric)
    if problem:
        return Score(0, (), labels, problem)
    covered, missed, evidence = [], [], {}
    for concept in question.rubric:
        span = next(
            (s for s in (answer.find(_phrase_words(p)) for p in concept.phrases) if s), None
        )
        if span:
            covered.append(concept)
            evidence[concept.label] = " ".join(t.text for t in answer.tokens[span[0] : span[1] + 1])
        else:
            missed.append(concept)
    total = sum(c.weight for c in question.rubric)
    score = round(100 * sum(c.weight for c in covered) / total)
    return Score(score, tuple(c.label for c in covered), tuple(c.label for c in missed), None, evidence)


def _find_question(question_id: str) -> OpenQuestion | None:
    """The question from its skill's file alone, so authors can calibrate a file in progress."""
    path = QUESTIONS_DIR / f"{question_id.partition('.')[0]}.yml"
    if not path.exists():
        return None
    from actions.content import catalogue

    found = [q for q in load_skill_file(path, catalogue(), set()) if q.id == question_id]
    return found[0] if found and isinstance(found[0], OpenQuestion) else None


def _score_line(question_id: str, answer: str) -> dict[str, object]:
    question = _find_question(question_id)
    if question is None:
        raise SystemExit(f"error: {question_id!r} is not an open question in the bank")
    return {"question": question_id, **score_answer(question, answer).as_dict()}


def main(argv: list[str] | None = None) -> int:
    """Print the score of one answer, or of each line of a JSONL file, as JSON."""
    parser = argparse.ArgumentParser(prog="python -m actions.scoring", description=__doc__.split("\n")[0])
    parser.add_argument("--question", help="question id, e.g. statistics.variance_vs_std")
    parser.add_argument("--answer", help="the answer text to score")
    parser.add_argument("--jsonl", help='file with one {"question": ..., "answer": ...} per line')
    args = parser.parse_args(argv)
    if args.jsonl:
        with open(args.jsonl, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    result = _score_line(item["question"], item["answer"])
                except (json.JSONDecodeError, KeyError, TypeError) as error:
                    raise SystemExit(f"error: {args.jsonl}:{number}: {error!r}") from None
                print(json.dumps(result, ensure_ascii=False))
        return 0
    if args.question is None or args.answer is None:
        parser.error("give --question and --answer, or --jsonl")
    print(json.dumps(_score_line(args.question, args.answer), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
