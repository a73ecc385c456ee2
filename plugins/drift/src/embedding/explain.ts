/**
 * Explaining a multivariate drift: how the shift of the mean splits over the reference's
 * principal directions, and which records lie furthest along the directions that moved.
 */
import { columnMeans, type Matrix, type Pca } from '@vigia/stats';

export interface ShiftDirection {
  /** Principal component of the reference (0 = largest variance). */
  component: number;
  /** Share of ‖mean shift‖² along this component. */
  share: number;
  /** Mean shift along the component, in reference standard deviations. */
  shiftSd: number;
  /** Dimensions with the largest absolute loadings on the component. */
  topDims: { dim: number; loading: number }[];
}

export interface ShiftExplanation {
  /** Euclidean norm of mean(current) − mean(reference). */
  meanShiftNorm: number;
  /** Directions that moved most, by share of the mean shift. */
  directions: ShiftDirection[];
  /** Share of the mean shift outside the fitted components. */
  outsideShare: number;
  /**
   * The mean-shift direction itself, in the user's terms: the share of current records beyond
   * the reference's 95th percentile along it (5 % when nothing moved), and example texts at
   * either end (current furthest along, reference furthest against; only when texts are known).
   */
  alongShift?: { beyondShare: number; referenceQuantile: number; current: string[]; reference: string[] };
  /** Per direction, the current records furthest along the shift and the reference records furthest against it (only when texts are known). */
  examples?: { component: number; reference: string[]; current: string[] }[];
}

const TEXT_CHARS = 200;

function clip(text: string): string {
  return text.length > TEXT_CHARS ? `${text.slice(0, TEXT_CHARS - 1)}…` : text;
}

function furthestAlong(x: Matrix, mean: Float64Array, axis: Float64Array, sign: number, texts: (string | undefined)[], count: number): string[] {
  const d = x.cols;
  const scored: { score: number; text: string }[] = [];
  for (let i = 0; i < x.rows; i++) {
    const text = texts[i];
    if (text === undefined) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += (x.data[i * d + j]! - mean[j]!) * axis[j]!;
    scored.push({ score: sign * s, text });
  }
  scored.sort((a, b) => b.score - a.score);
  const out: string[] = [];
  for (const { text } of scored) {
    if (out.length >= count) break;
    if (!out.includes(clip(text))) out.push(clip(text));
  }
  return out;
}

export function explainShift(
  reference: Matrix,
  current: Matrix,
  pca: Pca,
  options: { top?: number; topDims?: number; examples?: number; referenceTexts?: (string | undefined)[]; currentTexts?: (string | undefined)[] } = {},
): ShiftExplanation {
  const d = reference.cols;
  const mr = columnMeans(reference), mc = columnMeans(current);
  const delta = new Float64Array(d);
  let total = 0;
  for (let j = 0; j < d; j++) { delta[j] = mc[j]! - mr[j]!; total += delta[j]! * delta[j]!; }
  const k = pca.components.rows;
  const all: (ShiftDirection & { projection: number })[] = [];
  let explained = 0;
  for (let c = 0; c < k; c++) {
    const axis = pca.components.data.subarray(c * d, (c + 1) * d);
    let projection = 0;
    for (let j = 0; j < d; j++) projection += delta[j]! * axis[j]!;
    const share = total > 0 ? (projection * projection) / total : 0;
    explained += share;
    const dims = Array.from(axis, (loading, dim) => ({ dim, loading })).sort((a, b) => Math.abs(b.loading) - Math.abs(a.loading)).slice(0, options.topDims ?? 5);
    const sd = Math.sqrt(pca.variances[c]!);
    all.push({ component: c, share, shiftSd: sd > 0 ? projection / sd : 0, topDims: dims, projection });
  }
  all.sort((a, b) => b.share - a.share);
  const top = all.slice(0, options.top ?? 3);
  const explanation: ShiftExplanation = {
    meanShiftNorm: Math.sqrt(total),
    directions: top.map(({ projection: _p, ...rest }) => rest),
    outsideShare: Math.max(0, 1 - explained),
  };
  if (total > 0) {
    const axis = delta.map((v) => v / Math.sqrt(total));
    const project = (x: Matrix) => Array.from({ length: x.rows }, (_, i) => {
      let p = 0;
      for (let j = 0; j < d; j++) p += (x.data[i * d + j]! - mr[j]!) * axis[j]!;
      return p;
    });
    const refP = project(reference).sort((a, b) => a - b);
    const cut = refP[Math.min(refP.length - 1, Math.floor(0.95 * refP.length))]!;
    const curP = project(current);
    const count = options.examples ?? 3;
    explanation.alongShift = {
      beyondShare: curP.filter((p) => p > cut).length / Math.max(1, curP.length),
      referenceQuantile: 0.95,
      current: options.currentTexts ? furthestAlong(current, mr, axis, 1, options.currentTexts, count) : [],
      reference: options.referenceTexts ? furthestAlong(reference, mr, axis, -1, options.referenceTexts, count) : [],
    };
  }
  if (options.referenceTexts || options.currentTexts) {
    const count = options.examples ?? 3;
    explanation.examples = top.map((dir) => {
      const axis = pca.components.data.subarray(dir.component * d, (dir.component + 1) * d);
      const sign = dir.projection < 0 ? -1 : 1;
      return {
        component: dir.component,
        // The reference at the other end of the direction, so the two lists show what differs.
        reference: options.referenceTexts ? furthestAlong(reference, mr, axis, -sign, options.referenceTexts, count) : [],
        current: options.currentTexts ? furthestAlong(current, mr, axis, sign, options.currentTexts, count) : [],
      };
    });
  }
  return explanation;
}
