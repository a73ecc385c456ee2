// Types for scorer.mjs (used by the harness tests in plugins/anomaly/test).
export interface CostMatrix { tpWeight: number; fnWeight: number; fpWeight: number; tnWeight: number }
export declare const PROFILES: Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', CostMatrix>;
export declare const PROBATION_PERCENT: number;
export interface ThresholdRow { threshold: number; score: number; tp: number; tn: number; fp: number; fn: number; total: number }
export interface NabFile { name: string; timestamps: Float64Array; values: Float64Array; rawTimestamps: string[]; windows: [number, number][] }
export interface SweepList { score: Float64Array; sweep: Float64Array; windowId: Int32Array; windowsUsed?: number }
export interface ProfileResult {
  score: number; raw: number; threshold: number; null: number; perfect: number;
  tp: number; fp: number; fn: number; tn: number; perFile: ({ name: string } & ThresholdRow)[];
}
export declare function scaledSigmoid(x: number): number;
export declare function probationaryLength(numRows: number, probationPercent?: number): number;
export declare function parseNabTime(text: string): number;
export declare function calcSweepScore(timestamps: ArrayLike<number>, anomalyScores: ArrayLike<number>, windowLimits: [number, number][], cost: CostMatrix, windowIdBase?: number, probationPercent?: number): Required<SweepList>;
export declare function concatSweeps(sweeps: SweepList[]): SweepList;
export declare function calcScoreByThreshold(list: SweepList, cost: CostMatrix): ThresholdRow[];
export declare function optimizeThreshold(corpus: Pick<NabFile, 'timestamps' | 'windows'>[], scoresByFile: ArrayLike<number>[], cost: CostMatrix): { threshold: number; score: number };
export declare function scoreDataSet(timestamps: ArrayLike<number>, anomalyScores: ArrayLike<number>, windows: [number, number][], cost: CostMatrix, threshold: number, probationPercent?: number): ThresholdRow;
export declare function scoreCorpus(corpus: Pick<NabFile, 'name' | 'timestamps' | 'windows'>[], scoresByFile: ArrayLike<number>[], cost: CostMatrix, threshold: number): ThresholdRow & { perFile: ({ name: string } & ThresholdRow)[] };
export declare function nabScore(corpus: Pick<NabFile, 'name' | 'timestamps' | 'windows'>[], scoresByFile: ArrayLike<number>[], profiles?: Record<string, CostMatrix>): Record<string, ProfileResult>;
export declare function loadCorpus(root: string): NabFile[];
