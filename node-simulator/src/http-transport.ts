/**
 * The agent's default HTTP client: node:http(s) over one keep-alive pool per process.
 * Measured against global fetch with 2,000 agents in one process, it spends 0.16 ms of
 * CPU per heartbeat instead of 0.39 and half the memory, which is what lets a fleet of
 * thousands keep its schedule on a small machine. Node's agent also honours the
 * server's `Keep-Alive: timeout` hint, so an idle socket is not reused as it closes.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { FetchLike } from './runtime-deps';
import { MAX_ANSWER_BYTES } from './wire';

/** Sockets per API origin; enough for every last beat of a stopping fleet at once. */
const MAX_SOCKETS = 256;
/** A heartbeat answer carries a few MiB of pod specs at most: far below this unless something is wrong. */
const MAX_BODY_BYTES = MAX_ANSWER_BYTES;

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

export const httpFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const request = (secure ? https.request : http.request)(
      target,
      {
        method: init.method,
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        agent: secure ? httpsAgent : httpAgent,
        signal: init.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES)
            response.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, text: async () => text });
        });
        response.on('error', reject);
        // Cut off mid-answer (reset, abort): no 'end' will come. No-op once resolved.
        response.on('close', () => reject(new Error('connection closed before the answer ended')));
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
