// docs/tools/browser_check.mjs - scripts/docs's browser check: loads every page of the built site in
// headless Chromium (Debian's /usr/bin/chromium, driven by puppeteer-core) at 1280 px and fails,
// naming the page and the element, when
//   - a table, picture or code block is wider than the content column (it would be clipped or
//     scroll sideways),
//   - a code line is cut off (wider than its block: the reader must scroll to see it),
//   - an image does not load, or is shrunk below 3/4 of its size to fit (its text unreadable),
//   - a local link is dead: its file does not exist, or its #anchor is not an id on that page.
// Usage: node browser_check.mjs <site-dir> [chromium]   (run by scripts/docs; prints a summary line)
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const WIDTH = 1280;
const SLACK = 1; // px: rounding of sub-pixel layout
const MIN_SCALE = 0.75; // a picture shown smaller than this fraction of its size fails
const site = path.resolve(process.argv[2] ?? "build/docs/html");
const chromium = process.argv[3] ?? process.env.CHROMIUM ?? "/usr/bin/chromium";

// Every page of the site; Sphinx's search page is built by script at run time and has no content.
function pages(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Sphinx's own folders hold no pages; _generated/ holds the reference's.
      if (!["_static", "_sources", "_images", "_downloads"].includes(entry.name)) out.push(...pages(full));
    } else if (entry.name.endsWith(".html") && entry.name !== "search.html") {
      out.push(full);
    }
  }
  return out.sort();
}

// Runs in the page: measures the content column's tables, pictures and code, and lists its links.
function measure(SLACK, MIN_SCALE) {
  const column = document.querySelector("article[role=main]") ?? document.body;
  const right = column.getBoundingClientRect().right;
  const name = (el) => {
    const near = el.closest("section[id]");
    const where = near ? `#${near.id}` : "";
    const text = (el.getAttribute("alt") || el.getAttribute("src") || el.textContent || "")
      .replace(/\s+/g, " ").trim().slice(0, 70);
    return `<${el.tagName.toLowerCase()}> ${where} "${text}"`;
  };
  const problems = [];
  const counts = { tables: 0, pictures: 0, code: 0, codeLines: 0, cutLines: 0 };
  const tooWide = (el, what) => {
    const box = el.getBoundingClientRect();
    if (box.right > right + SLACK) {
      problems.push(`${what} wider than the content column (${Math.round(box.width)} px > ` +
                    `${Math.round(right - box.left)} px): ${name(el)}`);
    }
  };
  for (const table of column.querySelectorAll("table")) {
    counts.tables++;
    tooWide(table, "table");
    // Furo wraps a table in a scrolling box: the table then fits the column while its cells do not.
    const wrapper = table.closest(".table-wrapper");
    if (wrapper && wrapper.scrollWidth > wrapper.clientWidth + SLACK) {
      problems.push(`table scrolls sideways (${wrapper.scrollWidth} px in ${wrapper.clientWidth} px): ${name(table)}`);
    }
  }
  for (const img of column.querySelectorAll("img, object, svg:not(pre svg)")) {
    if (img.closest("a.headerlink, button, .icon")) continue;
    counts.pictures++;
    tooWide(img, "picture");
    if (img.tagName === "IMG" && !(img.complete && img.naturalWidth > 0)) {
      problems.push(`image does not load: ${name(img)}`);
    } else if (img.tagName === "IMG" && img.width < MIN_SCALE * img.naturalWidth) {
      // Squeezed to the column, a picture's text shrinks with it: below 3/4 it is hard to read.
      problems.push(`picture shrunk to ${Math.round(100 * img.width / img.naturalWidth)}% of its size ` +
                    `(${img.naturalWidth} px into ${img.width} px; its text too small to read): ${name(img)}`);
    }
  }
  // Code: each line must fit its block (monospace: the width of a line is its length times the
  // width of one character in the block's font).
  const ctx = document.createElement("canvas").getContext("2d");
  for (const pre of column.querySelectorAll("pre")) {
    counts.code++;
    tooWide(pre, "code block");
    const style = getComputedStyle(pre);
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    const charWidth = ctx.measureText("0").width;
    const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const lines = pre.textContent.split("\n").filter((l) => l.trim());
    // A block that wraps its lines (white-space: pre-wrap, as the reference's contracts) shows
    // each line whole; only a block that keeps lines on one row can cut one off.
    const wraps = style.whiteSpace === "pre-wrap" || style.whiteSpace === "break-spaces";
    const cut = wraps ? [] : lines.filter((l) => l.length * charWidth > room + SLACK);
    counts.codeLines += lines.length;
    counts.cutLines += cut.length;
    if (cut.length || pre.scrollWidth > pre.clientWidth + SLACK) {
      problems.push(`${cut.length} code line(s) cut off (${Math.floor(room / charWidth)} characters fit): ` +
                    `${name(pre).slice(0, 40)}... "${(cut[0] ?? "").trim().slice(0, 60)}"`);
    }
  }
  // Reference entries (breathe's <dl class="cpp">) and contract text: nothing may overflow.
  for (const el of column.querySelectorAll("dt, dd > p, p")) {
    if (el.scrollWidth > el.clientWidth + SLACK && el.clientWidth > 0) {
      problems.push(`text cut off (${el.scrollWidth} px in ${el.clientWidth} px): ${name(el)}`);
    }
  }
  const links = [...document.querySelectorAll("a[href]")].map((a) => a.href);
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  return { problems, counts, links, ids };
}

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
  defaultViewport: { width: WIDTH, height: 900 },
});
const failures = [];
const idsByFile = new Map();
const linksByPage = new Map();
const totals = { pages: 0, tables: 0, pictures: 0, code: 0, codeLines: 0, cutLines: 0, links: 0 };
try {
  const page = await browser.newPage();
  for (const file of pages(site)) {
    const rel = path.relative(site, file);
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const { problems, counts, links, ids } = await page.evaluate(measure, SLACK, MIN_SCALE);
    totals.pages++;
    for (const k of Object.keys(counts)) totals[k] += counts[k];
    for (const p of problems) failures.push(`${rel}: ${p}`);
    idsByFile.set(file, new Set(ids));
    linksByPage.set(rel, links);
  }
} finally {
  await browser.close();
}

// Local links: the file exists; its anchor, if any, is an id on that page (pages outside the site's
// HTML, e.g. an SVG, only need to exist).
for (const [rel, links] of linksByPage) {
  for (const href of links) {
    if (!href.startsWith("file:")) continue;
    totals.links++;
    const url = new URL(href);
    const target = fileURLToPath(url);
    if (!fs.existsSync(target)) {
      failures.push(`${rel}: dead link: ${path.relative(site, target)}${url.hash}`);
      continue;
    }
    const anchor = decodeURIComponent(url.hash.slice(1));
    if (anchor && target.endsWith(".html") && idsByFile.has(target) && !idsByFile.get(target).has(anchor)) {
      failures.push(`${rel}: dead link: ${path.relative(site, target)}#${anchor} (no such id)`);
    }
  }
}

for (const f of failures) console.log(`browser check: ${f}`);
console.log(`browser check: ${totals.pages} pages at ${WIDTH} px: ${totals.tables} tables, ${totals.pictures} pictures, ` +
            `${totals.code} code blocks (${totals.codeLines} lines, ${totals.cutLines} cut off), ${totals.links} local links; ` +
            `${failures.length} problem(s)`);
process.exit(failures.length ? 1 : 0);
