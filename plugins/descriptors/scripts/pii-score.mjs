// Precision and recall per PII kind of a counting function on a labelled set (counts per text).
export function scorePii(items, countFn, kinds) {
  const score = Object.fromEntries(kinds.map((k) => [k, { tp: 0, fp: 0, fn: 0 }]));
  for (const { text, counts } of items) {
    const got = countFn(text);
    for (const k of kinds) {
      const t = counts[k];
      const p = got[k];
      score[k].tp += Math.min(t, p);
      score[k].fp += Math.max(0, p - t);
      score[k].fn += Math.max(0, t - p);
    }
  }
  return Object.fromEntries(kinds.map((k) => {
    const { tp, fp, fn } = score[k];
    return [k, { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), support: tp + fn }];
  }));
}
