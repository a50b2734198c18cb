"""The assistant's objects of district B for ``sbk/tests/test_scope_routes.py``: a document
in district B's own library, which nobody of district A may see or change."""

from sbk.assistant import services


def objects_of_b(world) -> dict:
    doc = services.load_document(
        acting_user=world.admin_b,
        org=world.district_b,
        file_name="district-b.txt",
        data="一、本区规定\n（一）范围。仅适用于本区网点。\n".encode(),
    ).document
    return {"document_id": doc.pk}
