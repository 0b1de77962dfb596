"""gunicorn's settings, read from the working directory (/app in the image) whatever the command.

The access log leaves out the query string and the referring page: either can carry a search for
a child's name. It keeps the address, time, method, path, status, size and user agent; a
consultation link's path has [code] in place of its code, which opens the form to whoever has it
(iro_portal.logging does the same for the application's log; this file imports nothing of the
application)."""

import re

from gunicorn.glogging import Logger

LINK_CODE = re.compile(r"(/have-your-say/)[^/?#]+")

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


class AccessLogWithoutLinkCodes(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = LINK_CODE.sub(r"\1[code]", atoms["U"])
        return atoms


logger_class = AccessLogWithoutLinkCodes
