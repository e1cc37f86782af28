import { X509Certificate } from "node:crypto";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ConnectError } from "../lib/client/connect_errors.ts";
import { KnownServers } from "../lib/client/known_servers.ts";
import { dialTls, type TlsTrust } from "../lib/client/tls_trust.ts";
import type { Transport } from "../lib/shared/transport.ts";
import { CertFiles, opensslMissing } from "./util/cert_files.ts";

/** A throwaway self-signed certificate for localhost and 127.0.0.1. */
interface TestCert {
  cert: string;
  key: string;
  /** As `node:tls` shows it: `AB:CD:…`. */
  fingerprint: string;
}

/** Why the TLS tests cannot run here, if they cannot. */
const missing = await opensslMissing();
const ignored = missing === undefined ? "" : ` (ignored: ${missing})`;

/** Makes a certificate with openssl in a temp dir that is gone afterwards. */
async function makeCert(): Promise<TestCert> {
  await using files = await CertFiles.make();
  const cert = await Deno.readTextFile(files.cert);
  const key = await Deno.readTextFile(files.key);
  return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
}

let certs: Promise<[TestCert, TestCert]> | undefined;
/** Two different certificates, made once for the whole file. */
function twoCerts(): Promise<[TestCert, TestCert]> {
  certs ??= Promise.all([makeCert(), makeCert()]);
  return certs;
}

/**
 * A TLS server on 127.0.0.1, port 0, that says "hello" to each client and
 * waits for it to leave. Disposing it closes the listener and waits for
 * every connection to end.
 */
function helloServer(cert: TestCert) {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: cert.cert,
    key: cert.key,
  });
  const connections: Promise<void>[] = [];
  const serve = async (conn: Deno.TlsConn) => {
    try {
      await conn.handshake();
      await conn.write(new TextEncoder().encode("hello\n"));
      const buffer = new Uint8Array(64);
      while ((await conn.read(buffer)) !== null) {
        // Until the client leaves.
      }
    } catch {
      // A client that refused the certificate breaks off the handshake.
    } finally {
      conn.close();
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) connections.push(serve(conn));
  })().catch(() => {});
  return {
    port: listener.addr.port,
    where: `127.0.0.1:${listener.addr.port}`,
    async [Symbol.asyncDispose]() {
      try {
        listener.close();
      } catch {
        // Closed already.
      }
      await accepting;
      await Promise.all(connections);
    },
  };
}

