import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

/**
 * The text of each page of a PDF as Mozilla's PDF.js reads it (an independent parser): the items
 * of a page joined by spaces, so a test can look for whole phrases.
 */
export async function pdfPagesText(pdf: string | Uint8Array): Promise<string[]> {
  const data = typeof pdf === "string" ? new Uint8Array(Buffer.from(pdf, "latin1")) : pdf;
  const document = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 })
    .promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const page = await document.getPage(n);
    const content = await page.getTextContent();
    pages.push(
      content.items
        .map((item) => ("str" in item ? item.str : ""))
        .filter((s) => s !== "")
        .join(" "),
    );
  }
  await document.destroy();
  return pages;
}
