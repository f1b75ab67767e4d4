/**
 * Real web servers on loopback, for the bench of sizing a server in place (http.ts) and for the tests
 * (test/http-servers.ts adds its hostile and TLS kinds): nginx (autoindex as HTML, JSON or XML),
 * Apache (fancy and plain listings), lighttpd, Caddy (file-server --browse) and Python's http.server, each started on 127.0.0.1 on
 * a free port with a temporary config, serving a folder with directory listings on. Nothing is
 * mocked: listings and Range answers are the servers' own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Served {
  url: string;
  /** a TLS server of a private CA: that CA (PEM file) */
  ca?: string;
  /** the folder of its config and logs */
  conf: string;
  stop(): Promise<void>;
}

export type PlainKind =
  'nginx' | 'nginx-json' | 'nginx-xml' | 'apache-fancy' | 'apache-plain' | 'lighttpd' | 'caddy' | 'python';

export interface NginxOptions {
  format?: 'html' | 'json' | 'xml';
  /** serve over TLS with this certificate and key */
  tls?: { cert: string; key: string };
  /** every request must carry these credentials (HTTP Basic), else 401 */
  basicAuth?: { user: string; password: string };
  /** log each request's URI and Range header to conf/access.log (the bench replays them) */
  accessLog?: boolean;
  /** `ssi on`: its filter drops Last-Modified and ETag from the HTML pages it serves (a folder's index.html) */
  ssi?: boolean;
}

/** What starts a server: its command line, and how to tell it is up. */
export interface Launch {
  cmd: string;
  args: string[];
  tls?: boolean;
  /** the status its root answers once up (a server that asks for credentials: 401); default any 2xx */
  upStatus?: number;
  ca?: string;
  /** its environment besides ours */
  env?: Record<string, string>;
}

/** a port nothing listens on now */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const APACHE_MODULES = '/usr/lib/apache2/modules';

/** nginx serving dir on port, its config in conf. */
export function nginx(dir: string, port: number, conf: string, o: NginxOptions = {}): Launch {
  const file = join(conf, 'nginx.conf');
  const auth = o.basicAuth ? `auth_basic "leaktally test"; auth_basic_user_file ${join(conf, 'htpasswd')};` : '';
  if (o.basicAuth) writeFileSync(join(conf, 'htpasswd'), `${o.basicAuth.user}:{PLAIN}${o.basicAuth.password}\n`);
  const listen = o.tls
    ? `listen 127.0.0.1:${port} ssl; ssl_certificate ${o.tls.cert}; ssl_certificate_key ${o.tls.key};`
    : `listen 127.0.0.1:${port};`;
  const t = (n: string): string => `${n} ${join(conf, n)};`;
  const log = o.accessLog
    ? `log_format ranges '$request_uri\\t$http_range'; access_log ${join(conf, 'access.log')} ranges;`
    : 'access_log off;';
  writeFileSync(
    file,
    `daemon off; master_process off; worker_processes 1; pid ${join(conf, 'nginx.pid')};
error_log ${join(conf, 'error.log')};
events { worker_connections 1024; }
http {
  ${log} ${t('client_body_temp_path')} ${t('proxy_temp_path')} ${t('fastcgi_temp_path')} ${t('uwsgi_temp_path')} ${t('scgi_temp_path')}
  default_type application/octet-stream;
  server { ${listen} root ${dir}; ${auth} location / { autoindex on; autoindex_format ${o.format ?? 'html'};${o.ssi ? ' ssi on;' : ''} } }
}
`,
  );
  return {
    cmd: 'nginx',
    args: ['-c', file, '-p', conf, '-e', join(conf, 'error.log')],
    ...(o.tls ? { tls: true } : {}),
    ...(o.basicAuth ? { upStatus: 401 } : {}),
  };
}

