// carbontrail: verify a credential and its proof bundle in the browser, with no upload and no network.
// Checks, as `carbontrail verify` does: the eddsa-jcs-2022 signature (RFC 8785 JSON, SHA-256, Ed25519 by
// WebCrypto), the checkpoint's signed-note signature by the log key, the RFC 9162 inclusion proofs of the
// credential and of the issuer's key, and the credential's bit in its Bitstring Status List; with a checkpoint the
// user already holds, the RFC 9162 consistency proof from it. A green-electricity certificate event saved by
// `carbontrail certificates proof` is checked too: its log entry commits to exactly its bytes.
"use strict";
(function () {
  const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const enc = new TextEncoder();

  function fail(message) { const e = new Error(message); e.verification = true; return e; }

  function canonical(v) {  // RFC 8785: ES6 numbers and strings (JSON.stringify), keys sorted by UTF-16 units
    if (v === null || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number") {
      if (!isFinite(v)) throw fail("a number in the document is not finite");
      return JSON.stringify(v);
    }
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    return "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }

  function b58decode(text) {
    let n = 0n;
    for (const c of text) {
      const i = B58.indexOf(c);
      if (i < 0) throw fail("a value is not base58btc");
      n = n * 58n + BigInt(i);
    }
    const out = [];
    while (n > 0n) { out.push(Number(n % 256n)); n /= 256n; }
    for (const c of text) { if (c !== "1") break; out.push(0); }
    return new Uint8Array(out.reverse());
  }

  function b64decode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw fail("a hash is not base64");
    const raw = atob(text);
    const out = Uint8Array.from(raw, c => c.charCodeAt(0));
    if (btoa(raw) !== text) throw fail("a hash is not canonical base64");
    return out;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = async data => new Uint8Array(await crypto.subtle.digest("SHA-256", data));

  async function ed25519(pub, signature, message) {
    const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  }

  function didKey(method) {
    const did = method.split("#")[0];
    if (!did.startsWith("did:key:z")) throw fail("the verification method is not a did:key");
    const data = b58decode(did.slice(9));
    if (data.length !== 34 || data[0] !== 0xed || data[1] !== 0x01) throw fail("the did:key is not Ed25519");
    return { raw: data.slice(2), multikey: did.slice(8) };
  }

  async function verifyProof(doc) {  // vc-di-eddsa eddsa-jcs-2022
    const proof = doc.proof;
    if (!proof || proof.type !== "DataIntegrityProof" || proof.cryptosuite !== "eddsa-jcs-2022")
      throw fail("the credential carries no eddsa-jcs-2022 proof");
    const unsecured = Object.assign({}, doc); delete unsecured.proof;
    const config = Object.assign({}, proof); delete config.proofValue;
    if (proof["@context"] !== undefined && canonical(proof["@context"]) !== canonical(doc["@context"]))
      throw fail("the proof's @context differs from the credential's");
    if (unsecured["@context"] !== undefined) config["@context"] = unsecured["@context"];
    const data = concat(await sha256(enc.encode(canonical(config))), await sha256(enc.encode(canonical(unsecured))));
    const key = didKey(proof.verificationMethod);
    const sig = b58decode(String(proof.proofValue || "").replace(/^z/, ""));
    if (sig.length !== 64 || !(await ed25519(key.raw, sig, data)))
      throw fail("the credential's signature does not verify: its content or proof was changed");
    return key;
  }

  async function openCheckpoint(note, logKey) {
    const [name, id, material] = [logKey.split("+")[0], logKey.split("+")[1], logKey.split("+").slice(2).join("+")];
    const keyData = b64decode(material);
    if (keyData.length !== 33 || keyData[0] !== 1) throw fail("the log key is not an Ed25519 note key");
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0) throw fail("the checkpoint is not a signed note");
    const text = note.slice(0, cut + 1);
    const keyId = (await sha256(concat(enc.encode(name + "\n"), keyData))).slice(0, 4);
    if (Array.from(keyId, b => b.toString(16).padStart(2, "0")).join("") !== id) throw fail("the log key id is wrong");
    for (const line of note.slice(cut + 2).split("\n").filter(Boolean)) {
      if (!line.startsWith("\u2014 ")) throw fail("a checkpoint signature line is malformed");
      const [who, blob] = [line.slice(2, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)];
      if (who !== name) continue;
      const sig = b64decode(blob);
      if (sig.length !== 68 || !equal(sig.slice(0, 4), keyId) ||
          !(await ed25519(keyData.slice(1), sig.slice(4), enc.encode(text))))
        throw fail("the checkpoint's signature does not verify");
      const lines = text.split("\n");
      if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw fail("the checkpoint's tree size is not a number");
      return { origin: lines[0], size: Number(lines[1]), root: b64decode(lines[2]) };
    }
    throw fail("the checkpoint carries no signature by the log key");
  }

  const node = async (l, r) => sha256(concat(new Uint8Array([1]), l, r));
  const FIELDS = ["credential", "detail", "digest", "kind", "organisation", "subject", "time"];

  async function included(part, checkpoint) {  // RFC 9162 §2.1.3.2
    if (!part || typeof part.entry !== "object") throw fail("the bundle has no inclusion proof");
    if (canonical(Object.keys(part.entry).sort()) !== canonical(FIELDS)) throw fail("the log entry is malformed");
    if (part.treeSize !== checkpoint.size) throw fail("the inclusion proof is not for the bundle's checkpoint");
    let fn = part.index, sn = part.treeSize - 1;
    if (!Number.isInteger(fn) || fn < 0 || fn > sn) throw fail("the inclusion proof's index is out of range");
    let r = await sha256(concat(new Uint8Array([0]), enc.encode(canonical(part.entry))));
    for (const h of part.hashes || []) {
      const p = b64decode(h);
      if (p.length !== 32 || sn === 0) throw fail("the inclusion proof is malformed");
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0 || !equal(r, checkpoint.root))
      throw fail("the inclusion proof of entry " + part.index + " does not lead to the checkpoint's root");
    return part.entry;
  }

  async function consistent(bundle, held, current) {  // RFC 9162 §2.1.4.2
    if (held.origin !== current.origin) throw fail("your checkpoint is for log " + held.origin + ", not " + current.origin);
    if (held.size === current.size) {
      if (!equal(held.root, current.root))
        throw fail("your checkpoint and the bundle's have the same size but different roots: the log forked");
      return;
    }
    const [old, now] = held.size < current.size ? [held, current] : [current, held];
    const proof = (bundle.consistency || []).find(p => p && p.from === old.size && p.to === now.size);
    if (!proof) throw fail("the bundle has no consistency proof from " + old.size + " to " + now.size +
                           " entries; fetch it with `carbontrail ledger bundle --since`");
    const path = (proof.hashes || []).map(b64decode);
    if (path.some(h => h.length !== 32)) throw fail("the consistency proof is malformed");
    if ((old.size & (old.size - 1)) === 0) path.unshift(old.root);
    if (!path.length) throw fail("the consistency proof is empty");
    let fn = old.size - 1, sn = now.size - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) throw fail("the consistency proof is too long");
      if (fn % 2 === 1 || fn === sn) {
        fr = await node(c, fr); sr = await node(c, sr);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        sr = await node(sr, c);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0 || !equal(fr, old.root) || !equal(sr, now.root))
      throw fail("the log of " + now.size + " entries is not consistent with the one of " + old.size +
                 ": the consistency proof fails");
  }

  const hex = bytes => Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  const digest = async value => hex(await sha256(enc.encode(canonical(value))));

  async function verifyEvent(body, bundle, heldNote) {  // as `carbontrail verify` checks a saved event
    const holds = [], fails = [];
    const step = async (ok, fn) => {
      try { const v = await fn(); holds.push(ok); return v; }
      catch (e) { if (!e.verification) throw e; fails.push(e.message); return null; }
    };
    const instrument = body.instrument || {};
    await step("the file is a certificate event", () => {
      if (typeof body.instrument !== "object") throw fail("the file is not a carbontrail certificate event");
    });
    if (!bundle || bundle.type !== "CarbontrailProofBundle") {
      fails.push("no proof bundle was given, so its inclusion in the log cannot be checked");
    } else {
      const logKey = String(bundle.logKey || "");
      const cp = await step("the log checkpoint is signed by the log key",
                            () => openCheckpoint(String(bundle.checkpoint || ""), logKey));
      if (cp) {
        await step("the " + body.event + " of " + instrument.kind + " " + instrument.reference + " is entry " +
                   (bundle.inclusion || {}).index + " of the " + cp.size + "-entry log " + cp.origin, async () => {
          const entry = await included(bundle.inclusion, cp);
          if (entry.kind !== "certificate" || entry.digest !== await digest(body))
            throw fail("the log entry commits to a different event than this file");
          if (entry.subject !== await digest("certificate:" + instrument.kind + ":" + instrument.reference))
            throw fail("the log entry names another instrument");
        });
        if (heldNote) await step("the log is consistent with the checkpoint you hold",
                                 async () => consistent(bundle, await openCheckpoint(heldNote, logKey), cp));
      }
    }
    return verdict(holds, fails);
  }

  function verdict(holds, fails) {
    if (!fails.length) return { ok: true, sentence: "Verified: " + holds.join("; ") + "." };
    return { ok: false, sentence: "NOT verified: " + fails.join("; ") + (holds.length ? " — while " + holds.join("; ") + "." : ".") };
  }

  async function statusBit(encoded, index) {
    const body = encoded.slice(1).replace(/-/g, "+").replace(/_/g, "/");
    const packed = b64decode(body + "=".repeat((4 - body.length % 4) % 4));
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
    const bits = new Uint8Array(await new Response(stream).arrayBuffer());
    if (index >= bits.length * 8) throw fail("the status index is outside the status list");
    return (bits[index >> 3] & (0x80 >> (index % 8))) !== 0;
  }

  async function verify(credential, bundle, heldNote) {
    const holds = [], fails = [];
    const step = async (ok, fn) => {
      try { const v = await fn(); holds.push(typeof ok === "function" ? ok(v) : ok); return v; }
      catch (e) { if (!e.verification) throw e; fails.push(e.message); return null; }
    };
    const key = await step(() => "the signature by " + credential.issuer + " is valid", () => verifyProof(credential));
    if (!bundle || bundle.type !== "CarbontrailProofBundle") {
      fails.push("no proof bundle was given, so status and log inclusion cannot be checked");
    } else {
      const cp = await step("the log checkpoint is signed by the log key",
                            () => openCheckpoint(String(bundle.checkpoint || ""), String(bundle.logKey || "")));
      if (cp) {
        await step("it is entry " + (bundle.inclusion || {}).index + " of the " + cp.size + "-entry log " + cp.origin,
          async () => {
            const entry = await included(bundle.inclusion, cp);
            const digest = Array.from(await sha256(enc.encode(canonical(credential))),
                                      b => b.toString(16).padStart(2, "0")).join("");
            if (entry.digest !== digest || entry.credential !== credential.id)
              throw fail("the log entry commits to a different document than this credential");
          });
        await step("the signing key is logged as the issuer's", async () => {
          if (!key) throw fail("the issuer's key cannot be matched: the signature did not verify");
          const entry = await included(bundle.issuerKey, cp);
          if (entry.kind !== "key" || entry.detail.key !== key.multikey || entry.detail.issuer !== credential.issuer)
            throw fail("the signing key is not logged as a key of the credential's issuer");
        });
        await step("it is not revoked or withdrawn", async () => {
          const status = credential.credentialStatus;
          if (!status) return;
          const listed = bundle.statusList;
          if (!listed || listed.id !== status.statusListCredential) throw fail("the bundle lacks the status list");
          const lister = await verifyProof(listed);
          if (listed.issuer !== credential.issuer) throw fail("the status list is not signed by the issuer");
          if (key && lister.multikey !== key.multikey) {
            const entry = await included(bundle.statusListKey, cp);
            if (entry.kind !== "key" || entry.detail.key !== lister.multikey)
              throw fail("the status list is not signed by a logged key of the issuer");
          }
          if (await statusBit(String(listed.credentialSubject.encodedList), Number(status.statusListIndex)))
            throw fail("the credential is revoked or withdrawn: its issuer set its bit in the status list of " +
                       listed.validFrom);
        });
        if (heldNote) await step("the log is consistent with the checkpoint you hold",
                                 async () => consistent(bundle, await openCheckpoint(heldNote, String(bundle.logKey || "")), cp));
      }
    }
    return verdict(holds, fails);
  }

  async function readAll(files) {  // JSON documents, and a checkpoint (a signed note, plain text) the user holds
    let credential = null, bundle = null, held = null;
    for (const file of files) {
      const text = await file.text();
      if (!text.trimStart().startsWith("{")) { held = text; continue; }
      const doc = JSON.parse(text);
      if (doc && doc.type === "CarbontrailProofBundle") bundle = doc; else credential = doc;
    }
    return { credential, bundle, held };
  }

  function show(result) {
    const out = document.getElementById("verdict");
    out.textContent = result.sentence;
    out.className = result.ok ? "verdict ok" : "verdict fail";
  }

  async function run(files) {
    try {
      const { credential, bundle, held } = await readAll(files);
      if (!credential) { show({ ok: false, sentence: "NOT verified: no credential file was given." }); return; }
      show(credential.type === "carbontrail.certificate.v1" ? await verifyEvent(credential, bundle, held)
                                                            : await verify(credential, bundle, held));
    } catch (e) {
      show({ ok: false, sentence: "NOT verified: the file cannot be read (" + e.message + ")." });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("verify-files");
    const zone = document.getElementById("drop-zone");
    input.addEventListener("change", () => run(Array.from(input.files)));
    zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", e => { e.preventDefault(); zone.classList.remove("over"); run(Array.from(e.dataTransfer.files)); });
  });
})();
