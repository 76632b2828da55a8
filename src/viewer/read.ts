// A file's bytes, read in the chunks the browser hands out so progress can be shown.

export async function readWithProgress(
  file: Blob,
  onProgress: (done: number, total: number) => void,
): Promise<Uint8Array> {
  const total = file.size;
  const bytes = new Uint8Array(total);
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    if (done + chunk.value.length > total) throw new Error('file grew while it was read');
    bytes.set(chunk.value, done);
    done += chunk.value.length;
    onProgress(done, total);
  }
  return done === total ? bytes : bytes.subarray(0, done);
}
