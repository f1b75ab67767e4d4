/**
 * Real web servers for the tests of sizing a tree in place (scan/http): the bench's (nginx, Apache,
 * lighttpd and Python's http.server: src/bench/servers.ts), and the tests' own kinds: TLS servers
 * (a self-signed certificate, one of a private CA), nginx asking for credentials, lighttpd as
 * installed, and Python's http.server made busy, dripping or hostile. Nothing is mocked: the
 * listings and Range answers are the servers' own.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import {
  freePort,
  launchOf,
  lighttpd,
  nginx,
  start,
  type Launch,
  type PlainKind,
  type Served,
} from '../src/bench/servers.js';

export type ServerKind =
  PlainKind | 'tls-self-signed' | 'nginx-tls' | 'python-busy' | 'python-drip' | 'python-hostile' | 'python-iis';

export interface ServeOptions {
  /**
   * lighttpd as installed: it refuses a URL whose path is not UTF-8 once %XX-decoded (400), so a
   * file whose name is not UTF-8 is listed but cannot be read. Without this the test's config lets
   * such URLs through, as the other servers do.
   */
  lighttpdDefaults?: boolean;
  /** nginx: every request must carry these credentials (HTTP Basic), else 401 */
  basicAuth?: { user: string; password: string };
  /** nginx: `ssi on` (its filter drops Last-Modified and ETag from a folder's index.html) */
  ssi?: boolean;
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
function command(kind: ServerKind, dir: string, port: number, conf: string, opts: ServeOptions): Launch {
  const python = (script: string): Launch => ({ cmd: 'python3', args: [script, String(port), dir] });
  switch (kind) {
    case 'tls-self-signed': {
      // a TLS server with a certificate nobody signed: openssl's own, answering with its status page
      const [key, cert] = [join(conf, 'key.pem'), join(conf, 'cert.pem')];
      selfSigned(key, cert, '127.0.0.1');
      return {
        cmd: 'openssl',
        args: ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, '-www', '-quiet'],
        tls: true,
      };
    }
    case 'nginx-tls':
      // a certificate for 127.0.0.1 signed by a CA of the test's own (conf/ca.pem)
      return { ...nginx(dir, port, conf, { tls: privateCaCertificate(conf) }), ca: join(conf, 'ca.pem') };
    case 'nginx':
      return opts.basicAuth || opts.ssi
        ? nginx(dir, port, conf, { ...(opts.basicAuth ? { basicAuth: opts.basicAuth } : {}), ssi: !!opts.ssi })
        : launchOf(kind, dir, port, conf);
    case 'lighttpd':
      return lighttpd(dir, port, conf, opts.lighttpdDefaults ?? false);
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
      return python(script);
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
      return python(script);
    }
    case 'python-hostile': {
      // http.server (HTTP/1.1, keep-alive) serving dir as usual but for the hostile cases, by folder:
      //   loop/…/        every depth lists a/, b/ and call.wav: two links back up (2^depth folders)
      //   redirect-away/ 302 to another host; redirect-loop/ 301 to itself; */moved.wav 302 elsewhere
      //   gzip/          its listing gzip-encoded; gzip/packed.wav gzip-encoded too
      //   bomb/          a listing that gunzips to 100 MiB; endless/ a listing that never ends
      //   lies/          long.wav says 1 MB more Content-Length than it sends; short.wav 100 bytes less;
      //                  shifted.wav answers from byte 100 whatever is asked
      //   changing/      every answer for a file is 4 KiB longer (a recording still being written):
      //                  with Range (206) and Last-Modified
      const script = join(conf, 'hostile.py');
      writeFileSync(
        script,
        String.raw`import sys, os, gzip, zlib, time, email.utils, functools, http.server
root = sys.argv[2]
bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
bomb = bomb.compress(b' ' * (100 << 20)) + bomb.flush()
grown = {}
class Hostile(http.server.SimpleHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a):
        pass
    def answer(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k == 'Content-Length' for k, _ in headers):
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def local(self):
        return os.path.join(root, self.path.lstrip('/'))
    def do_GET(self):
        p = self.path
        if p.startswith('/loop/'):
            if p.endswith('/'):
                return self.answer(200, b'<title>Index of ' + p.encode() + b'</title><a href="a/">a/</a> <a href="b/">b/</a> <a href="call.wav">call.wav</a>', [('Content-Type', 'text/html')])
            if not p.endswith('/call.wav'):
                return self.answer(404, b'')
            return self.answer(200, open(os.path.join(root, 'loop', 'call.wav'), 'rb').read())
        # a file that is not there (an index.html asked for): 404, as http.server answers
        if not p.endswith('/') and not p.endswith('/moved.wav') and not os.path.exists(self.local()):
            return self.answer(404, b'')
        if p == '/redirect-away/':
            return self.answer(302, b'', [('Location', 'http://192.0.2.1/elsewhere/')])
        if p == '/redirect-loop/':
            return self.answer(301, b'', [('Location', '/redirect-loop/')])
        if p.endswith('/moved.wav'):
            return self.answer(302, b'', [('Location', '/moved.wav')])
        if p == '/gzip/':
            html = b'<title>Index of /gzip/</title><a href="call.wav">call.wav</a> <a href="packed.wav">packed.wav</a>'
            return self.answer(200, gzip.compress(html), [('Content-Type', 'text/html'), ('Content-Encoding', 'gzip')])
        if p == '/gzip/packed.wav':
            return self.answer(200, gzip.compress(open(self.local(), 'rb').read()), [('Content-Encoding', 'gzip')])
        if p == '/bomb/':
            return self.answer(200, bomb, [('Content-Type', 'text/html'), ('Content-Encoding', 'gzip')])
        if p == '/endless/':
            self.send_response(200)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Connection', 'close')
            self.end_headers()
            line = b'<a href="never.wav">never.wav</a>\n' * 1000
            try:
                while True:
                    self.wfile.write(line)
            except OSError:
                return
        if p == '/lies/long.wav':
            body = open(self.local(), 'rb').read()
            self.answer(200, body, [('Content-Length', str(len(body) + 1000000))])
            self.close_connection = True
            return
        if p == '/lies/shifted.wav':
            body = open(self.local(), 'rb').read()
            return self.answer(206, body[100:], [('Content-Range', 'bytes 100-%d/%d' % (len(body) - 1, len(body)))])
        if p == '/lies/short.wav':
            body = open(self.local(), 'rb').read()
            return self.answer(200, body, [('Content-Length', str(len(body) - 100))])
        if p.startswith('/changing/') and not p.endswith('/'):
            n = grown[p] = grown.get(p, 0) + 1
            body = open(self.local(), 'rb').read() + bytes(4096 * n)
            start, end = 0, len(body) - 1
            r = self.headers.get('Range', '')
            if r.startswith('bytes='):
                a, b = r[6:].split('-')
                if a:
                    start, end = int(a), min(int(b) if b else end, end)
                else:
                    start = len(body) - int(b)
            stamp = email.utils.formatdate(time.time() - 60 + n, usegmt=True)
            return self.answer(206, body[start:end + 1], [('Content-Range', 'bytes %d-%d/%d' % (start, end, len(body))), ('Last-Modified', stamp)])
        return super().do_GET()
handler = functools.partial(Hostile, directory=root)
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()
`,
      );
      return python(script);
    }
    case 'python-iis': {
      // http.server whose listings are IIS's directory browsing, as IIS 7–10 writes them (absolute
      // links, upper-case tags, "[To Parent Directory]", <dir> for a folder), seen in the wild:
      //   <pre><A HREF="/">[To Parent Directory]</A><br><br> 4/13/2026  2:25 PM           14 <A HREF="/B/x.cfg">x.cfg</A><br>…
      // (no IIS runs here; the files themselves as http.server gives them)
      const script = join(conf, 'iis.py');
      writeFileSync(
        script,
        String.raw`import sys, os, io, time, html, functools, urllib.parse, http.server
class Iis(http.server.SimpleHTTPRequestHandler):
    def list_directory(self, path):
        base = self.path.split('?')[0]
        names = sorted(os.listdir(os.fsencode(path)))
        rows = []
        for n in names:
            st = os.stat(os.path.join(os.fsencode(path), n))
            folder = os.path.isdir(os.path.join(os.fsencode(path), n))
            when = time.strftime('%m/%d/%Y %I:%M %p', time.localtime(st.st_mtime))
            when = '/'.join(p.lstrip('0') for p in when[:10].split('/')) + '  ' + when[11:].lstrip('0')
            size = '&lt;dir&gt;' if folder else str(st.st_size)
            # (a name that is not UTF-8 linked as http.server links it, which its file serving undoes; on IIS, NTFS names are Unicode)
            href = base + urllib.parse.quote(os.fsdecode(n), errors='surrogatepass') + ('/' if folder else '')
            rows.append('%s %12s <A HREF="%s">%s</A><br>' % (when.rjust(20), size, href, html.escape(os.fsdecode(n))))
        up = base.rstrip('/').rsplit('/', 1)[0] + '/'
        title = '127.0.0.1 - ' + html.escape(urllib.parse.unquote(base))
        body = ('<html><head><title>%s</title></head><body><H1>%s</H1><hr>\r\n\r\n<pre><A HREF="%s">[To Parent Directory]</A><br><br>%s</pre><hr></body></html>' % (title, title, up, ''.join(rows))).encode('utf-8', 'surrogateescape')
        self.send_response(200)
        self.send_header('Content-Type', 'text/html; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        return io.BytesIO(body)
handler = functools.partial(Iis, directory=sys.argv[2])
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()
`,
      );
      return python(script);
    }
    default:
      return launchOf(kind, dir, port, conf);
  }
}

/** Serve dir (made readable to a server that drops to www-data) until stop(). */
export async function serve(kind: ServerKind, dir: string, opts: ServeOptions = {}): Promise<Served> {
  const conf = tempDir('leaktally-httpd-');
  const port = await freePort();
  return start(command(kind, dir, port, conf, opts), port, conf);
}
