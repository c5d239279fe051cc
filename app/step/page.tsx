import type { Metadata } from 'next';
import { PageIntro } from '../../components/site/PageIntro';
import { ConvStepper } from '../../components/step/ConvStepper';

export const metadata: Metadata = { title: 'Step through a sparse convolution — Sparse CNN Lab' };

export default function StepPage() {
  return (
    <div className="page">
      <PageIntro page="step" />
      <ConvStepper />
    </div>
  );
}
