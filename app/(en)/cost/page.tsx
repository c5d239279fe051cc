import type { Metadata } from 'next';
import { pageMetadata } from '../../../i18n/pageMetadata';
import { PageIntro } from '../../../components/site/PageIntro';
import { CostLab } from '../../../components/cost/CostLab';

export const metadata: Metadata = pageMetadata('en', 'cost');

export default function CostPage() {
  return (
    <div className="page">
      <PageIntro page="cost" />
      <CostLab />
    </div>
  );
}
