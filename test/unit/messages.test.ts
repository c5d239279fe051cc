/**
 * The app speaks English and Chinese: every message exists in both, with the same `{placeholders}` (a
 * translation that drops one would show a blank; one that invents one would show "{name}"), and the engine's
 * own messages follow the language it is given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { en } from '../../i18n/messages/en';
import { zhCN } from '../../i18n/messages/zh-CN';
import { ENGINE_EN } from '../../engine/text/en';
import { ENGINE_ZH_CN } from '../../engine/text/zhCN';
import { engineText, setEngineLocale } from '../../engine/text/engineText';
import { parseModelSpec } from '../../engine/model/specText';
import { decodeCheckpoint } from '../../engine/train/checkpoint';
import { readTar } from '../../engine/data/tar';

/** Every string of a message tree, by its dotted path. */
function leaves(tree: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof tree === 'string') out.set(path, tree);
  else if (tree && typeof tree === 'object')
    for (const [key, value] of Object.entries(tree)) for (const [p, s] of leaves(value, path ? `${path}.${key}` : key)) out.set(p, s);
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const HAN = /[\u4e00-\u9fff]/;

describe.each([
  ['page messages', leaves(en), leaves(zhCN)],
  ['engine messages', new Map(Object.entries(ENGINE_EN)), new Map(Object.entries(ENGINE_ZH_CN))],
])('%s', (_, english, chinese) => {
  it('exist in both languages with the same placeholders', () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort());
    const wrong = [...english].filter(([key, text]) => placeholders(text).join() !== placeholders(chinese.get(key)!).join()).map(([key]) => key);
    expect(wrong).toEqual([]);
  });

  it('are translated: a Chinese sentence has Chinese in it', () => {
    // Short labels may stay as they are (ReLU, Adam, WebGPU, names of layers and papers); sentences may not.
    const untranslated = [...chinese].filter(([key, text]) => text.split(' ').length > 4 && !HAN.test(text) && english.get(key) === text).map(([key]) => key);
    expect(untranslated).toEqual([]);
  });
});

describe('the engine’s messages', () => {
  afterEach(() => setEngineLocale('en'));

  it('follow the language they are given, for model text, checkpoints and archives', () => {
    const bad = 'input 3x32x32\nconv 8 3x3\nlinear 10';
    const foreign = new TextEncoder().encode('hello, this is not a checkpoint at all'.repeat(4));
    const notTar = new Uint8Array(100);
    expect(() => parseModelSpec(bad)).toThrow('line 3: linear needs a flat input — add a "flatten" line before it');
    expect(() => decodeCheckpoint(foreign, 'notes.txt')).toThrow('notes.txt is not a Sparse CNN Lab checkpoint');
    expect(() => readTar(notTar, 'tiny.tar')).toThrow('tiny.tar is not a tar archive (only 100 bytes)');

    setEngineLocale('zh-CN');
    expect(() => parseModelSpec(bad)).toThrow('第 3 行：linear 需要展平的输入——请在它前面加一行“flatten”');
    expect(() => parseModelSpec('input 3x32x32\nflatten\nlinear 4096\nlinear 10')).toThrow('模型有 12,627,978 个参数；请控制在 5,000,000 以下');
    expect(() => decodeCheckpoint(foreign, 'notes.txt')).toThrow('notes.txt 不是 Sparse CNN Lab 的检查点');
    expect(() => readTar(notTar, 'tiny.tar')).toThrow('tiny.tar 不是 tar 压缩包（只有 100 字节）');
    expect(engineText('data.loading', { name: 'data_batch_1.bin' })).toBe('正在加载 data_batch_1.bin');
  });

  it('fall back to English for a language the engine does not know', () => {
    setEngineLocale('fr' as never);
    expect(engineText('data.ready')).toBe('Ready');
  });
});
