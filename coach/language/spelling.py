"""Small typos: how far two words are apart, and skill names recovered from a misspelling.

The scorer forgives typos in rubric words (coach/grading/matching.py) and the NLU in skill
names ("quiz me on statistcs", "neural netwroks"): a word that is not English (not in the
pipeline's vector vocabulary) and is one edit from a skill-phrase word of 5+ letters, or two
from one of 9+, is read as that word when exactly one such word is closest.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # spaCy is slow to import; the scorer imports this module for edit_distance
    from spacy.language import Language
    from spacy.pipeline import EntityRuler


def edit_distance(a: str, b: str, limit: int) -> int:
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


def typo_limit(word: str) -> int:
    """How many edits a misspelling of the word may be away from it."""
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


class SkillSpelling:
    """Skill mentions in a text, typos in skill words forgiven (see the module docstring)."""

    def __init__(self, nlp: Language, skill_label: str) -> None:
        self.nlp = nlp
        self.label = skill_label
        self.ruler = cast("EntityRuler", nlp.get_pipe("entity_ruler"))
        self.words = sorted({
            token.lower_
            for pattern in self.ruler.patterns
            if pattern["label"] == skill_label and isinstance(pattern["pattern"], str)
            for token in nlp.make_doc(pattern["pattern"])
            if token.is_alpha and typo_limit(token.lower_)
        })
        self._known = nlp.vocab.vectors.key2row

    def _is_english(self, word: str) -> bool:
        from spacy.strings import get_string_id

        return get_string_id(word) in self._known

    def correction(self, word: str) -> str | None:
        """The one skill word closest to a misspelt word, if there is exactly one (or one word's
        singular and plural)."""
        word = word.lower()
        if not word.isalpha() or len(word) < 5 or self._is_english(word):
            return None
        best, closest = typo_limit(word) + 1, list[str]()
        for candidate in self.words:
            distance = edit_distance(word, candidate, typo_limit(candidate))
            if distance <= typo_limit(candidate) and distance <= best:
                closest = closest + [candidate] if distance == best else [candidate]
                best = distance
        # A word as near to a skill word's singular as to its plural ("structers": "structure",
        # "structures") is no less clear: both forms name the same skill.
        forms = {c for c in closest if not (c.endswith("s") and c[:-1] in closest)}
        return forms.pop() if len(forms) == 1 else None

    def skills(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, skill id) of each skill mention, by character offsets in `text`."""
        from spacy.tokens import Doc

        doc = self.nlp.make_doc(text)
        words = [self.correction(t.text) or t.text for t in doc]
        corrected = Doc(self.nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
        found = self.ruler(corrected)
        return [
            (doc[ent.start].idx, doc[ent.end - 1].idx + len(doc[ent.end - 1].text), ent.ent_id_)
            for ent in found.ents
            if ent.label_ == self.label
        ]


@lru_cache(maxsize=4)
def skill_spelling(nlp: Language, skill_label: str) -> SkillSpelling:
    return SkillSpelling(nlp, skill_label)
