/**
 * The enrolment QR code, drawn here as inline SVG (no image service sees the seed). uqr computes the
 * module matrix (pure JS, no Node modules: it bundles for Workers); the drawing is one path, with a
 * quiet zone, a title for screen readers and crisp edges at any size.
 */
import { encode } from 'uqr';

export function qrSvg(text: string, title: string): string {
  const { data, size } = encode(text, { ecc: 'M', border: 0 });
  const quiet = 4;
  const dim = size + quiet * 2;
  let d = '';
  for (let y = 0; y < size; y++) {
    const row = data[y]!;
    for (let x = 0; x < size; x++) if (row[x]) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
  }
  const esc = title.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${dim} ${dim}" width="${dim * 6}" height="${dim * 6}" ` +
    `role="img" aria-labelledby="qr-title" shape-rendering="crispEdges" class="qr">` +
    `<title id="qr-title">${esc}</title><rect width="${dim}" height="${dim}" fill="#fff"/>` +
    `<path fill="#000" d="${d}"/></svg>`
  );
}
