// Image files for `npm run predict`: PNG (pngjs) and JPEG (jpeg-js) decoded to RGBA, both pure JavaScript
// libraries (no native build, no download at install), turned upright by their EXIF orientation (read by exifr:
// phones store portrait photos sideways), and a folder's pictures listed in name order. A file that is no picture
// we read is a 'data' error naming it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import exifr from 'exifr';
import { orientRgba } from '../data/mnist-input';
import { CodedError } from '../engine/errors';

/** The file extensions read as pictures (lower case). */
export const PICTURE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
/** The largest picture decoded, in pixels: a phone photo fits; a mistaken giant file is refused, not decoded. */
const MAX_PIXELS = 50_000_000;

export interface Picture {
  rgba: Uint8Array;
  width: number;
  height: number;
}

export const isPicturePath = (path: string) => PICTURE_EXTENSIONS.includes(extname(path).toLowerCase());

/**
 * The pictures `path` names: itself when it is a picture file, a folder's picture files in name order, or
 * undefined for anything else (an IDX file). A folder without pictures is an error naming it.
 */
export function picturePaths(path: string): string[] | undefined {
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter(isPicturePath).sort().map((f) => join(path, f));
    if (files.length === 0) throw new CodedError('data', `${path}: no ${PICTURE_EXTENSIONS.join(', ')} files in this folder`);
    return files;
  }
  if (OTHER_PICTURES.test(path)) throw new CodedError('data', `${path}: only ${PICTURE_EXTENSIONS.join(', ')} pictures are read (convert it to PNG)`);
  return isPicturePath(path) ? [path] : undefined;
}

/** Picture formats people have that are not read: named as such, not taken for an IDX file by elimination. */
const OTHER_PICTURES = /\.(gif|webp|bmp|tiff?|heic|heif|avif|svg|ico)$/i;

/** Decodes a PNG or JPEG file to upright RGBA; an unreadable one is an error naming the file and the reason. */
export async function readPicture(path: string): Promise<Picture> {
  const bytes = readFileSync(path);
  const stored = decode(path, bytes);
  // A file without EXIF, or with a damaged block, is shown as stored (as browsers do).
  const orientation = await exifr.orientation(bytes).catch(() => undefined);
  return orientation ? orientRgba(stored.rgba, stored.width, stored.height, orientation) : stored;
}

function decode(path: string, bytes: Buffer): Picture {
  try {
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
      const pixels = bytes.length >= 24 ? bytes.readUInt32BE(16) * bytes.readUInt32BE(20) : 0;
      if (pixels > MAX_PIXELS) throw new Error(`${pixels} pixels, more than ${MAX_PIXELS} are not decoded`);
      const png = PNG.sync.read(bytes);
      return { rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6 });
      return { rgba: j.data, width: j.width, height: j.height };
    }
  } catch (e) {
    throw new CodedError('data', `${path}: not a readable picture (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  throw new CodedError('data', `${path}: neither PNG nor JPEG (by its first bytes)`);
}
