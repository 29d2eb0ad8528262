import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import { NOT_JSON_MESSAGE } from './errors';
import { errorBody } from './http-exception.filter';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `application/json` and its structured-syntax family (`application/merge-patch+json`,
 * `application/json-patch+json`, `application/strategic-merge-patch+json`, any `+json`),
 * parameters such as `charset` allowed.
 */
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

/** The same family, as Fastify's body parser is chosen (the whole header, parameters included). */
export const JSON_BODY = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json\s*(?:;|$)/i;

/**
 * kubectl's typed clients may send protobuf to the Kubernetes API. It is no type a page can
 * send without a preflight, so it is let through there, for the API to answer as a Status.
 */
const KUBE_PROTOBUF = 'application/vnd.kubernetes.protobuf';

function isKubeProtobuf(url: string, header: string | undefined): boolean {
  if (!header || !/^\/apis?(?:[/?]|$)/.test(url)) return false;
  return header.split(';', 1)[0].trim().toLowerCase() === KUBE_PROTOBUF;
}

export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  return JSON_MEDIA_TYPE.test(header.split(';', 1)[0].trim().toLowerCase());
}

/** Names that resolve to this machine or only inside its containers: never an attacker's DNS. */
const ALWAYS_ALLOWED = ['localhost', 'host.docker.internal', 'gateway.docker.internal'];

/** The host part of a Host header (`[::1]:3000` → `[::1]`), lowercased; null if malformed. */
export function hostOf(header: string): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/@\s]+)(?::\d{1,5})?$/.exec(header.trim().toLowerCase());
  return m ? m[1].replace(/\.$/, '') : null;
}

/**
 * Which `Host` headers the server answers. An IP address cannot be rebound by anyone's
 * DNS, nor can localhost (or `*.localhost`), the listen address, this machine's name or
 * the host agents are told to use (KUBESIM_API_URL); anything else must be listed in
 * KUBESIM_ALLOWED_HOSTS (`*` lets every name in, `.example.com` a domain and its
 * subdomains).
 */
export function hostAllowList(
  config: Pick<AppConfig, 'host' | 'apiUrl' | 'allowedHosts'>,
): (host: string) => boolean {
  if (config.allowedHosts.includes('*')) return () => true;
  const names = new Set<string>(ALWAYS_ALLOWED);
  const add = (name: string) => {
    const host = hostOf(name);
    if (host) names.add(host);
  };
  add(config.host);
  add(hostname());
  add(hostname().split('.')[0]);
  try {
    add(new URL(config.apiUrl).host);
  } catch {
    // the config check already refused an unreadable URL
  }
  const suffixes: string[] = [];
  for (const entry of config.allowedHosts) {
    if (entry.startsWith('.')) suffixes.push(entry.toLowerCase());
    else add(entry);
  }
  return (host) => {
    if (names.has(host) || host.endsWith('.localhost')) return true;
    if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return true;
    return suffixes.some((s) => host === s.slice(1) || host.endsWith(s));
  };
}

/**
 * Whether the browser origin `origin` is the one the request was sent to (`Host`). The
 * scheme is not compared: behind a TLS proxy the page is https and the request reaches
 * kubesim as http, and no other page can be served from the host and port kubesim holds.
 */
function isOwnOrigin(origin: URL, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  try {
    return new URL(`${origin.protocol}//${hostHeader}`).host === origin.host;
  } catch {
    return false;
  }
}

function originAllowList(corsOrigins: string[]): (origin: URL) => boolean {
  if (corsOrigins.includes('*')) return () => true;
  const allowed = new Set<string>();
  for (const entry of corsOrigins) {
    try {
      allowed.add(new URL(entry).origin);
    } catch {
      allowed.add(entry);
    }
  }
  return (origin) => allowed.has(origin.origin);
}

/**
 * What a web page must not be able to do to a kubesim on the visitor's machine.
 *
 * - DNS rebinding: a `Host` the server does not know is refused (403), so a page whose
 *   name was pointed at 127.0.0.1 cannot read or act.
 * - Cross-site requests: a request from a browser page (`Origin`) that is neither the
 *   server's own nor in KUBESIM_CORS_ORIGINS is refused (403).
 * - CSRF through "simple" requests: every POST, PUT, PATCH and DELETE must say
 *   `Content-Type: application/json` (415 otherwise, body or not), which a page can only
 *   send after a CORS preflight the server does not grant to strangers.
 */
export function registerRequestGuards(fastify: FastifyInstance, config: AppConfig): void {
  const hostAllowed = hostAllowList(config);
  const originAllowed = originAllowList(config.corsOrigins);
  const refuse = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).send(errorBody(status, message));

  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    const hostHeader = req.headers.host;
    if (hostHeader !== undefined) {
      const host = hostOf(hostHeader);
      if (host === null || !hostAllowed(host)) {
        return refuse(
          reply,
          403,
          `host ${JSON.stringify(hostHeader.slice(0, 255))} is not one this server answers to; ` +
            'add it to KUBESIM_ALLOWED_HOSTS',
        );
      }
    }
    const originHeader = req.headers.origin;
    if (originHeader !== undefined) {
      let origin: URL | null = null;
      try {
        origin = new URL(originHeader);
      } catch {
        origin = null;
      }
      if (!origin || (!isOwnOrigin(origin, hostHeader) && !originAllowed(origin))) {
        return refuse(
          reply,
          403,
          `requests from origin ${JSON.stringify(originHeader.slice(0, 255))} are not allowed; ` +
            'add it to KUBESIM_CORS_ORIGINS',
        );
      }
    }
    const type = req.headers['content-type'];
    if (MUTATING.has(req.method) && !isJsonContentType(type) && !isKubeProtobuf(req.url, type)) {
      return refuse(reply, 415, NOT_JSON_MESSAGE);
    }
    done();
  });
}
