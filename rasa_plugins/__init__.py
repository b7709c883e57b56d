"""Code that runs inside the Rasa server: its REST channel with all-or-nothing turns, a tracker
store that forgets on request, and the checked patches to Rasa's custom-action calls."""
