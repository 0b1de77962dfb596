"""Following a list's Previous and Next links (iro_portal.keyset), as a person clicking them does."""

import html
import re


def link(content, rel):
    """The href of the page's rel="next" or rel="prev" link, as a browser reads it, or None."""
    found = re.search(rf'href="([^"]*)" rel="{rel}"', content)
    return html.unescape(found.group(1)) if found else None


def label(content, rel):
    """What the link's label says its page shows ("51 to 100 of 3,000")."""
    found = re.search(
        rf'rel="{rel}">.*?<span class="govuk-pagination__link-label">([^<]+)</span>', content, flags=re.DOTALL
    )
    return found.group(1) if found else None


def follow(client, url, content, rel="next"):
    """The page the link opens: `url` is the list's address, the link keeps its query string."""
    return client.get(url.split("?")[0] + link(content, rel)).content.decode()


def every_page(client, url, params=None, rel="next"):
    """Every page from the one `url` opens on, following the links one way: their contents."""
    found = [client.get(url, params or {}).content.decode()]
    while link(found[-1], rel):
        found.append(follow(client, url, found[-1], rel))
    return found
