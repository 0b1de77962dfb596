"""python manage.py import_903 --header H.csv --episodes E.csv [--reviews R.csv] [--uasc U.csv]
    [--oc2 F.csv] [--oc3 F.csv] [--ad1 F.csv] [--placed-adoption F.csv] [--prev-perm F.csv] [--missing F.csv]
    [--dry-run]

Imports an SSDA903 return through ssda903.importer.import_return (the same service as the
upload page). All or nothing: on any error it prints every error, writes them as a CSV next to
the Header file (or to --errors-out) and exits with status 1, having written nothing. It prints
what changes, with the children whose episodes in the portal the file replaces; --dry-run
prints the same before anything is written.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ssda903.files import COLUMN_ORDER, TABLE_LABELS
from ssda903.importer import OUTCOME_COUNTS, errors_csv, import_return

OUTCOME_OPTIONS = {
    "oc2": "oc2",
    "oc3": "oc3",
    "ad1": "ad1",
    "placed_adoption": "placed-adoption",
    "prev_perm": "prev-perm",
    "missing": "missing",
}
"""The command's option for each of the other tables of the return."""


class Command(BaseCommand):
    help = (
        "Import an SSDA903 (children looked after) return: Header, Episodes and optionally Reviews, UASC, OC2, OC3, "
        "AD1, PlacedAdoption, PrevPerm and Missing CSVs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--header", required=True, help="Header CSV (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB)")
        parser.add_argument("--episodes", required=True, help="Episodes CSV")
        parser.add_argument("--reviews", help="Reviews CSV (CHILD, DOB, REVIEW, REVIEW_CODE)")
        parser.add_argument("--uasc", help="UASC CSV (CHILD, SEX, DOB, DUC)")
        for table, option in OUTCOME_OPTIONS.items():
            parser.add_argument(
                f"--{option}", dest=table, help=f"{TABLE_LABELS[table]} CSV ({', '.join(COLUMN_ORDER[table])})"
            )
        parser.add_argument("--dry-run", action="store_true", help="Check the files and report; write nothing.")
        parser.add_argument("--errors-out", help="Where to write the errors CSV (default: next to the Header file).")
        parser.add_argument("--user", help="Username to record in the audit log as having imported the return.")

    def handle(self, *args, **options):
        tables = ("header", "episodes", "reviews", "uasc", *OUTCOME_OPTIONS)
        paths = [options[name] for name in tables if options.get(name)]
        files = {}
        for path in paths:
            path = Path(path)
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            key = path.name if path.name not in files else str(path)
            files[key] = path.read_bytes()
        by = None
        if options.get("user"):
            try:
                by = get_user_model().objects.get_by_natural_key(options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user called {options['user']}.") from None
        started = time.monotonic()
        last = {"stage": None, "at": 0.0}

        def progress(done, total, stage):
            now = time.monotonic()
            if stage != last["stage"] or done >= total or now - last["at"] >= 2:
                percent = 100 * done // total if total else 100
                self.stdout.write(f"[{now - started:6.1f}s] {stage}: {done}/{total} ({percent}%)")
                last.update(stage=stage, at=now)

        result = import_return(files, by=by, dry_run=options["dry_run"], progress=progress)
        if result.errors:
            for error in result.errors:
                where = f"{error.file}" + (f" row {error.row}" if error.row else "")
                detail = ", ".join(
                    part
                    for part in (
                        f"CHILD {error.child}" if error.child else "",
                        f"{error.column}" if error.column else "",
                        f"value {error.value!r}" if error.value else "",
                    )
                    if part
                )
                self.stderr.write(f"{where}: {detail + ': ' if detail else ''}{error.message}")
            out = (
                Path(options["errors_out"])
                if options.get("errors_out")
                else (Path(options["header"]).resolve().parent / "import_903_errors.csv")
            )
            out.write_text(errors_csv(result.errors), encoding="utf-8")
            raise CommandError(
                f"{len(result.errors)} error{'s' if len(result.errors) != 1 else ''} found; nothing was imported. "
                f"The errors are listed above and in {out}."
            )
        verb = "Would import" if result.dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.children_in_file} children in {time.monotonic() - started:.1f}s: "
                f"{result.children_created} new, {result.children_updated} updated, {result.unchanged_children} unchanged; "
                f"{result.episodes} episodes written ({result.episodes_added} new, {result.episodes_removed} of the portal's "
                f"replaced), {result.reviews_added} held reviews added, "
                f"{result.next_reviews_scheduled} next reviews scheduled or moved."
                + (" Dry run: nothing was written." if result.dry_run else "")
            )
        )
        outcome_counts = {name: getattr(result, name) for name in OUTCOME_COUNTS if getattr(result, name)}
        if outcome_counts:
            self.stdout.write(
                "Other tables, records new or changed (removed: the portal's replaced): "
                + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in outcome_counts.items())
                + "."
            )
        if result.children_episodes_replaced:
            replaced = result.children_episodes_replaced
            self.stdout.write(
                f"The file {'replaces' if result.dry_run else 'replaced'} the portal's episodes of {len(replaced)} "
                "children from their first episode in the file to 31 March (earlier and later ones kept). "
                "CHILD: new from the file, replaced, kept:"
            )
            for local_id, added, removed, kept in replaced[:50]:
                self.stdout.write(f"  {local_id}: {added}, {removed}, {kept}")
            if len(replaced) > 50:
                self.stdout.write(f"  ... and {len(replaced) - 50} more.")
        if result.next_reviews_estimated:
            estimated = result.next_reviews_estimated
            self.stdout.write(
                f"The next review date of {len(estimated)} children is an estimate: the return holds none of their "
                "earlier reviews (only the collection year's, and none for short breaks), so it assumes each was "
                f"held on time. Check them: {', '.join(estimated[:50])}" + (", ..." if len(estimated) > 50 else ".")
            )
