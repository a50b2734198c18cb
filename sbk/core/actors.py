"""The system actor: the platform acting on its own (the worker's timed jobs, imports, the
demo builder, key rotation, an applicant's self-registration before an account exists).

It replaces ``acting_user=None``, which used to mean "everything": a service now refuses
``None`` and the policy (``sbk.accounts.policy``) lets the system do only the actions listed
for it there. The audit trail names it ``system:<name>``; the journal records no operator
and never marks a service item or channel as opened on its behalf.
"""

from __future__ import annotations


class SystemActor:
    is_system = True
    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_applicant = False
    read_only = False
    role = "system"
    org = None
    org_id = None
    person_id = None
    pk = None
    id = None

    def __init__(self, name: str):
        self.name = name

    def get_username(self) -> str:
        return f"system:{self.name}"

    @property
    def display_name(self) -> str:
        return f"系统（{self.name}）"

    def __repr__(self) -> str:
        return f"<SystemActor {self.name}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, SystemActor) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("system", self.name))


SYSTEM = SystemActor("system")
WORKER = SystemActor("worker")
IMPORTER = SystemActor("import")
DEMO = SystemActor("demo")
PORTAL = SystemActor("portal")  # an applicant's registration, before their account exists


def is_system(user) -> bool:
    return isinstance(user, SystemActor)


def require_actor(user) -> None:
    """Refuse the old convention: ``None`` is no longer a way to say "the system"."""
    if user is None:
        raise TypeError("acting_user is required: pass a user or a SystemActor (sbk.core.actors)")


def as_user(user):
    """The user to store in a foreign key to the user table: None for the system."""
    return None if is_system(user) else user
