import type { Metadata } from 'next';
import Link from 'next/link';
import { DeviceNote } from '../components/ui/DeviceNote';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sparse CNN Lab',
  description: 'See how sparse convolutional neural networks work, and run them on your own device.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              ▦
            </span>
            Sparse CNN Lab
          </Link>
          <nav aria-label="Main">
            <Link href="/">Home</Link>
            <Link href="/step/">Step through</Link>
            <Link href="/train/">Train</Link>
            <Link href="/cost/">Cost</Link>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer className="site-footer">
          <DeviceNote />
        </footer>
      </body>
    </html>
  );
}
