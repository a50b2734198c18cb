"""The assistant's objects of district B for ``sbk/tests/test_scope_routes.py``: a document
in district B's own library, a question taught to one of its passages, and a question asked
and answered in district B, which nobody of district A may see or change."""

from sbk.assistant import services
from sbk.core.actors import SYSTEM

from .scenarios import asked


def objects_of_b(world) -> dict:
    doc = services.load_document(
        acting_user=world.admin_b,
        org=world.district_b,
        file_name="district-b.txt",
        data="一、本区规定\n（一）范围。仅适用于本区网点。\n".encode(),
    ).document
    passage = doc.passages.order_by("seq").last()
    taught = services.teach_question(
        acting_user=SYSTEM, question="本区网点能办吗", passage_id=passage.pk
    )
    question = asked(world.district_b)
    # The city's one list: district A's roles may not change it (the role decides).
    declined = services.decline_question(acting_user=SYSTEM, question="婚姻登记怎么办")
    return {
        "document_id": doc.pk,
        "taught_id": taught.pk,
        "question_id": question.pk,
        "declined_id": declined.pk,
    }
