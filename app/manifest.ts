/**
 * The web app manifest (served as /manifest.webmanifest, linked from every page): the lab installs as an
 * app of its own window, with its icon.
 */
import type { MetadataRoute } from 'next';

export const dynamic = 'force-static';

export default function manifest(): MetadataRoute.Manifest {
  return {
    id: '/',
    name: 'Sparse CNN Lab',
    short_name: 'Sparse CNN Lab',
    description:
      'See how sparse convolutional neural networks work, step by step, and train them on your own device. 稀疏卷积神经网络，一步一步看懂，并在你自己的设备上训练。',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: '#f7f7f4',
    theme_color: '#1f5fbf',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: '/icons/icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
}
