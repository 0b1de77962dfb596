from django.utils.cache import add_never_cache_headers


class NeverCacheMiddleware:
    """Every response the application makes (pages, the API, CSV, PDF and ZIP downloads) says
    `Cache-Control: no-store`: nearly all carry a child's data or need sign-in, and none should be
    kept by a browser or proxy after the person has gone. Static files are served by WhiteNoise
    before this middleware, so they stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
