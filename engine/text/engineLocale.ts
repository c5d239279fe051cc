/**
 * The language the engine speaks, apart from its catalogs: a page sets it without loading every language's
 * engine messages (they come with the engine code that needs them).
 */
export type EngineLocale = 'en' | 'zh-CN';

let locale: EngineLocale = 'en';

export function setEngineLocale(next: EngineLocale): void {
  locale = next === 'zh-CN' ? 'zh-CN' : 'en';
}

export function engineLocale(): EngineLocale {
  return locale;
}
