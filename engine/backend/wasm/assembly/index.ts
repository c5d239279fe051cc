/** The WebAssembly backend's kernels: everything the module exports. */
export { conv2dBackward, conv2dForward } from './conv2d';
export { gemmPacked, packPanels } from './gemm';
