/**
 * A throwaway self-signed certificate for a TLS server under test:
 * {@linkcode CertFiles} makes an ECDSA P-256 pair (quick to make) for
 * `localhost` and 127.0.0.1 with `openssl req -x509` in a temp dir, gives
 * the two files' paths for `--tls-cert` and `--tls-key`, and removes the dir
 * when disposed.
 *
 * @example
 * ```ts
 * await using cert = await CertFiles.make();
 * await using server = await ServerProcess.start(["--tls-cert", cert.cert, "--tls-key", cert.key]);
 * ```
 *
 * @module
 */

/** Why openssl cannot make certificates here, or undefined when it can. */
export async function opensslMissing(): Promise<string | undefined> {
  try {
    const { success } = await new Deno.Command("openssl", {
      args: ["version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? undefined : "openssl does not run";
  } catch {
    return "openssl is not installed";
  }
}

/** A PEM certificate and key in a temp dir that is removed on dispose. */
export class CertFiles implements AsyncDisposable {
  /** The directory holding both files. */
  readonly dir: string;
  /** Path of the PEM certificate. */
  readonly cert: string;
  /** Path of the PEM private key. */
  readonly key: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.cert = `${dir}/cert.pem`;
    this.key = `${dir}/key.pem`;
  }

  /** Makes a fresh self-signed pair for localhost and 127.0.0.1. */
  static async make(): Promise<CertFiles> {
    const files = new CertFiles(
      await Deno.makeTempDir({ prefix: "lochat_cert_" }),
    );
    const { success, stderr } = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        files.key,
        "-out",
        files.cert,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!success) {
      await files[Symbol.asyncDispose]();
      throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
    }
    return files;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}
