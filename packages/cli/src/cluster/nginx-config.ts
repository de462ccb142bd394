/**
 * The nginx configuration in front of a Rivulet cluster (docs/cluster.md explains each
 * part; deploy/nginx/rivulet-cluster.conf is this rendered for three nodes):
 * - consistent hashing by stream path ($uri: the path without the query), so the readers and
 *   writers of one stream meet on one node and most wakeups stay local;
 * - catch-up reads cached with request collapsing (PROTOCOL §10.1): identical reads arriving
 *   together make one upstream request; the nodes' Cache-Control decides what is cached, and
 *   live reads (long-poll, SSE), writes and requests with credentials never are;
 * - SSE unbuffered (the nodes send X-Accel-Buffering: no), long read timeouts for long-polls;
 * - passive health: a node failing or answering 502/503 (not ready, draining) is skipped for a
 *   while, idempotent requests retried on the next one; `/readyz` answers for the cluster.
 */

export interface NginxConfigOptions {
  /** `host:port` nginx listens on. */
  readonly listen: string;
  /** `host:port` of each Rivulet node. */
  readonly nodes: readonly string[];
  /** Directory for the response cache. */
  readonly cacheDir: string;
  /** Directory for nginx's temporary files. */
  readonly tempDir: string;
  /** Path of nginx's pid file. */
  readonly pidFile: string;
  /** Longest long-poll a node holds (its --long-poll-timeout), plus slack: nginx waits this long. */
  readonly readTimeoutSeconds?: number;
  /** Worker processes (default `auto`). */
  readonly workers?: number | "auto";
}

export function renderNginxConfig(options: NginxConfigOptions): string {
  const timeout = options.readTimeoutSeconds ?? 90;
  const servers = options.nodes.map((node) => `    server ${node} max_fails=2 fail_timeout=5s;`).join("\n");
  const temp = (name: string) => `${options.tempDir}/${name}`;
  return `# Rivulet cluster behind nginx: see docs/cluster.md.
worker_processes ${options.workers ?? "auto"};
pid ${options.pidFile};
error_log stderr warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  client_body_temp_path ${temp("body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};

  # Catch-up reads (PROTOCOL §10.1). Keys are the full request URI: offset and cursor included.
  proxy_cache_path ${options.cacheDir} levels=1:2 keys_zone=rivulet_reads:10m max_size=1g inactive=10m use_temp_path=off;

  # Live reads wait for data: never cached, never collapsed into someone else's answer.
  map $arg_live $rivulet_live {
    "" 0;
    default 1;
  }

  upstream rivulet_nodes {
    # By stream path, never the query: every offset of a stream lands on the same node.
    hash $uri consistent;
${servers}
    keepalive 64;
  }

  server {
    listen ${options.listen};
    # The nodes enforce their own body limit and answer it with a protocol error.
    client_max_body_size 0;

    location = /readyz {
      proxy_pass http://rivulet_nodes;
      proxy_next_upstream error timeout http_502 http_503;
    }

    location / {
      proxy_pass http://rivulet_nodes;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Appends stream through to the node as they arrive.
      proxy_request_buffering off;
      # A long-poll holds the request until data or its timeout; SSE sessions last longer.
      proxy_read_timeout ${timeout}s;
      proxy_send_timeout ${timeout}s;
      # Only idempotent requests move to the next node (nginx never retries a POST by default).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;

      proxy_cache rivulet_reads;
      proxy_cache_methods GET HEAD;
      proxy_cache_key $scheme$host$request_uri;
      # Identical catch-up reads arriving together make one upstream request.
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      proxy_cache_use_stale updating;
      proxy_cache_background_update on;
      # Live reads and credentialed requests go to a node every time.
      proxy_cache_bypass $rivulet_live $http_authorization;
      proxy_no_cache $rivulet_live $http_authorization;
      add_header Rivulet-Cache $upstream_cache_status always;
    }
  }
}
`;
}
