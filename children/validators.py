from django.core.validators import RegexValidator

# SSDA903 CHILD is alphanumeric; authorities' own IDs add a few separators. Starting with a
# letter or digit also means no spreadsheet reads an ID as a formula (= + - @). Written for
# Python and PostgreSQL alike: the same pattern is the database's check (children.Child).
LOCAL_CHILD_ID_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9_./-]*\Z"
LOCAL_CHILD_ID_MESSAGE = (
    "A local child ID must be letters and digits, starting with one of them; "
    "it may also have - _ . or / (for example LA-0042)."
)

validate_local_child_id = RegexValidator(LOCAL_CHILD_ID_PATTERN, LOCAL_CHILD_ID_MESSAGE, code="invalid_local_child_id")
