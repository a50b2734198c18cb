// sbk's own checks of the elder-mode figures (MIIT 2021 适老化): returns a list of problems.
// Run in the page: text ≥ 18 px with line height ≥ 1.3, headings larger than the body,
// contrast ≥ 4.5:1 for every text, targets ≥ 60 × 60 px, no fixed or sticky overlay,
// no dialog, no animation or refresh.
() => {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < document.documentElement.scrollWidth;
  };
  const name = (el) => {
    const t = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim();
    return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}> "${t.slice(0, 24)}"`;
  };
  const rgb = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const bodySize = parseFloat(getComputedStyle(document.body).fontSize);
  if (bodySize < 18) problems.push(`body font ${bodySize}px < 18px`);
  // every element that shows text of its own
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "TITLE", "svg"].includes(el.tagName)) continue;
    if (el.closest("svg")) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (size < 18) problems.push(`text ${name(el)} ${size}px < 18px`);
    const lh = s.lineHeight === "normal" ? 1.2 * size : parseFloat(s.lineHeight);
    if (lh / size < 1.3 - 1e-6) problems.push(`line height ${name(el)} ${(lh / size).toFixed(2)} < 1.3`);
    const fg = rgb(s.color);
    if (fg) {
      const bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < 4.5) problems.push(`contrast ${name(el)} ${ratio.toFixed(2)}:1 < 4.5:1`);
    }
  }
  for (const tag of ["h1", "h2"]) {
    for (const h of document.querySelectorAll(tag)) {
      if (visible(h) && parseFloat(getComputedStyle(h).fontSize) <= bodySize)
        problems.push(`heading ${name(h)} not larger than the body text`);
    }
  }
  // click targets
  const targets = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex='-1'])";
  for (const el of document.querySelectorAll(targets)) {
    if (!visible(el)) continue;
    let box = el.getBoundingClientRect();
    if (el.type === "checkbox" || el.type === "radio") {
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) box = label.getBoundingClientRect();
    }
    if (box.width < 60 - 0.5 || box.height < 60 - 0.5)
      problems.push(`target ${name(el)} ${Math.round(box.width)}×${Math.round(box.height)} < 60×60`);
  }
  // nothing on top of the page, nothing that moves or advances by itself
  for (const el of document.querySelectorAll("body *")) {
    const p = getComputedStyle(el).position;
    if ((p === "fixed" || p === "sticky") && visible(el)) problems.push(`overlay ${name(el)} position:${p}`);
  }
  if (document.querySelector("dialog[open], [role=dialog], [role=alertdialog], marquee, meta[http-equiv=refresh]"))
    problems.push("a dialog, marquee or refresh is on the page");
  if (document.getAnimations && document.getAnimations().length) problems.push("animations run on the page");
  return problems;
}
