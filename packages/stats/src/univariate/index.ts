/**
 * Univariate two-sample statistics: KS, Cramér–von Mises, chi-square, Wasserstein, energy,
 * PSI, Jensen–Shannon, total variation, effect sizes, quantiles and multiple-testing corrections.
 * Each routine matches its scipy/statsmodels counterpart (see the package README).
 */
export { ks2Samp, ks2SampSorted, ks2SampFromStatistic, ksStatisticSorted, type Ks2SampOptions, type Ks2SampResult } from './ks.js';
export { cramerVonMises2Samp, cramerVonMises2SampSorted, cramerVonMises2SampFromRanks, cramerVonMisesCdfInf, type CramerVonMisesResult } from './cvm.js';
export {
  chiSquareTest, chiSquareContingency, cramersV, totalVariation, jensenShannonDistance, jensenShannonCategorical,
  alignCategoryCounts, type ChiSquareResult, type AlignedCounts,
} from './categorical.js';
export {
  wasserstein1, wasserstein1Sorted, wassersteinNormalized, energyDistance, energyDistanceSorted, cohensD, sampleMoments, type SampleMoments, stdPopulation, psi, psiFromShares, jensenShannonNumeric,
  referenceQuantileEdges, binCounts, binnedShares, PSI_EMPTY_BIN_SHARE, type BinnedOptions,
} from './distances.js';
export { quantileSorted, quantiles } from './quantile.js';
export { bonferroni, benjaminiHochberg } from './multiple.js';
export {
  MIN_P_VALUE, clipPValue, logGamma, gammaFn, regularizedGammaP, regularizedGammaQ, chiSquareSf, chiSquareLogSf,
  erfc, normalCdf, normalSf, kolmogorovSf, kolmogorovFiniteSf, smirnovSf, besselKScaled,
} from './special.js';
export { sortedFinite, sortFloat64 } from './sorting.js';
export { sortedPairStatistics, type SortedPairStatistics } from './sorted-pair.js';
