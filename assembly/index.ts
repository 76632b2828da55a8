// Placeholder entry point; the storage engine replaces it.
export function version(): i32 {
  return 1;
}
