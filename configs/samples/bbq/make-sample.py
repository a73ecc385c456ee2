#!/usr/bin/env python3
"""Builds the BBQ slice used by configs/bias-bbq.yaml (deterministic; needs ../shared/data/bbq).

Keeps every 8th block of 4 items (a block is one template instance: ambiguous and disambiguated
context x negative and non-negative question) of Age and Religion, the item files unchanged, and
writes UnifiedQA 11B's RACE-format answers for them to unifiedqa_preds.jsonl (category,
example_id and the answer only, so the config shows the join of answers to items).
Run from the repository root: python3 configs/samples/bbq/make-sample.py
"""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(here, '..', '..', '..', '..', 'shared', 'data', 'bbq')
field = 'unifiedqa-t5-11b_pred_race'
preds_out = []
for cat in ['Age', 'Religion']:
    items = [json.loads(l) for l in open(os.path.join(src, cat + '.jsonl'), encoding='utf-8')]
    preds = {p['example_id']: p for p in (json.loads(l) for l in open(os.path.join(src, 'unifiedqa_preds_' + cat + '.jsonl'), encoding='utf-8'))}
    kept = [it for it in items if (it['example_id'] // 4) % 8 == 0]
    with open(os.path.join(here, cat + '.jsonl'), 'w', encoding='utf-8') as f:
        for it in kept:
            f.write(json.dumps(it, ensure_ascii=False) + '\n')
    for it in kept:
        preds_out.append({'category': cat, 'example_id': it['example_id'], field: preds[it['example_id']][field]})
with open(os.path.join(here, 'unifiedqa_preds.jsonl'), 'w', encoding='utf-8') as f:
    for p in preds_out:
        f.write(json.dumps(p, ensure_ascii=False) + '\n')
