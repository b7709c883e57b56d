"""Reading an answer by meaning: word-vector embeddings of its stretches and of key points.

The semantic half of the scorer (coach/grading/scoring.py). A text's embedding is the sum of
its words' static vectors from the project's spaCy pipeline (wordllama token embeddings,
see coach/language/vectors.py); similarity is the cosine of two embeddings. An answer is cut
into stretches, so a short key point can be found inside a long answer: every clause, and
windows of WINDOW_SIZES words inside each sentence. Each stretch has a polarity: whether
a negation stands in it or shortly before it in its clause (Answer.negated), so that "can
be changed" is not taken for "can't be changed".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from spacy.strings import get_string_id

from coach.grading.matching import CLAUSE_BREAKS, NEGATIONS, SENTENCE_BREAKS, Answer, Language, Token, language

WINDOW_SIZES = (3, 5, 8, 12)
# Evidence longer than this many words is shown as the matching window, not its clause.
EVIDENCE_WORDS = 20


@dataclass(frozen=True)
class Probes:
    """Texts to look for, as unit vectors with their polarities."""

    vectors: npt.NDArray[np.float32]  # (n, width), unit rows
    negated: npt.NDArray[np.bool_]  # (n,)

    def without_near(self, others: Probes, cosine: float) -> Probes:
        """These probes less those at least `cosine` close to one of the others."""
        if not len(self.negated) or not len(others.negated):
            return self
        keep = (self.vectors @ others.vectors.T).max(axis=1) < cosine
        return Probes(self.vectors[keep], self.negated[keep])


class Segments:
    """An answer's stretches: unit vectors, polarities and token spans, plus the whole."""

    def __init__(self, answer: Answer, vectors: npt.NDArray[np.float32], negated: npt.NDArray[np.bool_],
                 spans: list[tuple[int, int]], whole: npt.NDArray[np.float32]) -> None:
        self.answer = answer
        self.vectors = vectors
        self.negated = negated
        self.spans = spans
        self.whole = whole

    def similarities(self, probes: Probes) -> npt.NDArray[np.float32]:
        """Cosine of every stretch (rows) with every probe (columns)."""
        return self.vectors @ probes.vectors.T if len(self.spans) else np.zeros((0, len(probes.negated)), np.float32)

    def best_match(self, sims: npt.NDArray[np.float32], negated: npt.NDArray[np.bool_],
                   rows: npt.NDArray[np.bool_] | None = None) -> tuple[float, float, str, str]:
        """Given the stretches' cosines with some probes and the probes' polarities: the best
        cosine of a stretch (among `rows`, if given) with the same polarity as a probe, and
        with the opposite polarity, with the candidate's words for each."""
        if not sims.size or (rows is not None and not rows.any()):
            return 0.0, 0.0, "", ""
        same_mask = self.negated[:, None] == negated[None, :]
        if rows is not None:
            sims = np.where(rows[:, None], sims, -1.0)
        same = np.where(same_mask, sims, -1.0)
        opposite = np.where(same_mask, -1.0, sims)
        best_same = np.unravel_index(int(np.argmax(same)), same.shape)
        best_opposite = np.unravel_index(int(np.argmax(opposite)), opposite.shape)
        return (
            max(0.0, float(same[best_same])),
            max(0.0, float(opposite[best_opposite])),
            self.words(int(best_same[0])) if same[best_same] > 0 else "",
            self.words(int(best_opposite[0])) if opposite[best_opposite] > 0 else "",
        )

    def word_recall(self, probes: tuple[tuple[str, ...], ...]) -> npt.NDArray[np.float32]:
        """For every stretch (rows) and probe (columns, as phrase words): the share of the
        probe's words that stand in the stretch."""
        recall = np.zeros((len(self.spans), len(probes)), np.float32)
        starts = np.array([start for start, _ in self.spans])
        ends = np.array([end for _, end in self.spans])
        for column, words in enumerate(probes):
            for word in words:
                where = np.array(self.answer.where(word))
                if where.size:
                    recall[:, column] += ((starts[:, None] <= where) & (where <= ends[:, None])).any(axis=1)
            recall[:, column] /= max(1, len(words))
        return recall

    def closer_to(self, wrong: Probes, explained: npt.NDArray[np.float32],
                  allowed: npt.NDArray[np.bool_] | None = None) -> tuple[float, float, str]:
        """The stretch closest to a wrong claim (with its polarity, and among the stretch and
        claim pairs `allowed`): that cosine, how well the stretch is `explained` otherwise
        (its best cosine to a right claim), and the candidate's words."""
        if not len(wrong.negated) or not len(self.spans):
            return 0.0, 0.0, ""
        keep = self.negated[:, None] == wrong.negated[None, :]
        if allowed is not None:
            keep &= allowed
        sims = np.where(keep, self.similarities(wrong), -1.0)
        if sims.max() <= 0:
            return 0.0, 0.0, ""
        row = int(np.argmax(sims.max(axis=1)))
        return float(sims[row].max()), float(explained[row]), self.words(row)

    def words(self, row: int) -> str:
        """The candidate's words for a stretch: its whole clause when that is short."""
        start, end = self.spans[row]
        tokens = self.answer.tokens
        clause = tokens[start].clause
        members = [i for i, t in enumerate(tokens) if t.clause == clause and t.norm not in CLAUSE_BREAKS]
        if members and len(members) <= EVIDENCE_WORDS:
            start, end = members[0], members[-1]
        return self.answer.text(start, end)