/** The command line and config that serve dir on port, with listings on. */
export function launchOf(kind: PlainKind, dir: string, port: number, conf: string): Launch {
  switch (kind) {
    case 'nginx':
      return nginx(dir, port, conf);
    case 'nginx-json':
      return nginx(dir, port, conf, { format: 'json' });
    case 'nginx-xml':
      return nginx(dir, port, conf, { format: 'xml' });
    case 'apache-fancy':
    case 'apache-plain': {
      const file = join(conf, 'apache2.conf');
      const root = process.getuid?.() === 0 ? 'User www-data\nGroup www-data\n' : '';
      writeFileSync(
        file,
        `ServerRoot ${conf}
LoadModule mpm_event_module ${APACHE_MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${APACHE_MODULES}/mod_authz_core.so
LoadModule dir_module ${APACHE_MODULES}/mod_dir.so
LoadModule autoindex_module ${APACHE_MODULES}/mod_autoindex.so
${root}Listen 127.0.0.1:${port}
ServerName 127.0.0.1
PidFile ${join(conf, 'httpd.pid')}
DefaultRuntimeDir ${conf}
ErrorLog ${join(conf, 'error.log')}
DocumentRoot "${dir}"
<Directory "${dir}">
  Options +Indexes
  Require all granted
</Directory>
IndexOptions ${kind === 'apache-fancy' ? 'FancyIndexing HTMLTable' : '-FancyIndexing'}
`,
      );
      return { cmd: 'apache2', args: ['-f', file, '-DFOREGROUND'] };
    }
    case 'lighttpd':
      return lighttpd(dir, port, conf, false);
    case 'caddy':
      // Caddy's own command for this (its admin endpoint off); HOME for the state it keeps
      return {
        cmd: 'caddy',
        args: ['file-server', '--browse', '--listen', `127.0.0.1:${port}`, '--root', dir],
        env: { HOME: conf, XDG_DATA_HOME: conf, XDG_CONFIG_HOME: conf },
      };
    case 'python':
      return { cmd: 'python3', args: ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir] };
  }
}

/**
 * lighttpd serving dir. As installed (`asInstalled`) it refuses a URL whose path is not UTF-8 once
 * %XX-decoded (400), so a file whose name is not UTF-8 is listed but cannot be read; otherwise such
 * URLs are let through, as the other servers do.
 */
export function lighttpd(dir: string, port: number, conf: string, asInstalled: boolean): Launch {
  const file = join(conf, 'lighttpd.conf');
  writeFileSync(
    file,
    `server.document-root = "${dir}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${join(conf, 'error.log')}"
# lighttpd keeps the files it served open a while (its stat cache): at a scan's pace, 100,000 files
# ran out of its descriptors (opendir: Too many open files) and it refused connections
server.max-fds = 16384
server.modules += ("mod_dirlisting")
dir-listing.activate = "enable"
# Debian's own config does this; without a MIME type lighttpd sends no Last-Modified
include_shell "/usr/share/lighttpd/create-mime.conf.pl"
${asInstalled ? '' : 'server.http-parseopts = ( "url-invalid-utf8-reject" => "disable" )'}
`,
  );
  return { cmd: 'lighttpd', args: ['-D', '-f', file] };
}

/** whether the root answers (with `status`, or any 2xx) */
async function answers(url: string, status?: number): Promise<boolean> {
  try {
    const r = await fetch(url);
    await r.arrayBuffer();
    return status === undefined ? r.ok : r.status === status;
  } catch {
    return false; // not listening yet
  }
}

/** whether something accepts a TCP connection on the port */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** A new folder for a server's config and logs (readable to a server that drops to www-data). */
function confDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'leaktally-httpd-'));
  chmodSync(d, 0o755);
  return d;
}

/** Start what `launch` says on port (its config in conf) and wait until it answers; stop() ends it. */
export async function start(launch: Launch, port: number, conf: string): Promise<Served> {
  // its output to a file: a pipe nobody reads while a test waits for the CLI (spawnSync) would fill,
  // and a server that logs every request (Python's) would then stop answering
  const log = join(conf, 'output.log');
  const out = openSync(log, 'w');
  const child: ChildProcess = spawn(launch.cmd, launch.args, {
    stdio: ['ignore', out, out],
    ...(launch.env ? { env: { ...process.env, ...launch.env } } : {}),
  });
  closeSync(out);
  const stderr = (): string => readFileSync(log, 'utf8').slice(-2000);
  const state = { exited: false };
  child.on('exit', () => (state.exited = true));
  const url = `${launch.tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  // up once it answers the root listing (a few hundred ms; a busy machine may take longer), or for
  // TLS once it accepts a connection
  for (let i = 0; ; i++) {
    if (state.exited) throw new Error(`${launch.cmd} exited at start: ${stderr()}`);
    if (launch.tls ? await accepts(port) : await answers(url, launch.upStatus)) break;
    if (i > 300) throw new Error(`${launch.cmd} did not answer on ${url}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    conf,
    ...(launch.ca ? { ca: launch.ca } : {}),
    stop: () =>
      new Promise<void>((resolve) => {
        if (state.exited) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Serve dir with a server of this kind until stop(). */
export async function serve(kind: PlainKind, dir: string): Promise<Served> {
  const conf = confDir();
  const port = await freePort();
  return start(launchOf(kind, dir, port, conf), port, conf);
}
