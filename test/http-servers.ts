/**
 * Real web servers for the tests of sizing a tree in place (scan/http): nginx, Apache, lighttpd and
 * Python's http.server, each started here on 127.0.0.1 on a free port with a temporary config, serving
 * a folder with directory listings on, and stopped by the test. Nothing is mocked: the listings and
 * Range answers are the servers' own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

export interface Served {
  url: string;
  /** nginx-tls: the CA that signed its certificate (PEM) */
  ca?: string;
  stop(): Promise<void>;
}

export type ServerKind =
  | 'tls-self-signed'
  | 'nginx-tls'
  | 'python-busy'
  | 'python-drip'
  | 'nginx'
  | 'nginx-json'
  | 'nginx-xml'
  | 'apache-fancy'
  | 'apache-plain'
  | 'lighttpd'
  | 'python';

/** a port nothing listens on now */
async function freePort(): Promise<number> {
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

export interface ServeOptions {
  /**
   * lighttpd as installed: it refuses a URL whose path is not UTF-8 once %XX-decoded (400), so a
   * file whose name is not UTF-8 is listed but cannot be read. Without this the test's config lets
   * such URLs through, as the other servers do.
   */
  lighttpdDefaults?: boolean;
  /** nginx: every request must carry these credentials (HTTP Basic), else 401 */
  basicAuth?: { user: string; password: string };
}

/** openssl with these arguments; its error output in the exception when it fails */
function openssl(args: string[]): void {
  const r = spawnSync('openssl', args);
  if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${String(r.stderr)}`);
}

/** A key and a certificate signed by that key (for a day), subject CN=cn. */
function selfSigned(key: string, cert: string, cn: string): void {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${cn}`,
  ]);
}

