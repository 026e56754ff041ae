// Builds signed Solana transactions with @solana/web3.js, independently of
// sluice, for the interop test: legacy and v0 (with an address lookup table
// made locally), 1 to 12 signers, sizes up to the 1232-byte limit, from a
// seeded generator so every run writes the same bytes.
//
//   node make_txs.mjs OUT.bin MANIFEST.jsonl COUNT SEED
//
// OUT.bin: records "u16 little-endian length + transaction". MANIFEST.jsonl:
// one object per record: len, version, nsig, lut_addrs (addresses loaded
// through the lookup table), id (base58 first signature).
import { writeFileSync } from 'node:fs';
import {
  AddressLookupTableAccount,
  Keypair,
  PACKET_DATA_SIZE,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';

const [out, manifestPath, countArg, seedArg] = process.argv.slice(2);
if (!out || !manifestPath || !countArg || !seedArg) {
  console.error('usage: node make_txs.mjs OUT.bin MANIFEST.jsonl COUNT SEED');
  process.exit(2);
}

// xorshift32: deterministic, no dependency.
let state = Number(seedArg) >>> 0 || 1;
function next32() {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state;
}
const below = (n) => next32() % n;
const bytes = (n) => Uint8Array.from({ length: n }, () => next32() & 0xff);
const address = () => new PublicKey(bytes(32));

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(buf) {
  let n = BigInt('0x' + (Buffer.from(buf).toString('hex') || '0'));
  let s = '';
  while (n > 0n) { s = ALPHABET[Number(n % 58n)] + s; n /= 58n; }
  for (const b of buf) { if (b !== 0) break; s = '1' + s; }
  return s;
}

// The instructions of one transaction: a transfer from the payer, and a
// "data" instruction (a program of our own) that every other signer signs,
// that reads some lookup-table addresses, and that carries `pad` bytes.
// Twelve signers leave no room for a transfer and two programs (12 * 96
// bytes of keys and signatures): then the data instruction alone, run by the
// last signer's account as its program (and listed as a signer in its keys,
// since web3.js marks program ids as non-signers).
function instructions(signers, dataProgram, lutAddrs, pad) {
  const payer = signers[0].publicKey;
  const compact = signers.length === 12;
  const keys = signers.slice(1)
    .map((k) => ({ pubkey: k.publicKey, isSigner: true, isWritable: false }));
  for (const a of lutAddrs) keys.push({ pubkey: a, isSigner: false, isWritable: below(2) === 0 });
  const programId = compact ? signers[signers.length - 1].publicKey : dataProgram;
  const data = new TransactionInstruction({ programId, keys, data: Buffer.from(bytes(pad)) });
  if (compact) return [data];
  return [SystemProgram.transfer({ fromPubkey: payer, toPubkey: address(), lamports: 1 + below(1e9) }), data];
}

// Serialize with `pad` data bytes, or only measure when it would exceed the
// limit (web3.js refuses to serialize such a legacy transaction). Every
// random input is fixed in `fixed` so that each pad tried gives the same
// transaction but for its data length.
function build(fixed, pad) {
  const { version, signers, blockhash, dataProgram, lut, lutAddrs, rngState } = fixed;
  state = rngState; // same transfer target and data bytes for every pad tried
  const ixs = instructions(signers, dataProgram, lutAddrs, pad);
  const sigsLen = 1 + 64 * signers.length; // compact-u16 count: one byte below 128
  if (version === 'legacy') {
    const tx = new Transaction({ feePayer: signers[0].publicKey, recentBlockhash: blockhash }).add(...ixs);
    const length = sigsLen + tx.serializeMessage().length;
    if (length > PACKET_DATA_SIZE) return { length };
    tx.sign(...signers);
    return { length, bytes: tx.serialize() };
  }
  const msg = new TransactionMessage({
    payerKey: signers[0].publicKey, recentBlockhash: blockhash, instructions: ixs,
  }).compileToV0Message([lut]);
  const length = sigsLen + msg.serialize().length;
  if (length > PACKET_DATA_SIZE) return { length };
  const tx = new VersionedTransaction(msg);
  tx.sign(signers);
  return { length, bytes: Buffer.from(tx.serialize()) };
}

const count = Number(countArg);
const records = [];
const manifest = [];
for (let i = 0; i < count; i++) {
  const version = i % 2 === 0 ? 'legacy' : 'v0';
  const nsig = 1 + (Math.floor(i / 2) % 12);
  const signers = Array.from({ length: nsig }, () => Keypair.fromSeed(bytes(32)));
  const lutAddrsAll = Array.from({ length: 1 + below(40) }, address);
  const lut = new AddressLookupTableAccount({
    key: address(),
    state: {
      deactivationSlot: BigInt('0xffffffffffffffff'),
      lastExtendedSlot: 0,
      lastExtendedSlotStartIndex: 0,
      authority: undefined,
      addresses: lutAddrsAll,
    },
  });
  const lutAddrs = version === 'v0' ? lutAddrsAll.slice(0, 1 + below(lutAddrsAll.length)) : [];
  const fixed = {
    version, signers, lut, lutAddrs,
    blockhash: address().toBase58(), dataProgram: address(), rngState: next32(),
  };
  // With many signers a lookup table may not fit: go without it.
  if (build(fixed, 0).length > PACKET_DATA_SIZE) fixed.lutAddrs = [];
  // A third of the transactions fill the packet exactly, a third have no
  // padding, the rest take a random size between their minimum and the limit.
  const base = build(fixed, 0).length;
  if (base > PACKET_DATA_SIZE) throw new Error(`record ${i}: ${base} bytes without padding`);
  const target = [PACKET_DATA_SIZE, base, base + below(PACKET_DATA_SIZE - base + 1)][i % 3];
  let pad = target - base;
  let built = build(fixed, pad);
  while (built.length > target) built = build(fixed, --pad); // the data length's own size grows
  state = fixed.rngState ^ 0x9e3779b9; // move on from the replayed draws
  const tx = built.bytes;
  if (tx.length !== built.length) throw new Error(`record ${i}: ${tx.length} != ${built.length}`);
  const rec = Buffer.alloc(2 + tx.length);
  rec.writeUInt16LE(tx.length, 0);
  Buffer.from(tx).copy(rec, 2);
  records.push(rec);
  manifest.push(JSON.stringify({
    len: tx.length, version, nsig, lut_addrs: fixed.lutAddrs.length, id: base58(tx.subarray(1, 65)),
  }));
}
writeFileSync(out, Buffer.concat(records));
writeFileSync(manifestPath, manifest.join('\n') + '\n');
console.log(`wrote ${count} transactions to ${out}`);
