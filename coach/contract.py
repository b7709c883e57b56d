"""The intent and entity names that the actions and the Telegram channel share, the custom
payload the channel acts on, and the payload format that makes Rasa take an intent without
running the NLU (buttons, commands)."""
from __future__ import annotations

import json

GREET_INTENT = "greet"
HELP_INTENT = "help"
DRILL_INTENT = "start_drill"
RESUME_INTENT = "resume_drill"
PROGRESS_INTENT = "show_progress"
EXPORT_INTENT = "export_data"
DELETE_INTENT = "delete_data"
SKILL_ENTITY = "skill"
# The custom payload that tells a channel to drop its own state of a person whose data was deleted.
DATA_DELETED = "data_deleted"


def intent_payload(intent: str, **entities: str) -> str:
    """A payload that Rasa takes as this intent and entities, without running NLU."""
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"
