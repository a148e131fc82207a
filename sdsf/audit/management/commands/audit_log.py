"""``sdsf audit_log [--departement CODE ...] [--no-territory] [--since DATE] [--limit N]``: the
operator's reading of the audit log, every département included.

Administrators read the events of their départements on the audit page; the events without
territory (written before territories were stored, failed logins for no account, purge runs)
are read here only.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from sdsf.audit.models import AuditEvent

MAX_LIMIT = 10_000


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Date invalide : {value!r} (attendu AAAA-MM-JJ).") from error


class Command(BaseCommand):
    help = "Affiche le journal d'audit (exploitant), filtré par département ou sans territoire."

    def add_arguments(self, parser):
        parser.add_argument(
            "--departement", action="append", default=[], help="Code du département (répétable)."
        )
        parser.add_argument(
            "--no-territory", action="store_true", help="Seulement les événements sans territoire."
        )
        parser.add_argument("--since", type=_date, help="Depuis cette date (AAAA-MM-JJ).")
        parser.add_argument("--limit", type=int, default=100, help="Nombre maximal d'événements.")

    def handle(self, *args, **options):
        if not 1 <= options["limit"] <= MAX_LIMIT:
            raise CommandError(f"--limit doit être entre 1 et {MAX_LIMIT}.")
        if options["departement"] and options["no_territory"]:
            raise CommandError("--departement et --no-territory s'excluent.")
        events = AuditEvent.objects.all()
        if options["departement"]:
            events = events.concerning(options["departement"])
        if options["no_territory"]:
            events = events.without_territory()
        if options["since"]:
            events = events.filter(at__date__gte=options["since"])
        rows = list(events.prefetch_related("departements")[: options["limit"]])
        for e in rows:
            places = ",".join(sorted(d.departement for d in e.departements.all())) or "-"
            self.stdout.write(
                "\t".join(
                    [
                        f"{e.at:%Y-%m-%d %H:%M:%S}",
                        e.user_email or "-",
                        e.action,
                        f"{e.object_type} {e.object_id}".strip() or "-",
                        e.ip or "-",
                        places,
                        e.detail,
                    ]
                )
            )
