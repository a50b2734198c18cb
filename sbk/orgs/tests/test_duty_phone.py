"""The organisation's duty mobile (值班手机): checked, kept encrypted, shown and audited
masked."""

import pytest

from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.idcard.text import is_mobile
from sbk.orgs import services
from sbk.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_is_mobile():
    assert (
        is_mobile("13900001234")
        and is_mobile("139 0000 1234")
        and is_mobile("１３９００００１２３４")
    )
    assert (
        not is_mobile("12900001234")
        and not is_mobile("1390000123")
        and not is_mobile("021-12345678")
    )


def test_set_checked_encrypted_and_audited_masked(world):
    from django.db import connection

    org = services.change_organisation(
        world.district_a.pk, acting_user=SYSTEM, changes={"duty_phone": "139 0000 1234"}
    )
    assert (org.duty_phone, org.duty_phone_masked) == ("13900001234", "139****1234")
    with connection.cursor() as cur:
        cur.execute("SELECT duty_phone FROM orgs_organisation WHERE id = %s", [org.pk])
        stored = cur.fetchone()[0]
    assert "13900001234" not in stored
    entry = AuditEntry.objects.filter(object_id=str(org.pk)).latest("seq")
    assert "13900001234" not in str(entry.after) and "139****1234" in str(entry.after)

    with pytest.raises(ServiceError) as exc:
        services.change_organisation(
            world.district_a.pk, acting_user=SYSTEM, changes={"duty_phone": "0211234"}
        )
    assert (exc.value.code, exc.value.field) == ("bad_phone", "duty_phone")
    assert Organisation.objects.get(pk=org.pk).duty_phone == "13900001234"  # unchanged

    cleared = services.change_organisation(
        world.district_a.pk, acting_user=SYSTEM, changes={"duty_phone": ""}
    )
    assert (cleared.duty_phone, cleared.duty_phone_masked) == ("", "")
