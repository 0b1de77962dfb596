from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews and conferences"

    def ready(self):
        from . import receivers  # noqa: F401
