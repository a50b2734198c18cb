import pytest
from django.db import IntegrityError, transaction

from sbk.accounts.models import Role, User
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.portal.services import login_username, register_applicant
from sbk.registry.models import Person
from sbk.testing import PASSWORD, resident_number

pytestmark = pytest.mark.django_db


def test_register_new_person(world):
    number = resident_number("310112")
    people = Person.objects.count()
    user = register_applicant(
        name="新某",
        id_number=number,
        phone="13800000001",
        password=PASSWORD,
        outlet_code=world.bank_outlet_a.code,
    )
    assert Person.objects.count() == people + 1
    assert user.role == Role.APPLICANT and user.org is None
    assert user.person.id_number == number and user.person.name == "新某"
    assert user.person.org == world.district_a  # the chosen outlet's district
    assert user.person.category == "resident"
    assert not user.totp_required
    assert user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="applicant.register", object_id=str(user.pk))
    text = str(entry.after)
    assert number not in text and "13800000001" not in text
    assert entry.after["id_masked"] == user.person.id_masked


def test_register_new_person_without_outlet_goes_to_residence_district(world):
    user = register_applicant(
        name="新某", id_number=resident_number("310115"), phone="13800000002", password=PASSWORD
    )
    assert user.person.org == world.district_b


def test_register_existing_person(world):
    people = Person.objects.count()
    p = world.person_a
    user = register_applicant(name=p.name, id_number=p.id_number, phone=p.phone, password=PASSWORD)
    assert Person.objects.count() == people
    assert user.person == p
    assert list(p.accounts.all()) == [user]


def test_register_records_the_phone_of_a_person_without_one(world):
    from sbk.registry.models import PersonChange
    from sbk.testing import person

    p = person(world.outlet_a, name="无号码", phone="")
    register_applicant(name=p.name, id_number=p.id_number, phone="13712345678", password=PASSWORD)
    p.refresh_from_db()
    assert p.phone == "13712345678"
    change = PersonChange.objects.get(person=p, field="phone")
    assert change.actor is None and change.new_value == "137****5678"


@pytest.mark.parametrize("field", ["name", "phone"])
def test_register_existing_person_mismatch(world, field):
    p = world.person_a
    data = {"name": p.name, "id_number": p.id_number, "phone": p.phone, "password": PASSWORD}
    data[field] = "别人" if field == "name" else "13900000000"
    with pytest.raises(ServiceError) as exc:
        register_applicant(**data)
    assert exc.value.code == "identity_mismatch"
    assert not User.objects.filter(person=p).exists()


def test_register_twice_refused(world):
    p = world.person_a
    data = {"name": p.name, "id_number": p.id_number, "phone": p.phone, "password": PASSWORD}
    register_applicant(**data)
    with pytest.raises(ServiceError) as exc:
        register_applicant(**data)
    assert exc.value.code == "already_registered"
    assert exc.value.status == 409


def test_register_checks_number_phone_password(world):
    base = {"name": "某", "id_number": resident_number(), "phone": "13800000003"}
    with pytest.raises(ServiceError) as exc:
        register_applicant(**{**base, "id_number": "110101199003071234"}, password=PASSWORD)
    assert exc.value.field == "id_number"
    with pytest.raises(ServiceError) as exc:
        register_applicant(**{**base, "phone": "123"}, password=PASSWORD)
    assert exc.value.code == "phone"
    with pytest.raises(ServiceError) as exc:
        register_applicant(**base, password="short")
    assert exc.value.field == "password"
    assert not User.objects.filter(role=Role.APPLICANT).exists()
    assert not Person.objects.filter(name="某").exists()  # rolled back with the account


