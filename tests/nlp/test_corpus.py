"""The rule parser on the public intent corpus (contract v2), scored by the project's own
scorer (`../shared/nlp/score_intents.py`): at least 0.97 overall and no intent below 0.9
(issue 11; today 1.000). Skipped when the corpus is not beside the checkout."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from nlp.rules import RuleParser

SHARED = Path(__file__).resolve().parents[3] / "shared" / "nlp"
CORPUS = SHARED / "intent-corpus.jsonl"
SCORER = SHARED / "score_intents.py"

pytestmark = pytest.mark.skipif(
    not (CORPUS.exists() and SCORER.exists()), reason="shared/nlp corpus not present"
)


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_intents", SCORER)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_rule_parser_scores_at_least_097_with_no_intent_below_09() -> None:
    scorer = _scorer()
    cases = scorer.load_corpus(str(CORPUS))
    parser = RuleParser()
    n: Counter[str] = Counter()
    ok: Counter[str] = Counter()
    for case in cases:
        got = json.loads(json.dumps(parser.parse(case["text"]).to_json_dict()))
        want = case["expect"]["intent"]
        n[want] += 1
        ok[want] += scorer.correct(case["expect"], got)
    total = sum(ok.values()) / len(cases)
    assert total >= 0.97, f"accuracy {total:.3f}"
    low = {k: ok[k] / n[k] for k in n if ok[k] / n[k] < 0.9}
    assert not low, f"intents below 0.9: {low}"
