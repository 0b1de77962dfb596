"""The README works from any clone: what it links to is in the repository, and its settings table
names the settings a newcomer running the app on another port needs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_file_the_readme_links_to_is_in_the_repository():
    targets = [target for target in re.findall(r"\]\(([^)\s]+)\)", README) if "://" not in target]
    assert "docs/DESIGN.md" in targets
    for target in targets:
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"README links to {target}, which is not in the repository"


def test_the_readme_names_no_file_outside_the_repository():
    assert not re.search(r"\.\./\w", README), re.findall(r"\S*\.\./\S*", README)


def test_the_settings_table_has_the_port_and_the_address_reminders_link_to():
    rows = {match.group(1): match.group(0) for match in re.finditer(r"^\| `([A-Z_]+)`.*$", README, re.MULTILINE)}
    assert "PORT" in rows and "SITE_URL" in rows
    assert "PORT" in rows["SITE_URL"], "The SITE_URL row does not say its default follows PORT"


def test_the_design_notes_describe_the_rules_the_code_cites():
    design = (ROOT / "docs" / "DESIGN.md").read_text()
    for heading in (
        "## 1. Roles",
        "## 2. Architecture",
        "## 3. Statutory and local rules",
        "## 4. The annual IRO report",
    ):
        assert heading in design
