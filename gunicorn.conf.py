"""gunicorn's settings, read from the working directory (/app in the image) whatever the command.

The access log leaves out the query string and the referring page: either can carry a search for
a child's name. It keeps the address, time, method, path, status, size and user agent; a
consultation link's path has [code] in place of its code, which opens the form to whoever has it
(iro_portal.logging does the same for the application's log; this file imports nothing of the
application).

Each worker freezes what it has made by the time it has loaded the application (post_worker_init):
Python's collector otherwise walks those objects, hundreds of thousands made once, in each of its
slowest passes, a pause of about 50 ms in one request of four on the annual report page; with a
higher first threshold those passes come seldom (measured in bench/RESULTS.md, section 2b)."""

import gc
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


COLLECTOR_THRESHOLDS = (10_000, 10, 10)
"""Python's are (700, 10, 10): a request of the annual report page allocates more than that."""


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
