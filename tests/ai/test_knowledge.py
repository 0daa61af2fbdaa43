"""Knowledge base loading and ranking: the right policy passage reaches the prompt."""

from __future__ import annotations

from pathlib import Path

from slackbridge.ai.knowledge import KnowledgeBase, split_markdown

RETURNS = """# Returns

## Damaged items
If an item arrives damaged, we send a free replacement. Ask for a photo by DM.

## Refund timing
Refunds reach the card within 5 to 10 working days after we receive the return.
"""
SHIPPING = """# Shipping

We ship to the EU, the UK and Switzerland. Standard delivery takes 3 working days.

# Livraison

Les colis pour la Belgique arrivent en quatre jours ouvrés, livraison gratuite dès 50 €.
"""


def make_kb(tmp_path: Path) -> KnowledgeBase:
    (tmp_path / "returns.md").write_text(RETURNS, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "shipping.md").write_text(SHIPPING, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not markdown: refund refund refund", encoding="utf-8")
    return KnowledgeBase.load(tmp_path)


def test_passages_keep_source_and_heading_chain() -> None:
    passages = split_markdown(RETURNS, "returns.md")
    assert [(p.source, p.heading) for p in passages] == [
        ("returns.md", "Returns > Damaged items"),
        ("returns.md", "Returns > Refund timing"),
    ]


def test_most_relevant_passage_comes_first(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    assert len(kb.passages) == 4  # the .txt file is ignored
    top = kb.search("my refund still hasn't reached my card", k=2)
    assert top[0].heading == "Returns > Refund timing"
    assert kb.search("box arrived damaged", k=1)[0].heading == "Returns > Damaged items"


def test_accents_do_not_matter(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    [hit] = kb.search("LIVRAISON gratuite belgique ouvres?", k=1)
    assert hit.source == "sub/shipping.md" and hit.heading == "Livraison"


def test_unrelated_query_and_missing_folder_give_nothing(tmp_path: Path) -> None:
    assert make_kb(tmp_path).search("zebra", k=3) == []
    empty = KnowledgeBase.load(tmp_path / "nope")
    assert empty.passages == [] and empty.search("refund") == []


def test_comment_lines_in_code_blocks_are_not_headings() -> None:
    text = "# Setup\n\n```sh\n# install it\npip install acme\n```\n"
    assert [p.heading for p in split_markdown(text, "setup.md")] == ["Setup"]