/** A CA (conf/ca.pem) and a certificate for 127.0.0.1 it signed, with openssl: the server's files. */
function privateCaCertificate(conf: string): { cert: string; key: string } {
  const f = (n: string): string => join(conf, n);
  selfSigned(f('ca.key'), f('ca.pem'), 'leaktally test CA');
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('key.pem'),
    '-out',
    f('req.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(f('ext.cnf'), 'subjectAltName = IP:127.0.0.1\n');
  openssl([
    'x509',
    '-req',
    '-in',
    f('req.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('cert.pem'),
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
  ]);
  return { cert: f('cert.pem'), key: f('key.pem') };
}

/** The command line and config that serve dir on port. */
function command(kind: ServerKind, dir: string, port: number, conf: string, opts: ServeOptions): [string, string[]] {
  switch (kind) {
    case 'tls-self-signed': {
      // a TLS server with a certificate nobody signed: openssl's own, answering with its status page
      const [key, cert] = [join(conf, 'key.pem'), join(conf, 'cert.pem')];
      selfSigned(key, cert, '127.0.0.1');
      return ['openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, '-www', '-quiet']];
    }
    case 'nginx':
    case 'nginx-tls':
    case 'nginx-json':
    case 'nginx-xml': {
      const format = kind === 'nginx' || kind === 'nginx-tls' ? 'html' : kind === 'nginx-json' ? 'json' : 'xml';
      const file = join(conf, 'nginx.conf');
      // nginx-tls: a certificate for 127.0.0.1 signed by a CA of the test's own (conf/ca.pem)
      const tls = kind === 'nginx-tls' ? privateCaCertificate(conf) : undefined;
      const auth = opts.basicAuth ? `auth_basic "leaktally test"; auth_basic_user_file ${join(conf, 'htpasswd')};` : '';
      if (opts.basicAuth)
        writeFileSync(join(conf, 'htpasswd'), `${opts.basicAuth.user}:{PLAIN}${opts.basicAuth.password}\n`);
      const listen = tls
        ? `listen 127.0.0.1:${port} ssl; ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};`
        : `listen 127.0.0.1:${port};`;
      const t = (n: string): string => `${n} ${join(conf, n)};`;
      writeFileSync(
        file,
        `daemon off; master_process off; worker_processes 1; pid ${join(conf, 'nginx.pid')};
error_log ${join(conf, 'error.log')};
events { worker_connections 256; }
http {
  access_log off; ${t('client_body_temp_path')} ${t('proxy_temp_path')} ${t('fastcgi_temp_path')} ${t('uwsgi_temp_path')} ${t('scgi_temp_path')}
  default_type application/octet-stream;
  server { ${listen} root ${dir}; ${auth} location / { autoindex on; autoindex_format ${format}; } }
}
`,
      );
      return ['nginx', ['-c', file, '-p', conf, '-e', join(conf, 'error.log')]];
    }
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
      return ['apache2', ['-f', file, '-DFOREGROUND']];
    }
    case 'lighttpd': {
      const file = join(conf, 'lighttpd.conf');
      writeFileSync(
        file,
        `server.document-root = "${dir}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${join(conf, 'error.log')}"
server.modules += ("mod_dirlisting")
dir-listing.activate = "enable"
# Debian's own config does this; without a MIME type lighttpd sends no Last-Modified
include_shell "/usr/share/lighttpd/create-mime.conf.pl"
${opts.lighttpdDefaults ? '' : 'server.http-parseopts = ( "url-invalid-utf8-reject" => "disable" )'}
`,
      );
      return ['lighttpd', ['-D', '-f', file]];
    }
    case 'python-busy': {
      // http.server that answers every path's first request 503 with Retry-After: 1 (a busy server)
      const script = join(conf, 'busy.py');
      writeFileSync(
        script,
        `import sys, functools, http.server
seen = set()
class Busy(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        if self.path not in seen:
            seen.add(self.path)
            self.send_response(503)
            self.send_header('Retry-After', '1')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return None
        return super().send_head()
handler = functools.partial(Busy, directory=sys.argv[2])
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()
`,
      );
      return ['python3', [script, String(port), dir]];
    }
    case 'python-drip': {
      // http.server that answers any path with "drip" in it one byte a second, for ever (a hostile
      // server holding a request open without ever letting it time out); the rest as usual
      const script = join(conf, 'drip.py');
      writeFileSync(
        script,
        `import sys, time, functools, http.server
class Drip(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if 'drip' not in self.path:
            return super().do_GET()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html' if self.path.endswith('/') else 'application/octet-stream')
        self.send_header('Content-Length', '100000000')
        self.end_headers()
        try:
            while True:
                self.wfile.write(b'<' if self.path.endswith('/') else b'R')
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass
handler = functools.partial(Drip, directory=sys.argv[2])
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()
`,
      );
      return ['python3', [script, String(port), dir]];
    }
    case 'python':
      return ['python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir]];
  }
}

/** whether the root listing answers 200 */
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

/** Serve dir (made readable to a server that drops to www-data) until stop(). */
export async function serve(kind: ServerKind, dir: string, opts: ServeOptions = {}): Promise<Served> {
  const conf = tempDir('leaktally-httpd-');
  const port = await freePort();
  const [cmd, args] = command(kind, dir, port, conf, opts);
  // its output to a file: a pipe nobody reads while a test waits for the CLI (spawnSync) would fill,
  // and a server that logs every request (Python's) would then stop answering
  const log = join(conf, 'output.log');
  const out = openSync(log, 'w');
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const stderr = (): string => readFileSync(log, 'utf8').slice(-2000);
  const state = { exited: false };
  child.on('exit', () => (state.exited = true));
  const tls = kind === 'tls-self-signed' || kind === 'nginx-tls';
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  // up once it answers the root listing (a few hundred ms; a busy machine may take longer), or for
  // TLS once it accepts a connection
  for (let i = 0; ; i++) {
    if (state.exited) throw new Error(`${kind} exited at start: ${stderr()}`);
    // (a server asking for credentials is up once it refuses a request without them)
    if (tls ? await accepts(port) : await answers(url, opts.basicAuth ? 401 : undefined)) break;
    if (i > 300) throw new Error(`${kind} did not answer on ${url}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    ...(kind === 'nginx-tls' ? { ca: join(conf, 'ca.pem') } : {}),
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
