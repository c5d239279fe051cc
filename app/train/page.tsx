import type { Metadata } from 'next';
import { TrainLab } from '../../components/train/TrainLab';

export const metadata: Metadata = { title: 'Train — Sparse CNN Lab' };

export default function TrainPage() {
  return (
    <div className="page">
      <h1>Train a CNN on CIFAR-10</h1>
      <p className="lede">
        Pick a model and press Start. Every number is computed by our TypeScript engine in a background worker, so the page
        stays responsive while it trains.
      </p>
      <TrainLab />
    </div>
  );
}
