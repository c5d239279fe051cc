import type { Metadata } from 'next';
import { DeviceNote } from '../components/ui/DeviceNote';
import { SiteHeader } from '../components/site/SiteHeader';
import { LocaleSync } from '../i18n/LocaleSync';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sparse CNN Lab',
  description: 'See how sparse convolutional neural networks work, and run them on your own device.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <LocaleSync />
        <SiteHeader />
        <main id="main">{children}</main>
        <footer className="site-footer">
          <DeviceNote />
        </footer>
      </body>
    </html>
  );
}
