"""An applicant sees their own records only, and no staff page or staff API."""

import pytest

from sbk.accounts.models import ApiToken
from sbk.cards import services as cards
from sbk.cards.queries import applications_for, cards_for, transactions_for
from sbk.orgs.scope import visible_orgs
from sbk.portal.services import apply_online
from sbk.registry.queries import scoped_people
from sbk.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_records(world, compliant_photo):
    """person_b's issued card and a submitted application of another district-B person."""
    p = world.person_b
    app = cards.start_application(p.pk, acting_user=world.operator_b, outlet=world.bank_outlet_b)
    cards.attach_photo(app.pk, acting_user=world.operator_b, data=compliant_photo, source="counter")
    cards.submit_application(app.pk, acting_user=world.operator_b)
    card = cards.produce_card(app.pk, acting_user=world.bank_user, verified=True)
    return {"app": app, "card": cards.issue_card(card.pk, acting_user=world.bank_user)}


def test_queries_give_the_applicant_their_own_only(world, applicant, applicant_b, b_records):
    assert list(scoped_people(applicant)) == [applicant.person]
    assert list(visible_orgs(applicant)) == []
    assert not applications_for(applicant).exists()
    assert not cards_for(applicant).exists()
    assert list(applications_for(applicant_b)) == [b_records["app"]]
    assert list(cards_for(applicant_b)) == [b_records["card"]]
    assert {t.person_id for t in transactions_for(applicant_b)} == {world.person_b.pk}


def test_other_persons_records_are_404(client, world, applicant, b_records, compliant_photo):
    apply_online(acting_user=applicant, outlet_code=world.bank_outlet_a.code, photo=compliant_photo)
    client.force_login(applicant)
    app, card = b_records["app"], b_records["card"]
    assert client.get(f"/portal/applications/{app.pk}/").status_code == 404
    assert client.get(f"/portal/cards/{card.pk}/").status_code == 404
    assert client.get(f"/api/portal/applications/{app.pk}").status_code == 404
    from sbk.photos.models import PhotoCheck

    b_check = PhotoCheck.objects.filter(person=world.person_b).first()
    assert client.get(f"/portal/photo-checks/{b_check.pk}/preview.png").status_code == 404
    own = applications_for(applicant).get()
    assert client.get(f"/portal/applications/{own.pk}/").status_code == 200
    assert client.get(f"/api/portal/applications/{own.pk}").status_code == 200
    home = client.get("/portal/").content.decode()
    assert card.card_no not in home and world.person_b.name not in home
    # the card services refuse the applicant another person's application and staff acts
    with pytest.raises(Exception) as exc:
        cards.attach_photo(app.pk, acting_user=applicant, data=compliant_photo)
    assert getattr(exc.value, "status", None) == 404
    with pytest.raises(Exception) as exc:
        cards.produce_card(own.pk, acting_user=applicant, verified=True)
    assert getattr(exc.value, "status", None) == 403


STAFF_PAGES = [
    "/",
    "/people/",
    "/people/new/",
    "/orgs/",
    "/cards/queue/",
    "/cards/overdue/",
    "/photos/check/",
    "/exports/people/",
    "/exports/requests/",
    "/admin/",
]


def test_staff_pages_send_the_applicant_to_the_portal(client, world, applicant):
    client.force_login(applicant)
    own = applicant.person_id
    for url in [*STAFF_PAGES, f"/people/{own}/", f"/cards/apply/{own}/"]:
        resp = client.get(url)
        assert resp.status_code == 302 and resp.url == "/portal/", url
        assert client.post(url, {"name": "x"}).status_code == 403, url
    for url in ["/api/registry/persons", "/api/cards/applications", "/api/orgs/"]:
        resp = client.get(url)
        assert resp.status_code == 403 and resp.json()["code"] == "applicant_forbidden", url


def test_applicant_token_reaches_the_portal_api_only(client, world, applicant):
    raw = "portal-" + "a" * 40
    ApiToken.objects.create(user=applicant, name="app", digest=ApiToken.digest_of(raw))
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/portal/me", headers=auth).status_code == 200
    assert (
        client.get(f"/api/registry/persons/{applicant.person_id}", headers=auth).status_code == 401
    )
    assert client.get("/api/cards/applications", headers=auth).status_code == 401


def test_staff_are_refused_by_the_portal(client, world):
    login(client, world.admin_a)
    assert client.get("/portal/").status_code == 403
    assert client.get("/portal/apply/").status_code == 403
    assert client.get("/api/portal/me").status_code == 403
    assert client.get("/api/portal/applications").status_code == 403


def test_anonymous_goes_to_login(client):
    resp = client.get("/portal/")
    assert resp.status_code == 302 and resp.url.startswith("/portal/login/")
    assert client.get("/api/portal/me").status_code == 401
