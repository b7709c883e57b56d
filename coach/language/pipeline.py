"""The project's spaCy pipeline: English tokenizer, lookup lemmas, word vectors and a skill
EntityRuler.

spaCy cannot download models here, so the pipeline is built from code and data: a blank
English pipeline, the lookup lemmatizer (tables from spacy-lookups-data, stored inside the
saved pipeline), static word vectors (coach/language/vectors.py) for a fixed vocabulary, and an
EntityRuler whose patterns come from content/catalogue.yml and content/skill_synonyms.yml.
The vocabulary is the VOCABULARY_SIZE most frequent English words (spacy-lookups-data's
word probabilities), every form in the lemma table, notation, and every word of the bank,
all lowercase: the scorer and the NLU read one and the same vectors. Rasa loads it through SpacyNLP by path. Rasa fingerprints a
spaCy model by that path only, so the folder name carries PIPELINE_VERSION: bump it when
what the pipeline does changes (not for new phrases, which do not affect training).

The ruler labels skill mentions `skill` (with the skill id as the span's ent_id) and role
phrases such as "ML engineer" `not_skill`, so that the shorter "ML" inside them is not
reported. The NLU reads skills with it through rasa_plugins/skill_extractor.py, typos
forgiven (coach/language/spelling.py).

`python -m tools.build language` (re)builds it; `make` runs it when an input changes.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import cast

import numpy as np
import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.pipeline.entityruler import PatternType
from spacy.vectors import Vectors

from coach.content.catalogue import CONTENT_DIR, ROOT, Catalogue, SkillPhrases, catalogue, load_skill_phrases
from coach.language.spelling import skill_spelling
from coach.language.vectors import TokenEmbeddings, token_embeddings

PIPELINE_NAME = "en_mle_interview"
PIPELINE_VERSION = "1.1.0"
VOCABULARY_SIZE = 50_000
# Content whose words always get vectors, whatever their frequency in general English.
VOCABULARY_SOURCES = (CONTENT_DIR / "questions", CONTENT_DIR / "catalogue.yml")
# Notation candidates type in answers ("λ", "σ²", "∂L/∂w"), which general word lists lack.
NOTATION_WORDS = tuple("αβγδεζηθικλμνξπρστυφχψωΣΔΘΛΠΦΨΩ²³√∑∏∂∇∞≤≥≠≈")
_VOCABULARY_WORD = re.compile(r"^[^\W_][\w'’+-]*$|^[^\x00-\x7f]$")
PIPELINE_DIR = ROOT / "build" / "spacy" / f"{PIPELINE_NAME}-{PIPELINE_VERSION}"

SKILL_LABEL = "skill"
NOT_SKILL_LABEL = "not_skill"


def plural(word: str) -> str:
    """A regular English plural, enough for the nouns that name skills ("CNNs", "queues")."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def surface_forms(phrase: str) -> list[str]:
    """The phrase and, when its last word is a plain noun not already plural, its plural
    (after a hyphen too: "p-values"); each also with its hyphens written as spaces ("k-means",
    "k means")."""
    forms = [phrase]
    last = re.search(r"(?:^|[ -])([a-z]{2,})$", phrase)
    if last and not last.group(1).endswith(("s", "ing")):
        forms.append(phrase[:last.start(1)] + plural(last.group(1)))
    return forms + [f.replace("-", " ") for f in forms if "-" in f and f.replace("-", " ") not in forms]


def ruler_patterns(phrases: SkillPhrases) -> list[PatternType]:
    """EntityRuler phrase patterns for every surface form of every phrase."""
    patterns: list[PatternType] = [
        {"label": SKILL_LABEL, "pattern": form, "id": skill_id}
        for skill_id, skill_phrases in phrases.by_skill.items()
        for phrase in skill_phrases
        for form in surface_forms(phrase)
    ]
    patterns += [
        {"label": NOT_SKILL_LABEL, "pattern": form}
        for phrase in phrases.not_skills
        for form in surface_forms(phrase)
    ]
    return patterns


