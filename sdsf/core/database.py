"""Telling "the database is down" from a bug, for pages (503) and commands (a French message).

A driver error (``OperationalError``, ``InterfaceError``) is also what a wrong query or a locked
SQLite file raises: those must keep their traceback. So the error is called an outage only
when a fresh connection cannot even be opened.
"""

from django.db import DatabaseError, InterfaceError, OperationalError, connections

CONNECTION_ERRORS = (OperationalError, InterfaceError)

UNAVAILABLE_MESSAGE = (
    "La base de données ne répond pas : l'opération s'est arrêtée sans rien enregistrer "
    "à moitié. Réessayez dans quelques minutes ; si cela dure, prévenez l'administrateur."
)
COMMAND_HINT = (
    "Vérifiez DATABASE_URL et que le serveur de base de données est démarré et joignable."
)


def reachable(alias: str = "default") -> bool:
    """Whether a new connection to the database opens and answers ``SELECT 1``."""
    connection = connections[alias]
    try:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def is_outage(error: BaseException, alias: str = "default") -> bool:
    return isinstance(error, CONNECTION_ERRORS) and not reachable(alias)
