// Copied from /work/staging/c2pa/test/signer.ts. Test-only signing, to make sidecar (.c2pa) and remote-manifest assets the fixtures lack.
// A throwaway CA and ES256 signer are made with openssl in a temp dir; c2pa-wasm 0.15's
// signer is "direct COSE" (the callback returns the whole COSE_Sign1), so the COSE structure
// is built here with a minimal CBOR encoder.

import { execFileSync } from "node:child_process";
import { createPrivateKey, sign as cryptoSign, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installFileReaderSync, openFileBlob } from "../../src/adapters/c2pa/file-blob.js";

type Cbor = null | number | string | Uint8Array | Cbor[] | Map<number, Cbor> | { tag: number; value: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(v: Cbor): Buffer {
  if (v === null) return Buffer.from([0xf6]);
  if (typeof v === "number") return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === "string") return Buffer.concat([head(3, Buffer.byteLength(v)), Buffer.from(v)]);
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  return Buffer.concat([head(6, v.tag), cbor(v.value)]);
}

export interface TestPki {
  caPem: string;
  leafPem: string;
  leafKey: string;
}

export function makePki(dir: string): TestPki {
  const run = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  };
  run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key");
  run("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "30", "-subj", "/O=prov test facility/CN=prov Test Root CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem");
  run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key");
  run("pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-out", "leaf.p8");
  run("req", "-new", "-key", "leaf.key", "-subj", "/O=prov test facility/CN=prov Test Signer", "-out", "leaf.csr");
  writeFileSync(join(dir, "leaf.ext"),
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "7", "-sha256", "-extfile", "leaf.ext", "-out", "leaf.pem");
  return { caPem: join(dir, "ca.pem"), leafPem: join(dir, "leaf.pem"), leafKey: join(dir, "leaf.p8") };
}

export type SignMode = "sidecar" | "remote";

/** Signs `src` (a JPEG) with no embedded store; returns the asset bytes and the .c2pa store. */
export async function signJpeg(pki: TestPki, src: string, mode: SignMode, remoteUrl?: string): Promise<{ asset: Uint8Array; manifest: Uint8Array }> {
  installFileReaderSync();
  const mod = await import("@contentauth/c2pa-wasm");
  const { createRequire } = await import("node:module");
  mod.initSync({ module: readFileSync(createRequire(import.meta.url).resolve("@contentauth/c2pa-wasm/c2pa.wasm")) });
  const leaf = new X509Certificate(readFileSync(pki.leafPem));
  const key = createPrivateKey(readFileSync(pki.leafKey));
  const protectedHeader = cbor(new Map<number, Cbor>([[1, -7], [33, [new Uint8Array(leaf.raw)]]])); // alg ES256, x5chain
  const signer = {
    alg: "es256",
    reserveSize: 10_000,
    sign: async (payload: Uint8Array): Promise<Uint8Array<ArrayBuffer>> => {
      const toBeSigned = cbor(["Signature1", protectedHeader, new Uint8Array(0), Buffer.from(payload)]);
      const sig = cryptoSign("sha256", toBeSigned, { key, dsaEncoding: "ieee-p1363" });
      return new Uint8Array(cbor({ tag: 18, value: [protectedHeader, new Map(), null, sig] }));
    },
  };
  const definition = {
    claim_generator_info: [{ name: "prov-test", version: "0.1" }],
    title: "still.jpg",
    format: "image/jpeg",
    assertions: [{ label: "c2pa.actions", data: { actions: [{
      action: "c2pa.created",
      digitalSourceType: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
      softwareAgent: { name: "prov test generator" },
    }] } }],
  };
  const builder = mod.WasmBuilder.fromJson(JSON.stringify(definition), JSON.stringify({ version: 1, builder: { thumbnail: { enabled: false } } }));
  builder.setNoEmbed(true);
  if (mode === "remote" && remoteUrl) builder.setRemoteUrl(remoteUrl);
  const { blob, close } = openFileBlob(src);
  try {
    const out = (await builder.signAndGetManifestBytes(signer, [], "image/jpeg", blob as unknown as Blob)) as { asset: Uint8Array; manifest: Uint8Array };
    return out;
  } finally {
    close();
    builder.free();
  }
}
