"""gunicorn's settings, read from the working directory (/app in the image) whatever the command.

The access log leaves out the query string and the referring page: either can carry a search for
a child's name. It keeps the address, time, method, path, status, size and user agent."""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
