"""The project's spaCy pipeline and the word vectors that the NLU and the scorer share."""
