"""The channel-layer group names: the one place they are formed."""


def forum_group(forum_id: int) -> str:
    """The channel-layer group of a forum's live connections."""
    return f"forum.{forum_id}"
