'use client';
/** The cost lab's sparsity sweep as a notebook cell (same measurement, same chart). */
import { Sweep } from '../cost/CostLab';

export default function SweepCell() {
  return <Sweep />;
}
