"""The scorer of free-text answers: what each rubric point asks for, how an answer says it
(words and meaning), and the figures that calibrate it."""
