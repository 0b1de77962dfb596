"""The API's JSON parser: DRF's, with the limits a form post has. DRF reads the body as a stream,
so Django's DATA_UPLOAD_MAX_MEMORY_SIZE would not apply to it; and a body nested deeper than
Python can decode raised RecursionError, a 500. Both are the caller's error: a 400."""

import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise ParseError(f"The request body is larger than {limit:,} bytes, the most the API accepts.")
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the data is nested too deeply.") from None
