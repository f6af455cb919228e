import { readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Every file under `dir`, recursively (for grepping outputs for planted secrets). */
export function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

/** A loopback port with nothing listening. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
