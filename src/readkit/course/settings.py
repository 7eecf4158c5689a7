"""Course settings (readkit.toml at the course root)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    """show_key: feedback also gives the key's labels and rationales (off by default, so that
    the assessment can be reused)."""

    show_key: bool = False


def parse_settings(data: Mapping[str, Any]) -> Settings:
    """Settings from parsed TOML; raises ValueError on a wrong shape or value."""
    feedback = data.get("feedback", {})
    if not isinstance(feedback, Mapping):
        raise ValueError("[feedback] must be a table")
    show_key = feedback.get("show_key", False)
    if not isinstance(show_key, bool):
        raise ValueError(f"[feedback] show_key must be true or false, not {show_key!r}")
    return Settings(show_key=show_key)
