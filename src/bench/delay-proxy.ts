/**
 * node delay-proxy.js LISTEN_PORT TARGET_PORT ONE_WAY_MS: a TCP proxy on 127.0.0.1 that holds every
 * chunk ONE_WAY_MS before passing it on, each way, so that a server on loopback answers as one
 * 2 × ONE_WAY_MS away does (the bench of sizing a web server in place: 20 ms round trips). Written
 * by hand: the kernel's netem would do it on lo as root, but its module is not on these machines,
 * and Debian packages no delaying proxy. Order is kept: timers of one delay fire in the order set.
 * Not modelled: the TCP handshake's round trip (once per connection: keep-alive makes it rare) and
 * bandwidth. Prints "ready" once listening, then "connections N" whenever more connections are open
 * at once than ever before (the tests check --connections with it); runs until killed.
 */
import { connect, createServer, type Socket } from 'node:net';

const [listenPort = 0, targetPort = 0, delayMs = NaN] = process.argv.slice(2).map(Number);
if (!listenPort || !targetPort || !(delayMs >= 0)) {
  process.stderr.write('usage: node delay-proxy.js LISTEN_PORT TARGET_PORT ONE_WAY_MS\n');
  process.exit(2);
}

/** from's bytes to `to`, each chunk delayMs later; its end and errors too */
function delayed(from: Socket, to: Socket): void {
  from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1));
}

let open = 0;
let most = 0;
const server = createServer((down) => {
  // A connection counts as gone once its client has closed it (its FIN, a reset) and as open only
  // after this turn's other I/O: a client that closes one connection and then opens another sends
  // the FIN first, but a busy proxy can take both in one turn, and counting the new one before the
  // old one's end (or waiting for 'close', emitted later still) saw one connection too many.
  let counted = false;
  let gone = false;
  const leave = (): void => {
    if (gone) return;
    gone = true;
    if (counted) open--;
  };
  for (const e of ['end', 'error', 'close'] as const) down.once(e, leave);
  setImmediate(() => {
    if (gone) return;
    counted = true;
    if (++open > most) process.stdout.write(`connections ${(most = open)}\n`);
  });
  const up = connect(targetPort, '127.0.0.1');
  down.setNoDelay(true);
  up.setNoDelay(true);
  delayed(down, up);
  delayed(up, down);
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write('ready\n'));