class TextVectors:
    """The pipeline's word vectors, looked up by lowercase word or its normal form."""

    def __init__(self, lang: Language) -> None:
        self.language = lang
        table = lang.nlp.vocab.vectors
        self.matrix = np.asarray(table.data)  # the pipeline's own array (float16), not a copy: rows are widened as read
        self.width = self.matrix.shape[1]
        self._key2row: dict[int, int] = table.key2row  # word hash -> row

    def has(self, word: str) -> bool:
        return get_string_id(word) in self._key2row

    def row(self, text: str, norm: str) -> int:
        """The vector row of the word (lowercased), else of its normal form, else -1."""
        found = self._key2row.get(get_string_id(text.lower()))
        return found if found is not None else self._key2row.get(get_string_id(norm), -1)

    def _sum(self, rows: list[int]) -> npt.NDArray[np.float32]:
        kept = [r for r in rows if r >= 0]
        return self.matrix[kept].astype(np.float32).sum(axis=0) if kept else np.zeros(self.width, dtype=np.float32)

    @staticmethod
    def _unit(vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    # There is one TextVectors per process (text_vectors()), so caching on `self` keeps nothing extra alive.
    @lru_cache(maxsize=8192)  # noqa: B019
    def text(self, text: str) -> npt.NDArray[np.float32]:
        """A text's unit embedding."""
        tokens = [t for t in self.language.tokens(text) if t.norm not in CLAUSE_BREAKS]
        return self._unit(self._sum([self.row(t.text, t.norm) for t in tokens]))

    @lru_cache(maxsize=8192)  # noqa: B019 - as for text()
    def probes(self, texts: tuple[str, ...]) -> Probes:
        vectors = np.stack([self.text(t) for t in texts]) if texts else np.zeros((0, self.width), np.float32)
        negated = np.array([any(t.norm in NEGATIONS for t in self.language.tokens(x)) for x in texts], dtype=bool)
        return Probes(vectors, negated)

    @staticmethod
    def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
        return float(a @ b)

    def segments(self, answer: Answer) -> Segments:
        """Clauses and word windows of the answer (see the module docstring)."""
        tokens = answer.tokens
        rows = np.array([self.row(t.text, t.norm) for t in tokens], dtype=np.int64)
        present = self.matrix[np.maximum(rows, 0)].astype(np.float32) * (rows >= 0)[:, None]
        cumulative = np.vstack([np.zeros((1, self.width), np.float32), np.cumsum(present, axis=0)])
        words = [i for i, t in enumerate(tokens) if t.norm not in CLAUSE_BREAKS]
        spans: set[tuple[int, int]] = set()
        for group in _groups(words, tokens, SENTENCE_BREAKS) + _groups(words, tokens, CLAUSE_BREAKS):
            spans.add((group[0], group[-1]))
            for size in WINDOW_SIZES:
                spans.update((group[i], group[i + size - 1]) for i in range(len(group) - size + 1))
        ordered = sorted(spans)
        vectors = np.array([cumulative[end + 1] - cumulative[start] for start, end in ordered], dtype=np.float32)
        if len(ordered):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        negated = np.array([answer.negated(s, e) for s, e in ordered], dtype=bool)
        return Segments(answer, vectors.reshape(len(ordered), self.width), negated, ordered,
                        self._unit(present.sum(axis=0)))


def _groups(words: list[int], tokens: list[Token], breaks: frozenset[str]) -> list[list[int]]:
    """The word positions split wherever a break token stands between them."""
    groups: list[list[int]] = []
    current: list[int] = []
    previous = -1
    for index in words:
        if current and any(tokens[i].norm in breaks for i in range(previous + 1, index)):
            groups.append(current)
            current = []
        current.append(index)
        previous = index
    if current:
        groups.append(current)
    return groups


@lru_cache(maxsize=1)
def text_vectors() -> TextVectors:
    return TextVectors(language())
