/**
 * Paired and blocked tests (bias checks compare the members of counterfactual sets): Wilcoxon
 * signed-rank, McNemar, sign-flip and block permutation tests, and a percentile bootstrap.
 */
export { wilcoxonSignedRank, wilcoxonExactPmf, averageRanks, type WilcoxonOptions, type WilcoxonResult } from './wilcoxon.js';
export { mcnemarTest, mcnemarPaired, binomialCdf, type McNemarOptions, type McNemarResult } from './mcnemar.js';
export { signFlipTest, blockPermutationTest, bootstrapCi, type PermutationOptions, type PermutationResult, type BootstrapCi } from './permutation.js';
