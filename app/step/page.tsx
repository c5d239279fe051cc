import type { Metadata } from 'next';
import { ConvStepper } from '../../components/step/ConvStepper';

export const metadata: Metadata = { title: 'Step through a sparse convolution — Sparse CNN Lab' };

export default function StepPage() {
  return (
    <div className="page">
      <h1>Step through a sparse convolution</h1>
      <p className="lede">
        A dense convolution multiplies every input position by every weight, zeros included. A sparse one visits
        only Ω — the pairs of a nonzero input and a nonzero weight — and skips the rest. Play both on a real image
        and watch the counters: every value here comes from our engine, which traced its own multiplies.
      </p>
      <ConvStepper />
    </div>
  );
}
