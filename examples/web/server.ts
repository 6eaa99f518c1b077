/**
 * The web example: a host app that serves a chat page and gives each browser tab its own
 * ChatClient, bridged over a WebSocket. The page never speaks TCP; files go up and down over
 * plain HTTP, streamed through the tab's client. See README.md.
 *
 *   npm run example:web                                   # with an embedded PieChat server
 *   PIECHAT_PORT=9009 npm run example:web                 # against a running one
 *   PIECHAT_WEB_PORT=0 npx tsx examples/web/server.ts     # on a free port
 *
 * Exits 0 on SIGINT/SIGTERM, 1 if it cannot listen, 2 on a bad setting.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Bridge } from './bridge.js';
import { startEmbeddedServer } from './embedded-server.js';
import { createRoutes } from './http-routes.js';
import { RequestGuard } from './request-guard.js';
import { readSettings, type WebSettings } from './settings.js';
import { StaticFiles } from './static-files.js';

let settings: WebSettings;
try {
  settings = readSettings(process.env);
} catch (error) {
  console.error(`web: ${(error as Error).message}`);
  process.exit(2);
}

const embedded = settings.chatServer === undefined ? await startEmbeddedServer() : undefined;
const chatServer = settings.chatServer ?? embedded!.address;
const guard = new RequestGuard(settings.webHost);
const bridge = new Bridge(chatServer, guard);
const page = new StaticFiles(fileURLToPath(new URL('./public/', import.meta.url)));
const http = createServer(createRoutes({ bridge, guard, page }));
http.on('upgrade', (request, socket, head) => bridge.upgrade(request, socket, head));

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

async function stop(): Promise<void> {
  await bridge.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await embedded?.close();
  console.log('web: stopped');
}

try {
  const port = await listen(http, settings.webPort, settings.webHost);
  const where = embedded === undefined ? 'the PieChat server' : 'an embedded PieChat server';
  console.log(`web: tabs connect to ${where} at ${chatServer.host}:${chatServer.port}${embedded ? ` (files in ${embedded.storage})` : ''}`);
  const urlHost = settings.webHost.includes(':') ? `[${settings.webHost}]` : settings.webHost;
  console.log(`web UI on http://${urlHost}:${port}/`);
} catch (error) {
  console.error(`web: cannot listen on ${settings.webHost}:${settings.webPort}: ${(error as Error).message}`);
  await embedded?.close();
  process.exit(1);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
