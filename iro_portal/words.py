"""Small rules of English the messages share."""


def with_article(phrase):
    """'an amber rating', 'a red rating', 'an initial child protection conference'."""
    return f"{'an' if phrase[:1].lower() in 'aeio' else 'a'} {phrase}"
