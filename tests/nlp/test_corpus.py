"""The rule parser on the public intent corpus (contract v2), scored by the contract's own
scorer: at least 0.97 overall and no intent below 0.9 (issue 11; today 1.000).

The repository keeps its copy of the sample (`tests/nlp/data/public-corpus.jsonl`) and of the
scorer (`tools/score_intents.py`, byte-identical to the contract's), so the check runs on any
clone. When the contract's own folder sits beside the checkout (`../shared/nlp`, where a newer
sample may appear first), that sample is scored too."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from nlp.rules import RuleParser

ROOT = Path(__file__).resolve().parents[2]
SCORER = ROOT / "tools" / "score_intents.py"
OURS = ROOT / "tests" / "nlp" / "data" / "public-corpus.jsonl"
SHARED = ROOT.parent / "shared" / "nlp" / "intent-corpus.jsonl"
CORPORA = [pytest.param(OURS, id="repository-copy")]
if SHARED.exists():
    CORPORA.append(pytest.param(SHARED, id="shared-contract"))


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_intents", SCORER)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("corpus", CORPORA)
def test_rule_parser_scores_at_least_097_with_no_intent_below_09(corpus: Path) -> None:
    scorer = _scorer()
    cases = scorer.load_corpus(str(corpus))
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


def test_the_scorer_copy_is_the_contracts_when_it_is_beside_the_checkout() -> None:
    theirs = ROOT.parent / "shared" / "nlp" / "score_intents.py"
    if not theirs.exists():
        pytest.skip("the contract's folder is not beside this checkout")
    assert SCORER.read_bytes() == theirs.read_bytes()
