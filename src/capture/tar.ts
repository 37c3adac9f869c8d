import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A minimal ustar writer and reader (regular files only) with Node's zlib for
 * gzip. A capture bundle holds a dozen small text files written by the agent
 * and read back by `sandbox init --from-capture`; `tar -tzvf` and `tar -xzf`
 * open it too. A dependency (node-tar and its five) is not worth that.
 */
export interface TarEntry {
  readonly name: string;
  readonly data: Buffer;
  /** Seconds since the epoch. */
  readonly mtime?: number;
}

const BLOCK = 512;
/** A bundle is a few hundred kilobytes; anything far larger is not one (or a zip bomb). */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export class TarError extends Error {}

export function writeTarGz(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(header(entry));
    blocks.push(entry.data);
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks));
}

export function readTarGz(gz: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    throw new TarError(`not a gzip file, or larger than ${MAX_UNPACKED_BYTES} bytes unpacked (${(err as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const block = tar.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) return files;
    if (checksum(block) !== octal(block, 148, 8)) throw new TarError(`damaged tar header at byte ${at}`);
    const size = octal(block, 124, 12);
    const type = String.fromCharCode(block[156]!);
    const prefix = text(block, 345, 155);
    const name = prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100);
    const start = at + BLOCK;
    if (start + size > tar.length) throw new TarError(`${name} is cut short`);
    if (type === '0' || type === '\0') {
      if (!safeName(name)) throw new TarError(`refusing the entry name ${JSON.stringify(name)}`);
      files.set(name, Buffer.from(tar.subarray(start, start + size)));
    }
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarError('the tar archive has no end marker (truncated?)');
}

function header(entry: TarEntry): Buffer {
  if (!safeName(entry.name)) throw new TarError(`bad entry name ${JSON.stringify(entry.name)}`);
  const b = Buffer.alloc(BLOCK);
  const name = Buffer.from(entry.name, 'utf8');
  if (name.length > 100) {
    const cut = entry.name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(entry.name.slice(cut + 1)) > 100) throw new TarError(`entry name too long: ${entry.name}`);
    b.write(entry.name.slice(cut + 1), 0, 100, 'utf8');
    b.write(entry.name.slice(0, cut), 345, 155, 'utf8');
  } else {
    name.copy(b, 0);
  }
  writeOctal(b, 100, 8, 0o600);
  writeOctal(b, 108, 8, 0);
  writeOctal(b, 116, 8, 0);
  writeOctal(b, 124, 12, entry.data.length);
  writeOctal(b, 136, 12, Math.floor(entry.mtime ?? Date.now() / 1000));
  b.fill(' ', 148, 156);
  b.write('0', 156);
  b.write('ustar\0', 257, 'binary');
  b.write('00', 263);
  writeOctal(b, 148, 7, checksum(b));
  b[155] = 0x20;
  return b;
}

function writeOctal(b: Buffer, at: number, width: number, value: number): void {
  b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, width, 'ascii');
}

function octal(b: Buffer, at: number, width: number): number {
  const digits = b.toString('ascii', at, at + width).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(digits)) throw new TarError('a tar header field is not a number');
  return parseInt(digits, 8);
}

function text(b: Buffer, at: number, width: number): string {
  const field = b.subarray(at, at + width);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? width : end);
}

/** Sum of the header bytes with the checksum field read as spaces. */
function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  return sum;
}

/** Relative, no `..`, no empty parts: nothing outside the bundle. */
function safeName(name: string): boolean {
  return name !== '' && !name.startsWith('/') && name.split('/').every((part) => part !== '' && part !== '.' && part !== '..') && !name.includes('\0');
}