def test_constraint_applicant_has_person_and_no_org(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x1", role=Role.APPLICANT, person=world.person_a)
        User.objects.filter(username="x1").update(org=world.outlet_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x2", role=Role.APPLICANT)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x3", role=Role.OUTLET_OPERATOR)  # staff without org
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            username="x4", role=Role.OUTLET_OPERATOR, org=world.outlet_a, person=world.person_a
        )
    User.objects.create(username="x5", role=Role.APPLICANT, person=world.person_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x6", role=Role.APPLICANT, person=world.person_a)


def test_login_with_id_number(client, applicant):
    assert login_username(applicant.id_number) == applicant.username
    assert login_username(applicant.id_number.lower()) == applicant.username
    assert login_username("op_a") == "op_a"
    unknown = login_username(resident_number())
    assert unknown.startswith("unregistered-") and not User.objects.filter(username=unknown)
    resp = client.post("/login/", {"username": applicant.id_number, "password": PASSWORD})
    assert resp.status_code == 302
    resp = client.get(resp.url, follow=True)
    assert resp.redirect_chain[-1][0] == "/portal/"
    assert "网上某" in resp.content.decode()


def test_wrong_password_lockout_never_stores_the_number(client, applicant):
    from axes.models import AccessAttempt

    resp = client.post("/login/", {"username": applicant.id_number, "password": "Wrong-pass-1"})
    assert resp.status_code == 200
    assert "用户名或密码错误" in resp.content.decode()
    for row in AccessAttempt.objects.all():
        assert applicant.id_number not in f"{row.username} {row.post_data} {row.get_data}"


def test_register_page(client, world):
    """Details, then the SMS code (sbk/portal/tests/test_register_code.py tests the step)."""
    from sbk.portal.tests.test_register_code import code_sent_to

    resp = client.get("/portal/register/")
    assert resp.status_code == 200 and "申请人注册" in resp.content.decode()
    number = resident_number("310112")
    resp = client.post(
        "/portal/register/",
        {
            "name": "页面某",
            "id_number": number,
            "phone": "13800000009",
            "category": "resident",
            "outlet": world.bank_outlet_a.code,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert resp.status_code == 302 and resp.url == "/portal/register/confirm/"
    assert not User.objects.filter(role=Role.APPLICANT).exists()  # not before the code
    page = client.get(resp.url).content.decode()
    assert "验证码" in page and number not in page
    wrong = client.post(resp.url, {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确或已过期" in wrong.content.decode()
    resp = client.post(resp.url, {"code": code_sent_to("13800000009")})
    assert resp.status_code == 302 and resp.url == "/portal/"
    page = client.get("/portal/").content.decode()
    assert "页面某" in page and number not in page  # masked only


def test_register_page_does_not_say_a_number_is_registered(client, world):
    p = world.person_a
    resp = client.post(
        "/portal/register/",
        {
            "name": "别人",
            "id_number": p.id_number,
            "phone": p.phone,
            "category": "resident",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    # The same next step as for a correct registration; the code step then says "wrong".
    assert resp.status_code == 302 and resp.url == "/portal/register/confirm/"
    page = client.post(resp.url, {"code": "123456"}).content.decode()
    assert "验证码不正确或已过期" in page and "不一致" not in page and "已登记" not in page


def test_register_api(client, world):
    from sbk.portal.tests.test_register_code import code_sent_to

    number = resident_number("310112")
    body = {"name": "接口某", "id_number": number, "phone": "13800000011", "password": PASSWORD}
    resp = client.post("/api/portal/register", body, content_type="application/json")
    assert resp.status_code == 202, resp.content
    sent = resp.json()
    assert sent["phone_masked"] == "138****0011" and number not in resp.content.decode()
    confirm = {"challenge": sent["challenge"], "code": code_sent_to("13800000011")}
    resp = client.post("/api/portal/register/confirm", confirm, content_type="application/json")
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["person"]["name"] == "接口某" and data["can_apply"] is True
    assert number not in resp.content.decode()
    # Again, and with another name: the same 202 answer as the first time.
    for name in ("接口某", "别人"):
        again = client.post(
            "/api/portal/register", {**body, "name": name}, content_type="application/json"
        )
        assert again.status_code == 202 and set(again.json()) == set(sent)
        bad = client.post(
            "/api/portal/register/confirm",
            {"challenge": again.json()["challenge"], "code": "123456"},
            content_type="application/json",
        )
        assert bad.status_code == 400 and bad.json()["code"] == "code_invalid"
