import type { Metadata } from 'next';
import { pageMetadata, segmentLocale } from '../../../i18n/pageMetadata';

export { default } from '../../(en)/train/page';

export async function generateMetadata({ params }: { params: Promise<{ lang: string }> }): Promise<Metadata> {
  return pageMetadata(segmentLocale((await params).lang), 'train');
}
