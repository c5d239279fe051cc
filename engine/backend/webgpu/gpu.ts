/**
 * The WebGPU runtime under the WGSL kernels: tensors as storage buffers, pipelines compiled once per kernel,
 * and dispatches recorded into one command encoder until something has to be read back — so a training step
 * is a few submits, not hundreds.
 *
 * Every kernel follows one convention: `@workgroup_size(64)`, a flat invocation index
 * `gid.x + gid.y · 64 · num_workgroups.x` (a 2-D grid of workgroups once a dispatch passes 65,535 of them),
 * storage bindings in the order given, and a uniform `Params` struct last.
 */
import { Shape, shapeSize } from '../../tensor/tensor';

export type DType = 'f32' | 'i32';

export class GpuTensor {
  readonly size: number;
  constructor(
    readonly shape: Shape,
    readonly buffer: GPUBuffer,
    readonly dtype: DType = 'f32',
  ) {
    this.size = shapeSize(shape);
  }

  destroy(): void {
    this.buffer.destroy();
  }
}

/** A uniform value and its WGSL type (the Params struct's fields, in order). */
export type Param = { u32: number } | { i32: number } | { f32: number };

/** The WGSL that computes the flat invocation index `i` and returns past `count`. */
export const FLAT_INDEX = /* wgsl */ `let i = gid.x + gid.y * 64u * nwg.x;`;
export const ENTRY = /* wgsl */ `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u)`;

const MAX_WORKGROUPS_PER_DIMENSION = 65535;

export class Gpu {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** The query set the next compute pass writes its begin and end timestamps to (see `measure`). */
  private timing: GPUQuerySet | null = null;
  /** Buffers to free once the work recorded so far has been submitted (uniforms, temporaries). */
  private garbage: GPUBuffer[] = [];

  private placeholderTensor: GpuTensor | null = null;

  /** The first validation or out-of-memory error the device reported, thrown by the next read. */
  private deviceError: string | null = null;

