"""District B's operations objects for the route-scope tests
(``sbk/tests/test_scope_routes.py``): a document image of district B's application."""

from sbk.operations import services


def objects_of_b(world, application_id: int) -> dict:
    doc = services.attach_document(
        application_id,
        acting_user=world.operator_b,
        kind="id_document",
        data=b"\xff\xd8\xff\xe0 district B's ID scan",
    )
    return {"doc_id": doc.pk}
