"""A logging filter that keeps personal data out of the log.

Records about children reach the log in three ways, each closed here: a URL's query string (a
search for a child's name), an exception's message (a database error quotes the row it refused,
an application error may name the child) and the request object Django attaches to its records
(its repr and POST data). What is left still says what failed and where: the path, the status,
the exception's type and the traceback's files, lines and functions.
"""

import logging
import re
import traceback

QUERY_STRING = re.compile(r"(/[^\s?#\"']*)\?[^\s\"']*")


# A consultation link's code is in its path (/have-your-say/<code>/) and opens the form to
# whoever has it: the log keeps that a link was used, never which.
LINK_CODE = re.compile(r"(/have-your-say/)[^/\s?#\"']+")


def without_query_strings(text):
    return LINK_CODE.sub(r"\1[code]", QUERY_STRING.sub(r"\1", text))


def traceback_without_messages(exc_info):
    """The traceback of an exception and of those that led to it: files, lines, functions and
    exception types, but no messages."""
    _, exception, _ = exc_info
    parts = []
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        frames = "".join(
            f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
            for frame in traceback.extract_tb(exception.__traceback__)
        )
        exception_type = f"{type(exception).__module__}.{type(exception).__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{frames}{exception_type} (message not logged)")
        exception = exception.__cause__ or (None if exception.__suppress_context__ else exception.__context__)
    return "\n\nwhich led to\n\n".join(reversed(parts))


class NoPersonalData(logging.Filter):
    """Rewrite each record in place, before any handler formats it."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: the handler would print its arguments
            message = str(record.msg)
        record.msg = without_query_strings(message)
        record.args = None
        if hasattr(record, "request"):
            record.request = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = traceback_without_messages(record.exc_info)
            record.exc_info = None
        return True


class RefusalsInOneLine(logging.Filter):
    """A refusal (a 4xx response: a page the person's role may not see, a form posted without its
    CSRF cookie, too many requests) is an ordinary event, not a fault: the line saying what and
    where is enough, and a traceback would send whoever reads the log looking for a bug."""

    def filter(self, record):
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
