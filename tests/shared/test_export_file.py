"""`gongjian verify --file`: an export cannot be cut, reordered, duplicated or changed by
one byte without verification naming the position and the reason."""

from __future__ import annotations

import json
import re

import pytest

from shared.eventstore import canonical_json
from shared.eventstore.export import export_lines
from shared.eventstore.export_check import verify_export
from shared.eventstore.signed import Keyring, SigningKey

from .helpers import note

KEY = SigningKey.generate()
TRUSTED = Keyring([KEY.public])


@pytest.fixture
def lines(store) -> list[bytes]:
    for i in range(5):
        store.append([note("project-a", f"第{i}次调度")])
    stamp = store.head().recorded_at

    def sign(count, head):  # type: ignore[no-untyped-def]
        return KEY.sign(head[0], head[1], count, stamp)

    text = "".join(export_lines(store.iter_stored(), "某县2026年项目攻坚年", sign))
    return text.encode("utf-8").splitlines(keepends=True)


def check(tmp_path, lines, **kwargs):  # type: ignore[no-untyped-def]
    path = tmp_path / "export.ndjson"
    path.write_bytes(b"".join(lines))
    return verify_export(path, kwargs.pop("keyring", TRUSTED), **kwargs)


def test_an_intact_export_verifies_with_its_head(tmp_path, lines):
    result = check(tmp_path, lines)
    assert result.ok and (result.count, result.head_position) == (5, 5)
    header = json.loads(lines[0])["header"]
    assert header == {
        "campaign": "某县2026年项目攻坚年",
        "first_position": 1,
        "format": "gongjian-log",
        "version": 2,
    }
    assert json.loads(lines[-1])["trailer"]["checkpoint"]["position"] == 5


def test_an_empty_file_fails(tmp_path):
    result = check(tmp_path, [])
    assert (result.ok, result.bad_position, result.code) == (False, 1, "empty")


def test_a_file_without_its_header_fails_at_the_first_position(tmp_path, lines):
    result = check(tmp_path, lines[1:])
    assert (result.bad_position, result.code) == (1, "no_header")


@pytest.mark.parametrize("keep", range(1, 7))
def test_a_file_cut_at_any_line_fails(tmp_path, lines, keep):
    result = check(tmp_path, lines[:keep])
    assert not result.ok and result.code == "no_trailer"
    assert result.bad_position == keep  # the first position the cut file lacks


def test_a_file_cut_inside_a_line_fails(tmp_path, lines):
    result = check(tmp_path, [*lines[:3], lines[3][:40]])
    assert (result.bad_position, result.code) == (3, "no_trailer")
    assert result.reason == "no_trailer: 文件在第 4 行中间断开"


def test_a_trailer_kept_after_the_tail_is_cut_fails_as_a_count(tmp_path, lines):
    result = check(tmp_path, [*lines[:4], lines[-1]])
    assert (result.bad_position, result.code) == (4, "count")


def test_swapped_lines_are_out_of_order_not_missing(tmp_path, lines):
    swapped = [lines[0], lines[1], lines[3], lines[2], *lines[4:]]
    result = check(tmp_path, swapped)
    assert (result.bad_position, result.code) == (2, "out_of_order")
    assert result.reason_label == "事件顺序错乱"


def test_a_duplicated_line_is_named(tmp_path, lines):
    result = check(tmp_path, [*lines[:3], lines[2], *lines[3:]])
    assert (result.bad_position, result.code) == (3, "duplicated")


def test_a_dropped_line_is_missing(tmp_path, lines):
    result = check(tmp_path, [*lines[:2], *lines[3:]])
    assert (result.bad_position, result.code) == (2, "missing")


def test_a_byte_change_that_keeps_the_value_is_caught(tmp_path, lines):
    changed = lines[3].replace(b'"payload":{"note":', b'"payload":{"note": ')
    assert json.loads(changed) == json.loads(lines[3])
    result = check(tmp_path, [*lines[:3], changed, *lines[4:]])
    assert (result.bad_position, result.code) == (3, "not_canonical")


def test_a_changed_value_is_named_by_its_position(tmp_path, lines):
    changed = lines[4].replace("第3次".encode(), "第9次".encode())
    result = check(tmp_path, [*lines[:4], changed, *lines[5:]])
    assert (result.bad_position, result.code) == (4, "changed")


def test_invalid_utf8_is_refused(tmp_path, lines):
    broken = lines[2].replace("第".encode(), b"\xff")
    result = check(tmp_path, [*lines[:2], broken, *lines[3:]])
    assert (result.bad_position, result.code) == (2, "not_utf8")


