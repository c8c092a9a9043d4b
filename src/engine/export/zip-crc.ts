// The CRC-32 check a zip reader owes its caller, which fflate's unzipSync (our zip library, chosen for its size and
// speed) does not make: a flipped byte in a stored (uncompressed) weight shard would otherwise load as other weights
// without a word. The check reads each entry's CRC-32 and name from the zip's central directory (APPNOTE 4.3.12:
// signature 0x02014b50, the CRC at +16, the name's length at +28, extra and comment lengths at +30 and +32, the
// name at +46; the directory's offset in the end record, signature 0x06054b50, at +16) and compares it with the
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of the bytes fflate unpacked.

let table: Uint32Array | undefined;

/** CRC-32 of `bytes`, as zip, gzip and PNG store it. */
export function crc32(bytes: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The stored CRC-32 of every entry in `zip`'s central directory, by name; empty where the directory is not found. */
function storedCrcs(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const crcs = new Map<string, number>();
  // The end record is the last 22 bytes, or fewer further back behind a comment of up to 65535 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
  }
  if (end < 0) return crcs;
  const decoder = new TextDecoder();
  for (let at = view.getUint32(end + 16, true); at + 46 <= zip.length && view.getUint32(at, true) === 0x02014b50;) {
    const [nameLength, extra, comment] = [view.getUint16(at + 28, true), view.getUint16(at + 30, true), view.getUint16(at + 32, true)];
    crcs.set(decoder.decode(zip.subarray(at + 46, at + 46 + nameLength)), view.getUint32(at + 16, true));
    at += 46 + nameLength + extra + comment;
  }
  return crcs;
}

/** The first unpacked file whose CRC-32 differs from the one its zip stores, or undefined when all agree. */
export function crcMismatch(zip: Uint8Array, files: Record<string, Uint8Array>): string | undefined {
  const crcs = storedCrcs(zip);
  return Object.keys(files).find((name) => crcs.has(name) && crcs.get(name) !== crc32(files[name]));
}
