import type { Metadata } from 'next';
import { pageMetadata } from '../../../i18n/pageMetadata';
import { PageIntro } from '../../../components/site/PageIntro';
import { TrainLab } from '../../../components/train/TrainLab';

export const metadata: Metadata = pageMetadata('en', 'train');

export default function TrainPage() {
  return (
    <div className="page">
      <PageIntro page="train" />
      <TrainLab />
    </div>
  );
}
