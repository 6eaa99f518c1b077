import type { ServerAddress } from 'piechat';

/** Where the web host listens, and which PieChat server its tabs connect to. */
export interface WebSettings {
  /** `PIECHAT_WEB_HOST`, default `127.0.0.1`: the page is for this machine only. */
  webHost: string;
  /** `PIECHAT_WEB_PORT`, default 8080; 0 picks a free port. */
  webPort: number;
  /** `PIECHAT_HOST` (default `localhost`) and `PIECHAT_PORT`; undefined without `PIECHAT_PORT`: start an embedded server. */
  chatServer: ServerAddress | undefined;
}

function port(variable: string, value: string, allowZero: boolean): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65_535 || (number === 0 && !allowZero)) {
    throw new TypeError(`Expected ${variable} to be a port number (${allowZero ? 0 : 1}-65535), got ${JSON.stringify(value)}`);
  }
  return number;
}

/** Reads the settings from the environment. Throws a `TypeError` naming the bad variable. */
export function readSettings(env: NodeJS.ProcessEnv): WebSettings {
  const webHost = env.PIECHAT_WEB_HOST || '127.0.0.1';
  const webPort = port('PIECHAT_WEB_PORT', env.PIECHAT_WEB_PORT || '8080', true);
  const chatServer = env.PIECHAT_PORT ? { host: env.PIECHAT_HOST || 'localhost', port: port('PIECHAT_PORT', env.PIECHAT_PORT, false) } : undefined;
  return { webHost, webPort, chatServer };
}
