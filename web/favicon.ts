/**
 * The favicon: a speech bubble drawn on a canvas, with the unread count on
 * a dot (red when a message names the person), handed to the page as a
 * `data:` URL (the page's Content Security Policy allows `img-src data:`).
 *
 * @module
 */

import { badgeText } from "./badge.ts";

/**
 * Draws the favicon for `unread` messages (a red dot when one names the
 * person, blue otherwise) and returns it as a `data:` URL.
 */
export function drawFavicon(
  canvas: HTMLCanvasElement,
  unread: number,
  mentions: number,
): string {
  const size = 64;
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext("2d");
  if (g === null) return "data:,";
  g.clearRect(0, 0, size, size);
  // The bubble.
  g.fillStyle = "#2f6fde";
  g.beginPath();
  g.roundRect(4, 8, 48, 36, 10);
  g.fill();
  g.beginPath();
  g.moveTo(14, 40);
  g.lineTo(10, 56);
  g.lineTo(28, 42);
  g.fill();
  g.fillStyle = "#ffffff";
  g.font = "bold 26px sans-serif";
  g.textAlign = "center";
  g.textBaseline = "middle";
  g.fillText("L", 28, 27);
  if (unread > 0) {
    const text = badgeText(unread);
    g.fillStyle = mentions > 0 ? "#d93025" : "#e8710a";
    g.beginPath();
    g.arc(44, 44, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#ffffff";
    g.font = `bold ${text.length > 2 ? 16 : 24}px sans-serif`;
    g.fillText(text, 44, 45);
  }
  return canvas.toDataURL("image/png");
}
