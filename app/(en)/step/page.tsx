import type { Metadata } from 'next';
import { pageMetadata } from '../../../i18n/pageMetadata';
import { PageIntro } from '../../../components/site/PageIntro';
import { ConvStepper } from '../../../components/step/ConvStepper';

export const metadata: Metadata = pageMetadata('en', 'step');

export default function StepPage() {
  return (
    <div className="page">
      <PageIntro page="step" />
      <ConvStepper />
    </div>
  );
}
