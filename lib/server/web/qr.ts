/**
 * The web page's address as a QR code for the terminal, so that a phone
 * joins by scanning it: npm `uqr` encodes, and each text row draws two rows
 * of modules with Unicode half blocks.
 *
 * Half blocks depend on the colours: the light modules are drawn (`█`), so
 * the code is wrapped in bright white on black, which scans on light and
 * dark terminals alike; a quiet zone of two modules surrounds it.
 *
 * @module
 */

import { encode } from "uqr";

/** Modules of quiet zone around the code. */
const BORDER = 2;

/**
 * The lines of a QR code of `text` (ANSI colours included; one line per
 * two rows of modules).
 *
 * @example
 * ```ts
 * for (const line of qrLines("http://192.0.2.7:4480/")) console.log(line);
 * ```
 */
export function qrLines(text: string): string[] {
  const { data, size } = encode(text, { ecc: "L", border: 0 });
  const dark = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < size && y < size && data[y]![x] === true;
  const lines: string[] = [];
  for (let y = -BORDER; y < size + BORDER; y += 2) {
    let line = "";
    for (let x = -BORDER; x < size + BORDER; x++) {
      const top = dark(x, y);
      const bottom = dark(x, y + 1);
      line += top && bottom ? " " : top ? "▄" : bottom ? "▀" : "█";
    }
    lines.push(`\x1b[97;40m${line}\x1b[0m`);
  }
  return lines;
}