def _lookup_data(table: str) -> object:
    """A spacy-lookups-data table as its raw JSON data, a word -> value mapping (spaCy's own
    Table keeps only hashes of the words)."""
    from spacy.util import load_language_data, registry

    return load_language_data(registry.lookups.get("en")[table])


def vocabulary(nlp: Language) -> list[str]:
    """The lowercase words that get vectors, in a fixed order (see the module docstring)."""
    probabilities = cast(dict[str, float], _lookup_data("lexeme_prob"))  # word -> log probability
    frequent = sorted(
        (w for w in probabilities if w == w.lower() and _VOCABULARY_WORD.match(w)),
        key=lambda w: (-probabilities[w], w),
    )[:VOCABULARY_SIZE]
    lemmas = cast(dict[str, str], _lookup_data("lemma_lookup"))  # inflected form -> lemma
    words = set(frequent) | {str(w).lower() for pair in lemmas.items() for w in pair} | set(NOTATION_WORDS)
    for source in VOCABULARY_SOURCES:
        for path in sorted(source.rglob("*.yml")) if source.is_dir() else [source]:
            words |= {t.lower_ for t in nlp.make_doc(path.read_text(encoding="utf-8"))}
    return sorted(w for w in words if _VOCABULARY_WORD.match(w))


def add_vectors(nlp: Language, embeddings: TokenEmbeddings) -> None:
    """Give every vocabulary word its static vector (see coach/language/vectors.py)."""
    words = vocabulary(nlp)
    for word in words:
        nlp.vocab.strings.add(word)
    nlp.vocab.vectors = Vectors(
        strings=nlp.vocab.strings, data=embeddings.word_vectors(words), keys=words,
        name=f"{PIPELINE_NAME}.wordllama_l2_supercat_256",
    )


def build_pipeline(phrases: SkillPhrases, embeddings: TokenEmbeddings) -> Language:
    """A fresh pipeline: tokenizer, lookup lemmatizer, word vectors, skill EntityRuler."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}))
    nlp.initialize()  # loads the lemma lookup tables into the pipeline
    add_vectors(nlp, embeddings)
    ruler.add_patterns(ruler_patterns(phrases))
    nlp.meta.update(
        {
            "name": PIPELINE_NAME.removeprefix("en_"),
            "version": PIPELINE_VERSION,
            "description": "Tokenizer, lookup lemmas, wordllama word vectors and skill "
            "EntityRuler for the ML-engineer interview assistant",
        }
    )
    return nlp


def build(catalogue_: Catalogue, output_dir: Path = PIPELINE_DIR) -> None:
    """Build and save the pipeline."""
    phrases = load_skill_phrases(catalogue_)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline(phrases, token_embeddings()).to_disk(output_dir)


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """The saved pipeline, loaded once per process (built first if it is missing), its word
    vectors held as float16: the coaching core reads them a few rows at a time, widened to
    float32 (coach/grading/semantic.py), so each action worker holds 45 MB instead of 90, and
    the scorer gives the same score to 1,509 of the 1,510 calibration answers (one point less
    to the last). Rasa's SpacyNLP loads the saved float32 vectors for the NLU."""
    if not (PIPELINE_DIR / "meta.json").exists():
        build(catalogue())
    nlp = spacy.load(PIPELINE_DIR)
    nlp.vocab.vectors.data = nlp.vocab.vectors.data.astype(np.float16)
    return nlp


def skill_ids_in(text: str) -> list[str]:
    """Skill ids mentioned in the text, in order of appearance, without repeats (typos in
    skill words forgiven: coach/language/spelling.py)."""
    found: list[str] = []
    for _, _, skill_id in skill_spelling(pipeline(), SKILL_LABEL).skills(text):
        if skill_id not in found:
            found.append(skill_id)
    return found
