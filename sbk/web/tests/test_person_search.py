"""The console's person search posts: the text, whole numbers included, never in a URL."""

import re

import pytest

from sbk.testing import person

pytestmark = pytest.mark.django_db


def test_search_form_pager_and_export_button_all_post(client, world):
    for i in range(30):
        person(world.outlet_a, name=f"翻页某{i}")
    client.force_login(world.operator_a)
    page = client.post("/people/", {"q": "翻页"}).content.decode()
    forms = re.findall(r"<form[^>]*>", page)
    search = [f for f in forms if 'data-testid="person-search"' in f]
    pager = [f for f in forms if 'data-testid="pager"' in f]
    assert search and 'method="post"' in search[0] and pager and 'method="post"' in pager[0]
    assert "?q=" not in page  # no link carries the search text
    assert 'formaction="/exports/people/"' in page and "共 30 人" in page
    second = client.post("/people/", {"q": "翻页", "page": "2"}).content.decode()
    assert "第 2 / 2 页" in second and second.count("翻页某") == 5


def test_home_search_posts_too(client, world):
    client.force_login(world.operator_a)
    page = client.get("/").content.decode()
    form = next(f for f in re.findall(r"<form[^>]*>", page) if "person-search" in f)
    assert 'method="post"' in form and 'action="/people/"' in form


def test_export_button_opens_the_export_page_with_the_search(client, world):
    client.force_login(world.operator_a)
    number = world.person_a.id_number
    page = client.post("/exports/people/", {"q": number}).content.decode()
    assert 'data-testid="export-count">1<' in page
    export = client.post("/exports/people/", {"q": number, "fmt": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    assert world.person_a.id_masked in export.content.decode("utf-8-sig")
