/**
 * The wasm backend's tensors live in the kernels' linear memory; this is its allocator. Blocks come in
 * multiples of 64 bytes (a cache line; vectors stay aligned) from free lists by exact size — a training
 * step frees and asks for the same sizes every step, so after the first step nothing grows — and from the
 * top of the memory otherwise, which grows by whole pages.
 *
 * Views: `floats` / `ints` make a typed array over the current buffer each time, because growing the memory
 * detaches every earlier view.
 */

const PAGE = 65536;
const BLOCK = 64;

export class WasmHeap {
  private top: number;
  private readonly freeBlocks = new Map<number, number[]>();

  constructor(private readonly memory: WebAssembly.Memory) {
    // The module's own static data sits below its initial size.
    this.top = Math.ceil(memory.buffer.byteLength / BLOCK) * BLOCK;
  }

  /** Bytes the heap holds (allocated or free), for tests and leak checks. */
  get reserved(): number {
    return this.top;
  }

  /** A block of at least `bytes` (its contents are whatever was there). */
  alloc(bytes: number): number {
    const size = blockSize(bytes);
    const reused = this.freeBlocks.get(size)?.pop();
    if (reused !== undefined) return reused;
    const at = this.top;
    this.top += size;
    const missing = this.top - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
    return at;
  }

  release(offset: number, bytes: number): void {
    const size = blockSize(bytes);
    let list = this.freeBlocks.get(size);
    if (!list) this.freeBlocks.set(size, (list = []));
    list.push(offset);
  }

  floats(offset: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, count);
  }

  ints(offset: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, count);
  }
}

function blockSize(bytes: number): number {
  return Math.max(BLOCK, Math.ceil(bytes / BLOCK) * BLOCK);
}
