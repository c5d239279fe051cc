import type { Metadata } from 'next';
import { CostLab } from '../../components/cost/CostLab';

export const metadata: Metadata = { title: 'Cost — Sparse CNN Lab' };

export default function CostPage() {
  return (
    <div className="page">
      <h1>Dense vs sparse: what it costs on your device</h1>
      <p className="lede">
        Skipping zeros saves multiplies, but a sparse kernel pays for finding them. How much is saved — and from what sparsity on — depends on the machine. Measure it
        here: nothing below is a claim, every number is timed or counted on this device.
      </p>
      <CostLab />
    </div>
  );
}
