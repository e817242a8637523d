/**
 * Throw-away certificates for TLS/mTLS tests, made at test time with the `openssl` command in a
 * temporary directory (no private key is committed): a CA, a server certificate for 127.0.0.1,
 * and client certificates carrying a SPIFFE ID as URI SAN.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** PEM material of one certificate. */
export interface CertPair {
  cert: Buffer;
  key: Buffer;
}

/** A test PKI: its CA, a server certificate and a function making client certificates. */
export interface TestPki {
  ca: Buffer;
  server: CertPair;
  /** A client certificate signed by the CA with the given URI SANs (e.g. a SPIFFE ID). */
  client(uris: string[]): CertPair;
  /** A client certificate signed by another CA (not trusted by the server). */
  stranger(uri: string): CertPair;
  /** Removes the temporary directory. */
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('the TLS tests need the openssl command on PATH');
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr?.toString() ?? String(e)}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(
    ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
}

function sign(dir: string, ca: string, name: string, ext: string): CertPair {
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`],
    dir,
  );
  return { cert: fs.readFileSync(path.join(dir, `${name}.crt`)), key: fs.readFileSync(path.join(dir, `${name}.key`)) };
}

/** Makes a CA, a server certificate for 127.0.0.1/localhost and a client factory. */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  const server = sign(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  let n = 0;
  return {
    ca: fs.readFileSync(path.join(dir, 'ca.crt')),
    server,
    client: (uris) =>
      sign(dir, 'ca', `client${++n}`, `${uris.length ? `subjectAltName=${uris.map((u) => `URI:${u}`).join(',')}\n` : ''}extendedKeyUsage=clientAuth\n`),
    stranger: (uri) => sign(dir, 'other-ca', `stranger${++n}`, `subjectAltName=URI:${uri}\nextendedKeyUsage=clientAuth\n`),
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
