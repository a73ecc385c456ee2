/** Multivariate numerics: kernels, MMD, PCA, classifiers, clustering. */
export * from './matrix.js';
export * from './mmd.js';
export * from './pca.js';
export * from './classifier.js';
export * from './centroid.js';
export * from './kmeans.js';
export * from './pcaks.js';
export * from './sequential.js';
