// Worker threads start without the CLI's TypeScript loader: register tsx, then load the real worker.
require('tsx/cjs/api').register();
require('./gradientWorker.ts');
