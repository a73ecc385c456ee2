/**
 * Semantic clusters by bidirectional entailment (Kuhn, Gal & Farquhar 2023; Farquhar et al. 2024):
 * two answers mean the same when each entails the other. The entailment judge is a model reached
 * through the run's provider, asked the prompt of Farquhar et al. at temperature 0.
 */
import type { Provider } from '@vigia/core';

export function entailmentPrompt(question: string | undefined, a: string, b: string): string {
  return `${question ? `We are evaluating answers to the question "${question}"\n` : ''}Here are two possible answers:\n` +
    `Possible Answer 1: ${a}\nPossible Answer 2: ${b}\n` +
    'Does Possible Answer 1 semantically entail Possible Answer 2? Respond with entailment, contradiction, or neutral.';
}

/** The judge's verdict: the first of `entailment`, `contradiction`, `neutral` in its reply. */
export function parseVerdict(reply: string): 'entailment' | 'contradiction' | 'neutral' | undefined {
  const m = /\b(entailment|contradiction|neutral)\b/i.exec(reply);
  return m ? (m[1]!.toLowerCase() as 'entailment' | 'contradiction' | 'neutral') : undefined;
}

export interface EntailmentStats {
  calls: number;
  /** Replies with none of the three verdicts (treated as no entailment). */
  unparsed: number;
}

/**
 * Kuhn et al.'s greedy clustering: each sample is compared with the first member of every cluster
 * so far and joins the first one it bidirectionally entails; otherwise it starts a new cluster.
 * Identical texts join without a call. Returns the cluster of each sample, numbered by first member.
 */
export async function clusterByEntailment(texts: readonly string[], question: string | undefined, judge: Provider, stats: EntailmentStats, signal?: AbortSignal): Promise<number[]> {
  const entails = async (a: string, b: string) => {
    stats.calls++;
    const reply = await judge.complete({ messages: [{ role: 'user', content: entailmentPrompt(question, a, b) }], temperature: 0, maxTokens: 8 }, signal);
    const verdict = parseVerdict(reply.text);
    if (verdict === undefined) stats.unparsed++;
    return verdict === 'entailment';
  };
  const representatives: string[] = [];
  const clusterOf: number[] = [];
  for (const text of texts) {
    let found = representatives.findIndex((r) => r.trim() === text.trim());
    for (let c = 0; found < 0 && c < representatives.length; c++) {
      if ((await entails(representatives[c]!, text)) && (await entails(text, representatives[c]!))) found = c;
    }
    if (found < 0) {
      found = representatives.length;
      representatives.push(text);
    }
    clusterOf.push(found);
  }
  return clusterOf;
}
