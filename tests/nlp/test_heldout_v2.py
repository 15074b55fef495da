"""The rule parser on tests/nlp/data/heldout_v2.jsonl: 651 messages under contract v2 written
before the v2 grammar was tuned and independently of the public corpus (Simplified,
Traditional, Cantonese, English; requests of every intent and non-requests of every kind),
scored the way ../shared/nlp/score_intents.py scores (null keys dropped; an open's "market"
order_type dropped when there is no price; numbers equal within 1e-9).

Its first score, before any of its failures was looked at, was 0.985 (641/651); the ten
failures were then fixed in the grammar (one label was corrected: Cantonese "平咗佢" is the
imperative "close it"). The pin below keeps the score from sliding back."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from nlp.rules import RuleParser

DATA = Path(__file__).parent / "data" / "heldout_v2.jsonl"
# Later batches written after the grammar was built, each scored before any fix: the second
# 0.943 (149/158; its failures then fixed in the grammar, one label corrected: "nas" is an
# alias of NAS100), the third 0.990 (102/103; "三分之一多一点" is not a clean fraction).
FRESH = Path(__file__).parent / "data" / "heldout_v2_fresh.jsonl"
PINNED_TOTAL = 0.99
PINNED_PER_INTENT = 0.9


def _normalise(d: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in d.items() if v is not None}
    if out.get("intent") == "open" and out.get("order_type") == "market" and "price" not in out:
        del out["order_type"]
    return out


def _same(a: Any, b: Any) -> bool:
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool | str):
        return not isinstance(b, bool) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def _correct(want: dict[str, Any], got: dict[str, Any]) -> bool:
    w, g = _normalise(want), _normalise(got)
    return w.keys() == g.keys() and all(_same(w[k], g[k]) for k in w)


def _score(path: Path) -> tuple[Counter[str], Counter[str], list[str]]:
    parser = RuleParser()
    n: Counter[str] = Counter()
    ok: Counter[str] = Counter()
    failures: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        got = json.loads(json.dumps(parser.parse(case["text"]).to_json_dict()))
        want = case["expect"]
        n[want["intent"]] += 1
        if _correct(want, got):
            ok[want["intent"]] += 1
        else:
            failures.append(f"{case['text']!r}: want {want}, got {got}")
    return n, ok, failures


def test_heldout_v2_score_is_pinned() -> None:
    n, ok, failures = _score(DATA)
    total = sum(ok.values()) / sum(n.values())
    assert sum(n.values()) >= 600
    assert total >= PINNED_TOTAL, f"held-out v2 {total:.3f}; first failures: {failures[:10]}"
    low = {k: round(ok[k] / n[k], 3) for k in n if ok[k] / n[k] < PINNED_PER_INTENT}
    assert not low, f"intents below {PINNED_PER_INTENT}: {low}"


def test_heldout_v2_covers_every_intent_and_script() -> None:
    cases = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    intents = {c["expect"]["intent"] for c in cases}
    assert len(intents) == 19
    texts = [c["text"] for c in cases]
    assert any("黃" in t or "歐" in t for t in texts)  # Traditional
    assert any("沽" in t or "咗" in t for t in texts)  # Cantonese
    assert sum(t.isascii() for t in texts) >= 150  # English


def test_fresh_heldout_batch_score_is_pinned() -> None:
    n, ok, failures = _score(FRESH)
    total = sum(ok.values()) / sum(n.values())
    assert sum(n.values()) >= 250
    assert total >= PINNED_TOTAL, f"fresh batch {total:.3f}; first failures: {failures[:10]}"
