// TLS to nats-server with a site's own CA (and a client certificate, for a
// server that verifies its clients): `nats.tls-ca-file`, `nats.tls-cert-file`,
// `nats.tls-key-file` (ours; the reference's nats.go trusts the system's CAs
// only). The files are checked once at start, so a wrong path is a start-up
// error naming its key; afterwards they are read again at every connection
// attempt, so renewed certificates apply at the next reconnect.

import { readFile } from 'node:fs/promises';
import type { NatsTlsFiles } from '../config/types.ts';
import { NatsConfigError } from './settings.ts';

/** PEM text of the files given; a field is absent when its key is not set. */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

const FILES = [
  { field: 'caFile', key: 'tls-ca-file', label: 'ca', marker: /-----BEGIN CERTIFICATE-----/, what: 'a PEM certificate' },
  { field: 'certFile', key: 'tls-cert-file', label: 'cert', marker: /-----BEGIN CERTIFICATE-----/, what: 'a PEM certificate' },
  { field: 'keyFile', key: 'tls-key-file', label: 'key', marker: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, what: 'a PEM private key' },
] as const;

export function hasTlsFiles(tls: NatsTlsFiles): boolean {
  return tls.caFile !== '' || tls.certFile !== '';
}

/** Reads every file given; throws NatsConfigError naming the key when one cannot be read or is not PEM. */
export async function readTlsMaterial(tls: NatsTlsFiles): Promise<TlsMaterial> {
  const material: TlsMaterial = {};
  for (const file of FILES) {
    const path = tls[file.field];
    if (path === '') continue;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new NatsConfigError(`nats.${file.key}: cannot read "${path}": ${(err as Error).message}`);
    }
    if (!file.marker.test(text)) throw new NatsConfigError(`nats.${file.key}: "${path}" does not hold ${file.what}`);
    material[file.label] = text;
  }
  return material;
}

/** What nats.js's TCP transport takes: the file names, which it reads at every connection. */
export function tcpTlsOptions(tls: NatsTlsFiles): { caFile?: string; certFile?: string; keyFile?: string } {
  return {
    ...(tls.caFile ? { caFile: tls.caFile } : {}),
    ...(tls.certFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}),
  };
}

/** Words of the TLS libraries of Node, Bun and Deno for a certificate of ours that the server refused. */
const REFUSED = /alert bad certificate|BAD_CERTIFICATE|certificate required|CERTIFICATE_REQUIRED|alert number (?:42|116)\b/i;
/** ... and for a server certificate the client does not trust. */
const UNTRUSTED =
  /certificate|UnknownIssuer|unable to verify|self[- ]signed|CERT_|issuer|TLS handshake|InvalidCertificate|hostname\/IP does not match|altnames/i;

/**
 * What to add to a connection error that TLS explains, and whether it is the
 * operator's to fix (logged as an error): a server certificate not trusted, a
 * client certificate refused. Over TLS, a server that verifies clients lets
 * one without a certificate time out (TLS 1.3 refuses it after the
 * handshake): a timeout gets a hint, but stays a warning (it may be the network).
 */
export function tlsHint(message: string, settings: { requireTls: boolean; tls: NatsTlsFiles }): { hint: string; operator: boolean } {
  const { tls } = settings;
  if (/does not support 'tls'|tls.{0,4}is not available on this server/i.test(message)) {
    const asked = hasTlsFiles(tls) ? 'the nats.tls-* keys ask' : 'tls:// asks';
    return { hint: ` (${asked} for TLS, which this server does not offer: give nats-server a tls { } block, or leave TLS off)`, operator: true };
  }
  if (REFUSED.test(message)) {
    const hint = tls.certFile
      ? ` (the server refused the client certificate of nats.tls-cert-file "${tls.certFile}": it must be signed by a CA the server's tls { ca_file } trusts)`
      : ' (the server wants a client certificate: give nats.tls-cert-file and nats.tls-key-file)';
    return { hint, operator: true };
  }
  if (UNTRUSTED.test(message)) {
    const hint = tls.caFile
      ? ` (the server's certificate is not signed by the CA in nats.tls-ca-file "${tls.caFile}", or does not name the host of nats.address)`
      : " (the server's certificate is not signed by a CA this machine trusts: give the site's CA as nats.tls-ca-file, or in NODE_EXTRA_CA_CERTS)";
    return { hint, operator: true };
  }
  if (/timeout/i.test(message) && (settings.requireTls || hasTlsFiles(tls)) && !tls.certFile) {
    return { hint: ' (a server that verifies client certificates does not answer one without: if it does, give nats.tls-cert-file and nats.tls-key-file)', operator: false };
  }
  return { hint: '', operator: false };
}
