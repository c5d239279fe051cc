/** The WebAssembly backend's kernels: everything the module exports. */
export { conv2dBackward, conv2dBackwardScratch, conv2dForward, conv2dForwardScratch } from './conv2d';
export { cartesianBackward, cartesianForward, cartesianScratch } from './cartesian';
export { adamUpdate, applyMask, countNonzeros, reluBackward, reluForward, scaleAdd, sgdUpdate } from './elementwise';
export { gemmPacked, packPanels } from './gemm';
export { linearBackward, linearForward, sparseLinearBackward, sparseLinearForward } from './linear';
export { maxPool2dBackward, maxPool2dForward, sparseMaxPool2dForward } from './pool';
export { softmax, softmaxCrossEntropy } from './softmax';
export { paddedRowStride, weightSparseBackward, weightSparseForward } from './weightSparse';
export { convPairs, linearPairs } from './pairs';
