// Asks cc-backend which nodes run jobs (GET <backend-url>/api/jobs/used_nodes?ts=),
// as cc-metric-store's internal/api/nodeprovider.go does. Their data outlives
// the retention window until the job ends. (ours) cc-backend serves that route
// behind its JWT check, which the Go store never passes: we send the token of
// main.backend-token as `Authorization: Bearer`.

export type UsedNodes = Record<string, string[]>;

export interface NodeProvider {
  /** Cluster -> hosts used by jobs that started before `ts` (Unix seconds). */
  usedNodes(ts: number): Promise<UsedNodes>;
}

export interface BackendOptions {
  /** A JWT cc-backend accepts (an API token of a user with the api role); empty or absent: none sent. */
  token?: string;
  /** How long one request may take. Default 10 s. */
  timeoutMs?: number;
}

export function backendNodeProvider(backendUrl: string, options: BackendOptions = {}): NodeProvider {
  const base = backendUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async usedNodes(ts: number): Promise<UsedNodes> {
      const url = `${base}/api/jobs/used_nodes?ts=${Math.floor(ts)}`;
      let res: Response;
      try {
        res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new Error(`querying used nodes from ${url}: ${(err as Error).message}`);
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        const hint =
          res.status === 401 || res.status === 403
            ? options.token
              ? ' (cc-backend refused the token of main.backend-token)'
              : ' (cc-backend wants a JWT: set main.backend-token, main.backend-token-file or CC_BACKEND_TOKEN)'
            : '';
        throw new Error(`querying used nodes from ${url}: backend returned status ${res.status}${hint}`);
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        throw new Error(`decoding used nodes from ${url}: ${(err as Error).message}`);
      }
      return validate(body, url);
    },
  };
}

function validate(body: unknown, url: string): UsedNodes {
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new Error(`decoding used nodes from ${url}: expected an object of cluster -> [hosts]`);
  const out: UsedNodes = {};
  for (const [cluster, hosts] of Object.entries(body as Record<string, unknown>)) {
    if (hosts === null) continue;
    if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string')) {
      throw new Error(`decoding used nodes from ${url}: cluster ${JSON.stringify(cluster)} is not a list of host names`);
    }
    out[cluster] = hosts as string[];
  }
  return out;
}
