"""``sdsf create_admin --email E --departement D``: the first administrator of an installation.

Creates (or completes) the account with the administrator role over the département, for the
Département's institution (created if missing), records it in the audit log, and prints the
invitation link with which the person chooses a password (``SDSF_PUBLIC_URL``). Run again for
an account that has not chosen its password yet, it prints a fresh link.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from sdsf.accounts import invitations
from sdsf.accounts.models import Assignment, Institution, Role, User
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core.codes import normalise_departement_code
from sdsf.territories.models import Departement, Level


class Command(BaseCommand):
    help = "Crée le premier administrateur d'un département et affiche son lien d'invitation."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Adresse e-mail de l'administrateur.")
        parser.add_argument("--departement", required=True, help="Code du département (93, 2A…).")

    def handle(self, *args, **options):
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Adresse e-mail invalide : {email!r}.") from error
        code = normalise_departement_code(options["departement"])
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            raise CommandError(
                f"Département inconnu : {options['departement']!r} "
                "(importez d'abord les territoires : sdsf import_territories)."
            )
        with transaction.atomic():
            user, created = self._account(email, departement)
        if user.has_usable_password():
            self.stdout.write(
                f"{email} est administrateur du département {departement.name} ; ce compte a "
                "déjà un mot de passe (aucun lien d'invitation)."
            )
            return
        verb = "créé" if created else "complété"
        self.stdout.write(
            f"Compte {verb} : {email}, administrateur du département {departement.name}."
        )
        self.stdout.write("Lien pour choisir le mot de passe (à transmettre à la personne) :")
        self.stdout.write(invitations.link(user))

    def _account(self, email: str, departement: Departement) -> tuple[User, bool]:
        institution = Institution.objects.filter(
            kind=Institution.Kind.DEPARTEMENT,
            territory_level=Level.DEPARTEMENT,
            territory_code=departement.code,
        ).first() or Institution.objects.create(
            name=f"Département {departement.name}",
            kind=Institution.Kind.DEPARTEMENT,
            territory_level=Level.DEPARTEMENT,
            territory_code=departement.code,
        )
        user = User.objects.filter(email=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email, None)
        _, added = Assignment.objects.get_or_create(
            user=user,
            institution=institution,
            role=Role.ADMINISTRATOR,
            scope_level=Level.DEPARTEMENT,
            scope_code=departement.code,
        )
        if added:
            record(
                None,
                AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
                user,
                detail=f"administrateur du département {departement.code} (commande create_admin)",
            )
        return user, created
