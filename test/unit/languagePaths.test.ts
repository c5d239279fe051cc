/**
 * Where each language's pages live, and the redirect that runs at the top of every page before it paints:
 * a `?lang=` link, the remembered choice and a Chinese browser each lead to the right page, and an address
 * under a language's prefix keeps its language.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { languageRedirectScript, localizedPath, LOCALE_STORAGE_KEY, pathLocale } from '../../i18n/paths';

describe('localizedPath and pathLocale', () => {
  it.each([
    ['/', 'en', 'zh-CN', '/zh-CN/'],
    ['/step/', 'en', 'zh-CN', '/zh-CN/step/'],
    ['/zh-CN/train/', 'zh-CN', 'en', '/train/'],
    ['/zh-CN/', 'zh-CN', 'en', '/'],
    ['/zh-CN', 'zh-CN', 'en', '/'],
    ['/zh-CN/cost/', 'zh-CN', 'zh-CN', '/zh-CN/cost/'],
    ['/no/such/page', 'en', 'zh-CN', '/zh-CN/no/such/page'],
    ['/en/step/', 'en', 'zh-CN', '/zh-CN/en/step/'], // English has no prefix: /en/ is just an unknown page
  ] as const)('%s is %s; in %s it is %s', (path, here, to, expected) => {
    expect(pathLocale(path)).toBe(here);
    expect(localizedPath(to, path)).toBe(expected);
    // And back again (a bare /zh-CN comes back with its slash).
    expect(localizedPath(here, expected)).toBe(path === '/zh-CN' ? '/zh-CN/' : path);
  });
});

/** Runs the page-top script for `href` in a sandbox with this storage and browser language. */
function redirect(href: string, { saved = null as string | null, language = 'en-US', storageBlocked = false } = {}) {
  const store = new Map<string, string>(saved === null ? [] : [[LOCALE_STORAGE_KEY, saved]]);
  let replacedWith: string | null = null;
  const localStorage = {
    getItem: (key: string) => {
      if (storageBlocked) throw new Error('SecurityError');
      return store.get(key) ?? null;
    },
    setItem: (key: string, value: string) => {
      if (storageBlocked) throw new Error('SecurityError');
      store.set(key, value);
    },
  };
  const window = { location: { href, replace: (to: string) => (replacedWith = to) }, localStorage };
  runInNewContext(languageRedirectScript(), { window, navigator: { language }, URL });
  return { to: replacedWith as string | null, saved: store.get(LOCALE_STORAGE_KEY) ?? null };
}

describe('the redirect at the top of every page', () => {
  const site = 'http://localhost:3000';
  it('follows a ?lang= link, keeps the query and the hash, and remembers the language', () => {
    expect(redirect(`${site}/step/?lang=zh-CN&step.image=3#pool`)).toEqual({ to: `${site}/zh-CN/step/?lang=zh-CN&step.image=3#pool`, saved: 'zh-CN' });
    expect(redirect(`${site}/zh-CN/train/?lang=en`, { saved: 'zh-CN' })).toEqual({ to: `${site}/train/?lang=en`, saved: 'en' });
  });
  it('stays when the link asks for the page’s own language, even against the remembered choice', () => {
    expect(redirect(`${site}/?lang=en`, { saved: 'zh-CN' })).toEqual({ to: null, saved: 'en' });
    expect(redirect(`${site}/zh-CN/?lang=zh-CN`)).toEqual({ to: null, saved: 'zh-CN' });
  });
  it('opens an English address in the remembered language', () => {
    expect(redirect(`${site}/cost/?cost.model=tiny`, { saved: 'zh-CN' }).to).toBe(`${site}/zh-CN/cost/?cost.model=tiny`);
    expect(redirect(`${site}/cost/`, { saved: 'en', language: 'zh-CN' }).to).toBeNull();
  });
  it('opens an English address in Chinese for a Chinese browser only when nothing was chosen', () => {
    expect(redirect(`${site}/`, { language: 'zh-TW' }).to).toBe(`${site}/zh-CN/`);
    expect(redirect(`${site}/`, { language: 'en-GB' }).to).toBeNull();
    expect(redirect(`${site}/`, { language: 'zh-CN', storageBlocked: true }).to).toBe(`${site}/zh-CN/`);
  });
  it('never moves an address under a language’s prefix by the remembered choice or the browser', () => {
    expect(redirect(`${site}/zh-CN/step/`, { saved: 'en' }).to).toBeNull();
    expect(redirect(`${site}/zh-CN/step/`, { language: 'en-US' }).to).toBeNull();
  });
  it('reads the language from the address, so the one 404 page never sends an unknown path round in circles', () => {
    expect(redirect(`${site}/zh-CN/no/such/page`, { saved: 'zh-CN' }).to).toBeNull();
    expect(redirect(`${site}/no/such/page`, { saved: 'zh-CN' }).to).toBe(`${site}/zh-CN/no/such/page`);
  });
  it('ignores a ?lang= it does not know', () => {
    expect(redirect(`${site}/train/?lang=fr`, { saved: 'zh-CN' })).toEqual({ to: `${site}/zh-CN/train/?lang=fr`, saved: 'zh-CN' });
    expect(redirect(`${site}/train/?lang=__proto__`)).toEqual({ to: null, saved: null });
  });
});
