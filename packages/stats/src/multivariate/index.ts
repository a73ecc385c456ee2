/** Multivariate numerics: kernels, MMD, PCA, classifiers, clustering. */
export * from './matrix.js';
export * from './mmd.js';
