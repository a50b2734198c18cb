"""Review follow-up: after logging out, an applicant lands on the portal's own login
(/portal/login/), a staff member on the console's (/login/), whichever page's button
they used and whatever ``next`` a crafted form sends."""

import pytest

from sbk.testing import PASSWORD, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(world):
    from sbk.portal.services import register_applicant

    return register_applicant(
        name=world.person_a.name,
        id_number=world.person_a.id_number,
        phone=world.person_a.phone,
        password=PASSWORD,
    )


def test_an_applicant_lands_on_the_portal_login(client, applicant):
    client.force_login(applicant)
    # the console base's button (the policy Q&A page extends it) sends no ``next``
    resp = client.post("/logout/")
    assert resp.status_code == 302 and resp["Location"] == "/portal/login/"
    assert "_auth_user_id" not in client.session
    # the public base's button names the portal login itself
    client.force_login(applicant)
    resp = client.post("/logout/", {"next": "/portal/login/"})
    assert resp["Location"] == "/portal/login/"
    # a staff-only ``next`` is not where an applicant is sent
    client.force_login(applicant)
    resp = client.post("/logout/", {"next": "/people/"})
    assert resp["Location"] == "/portal/login/"
    assert client.get(resp["Location"]).status_code == 200


def test_staff_land_on_the_console_login(client, world):
    login(client, world.operator_a)
    resp = client.post("/logout/")
    assert resp.status_code == 302 and resp["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    login(client, world.operator_a)
    assert client.post("/logout/", {"next": "/people/"})["Location"] == "/people/"
    # a user already logged out (an idle session) is sent to the console login
    assert client.post("/logout/")["Location"] == "/login/"
