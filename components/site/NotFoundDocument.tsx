'use client';
/**
 * The 404 page's body. One static 404.html answers every unknown address, so its language comes from the
 * address in the browser: English as built, Chinese (loaded then) under /zh-CN/.
 */
import { useEffect, useState } from 'react';
import { LocaleProvider, PageLanguage } from '../../i18n/locale';
import { en } from '../../i18n/messages/en';
import { pathLocale } from '../../i18n/paths';
import { NotFound } from './NotFound';
import { SiteHeader } from './SiteHeader';

const ENGLISH: PageLanguage = { locale: 'en', messages: en };

export function NotFoundDocument() {
  const [language, setLanguage] = useState<PageLanguage>(ENGLISH);
  useEffect(() => {
    if (pathLocale(window.location.pathname) !== 'zh-CN') return;
    void import('../../i18n/messages/zh-CN').then(({ zhCN }) => {
      document.documentElement.lang = 'zh-CN';
      document.title = zhCN.site.titles.notFound;
      setLanguage({ locale: 'zh-CN', messages: zhCN });
    });
  }, []);
  return (
    <LocaleProvider language={language}>
      <SiteHeader />
      <main id="main">
        <NotFound />
      </main>
    </LocaleProvider>
  );
}