def test_a_utf16_file_is_refused(tmp_path, lines):
    utf16 = b"".join(lines).decode("utf-8").encode("utf-16")
    result = check(tmp_path, [utf16])
    assert (result.bad_position, result.code) == (1, "not_utf8")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path, lines, constant):
    record = json.loads(lines[2])
    text = canonical_json(record).replace('"payload":{', f'"payload":{{"x":{constant},')
    result = check(tmp_path, [*lines[:2], (text + "\n").encode(), *lines[3:]])
    assert (result.bad_position, result.code) == (2, "not_json")


def test_a_checkpoint_signed_by_an_unknown_key_fails(tmp_path, lines):
    result = check(tmp_path, lines, keyring=Keyring([SigningKey.generate().public]))
    assert (result.bad_position, result.code) == (5, "signature")


def test_a_re_chained_export_with_a_forged_signature_fails(tmp_path, lines):
    trailer = json.loads(lines[-1])
    trailer["trailer"]["checkpoint"]["head_hash"] = "f" * 64
    trailer["trailer"]["head_hash"] = "f" * 64
    result = check(tmp_path, [*lines[:-1], (canonical_json(trailer) + "\n").encode()])
    assert not result.ok and result.bad_position == 5


def test_an_export_below_a_checkpoint_the_auditor_holds_is_truncated(tmp_path, lines, store):
    held = KEY.sign(5, store.head().hash, 5, store.head().recorded_at)
    shorter = tmp_path / "shorter"
    shorter.mkdir()
    store_lines = lines  # the same log, exported when it had three events
    cut = [*store_lines[:4]]
    trailer = json.loads(lines[-1])["trailer"]
    three = json.loads(store_lines[3])
    signed = KEY.sign(3, three["hash"], 3, held.signed_at).to_dict()
    trailer.update(count=3, head_position=3, head_hash=three["hash"], checkpoint=signed)
    cut.append((canonical_json({"trailer": trailer}) + "\n").encode())
    assert check(shorter, cut).ok
    result = check(shorter, cut, held=[held])
    assert (result.bad_position, result.code) == (4, "truncated")
    assert "低于位置 5 的签名检查点" in result.reason


def _broken_files(lines: list[bytes]) -> dict[str, list[bytes]]:
    trailer = json.loads(lines[-1])
    trailer["trailer"]["count"] = 9
    return {
        "empty": [],
        "no_header": lines[1:],
        "no_trailer": lines[:3],
        "cut": [*lines[:3], lines[3][:40]],
        "count": [*lines[:-1], (canonical_json(trailer) + "\n").encode()],
        "out_of_order": [lines[0], lines[1], lines[3], lines[2], *lines[4:]],
        "duplicated": [*lines[:3], lines[2], *lines[3:]],
        "missing": [*lines[:2], *lines[3:]],
        "not_canonical": [*lines[:3], lines[3].replace(b'{"note":', b'{"note": '), *lines[4:]],
        "changed": [*lines[:4], lines[4].replace("第3次".encode(), "第9次".encode()), *lines[5:]],
        "not_utf8": [*lines[:2], lines[2].replace("第".encode(), b"\xff"), *lines[3:]],
        "not_json": [*lines[:2], b"{not json\n", *lines[3:]],
        "not_object": [*lines[:2], b"[1]\n", *lines[3:]],
        "after_trailer": [*lines, lines[1]],
    }


def test_every_reason_an_auditor_reads_is_chinese_with_its_code_kept(tmp_path, lines):
    from shared.eventstore.verify import REASON_LABELS

    english = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}")
    seen = set()
    for case, content in _broken_files(lines).items():
        result = check(tmp_path, content)
        assert not result.ok, case
        assert result.code in REASON_LABELS, case
        assert result.reason.startswith(f"{result.code}: "), case
        said = result.describe()
        assert said.startswith(f"链条损坏：位置 {result.bad_position}，{result.reason_label}：")
        assert said.endswith(f"（代码 {result.code}）"), said
        assert not english.search(said), f"{case}: {said}"
        seen.add(result.code)
    file_codes = {"empty", "no_header", "no_trailer", "count", "not_canonical", "not_utf8"}
    assert seen == file_codes | {"out_of_order", "duplicated", "missing", "changed", "not_json"}


def test_an_unknown_key_is_said_in_chinese(tmp_path, lines):
    result = check(tmp_path, lines, keyring=Keyring([SigningKey.generate().public]))
    assert result.detail == f"密钥 {KEY.key_id} 不是受信任的公钥"
