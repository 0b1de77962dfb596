"""How the apps depend on each other, read from their imports (module-level, inside functions and
under TYPE_CHECKING): iro_portal is the library and project setup every app builds on and imports
no app, no app imports the demo package, and otherwise an app imports only the apps below it in
LAYERS, so no two apps import each other. Where a lower app needs a higher one to act, the higher
one registers with it from its AppConfig.ready() (audit.registry) or receives its signal
(children.signals)."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. The audit log is written by every app; caseloads shows a child with what reviews,
# oversight and escalations each hold about them; demo builds on all of them.
LAYERS = (
    "iro_portal",
    "audit",
    "accounts",
    "staffing",
    "children",
    "outcomes",
    "notifications",
    "reviews",
    "oversight",
    "escalations",
    "consultations",
    "caseloads",
    "reporting",
    "ssda903",
    "operations",
    "demo",
)


def local_apps():
    return [app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()]


def app_imports():
    """{(importing app, imported app): sorted "module:line" of each import}, across apps only."""
    apps = set(local_apps())
    found = {}
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    imported = name.partition(".")[0]
                    if imported in apps and imported != app:
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        found.setdefault((app, imported), []).append(where)
    return found


def test_every_app_has_a_layer():
    assert sorted(local_apps()) == sorted(LAYERS)


def test_no_app_imports_the_demo_package():
    importers = {pair: where for pair, where in app_imports().items() if pair[1] == "demo"}
    assert not importers


def test_iro_portal_imports_no_app():
    assert not {pair: where for pair, where in app_imports().items() if pair[0] == "iro_portal"}


def test_apps_import_only_the_layers_below_them():
    upward = {pair: where for pair, where in app_imports().items() if LAYERS.index(pair[0]) < LAYERS.index(pair[1])}
    assert upward == {}
