/** npm run serve [-- --port N]: serves the built app (out/) and prints its URL. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from './lib/cifar10Files';
import { createStaticServer, listen } from './lib/staticServer';

export async function serve(port: number, strictPort = false): Promise<void> {
  const root = path.join(PROJECT_ROOT, 'out');
  if (!existsSync(path.join(root, 'index.html'))) {
    console.error('serve: out/ has no built app; run `npm run build` first (npm start does both).');
    process.exit(1);
  }
  const server = createStaticServer(root);
  const actual = await listen(server, port, '127.0.0.1', strictPort ? 0 : 20);
  console.log(`Sparse CNN Lab is running at http://localhost:${actual}/  (Ctrl+C to stop)`);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'strict-port': { type: 'boolean', default: false } } });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  serve(port, values['strict-port']).catch((error) => {
    console.error(`serve: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
