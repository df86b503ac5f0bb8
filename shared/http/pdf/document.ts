import { BASE_FONTS, type PdfFont, textWidth } from "./metrics.js";
import { toWinAnsi } from "./winansi.js";

/**
 * A small PDF 1.4 writer for documents of text, rules and filled boxes in the standard Helvetica
 * fonts (not embedded: every viewer has them), WinAnsiEncoding. Content streams are left
 * uncompressed and every string is escaped to 7-bit ASCII, so the whole file is ASCII: its byte
 * offsets are its character offsets (the xref table is exact) and it travels as a plain string
 * through API Gateway. Text is passed through `toWinAnsi` first (winansi.ts).
 */

export type Rgb = readonly [number, number, number];

export interface TextStyle {
  readonly font?: PdfFont;
  readonly size?: number;
  readonly color?: Rgb;
  /** `x` is the left edge, the right edge or the centre. */
  readonly align?: "left" | "right" | "center";
}

/** A4 in points. */
export const A4 = { width: 595.28, height: 841.89 } as const;

const FONT_NAMES: Readonly<Record<PdfFont, string>> = { regular: "F1", bold: "F2" };

function num(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError("PDF coordinates must be finite");
  return String(Math.round(n * 100) / 100);
}

function colour(rgb: Rgb): string {
  return rgb.map((c) => num(Math.min(255, Math.max(0, c)) / 255)).join(" ");
}

/** A PDF literal string: parentheses and backslashes escaped, anything outside ASCII as octal. */
export function pdfString(winAnsi: string): string {
  let out = "(";
  for (let i = 0; i < winAnsi.length; i++) {
    const code = winAnsi.charCodeAt(i);
    if (code > 0xff) throw new RangeError("not WinAnsi text");
    const ch = winAnsi.charAt(i);
    if (ch === "(" || ch === ")" || ch === "\\") out += `\\${ch}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\${code.toString(8).padStart(3, "0")}`;
  }
  return `${out})`;
}

export class PdfPage {
  private readonly ops: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Draws one line of text; returns its width in points. */
  text(x: number, y: number, text: string, style: TextStyle = {}): number {
    const font = style.font ?? "regular";
    const size = style.size ?? 10;
    const drawable = toWinAnsi(text);
    const width = textWidth(drawable, font, size);
    const left = style.align === "right" ? x - width : style.align === "center" ? x - width / 2 : x;
    this.ops.push(
      `BT ${colour(style.color ?? [0, 0, 0])} rg /${FONT_NAMES[font]} ${num(size)} Tf ` +
        `1 0 0 1 ${num(left)} ${num(y)} Tm ${pdfString(drawable)} Tj ET`,
    );
    return width;
  }

  line(x1: number, y1: number, x2: number, y2: number, width = 0.5, rgb: Rgb = [0, 0, 0]): void {
    this.ops.push(`${colour(rgb)} RG ${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`);
  }

  fill(x: number, y: number, w: number, h: number, rgb: Rgb): void {
    this.ops.push(`${colour(rgb)} rg ${num(x)} ${num(y)} ${num(w)} ${num(h)} re f`);
  }

  get content(): string {
    return this.ops.join("\n");
  }
}

/** Splits text into lines no wider than `maxWidth` (a word longer than the line is cut). */
export function wrapText(text: string, maxWidth: number, font: PdfFont = "regular", size = 10): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of toWinAnsi(text).split(/ +/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (textWidth(candidate, font, size) <= maxWidth) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = word;
    while (textWidth(current, font, size) > maxWidth && current.length > 1) {
      let cut = current.length - 1;
      while (cut > 1 && textWidth(current.slice(0, cut), font, size) > maxWidth) cut--;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  if (current) lines.push(current);
  return lines;
}

export interface PdfInfo {
  readonly title: string;
  readonly author?: string;
  /** Fixed for reproducible output; omitted, the document carries no date. */
  readonly createdAt?: Date;
}

function pdfDate(d: Date): string {
  return `D:${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

export class PdfDocument {
  private readonly pages: PdfPage[] = [];

  constructor(private readonly info: PdfInfo) {}

  addPage(width: number = A4.width, height: number = A4.height): PdfPage {
    const page = new PdfPage(width, height);
    this.pages.push(page);
    return page;
  }

  /** The file: header, numbered objects, the xref table of their byte offsets, the trailer. */
  render(): string {
    const objects: string[] = [];
    const fontIds: Partial<Record<PdfFont, number>> = {};
    const catalog = objects.push("") - 1;
    const pagesId = objects.push("") - 1;
    for (const font of Object.keys(BASE_FONTS) as PdfFont[]) {
      fontIds[font] =
        objects.push(
          `<< /Type /Font /Subtype /Type1 /BaseFont /${BASE_FONTS[font]} /Encoding /WinAnsiEncoding >>`,
        ) - 1;
    }
    const fonts = (Object.keys(FONT_NAMES) as PdfFont[])
      .map((f) => `/${FONT_NAMES[f]} ${(fontIds[f] ?? 0) + 1} 0 R`)
      .join(" ");
    const infoEntries = [
      `/Title ${pdfString(toWinAnsi(this.info.title))}`,
      ...(this.info.author ? [`/Author ${pdfString(toWinAnsi(this.info.author))}`] : []),
      "/Producer (isp-billing)",
      ...(this.info.createdAt ? [`/CreationDate ${pdfString(pdfDate(this.info.createdAt))}`] : []),
    ];
    const infoId = objects.push(`<< ${infoEntries.join(" ")} >>`) - 1;
    const kids: number[] = [];
    for (const page of this.pages) {
      const content = page.content;
      const contentId = objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`) - 1;
      kids.push(
        objects.push(
          `<< /Type /Page /Parent ${pagesId + 1} 0 R /MediaBox [0 0 ${num(page.width)} ${num(page.height)}] ` +
            `/Resources << /Font << ${fonts} >> >> /Contents ${contentId + 1} 0 R >>`,
        ) - 1,
      );
    }
    objects[catalog] = `<< /Type /Catalog /Pages ${pagesId + 1} 0 R >>`;
    objects[pagesId] =
      `<< /Type /Pages /Kids [${kids.map((k) => `${k + 1} 0 R`).join(" ")}] /Count ${kids.length} >>`;

    let out = "%PDF-1.4\n";
    const offsets: number[] = [];
    for (const [i, body] of objects.entries()) {
      offsets.push(out.length);
      out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    }
    const xref = out.length;
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
    for (const offset of offsets) out += `${String(offset).padStart(10, "0")} 00000 n \n`;
    out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog + 1} 0 R /Info ${infoId + 1} 0 R >>\n`;
    out += `startxref\n${xref}\n%%EOF\n`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the file must be 7-bit ASCII
    if (/[^\x0a\x20-\x7e]/.test(out)) throw new Error("PDF output is not ASCII");
    return out;
  }
}
