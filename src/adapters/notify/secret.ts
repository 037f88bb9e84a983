// A secret the configuration names by file (the webhook's HMAC key, the SMTP password): read
// once when `prov watch` starts, and only from a file nobody but its owner can read, as ssh
// does with a private key. The value never reaches a log line or `prov status`.

import { readFileSync, statSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { ConfigError, errorMessage } from "../../domain/errors.js";

/**
 * The file's content without its trailing newline. Refused (ConfigError naming the
 * configuration file, the key and the secret file) when it cannot be read, is not a regular
 * file, is readable or writable by group or others, or is empty.
 */
export function readSecretFile(file: string, key: string, configFile: string | null): string {
  const where = `${configFile ?? "the configuration"}: ${key}`;
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${file}: ${errorMessage(err)}`);
  }
  if (!st.isFile()) throw new ConfigError(`${where}: ${file} is not a regular file`);
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${where}: ${file} is readable by others than its owner (mode ${mode.toString(8).padStart(4, "0")}); a secret must be readable only by its owner: chmod 600 ${file}`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && st.uid !== uid) {
    throw new ConfigError(`${where}: ${file} belongs to uid ${st.uid}, not to the account running prov (uid ${uid}); a secret must be that account's own file`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${file}: ${errorMessage(err)}`);
  }
  const secret = text.replace(/\r?\n$/, "");
  if (secret.length === 0) throw new ConfigError(`${where}: ${file} is empty`);
  return secret;
}

/**
 * A CA certificate file (PEM, one or more certificates): not a secret, but checked when
 * read, so a wrong file is a configuration error naming it, not a TLS failure at the
 * first notice.
 */
export function readCaFile(file: string, key: string, configFile: string | null): string {
  const where = `${configFile ?? "the configuration"}: ${key}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${file}: ${errorMessage(err)}`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${where}: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch (err) {
      throw new ConfigError(`${where}: ${file}: certificate ${i + 1} is not readable: ${errorMessage(err)}`);
    }
  }
  return text;
}