  constructor(readonly device: GPUDevice) {
    device.addEventListener('uncapturederror', (event) => {
      this.deviceError ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** A tensor to bind where a kernel declares a buffer it will not read this time (e.g. no active sites). */
  placeholder(): GpuTensor {
    if (!this.placeholderTensor) this.placeholderTensor = this.tensor([4]);
    return this.placeholderTensor;
  }

  /** Frees `t` once the work recorded so far has been submitted; returns it for use until then. */
  temporary(t: GpuTensor): GpuTensor {
    this.garbage.push(t.buffer);
    return t;
  }

  private storage(bytes: number): GPUBuffer {
    return this.device.createBuffer({
      size: Math.max(16, Math.ceil(bytes / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** A new tensor: zeros (WebGPU clears new buffers), or a copy of `data`. */
  tensor(shape: Shape, data?: Float32Array | Int32Array, dtype: DType = data instanceof Int32Array ? 'i32' : 'f32'): GpuTensor {
    const t = new GpuTensor(shape, this.storage(shapeSize(shape) * 4), dtype);
    if (data) {
      if (data.length !== t.size) throw new RangeError(`gpu tensor of shape [${shape.join(', ')}] needs ${t.size} values, got ${data.length}`);
      this.write(t, data);
    }
    return t;
  }

  /** Overwrites a tensor's contents (queued after everything already recorded). */
  write(t: GpuTensor, data: Float32Array | Int32Array): void {
    this.flush();
    this.device.queue.writeBuffer(t.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies one tensor's contents into another of the same size, in recording order. */
  copy(from: GpuTensor, to: GpuTensor): void {
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(from.buffer, 0, to.buffer, 0, from.size * 4);
  }

  /** Reads a tensor back (submits everything recorded so far first). */
  async read(t: GpuTensor): Promise<Float32Array | Int32Array> {
    const bytes = t.size * 4;
    const staging = this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(t.buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    if (this.deviceError) {
      staging.destroy();
      throw new Error(`WebGPU: ${this.deviceError}`);
    }
    const raw = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    staging.destroy();
    return t.dtype === 'i32' ? new Int32Array(raw) : new Float32Array(raw);
  }

  async readFloats(t: GpuTensor): Promise<Float32Array> {
    if (t.dtype !== 'f32') throw new TypeError('readFloats: the tensor holds integers');
    return (await this.read(t)) as Float32Array;
  }

  /**
   * Records one dispatch of a kernel over `count` invocations. `code` is the kernel's WGSL, compiled once
   * and cached under `name`; `tensors` are bound at 0, 1, …; `params` fill the uniform at the next binding.
   */
  run(name: string, code: string, tensors: GpuTensor[], params: Param[], count: number): void {
    if (count <= 0) return;
    const pipeline = this.pipeline(name, code);
    const entries: GPUBindGroupEntry[] = tensors.map((t, binding) => ({ binding, resource: { buffer: t.buffer } }));
    if (params.length) entries.push({ binding: tensors.length, resource: { buffer: this.uniform(params) } });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const groups = Math.ceil(count / 64);
    const x = Math.min(groups, MAX_WORKGROUPS_PER_DIMENSION);
    const y = Math.ceil(groups / x);
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
  }

  /** Records one dispatch with an explicit grid of workgroups, for kernels with their own tiling (matmul). */
  runGrid(name: string, code: string, tensors: GpuTensor[], params: Param[], grid: [number, number, number]): void {
    if (grid.some((g) => g <= 0)) return;
    const pipeline = this.pipeline(name, code);
    const entries: GPUBindGroupEntry[] = tensors.map((t, binding) => ({ binding, resource: { buffer: t.buffer } }));
    if (params.length) entries.push({ binding: tensors.length, resource: { buffer: this.uniform(params) } });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
    pass.dispatchWorkgroups(...grid);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    for (const b of this.garbage) b.destroy();
    this.garbage = [];
  }

  /** Resolves when the GPU has finished everything submitted (the timing fallback without timestamps). */
  async finish(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  private pipeline(name: string, code: string): GPUComputePipeline {
    let p = this.pipelines.get(name);
    if (!p) {
      const shader = this.device.createShaderModule({ label: name, code });
      p = this.device.createComputePipeline({ label: name, layout: 'auto', compute: { module: shader, entryPoint: 'main' } });
      this.pipelines.set(name, p);
    }
    return p;
  }

  private uniform(params: Param[]): GPUBuffer {
    const data = new ArrayBuffer(Math.ceil((params.length * 4) / 16) * 16);
    const view = new DataView(data);
    params.forEach((p, i) => {
      if ('u32' in p) view.setUint32(4 * i, p.u32, true);
      else if ('i32' in p) view.setInt32(4 * i, p.i32, true);
      else view.setFloat32(4 * i, p.f32, true);
    });
    const buffer = this.device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, data);
    this.garbage.push(buffer);
    return buffer;
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      const timing = this.timing;
      this.pass = this.commandEncoder().beginComputePass(
        timing ? { timestampWrites: { querySet: timing, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : undefined,
      );
      this.timing = null; // only the pass being measured writes timestamps
    }
    return this.pass;
  }

  /** Whether GPU timestamps are available (the device was created with 'timestamp-query'). */
  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * Time of the GPU work `record` records, in milliseconds: from timestamp queries around its compute pass
   * where the device has them, else wall time from submit to `onSubmittedWorkDone` (which includes the
   * submit and the wait, so it overstates short work).
   */
  async measure(record: () => unknown): Promise<{ ms: number; source: 'timestamps' | 'submitted-work-done' }> {
    await this.finish();
    if (!this.hasTimestamps) {
      const start = performance.now();
      await record();
      await this.finish();
      return { ms: performance.now() - start, source: 'submitted-work-done' };
    }
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 });
    const resolved = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.timing = querySet;
    await record();
    this.endPass();
    this.timing = null;
    const encoder = this.commandEncoder();
    encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, 16);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    for (const b of [staging, resolved]) b.destroy();
    querySet.destroy();
    return { ms: Number(end - begin) / 1e6, source: 'timestamps' };
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }
}
