"""The API's JSON parser: DRF's, with a body nested deeper than Python can decode (which raised
RecursionError, a 500) answered as the caller's error: a 400. A body larger than a form post may
be (DATA_UPLOAD_MAX_MEMORY_SIZE) is refused before parsing, in iro_portal.api.exception_handler."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the data is nested too deeply.") from None
