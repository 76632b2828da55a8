// Starts a real nats-server (the Debian package) for a test file: TCP and
// WebSocket listeners on free ports of 127.0.0.1 (both TLS with `tls`),
// user/password auth, a temp dir of its own. It can be killed and started
// again on the same ports.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** As the test run's global setup found it (tests/e2e/support/test-dependencies.ts). */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_PATH ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

export interface NatsServer {
  /** The server's temp dir (its JetStream store under jetstream/). */
  dir: string;
  tcpUrl: string;
  wsUrl: string;
  /** tls:// and wss:// on the same ports (the server needs `tls` for them to answer). */
  tlsUrl: string;
  wssUrl: string;
  user: string;
  password: string;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, keeping the temp dir (and the JetStream store in it) for restart(). */
  shutdown(): Promise<void>;
  /** Starts the server again on the same ports, optionally with another password. */
  restart(options?: { password?: string }): Promise<void>;
  /** Stops the server and removes its temp dir. */
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  user?: string;
  password?: string;
  /** Fixed TCP port (e.g. one a client already tries to reach); default: a free one. */
  tcpPort?: number;
  /** Token authentication instead of user/password. */
  token?: string;
  /** JetStream on, its store in the server's temp dir (kept across restart()). */
  jetstream?: boolean;
  /** More lines of server config (e.g. a mappings block). */
  extraConfig?: string;
  /** TLS required on both listeners with this certificate; `verifyClientsWith`: client certificates signed by that CA required too. */
  tls?: { certFile: string; keyFile: string; verifyClientsWith?: string };
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const user = options.user ?? 'collector';
  const password = options.password ?? 'pw-' + Math.random().toString(36).slice(2);
  let currentPassword = password;
  const dir = await mkdtemp(join(tmpdir(), 'nats-server-'));
  let ports = { tcp: options.tcpPort ?? -1, ws: -1 };
  let child: ChildProcess | null = null;
  const t = options.tls;
  const tlsBlock = t
    ? `tls { cert_file: "${t.certFile}", key_file: "${t.keyFile}"${t.verifyClientsWith ? `, ca_file: "${t.verifyClientsWith}", verify: true` : ''} }`
    : null;

  const launch = async () => {
    const config = [
      `listen: "127.0.0.1:${ports.tcp}"`,
      options.token
        ? `authorization { token: "${options.token}" }`
        : `authorization { user: "${user}", password: "${currentPassword}" }`,
      `websocket { listen: "127.0.0.1:${ports.ws}", ${tlsBlock ?? 'no_tls: true'} }`,
      ...(tlsBlock ? [tlsBlock] : []),
      `ports_file_dir: "${dir}"`,
      ...(options.jetstream ? [`jetstream { store_dir: "${join(dir, 'jetstream')}" }`] : []),
      ...(options.extraConfig ? [options.extraConfig] : []),
    ].join('\n');
    const configPath = join(dir, 'nats-server.conf');
    await writeFile(configPath, config);
    const proc = spawn(NATS_SERVER_BIN, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child = proc;
    const portsFile = join(dir, `nats-server_${proc.pid}.ports`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode}: ${stderr}`);
      try {
        const found = JSON.parse(await readFile(portsFile, 'utf8')) as { nats: string[]; websocket: string[] };
        ports = { tcp: Number(new URL(found.nats[0]!).port), ws: Number(new URL(found.websocket[0]!).port) };
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`nats-server did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };

  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };

  await launch();
  return {
    dir,
    get tcpUrl() {
      return `nats://127.0.0.1:${ports.tcp}`;
    },
    get wsUrl() {
      return `ws://127.0.0.1:${ports.ws}`;
    },
    get tlsUrl() {
      return `tls://127.0.0.1:${ports.tcp}`;
    },
    get wssUrl() {
      return `wss://127.0.0.1:${ports.ws}`;
    },
    user,
    password,
    kill: () => terminate('SIGKILL'),
    shutdown: () => terminate('SIGTERM'),
    async restart(restartOptions = {}) {
      currentPassword = restartOptions.password ?? password;
      await launch();
    },
    async stop() {
      await terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
