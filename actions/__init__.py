"""Rasa custom actions: thin adapters from the tracker to the coaching core (coach/)."""
