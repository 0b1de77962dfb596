import django_filters

from accounts.models import Role, User

from .selectors import with_iro


class EscalationsFilter(django_filters.FilterSet):
    iro = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name"),
        method="filter_iro", label="IRO", empty_label="Any IRO",
    )

    def __init__(self, *args, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on

    def filter_iro(self, queryset, name, value):
        return with_iro(queryset, value, self.on)
