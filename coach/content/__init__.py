"""The content: the catalogue of FAQ topics and skills, the question bank and the FAQ answers,
loaded and validated (an error names the file and the entry)."""