/** A temp dir with a known-servers file path in it, removed on dispose. */
async function tempKnownServers() {
  const dir = await Deno.makeTempDir({ prefix: "lochat_known_test_" });
  return {
    dir,
    known: new KnownServers(`${dir}/config/lochat/known_servers`),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Trust on first use, collecting the notices. */
function pinTrust(known: KnownServers) {
  const notices: string[] = [];
  const trust: TlsTrust = {
    kind: "pin",
    known,
    notice: (text) => notices.push(text),
  };
  return { trust, notices };
}

/** Reads the server's first line through the transport, then closes it. */
async function greetingAndClose(transport: Transport): Promise<string> {
  try {
    const buffer = new Uint8Array(64);
    let text = "";
    while (!text.includes("\n")) {
      const n = await transport.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return text;
  } finally {
    transport.close();
  }
}

/** What `dialTls` threw; fails when it connected. */
async function dialError(
  port: number,
  trust: TlsTrust,
): Promise<ConnectError> {
  let transport: Transport;
  try {
    transport = await dialTls("127.0.0.1", port, trust);
  } catch (error) {
    assert(error instanceof ConnectError, `not a ConnectError: ${error}`);
    return error;
  }
  transport.close();
  throw new Error("dialTls connected; it should have refused");
}

Deno.test({
  name: `the first TLS connection pins the certificate and says so${ignored}`,
  ignore: missing !== undefined,
  async fn() {
    const [cert] = await twoCerts();
    await using server = helloServer(cert);
    await using temp = await tempKnownServers();
    const { trust, notices } = pinTrust(temp.known);
    const transport = await dialTls("127.0.0.1", server.port, trust);
    assertEquals(await greetingAndClose(transport), "hello\n");
    assertEquals(
      await Deno.readTextFile(temp.known.file),
      `${server.where} ${cert.fingerprint}\n`,
    );
    assertEquals(notices.length, 1);
    assertEquals(
      notices[0],
      `First TLS connection to ${server.where}: certificate SHA256 ${cert.fingerprint}, pinned in ${temp.known.file}. ` +
        "Check it with the server's owner (make cert prints it).",
    );
  },
});

Deno.test({
  name: `the pinned certificate is accepted again without a word${ignored}`,
  ignore: missing !== undefined,
  async fn() {
    const [cert] = await twoCerts();
    await using server = helloServer(cert);
    await using temp = await tempKnownServers();
    const { trust, notices } = pinTrust(temp.known);
    await greetingAndClose(await dialTls("127.0.0.1", server.port, trust));
    const pinned = await Deno.readTextFile(temp.known.file);
    notices.length = 0;
    const again = await dialTls("127.0.0.1", server.port, trust);
    assertEquals(await greetingAndClose(again), "hello\n");
    assertEquals(notices, []);
    assertEquals(await Deno.readTextFile(temp.known.file), pinned);
  },
});

Deno.test({
  name:
    `a different certificate on a pinned host:port is refused, naming both fingerprints and the file${ignored}`,
  ignore: missing !== undefined,
  async fn() {
    const [first, second] = await twoCerts();
    await using temp = await tempKnownServers();
    await using server = helloServer(second);
    // The server's old certificate, pinned earlier.
    await temp.known.check(server.where, first.fingerprint);
    const pinned = await Deno.readTextFile(temp.known.file);
    const { trust, notices } = pinTrust(temp.known);
    const error = await dialError(server.port, trust);
    assertEquals(
      error.message,
      [
        `THE CERTIFICATE OF ${server.where} HAS CHANGED. Refusing to connect.`,
        `  pinned:    SHA256 ${first.fingerprint}`,
        `  presented: SHA256 ${second.fingerprint}`,
        "Someone may be intercepting the connection, or the server has a new certificate.",
        `If you know the change is genuine, delete the line for ${server.where} from ${temp.known.file}.`,
      ].join("\n"),
    );
    assertEquals(notices, []);
    assertEquals(
      await Deno.readTextFile(temp.known.file),
      pinned,
      "the pin is not replaced",
    );
  },
});

Deno.test({
  name: `with --ca a certificate the CA signed is trusted${ignored}`,
  ignore: missing !== undefined,
  async fn() {
    const [cert] = await twoCerts();
    await using server = helloServer(cert);
    const transport = await dialTls("127.0.0.1", server.port, {
      kind: "ca",
      ca: cert.cert,
    });
    assertEquals(await greetingAndClose(transport), "hello\n");
  },
});

Deno.test({
  name: `with --ca a certificate the CA did not sign is refused${ignored}`,
  ignore: missing !== undefined,
  async fn() {
    const [cert, other] = await twoCerts();
    await using server = helloServer(cert);
    const error = await dialError(server.port, { kind: "ca", ca: other.cert });
    assertMatch(
      error.message,
      new RegExp(
        `^TLS with ${server.where} failed: .+ \\(checked against --ca\\)$`,
      ),
    );
  },
});

Deno.test({
  name: `a port nobody listens on is "connection refused"${ignored}`,
  ignore: missing !== undefined,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    await using temp = await tempKnownServers();
    const { trust, notices } = pinTrust(temp.known);
    const error = await dialError(port, trust);
    assertEquals(
      error.message,
      `Cannot connect to 127.0.0.1:${port}: connection refused. Is lochat-server running there? ` +
        "Start lochat-server there (or `make server` in a checkout), or pass --host and --port",
    );
    assertEquals(notices, []);
  },
});

Deno.test("the known-servers file answers new, then known, then changed, and never overwrites a pin", async () => {
  await using temp = await tempKnownServers();
  const { known } = temp;
  assertEquals(await known.check("box:4444", "AA:BB"), {
    kind: "new",
    file: known.file,
  });
  assertEquals(await known.check("box:4444", "AA:BB"), { kind: "known" });
  assertEquals(await known.check("box:4444", "CC:DD"), {
    kind: "changed",
    pinned: "AA:BB",
    file: known.file,
  });
  assertEquals(await known.check("box:5555", "CC:DD"), {
    kind: "new",
    file: known.file,
  });
  assertEquals(
    await Deno.readTextFile(known.file),
    "box:4444 AA:BB\nbox:5555 CC:DD\n",
  );
});

Deno.test("the known-servers file is private to its owner", async () => {
  await using temp = await tempKnownServers();
  await temp.known.check("box:4444", "AA:BB");
  assertEquals((await Deno.stat(temp.known.file)).mode! & 0o777, 0o600);
  assertEquals(
    (await Deno.stat(`${temp.dir}/config/lochat`)).mode! & 0o777,
    0o700,
  );
});

Deno.test("the known-servers file skips comments and blank lines", async () => {
  await using temp = await tempKnownServers();
  await Deno.mkdir(`${temp.dir}/config/lochat`, { recursive: true });
  await Deno.writeTextFile(
    temp.known.file,
    "# box:4444 EE:FF\n\n   box:4444   AA:BB  \n",
  );
  assertEquals(await temp.known.check("box:4444", "AA:BB"), { kind: "known" });
});

for (
  const { env, file } of [
    {
      env: { xdgConfigHome: "/xdg", home: "/home/ann" },
      file: "/xdg/lochat/known_servers",
    },
    {
      env: { xdgConfigHome: "", home: "/home/ann" },
      file: "/home/ann/.config/lochat/known_servers",
    },
    {
      env: { home: "/home/ann" },
      file: "/home/ann/.config/lochat/known_servers",
    },
    { env: {}, file: "./.config/lochat/known_servers" },
  ]
) {
  Deno.test(`the default known-servers file for ${JSON.stringify(env)} is ${file}`, () => {
    assertEquals(KnownServers.defaultFile(env), file);
  });
}

Deno.test("a port that accepts and never answers the TLS handshake is said so within seconds, not waited for for ever", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    await using temp = await tempKnownServers();
    const { trust } = pinTrust(temp.known);
    const error = await dialError(listener.addr.port, trust);
    assertEquals(
      error.message,
      `127.0.0.1:${listener.addr.port} did not answer the TLS handshake within 5 s; check --host and --port, and that the server has TLS`,
    );
  } finally {
    listener.close();
    await accepting;
    for (const conn of held) conn.close();
  }
});
