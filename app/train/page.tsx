import type { Metadata } from 'next';
import { PageIntro } from '../../components/site/PageIntro';
import { TrainLab } from '../../components/train/TrainLab';

export const metadata: Metadata = { title: 'Train — Sparse CNN Lab' };

export default function TrainPage() {
  return (
    <div className="page">
      <PageIntro page="train" />
      <TrainLab />
    </div>
  );
}
