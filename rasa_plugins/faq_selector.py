"""The ResponseSelector, run only on messages DIET classified as an FAQ question.

Rasa runs the ResponseSelector on every message, and it was the costliest step of the NLU
at prediction time (7 ms of about 25 per message on the 2-core machine, 2026-12-02, as
much as DIET). Its ranking of FAQ topics is read only when DIET's intent is the retrieval
intent: by Rasa's retrieval action, by coach/content/faq.py (`decide`, for `faq` or for a
fallback whose best intent is `faq`, which is DIET's top intent) and by
rasa_plugins/faq_similarity.py (the same condition). Most messages are drill answers,
drill requests and progress requests, so this subclass skips them: same training, same
model, the same predictions for FAQ questions, and no `response_selector` entry for the
rest. Rasa's `rasa test nlu` expects one for every FAQ example, so bench/nlu_crossval.py
cross-validates with the plain ResponseSelector, which this one trains exactly like.
"""
from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqOnlyResponseSelector(ResponseSelector):
    """Selects an FAQ topic for the messages whose intent is the retrieval intent only."""

    def process(self, messages: list[Message]) -> list[Message]:
        asked = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent]
        if asked:
            super().process(asked)
        return messages
