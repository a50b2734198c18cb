"""Ranking by meaning on the database (ADR 0006, thirteenth round): a loaded passage keeps
its embedding, the index reads it and the setting turns it off, passages loaded before the
embedding existed get theirs from migration 0003, and a question the word engine refuses
is answered through the service and the contract."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from sbk.accounts.models import ApiToken
from sbk.assistant import dense, engine, services
from sbk.assistant.demo import load_demo_library
from sbk.assistant.models import Passage
from sbk.core.actors import SYSTEM
from sbk.testing import login

from .test_services import RULES, load

pytestmark = pytest.mark.django_db
PARAPHRASE = "相片上能不能露出耳朵上的首饰"


def test_a_loaded_passage_keeps_the_embedding_of_its_title_heading_and_text(world):
    doc = load(world).document
    passages = list(doc.passages.order_by("seq"))
    made = dense.shared_encoder().passages(
        [dense.passage_text(doc.title, p.heading, p.text) for p in passages]
    )
    for passage, vector in zip(passages, made, strict=True):
        assert np.array_equal(dense.from_bytes(passage.vector), vector)


def test_the_index_reads_the_stored_embeddings_and_the_setting_turns_them_off(world, settings):
    load(world)
    index = engine.build_index()
    stored = {p.pk: dense.from_bytes(p.vector) for p in Passage.objects.all()}
    for i, entry in enumerate(index.entries):
        assert np.array_equal(index.vectors[i], stored[entry.key])
    settings.SBK_ASSISTANT_MEANING = False
    assert engine.build_index().vectors is None


def test_a_question_the_word_engine_refuses_is_answered_through_the_service(world, settings):
    load_demo_library(centre=world.centre)
    answer = services.ask(PARAPHRASE, user=SYSTEM, channel="api", log=False)
    assert not answer.refused
    assert "眼镜与饰物" in answer.hits[0].entry.heading
    settings.SBK_ASSISTANT_MEANING = False
    assert engine.build_index().search(PARAPHRASE).refused


def test_the_contract_answers_by_meaning(world, capsys):
    load_demo_library(centre=world.centre)
    call_command("assistant", "ask", PARAPHRASE, "--json", "-k", "2")
    out = json.loads(capsys.readouterr().out)
    assert out["refused"] is False
    assert len(out["answers"]) == 2
    assert "眼镜与饰物" in out["answers"][0]["heading"]
    call_command("assistant", "ask", PARAPHRASE, "-k", "1")
    text = capsys.readouterr().out
    assert "眼镜与饰物" in text and "意思相近" in text and "得分" not in text


def test_the_migration_embeds_the_passages_loaded_before_it(world):
    load(world, name="other.txt", data=RULES.replace("测试补卡规定", "另一规定", 2))
    Passage.objects.update(vector=None)
    migration = importlib.import_module("sbk.assistant.migrations.0003_passage_vector")
    migration.embed_loaded_passages(django_apps, None)
    for passage in Passage.objects.select_related("document"):
        expected = dense.shared_encoder().passages(
            [dense.passage_text(passage.document.title, passage.heading, passage.text)]
        )[0]
        assert np.array_equal(dense.from_bytes(passage.vector), expected)


def test_the_console_marks_a_passage_found_by_meaning(client, world):
    load_demo_library(centre=world.centre)
    login(client, world.operator_a)
    html = client.post("/assistant/ask/", {"question": PARAPHRASE}).content.decode()
    assert 'data-testid="assistant-citation"' in html
    first = html.index('data-testid="assistant-citation"')
    assert "眼镜与饰物" in html[first:]
    # Found by meaning: marked so, and no word score ("相关度") shown for it.
    assert html.count('data-testid="assistant-by-meaning"') == html.count(
        'data-testid="assistant-citation"'
    )
    assert "相关度" not in html
    words = client.post("/assistant/ask/", {"question": "补卡要带什么材料"}).content.decode()
    assert "相关度" in words


def test_the_api_says_which_passages_were_found_by_meaning(client, world):
    load_demo_library(centre=world.centre)
    raw = "assistant-" + "m" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    headers = {"Authorization": f"Bearer {raw}"}

    def ask(question):
        return client.post(
            "/api/assistant/ask",
            {"question": question},
            content_type="application/json",
            headers=headers,
        ).json()

    body = ask(PARAPHRASE)
    assert body["refused"] is False
    assert all(a["by_meaning"] for a in body["answers"])
    words = ask("补卡要带什么材料")
    assert words["answers"][0]["by_meaning"] is False


def test_the_shipped_library_embeddings_cover_what_the_demo_loads_and_are_the_models(world):
    """``dense.SHIPPED`` holds every passage the demo library's loading embeds (else: run
    ``python -m sbk.assistant.library_vectors``), made by this model."""
    with np.load(dense.SHIPPED) as data:
        assert str(data["model"]) == dense.model_tag()
        table = dict(zip(data["digests"].tolist(), data["vectors"], strict=True))
    load_demo_library(centre=world.centre)
    passages = list(Passage.objects.select_related("document").order_by("pk"))
    texts = [dense.passage_text(p.document.title, p.heading, p.text) for p in passages]
    missing = [t[:40] for t in texts if dense.digest(t) not in table]
    assert not missing, f"run python -m sbk.assistant.library_vectors: {missing}"
    # The shipped vectors are the model's own (a few, embedded again without the table).
    # Not bit for bit: the engine quantises each layer's activations to 8 bits, and glibc
    # picks its exp/tanh by the CPU, so a last-bit difference can round a value the other
    # way and the vectors of two machines differ by up to ~2e-3 a component (cosine 0.99996
    # between the table, made on one machine, and another's own). A table of another text
    # or model is below: the two closest passages of the library are at cosine 0.9955.
    sample = texts[::40]
    live = dense.Encoder(shipped=None).passages(sample)
    for text, vector in zip(sample, live, strict=True):
        assert float(np.dot(table[dense.digest(text)], vector)) > 0.9995
    # And they are what was stored.
    for passage, text in zip(passages, texts, strict=True):
        assert np.array_equal(dense.from_bytes(passage.vector), table[dense.digest(text)])


def test_a_table_of_another_model_is_not_used(tmp_path):
    path = tmp_path / "table.npz"
    text = "照片背景为白色。"
    np.savez_compressed(
        path,
        model=np.array("another model"),
        digests=np.array([dense.digest(text)], dtype="S32"),
        vectors=np.ones((1, dense.DIM), dtype=np.float32),
    )
    vector = dense.Encoder(shipped=path).passages([text])[0]
    assert np.allclose(np.linalg.norm(vector), 1.0, atol=1e-3)
    assert not np.allclose(vector, 1.0)


def test_a_file_loaded_again_unchanged_is_not_embedded_again(world, monkeypatch):
    encoder = dense.shared_encoder()
    embedded = []
    real = encoder.passages

    def counting(texts):
        embedded.append(len(texts))
        return real(texts)

    monkeypatch.setattr(encoder, "passages", counting)
    data = RULES.replace("测试补卡规定", "只加载一次的规定", 2)
    assert load(world, name="once.txt", data=data).outcome == "added"
    assert embedded == [3]
    assert load(world, name="once.txt", data=data).outcome == "unchanged"
    assert embedded == [3]
    assert (
        load(
            world, name="once.txt", data=data + "三、其他\n（一）附则。自发布之日起施行。\n"
        ).outcome
        == "replaced"
    )
    assert embedded == [3, 4]
