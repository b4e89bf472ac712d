// Starts the congodb MongoDB wire-protocol server (in memory) for Rift's store tests.
// Usage: node server.mjs CONGODB_DIR PORT   (started by scripts/mongo-compat.sh)
// Prints "ready PORT" once it accepts connections; exits cleanly on SIGTERM/SIGINT.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [dir, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!dir || !Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error('usage: node server.mjs CONGODB_DIR PORT');
    process.exit(2);
}
const { CongoServer } = await import(pathToFileURL(path.join(dir, 'index.js')).href);
const server = new CongoServer({ port, host: '127.0.0.1', storage: 'memory' });
await server.start();
console.log(`ready ${port}`);

let stopping = false;
async function stop() {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
