"""Shortcuts for the card tests."""

from sbk.cards import services
from sbk.cards.tests.conftest import GOOD


def submitted(world, person=None, *, user=None, outlet=None, **kw):
    user = user or world.operator_a
    person = person or world.person_a
    app = services.start_application(
        person.pk, acting_user=user, outlet=outlet or world.bank_outlet_a, **kw
    )
    services.attach_photo(app.pk, acting_user=user, data=GOOD, source="counter")
    return services.submit_application(app.pk, acting_user=user)


def issued_card(world, person=None, *, user=None, outlet=None, **kw):
    app = submitted(world, person, user=user, outlet=outlet, **kw)
    bank_user = (
        world.bank_operator_a
        if (outlet or world.bank_outlet_a) == world.bank_outlet_a
        else world.bank_user
    )
    card = services.produce_card(app.pk, acting_user=bank_user, verified=True)
    return services.issue_card(card.pk, acting_user=bank_user)
