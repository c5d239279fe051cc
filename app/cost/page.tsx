import type { Metadata } from 'next';
import { PageIntro } from '../../components/site/PageIntro';
import { CostLab } from '../../components/cost/CostLab';

export const metadata: Metadata = { title: 'Cost — Sparse CNN Lab' };

export default function CostPage() {
  return (
    <div className="page">
      <PageIntro page="cost" />
      <CostLab />
    </div>
  );
}
