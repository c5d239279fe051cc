'use client';
/** English pages: their messages, and nothing of the other languages'. */
import { ReactNode } from 'react';
import { LocaleProvider, PageLanguage } from './locale';
import { en } from './messages/en';

const ENGLISH: PageLanguage = { locale: 'en', messages: en };

export function EnglishPage({ children }: { children: ReactNode }) {
  return <LocaleProvider language={ENGLISH}>{children}</LocaleProvider>;
}
