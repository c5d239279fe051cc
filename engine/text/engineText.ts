/**
 * The words the engine says to people — data and checkpoint problems, model-text errors, training faults,
 * progress — in the language the app shows. The engine runs in workers and in Node, so the language is
 * module state: the app's worker sets it when the learner switches, the CLI and the tests keep English.
 */
import { ENGINE_EN, EngineTextKey } from './en';
import { ENGINE_ZH_CN } from './zhCN';
import { engineLocale, EngineLocale } from './engineLocale';

export { engineLocale, setEngineLocale } from './engineLocale';
export type { EngineLocale } from './engineLocale';

const CATALOGS: Record<EngineLocale, Record<EngineTextKey, string>> = { en: ENGINE_EN, 'zh-CN': ENGINE_ZH_CN };

/** One message, `{name}` placeholders filled: engineText('data.empty', { name: 'data_batch_1.bin' }). */
export function engineText(key: EngineTextKey, values: Record<string, string | number> = {}): string {
  return CATALOGS[engineLocale()][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A count written the way the current language writes it (1,234,567). */
export function engineCount(n: number): string {
  return n.toLocaleString(engineLocale() === 'zh-CN' ? 'zh-CN' : 'en-US');
}
