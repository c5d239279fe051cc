/**
 * No import cycles in the engine: neither between files (what `madge --circular` reports) nor between its
 * folders (a folder is one concept; two concepts that need each other are one concept or a missing third).
 * Run by `npm run lint`. Prints each cycle with the imports that make it, and exits 1 if there is one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', 'engine');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The engine files a file imports (type-only imports too: they tie the concepts together all the same). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) {
    const base = path.resolve(path.dirname(file), match[1]);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => {
      try {
        return statSync(candidate).isFile();
      } catch {
        return false;
      }
    });
    if (target && target.startsWith(ROOT + path.sep)) targets.push(target);
  }
  return targets;
}

/** Strongly connected components with more than one node (Tarjan): each is at least one cycle. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = new Map<string, Set<string>>();
const folders = new Map<string, Set<string>>();
const folderOf = (file: string) => path.relative(ROOT, file).split(path.sep)[0];
const because = new Map<string, string[]>();
for (const file of sources(ROOT)) {
  const targets = importsOf(file);
  files.set(file, new Set(targets));
  for (const target of targets) {
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from === to) continue;
    if (!folders.has(from)) folders.set(from, new Set());
    folders.get(from)!.add(to);
    const key = `${from} → ${to}`;
    because.set(key, [...(because.get(key) ?? []), `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`]);
  }
}

const fileCycles = cycles(files);
const folderCycles = cycles(folders);
for (const cycle of fileCycles) console.error(`import cycle between files: ${cycle.map((f) => path.relative(ROOT, f)).join(', ')}`);
for (const cycle of folderCycles) {
  console.error(`import cycle between engine folders: ${cycle.join(', ')}`);
  for (const from of cycle)
    for (const to of folders.get(from) ?? [])
      if (cycle.includes(to)) for (const reason of because.get(`${from} → ${to}`)!) console.error(`  ${from} → ${to}: ${reason}`);
}
if (fileCycles.length || folderCycles.length) process.exit(1);
console.log(`engine imports: no cycles (${files.size} files in ${new Set([...files.keys()].map(folderOf)).size} folders)`);
