"""Every id that crosses Slack is encoded and decoded in one place, tested as a pair."""

from __future__ import annotations

import pytest

from slackbridge.slack.ids import MAX_ID, Ref, case_block_id, decode_case_block, decode_ref, encode_ref


@pytest.mark.parametrize(
    "ref",
    [
        Ref(case_id=1),
        Ref(case_id=MAX_ID, extra="1790000000000000001"),
        Ref(draft_id=7, version=3),
        Ref(extra="1790000000000000001"),
    ],
)
def test_refs_we_write_read_back_the_same(ref: Ref) -> None:
    assert decode_ref(encode_ref(ref)) == ref


@pytest.mark.parametrize(
    "forged",
    [
        '{"d":7}',  # a draft without the version its viewer saw would skip the edit check
        '{"d":99999999999999999999,"v":1}',
        '{"c":99999999999999999999}',
        f'{{"c":{MAX_ID + 1}}}',
        '{"d":7,"v":99999999999999999999}',
    ],
)
def test_forged_values_are_refused(forged: str) -> None:
    with pytest.raises(ValueError):
        decode_ref(forged)


def test_case_block_ids_round_trip_and_refuse_what_we_did_not_write() -> None:
    assert decode_case_block(case_block_id(42)) == 42
    for bad in [
        None,
        "",
        "case:",
        "case:-1",
        "case:1e3",
        "case:٣",
        "followup:42",
        "case:99999999999999999999",
    ]:
        assert decode_case_block(bad) is None
