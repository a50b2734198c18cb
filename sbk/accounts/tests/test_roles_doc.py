from pathlib import Path

from sbk.accounts.policy import matrix_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "roles.md"


def test_docs_roles_is_the_policy_matrix():
    text = DOC.read_text(encoding="utf-8")
    assert text.endswith(matrix_markdown()), "docs/roles.md is stale: regenerate its table"
