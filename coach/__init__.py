"""The coaching core: content, grading, drills and scheduling, progress, wording, storage and
settings, in plain Python. It imports neither Rasa nor Telegram; the Rasa actions
(actions/) and the Telegram channel (bot/) are thin adapters over it, and tests call it
directly."""
