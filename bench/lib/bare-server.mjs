// The ceiling of bench/http.bench.mjs's query figures: a server that does
// nothing but read each request's body and answer `bytes` bytes of JSON, on
// the runtime's node:http, or with --native on Bun.serve / Deno.serve.
//
//   <runtime> bench/lib/bare-server.mjs <bytes> [--native]
//
// Logs "listening at 127.0.0.1:PORT" on stderr, as the CLI does.

const [bytesArg, mode] = process.argv.slice(2);
const answer = new Uint8Array(Number(bytesArg)).fill(0x30);
answer[0] = 0x5b; // "[0000...0]" : any JSON of that size would do
answer[answer.length - 1] = 0x5d;
const headers = { 'content-type': 'application/json' };

if (mode === '--native' && globalThis.Bun) {
  const server = globalThis.Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      await request.arrayBuffer();
      return new Response(answer, { headers });
    },
  });
  console.error(`listening at 127.0.0.1:${server.port}`);
} else if (mode === '--native' && globalThis.Deno) {
  globalThis.Deno.serve(
    { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.error(`listening at 127.0.0.1:${port}`) },
    async (request) => {
      await request.arrayBuffer();
      return new Response(answer, { headers });
    },
  );
} else {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => console.error(`listening at 127.0.0.1:${server.address().port}`));
}

// An orderly exit, so that a --cpu-prof profile of it is written.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
