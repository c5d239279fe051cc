'use client';
/** Chinese pages (under /zh-CN/): their messages, and nothing of the other languages'. */
import { ReactNode } from 'react';
import { LocaleProvider, PageLanguage } from './locale';
import { zhCN } from './messages/zh-CN';

const CHINESE: PageLanguage = { locale: 'zh-CN', messages: zhCN };

export function ChinesePage({ children }: { children: ReactNode }) {
  return <LocaleProvider language={CHINESE}>{children}</LocaleProvider>;
}
