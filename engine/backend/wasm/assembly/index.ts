/** The WebAssembly backend's kernels: everything the module exports. */
export { gemmPacked, packPanels } from './gemm';
