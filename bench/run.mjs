// `npm run bench`: every benchmark of the project, one after the other.
// Each entry is a script that prints its own figures.
const benches = [
  './engine.bench.mjs',
];

for (const b of benches) {
  await import(new URL(b, import.meta.url));
}
