// What a TLS connection error gets added, for the messages the TLS libraries
// of Node, Bun and Deno give (as seen against nats-server 2.9): an untrusted
// server certificate and a refused client certificate name the key to set and
// are the operator's to fix; a timeout over TLS gets a hint but may be the
// network; other errors get nothing.

import { describe, expect, it } from 'vitest';
import { tlsHint } from '../../src/nats/tls.ts';

const none = { caFile: '', certFile: '', keyFile: '' };
const withCa = { ...none, caFile: '/etc/ssl/site-ca.pem' };
const withCert = { caFile: '/etc/ssl/site-ca.pem', certFile: '/etc/cc/client.pem', keyFile: '/etc/cc/client.key' };

describe('tlsHint', () => {
  it.each([
    ['node and bun over tls://', 'unable to verify the first certificate'],
    ['bun over wss://', "WebSocket connection to 'wss://127.0.0.1:4443/' failed: TLS handshake failed: unable to verify the first certificate"],
    ['deno over wss://', 'NetworkError: failed to connect to WebSocket: invalid peer certificate: UnknownIssuer'],
    ['node, a self-signed server', 'self-signed certificate'],
    ['node, another host', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.9 is not in the cert's list: 127.0.0.1"],
  ])('an untrusted server certificate (%s) names nats.tls-ca-file, or NODE_EXTRA_CA_CERTS without it', (_where, message) => {
    expect(tlsHint(message, { requireTls: true, tls: withCa })).toEqual({
      hint: ` (the server's certificate is not signed by the CA in nats.tls-ca-file "/etc/ssl/site-ca.pem", or does not name the host of nats.address)`,
      operator: true,
    });
    expect(tlsHint(message, { requireTls: true, tls: none }).hint).toContain('give the site\'s CA as nats.tls-ca-file, or in NODE_EXTRA_CA_CERTS');
  });

  it.each([
    ['node', '800CD0EB507F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42'],
    ['bun', "WebSocket connection to 'wss://127.0.0.1:4443/' failed: TLS handshake failed: error:10000412:SSL routines:OPENSSL_internal:SSLV3_ALERT_BAD_CERTIFICATE"],
    ['a TLS 1.3 server', 'error:0A00045C:SSL routines::tlsv13 alert certificate required:SSL alert number 116'],
  ])('a refused client certificate (%s) names nats.tls-cert-file', (_where, message) => {
    expect(tlsHint(message, { requireTls: true, tls: withCert })).toEqual({
      hint: ` (the server refused the client certificate of nats.tls-cert-file "/etc/cc/client.pem": it must be signed by a CA the server's tls { ca_file } trusts)`,
      operator: true,
    });
    expect(tlsHint(message, { requireTls: true, tls: withCa }).hint).toBe(' (the server wants a client certificate: give nats.tls-cert-file and nats.tls-key-file)');
  });

  it('a server without TLS, asked for it, says who asked', () => {
    expect(tlsHint("server does not support 'tls'", { requireTls: false, tls: withCa })).toEqual({
      hint: ' (the nats.tls-* keys ask for TLS, which this server does not offer: give nats-server a tls { } block, or leave TLS off)',
      operator: true,
    });
    expect(tlsHint('tls is not available on this server', { requireTls: true, tls: none }).hint).toContain('(tls:// asks for TLS');
  });

  it('a timeout over TLS without a client certificate gets a hint, but is no certain operator error', () => {
    expect(tlsHint('timeout', { requireTls: true, tls: withCa })).toEqual({
      hint: ' (a server that verifies client certificates does not answer one without: if it does, give nats.tls-cert-file and nats.tls-key-file)',
      operator: false,
    });
    expect(tlsHint('timeout', { requireTls: false, tls: none })).toEqual({ hint: '', operator: false });
    expect(tlsHint('timeout', { requireTls: true, tls: withCert })).toEqual({ hint: '', operator: false });
  });

  it('adds nothing to other errors', () => {
    for (const message of ['connect ECONNREFUSED 127.0.0.1:4222', 'CONNECTION_REFUSED', 'Authorization Violation']) {
      expect(tlsHint(message, { requireTls: true, tls: withCa })).toEqual({ hint: '', operator: false });
    }
  });
});
