"""Practice: drill rules and FSRS scheduling, drill sessions, progress and weak areas, and the
wording of everything a candidate reads."""
