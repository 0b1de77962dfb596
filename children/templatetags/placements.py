"""Where a placement is, as pages show it."""

from django import template

from children.placement_location import authority_name

register = template.Library()


@register.filter
def placement_authority(code: str) -> str:
    """A PL_LA code by the authority's name (the ONS list's), with the code after it."""
    return f"{authority_name(code)} ({code})" if code else ""
